"""A bleak backend on bumble: scan and connect through an :class:`EmulatedAir`.

bleak takes a backend class (``BleakScanner(..., backend=...)``,
``BleakClient(..., backend=...)``) and instantiates it itself, so the air is
found through a class attribute: :func:`make_backends` returns subclasses
bound to one air; the bare classes fall back to ``EmulatedAir.current()``.
Host code stays the bleak public API; only the backend class differs.

Pitfalls handled here (see ``docs/ble.md``): connects are wrapped in
``asyncio.wait_for``; the ATT MTU is requested explicitly at connect time
(otherwise notifications are cut to 20 bytes); exceptions raised by user
callbacks are caught inside bumble callbacks so they cannot break the stack.

Security behaves like the desktop stacks: ``connect(pair=True)`` and
``pair()`` use the stored bond when there is one (encrypt) and LE Secure
Connections pairing with bonding otherwise; a read, write or subscription
answered with ATT Insufficient Authentication / Encryption is retried once
after encrypting with a stored bond, and otherwise raised as a ``BleakError``
that says the sensor needs pairing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, ClassVar, NamedTuple, TypeVar, cast

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import att, core, hci
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer

from dorsi.ble.air import MAX_ATT_MTU, EmulatedAir
from dorsi.ble.bumble_gatt import bleak_uuid, build_service_collection
from dorsi.ble.link_security import SECURITY_ERRORS, describe

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

_UUID_LIST_TYPES = (
    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_32_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
    AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
)
_SERVICE_DATA_TYPES = (
    AdvertisingData.SERVICE_DATA_16_BIT_UUID,
    AdvertisingData.SERVICE_DATA_32_BIT_UUID,
    AdvertisingData.SERVICE_DATA_128_BIT_UUID,
)


@contextlib.contextmanager
def _as_bleak_errors(what: str) -> Iterator[None]:
    """Re-raise bumble's errors as ``BleakError`` so host code sees one exception family."""
    try:
        yield
    except core.BaseBumbleError as error:
        raise BleakError(f"{what} failed: {error}") from error


def _att_error_code(error: BaseException) -> int | None:
    """The ATT error code behind a ``BleakError`` raised by :func:`_as_bleak_errors`, if any."""
    cause = error.__cause__
    return int(cause.error_code) if isinstance(cause, att.ATT_Error) else None


def _resolve_air(bound: EmulatedAir | None, kwargs: dict[str, Any]) -> EmulatedAir:
    air = kwargs.get("air") or bound
    return air if air is not None else EmulatedAir.current()


def advertisement_data(advertisement: Advertisement, rssi: int) -> AdvertisementData:
    """bleak's ``AdvertisementData`` from a bumble advertisement."""
    data = advertisement.data
    name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(AdvertisingData.SHORTENED_LOCAL_NAME)
    uuids: list[str] = []
    for type_id in _UUID_LIST_TYPES:
        for entry in data.get_all(type_id):  # lists of bumble UUIDs (bumble types these loosely)
            uuids.extend(bleak_uuid(u) for u in cast(Any, entry))
    uuids = list(dict.fromkeys(uuids))  # bumble may merge repeated reports of one advertiser
    manufacturer: dict[int, bytes] = {}
    for company, payload in cast(Any, data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA)):
        manufacturer[int(company)] = bytes(payload)
    service_data: dict[str, bytes] = {}
    for type_id in _SERVICE_DATA_TYPES:
        for service_uuid, payload in cast(Any, data.get_all(type_id)):
            service_data[bleak_uuid(service_uuid)] = bytes(payload)
    tx_power = data.get(AdvertisingData.TX_POWER_LEVEL)
    return AdvertisementData(
        local_name=name if isinstance(name, str) else None,
        manufacturer_data=manufacturer,
        service_data=service_data,
        service_uuids=uuids,
        tx_power=int(tx_power) if isinstance(tx_power, int) else None,
        rssi=rssi,
        platform_data=(advertisement,),
    )


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend listening on an :class:`EmulatedAir`."""

    air: ClassVar[EmulatedAir | None] = None

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        if scanning_mode not in ("active", "passive"):
            raise BleakError(f"scanning_mode must be 'active' or 'passive', got {scanning_mode!r}")
        self._air_kwargs = {"air": kwargs.get("air")}
        self._air: EmulatedAir | None = None
        self._central: Device | None = None

    async def start(self) -> None:
        if self._central is not None:
            return
        self.seen_devices = {}
        self._air = _resolve_air(type(self).air, self._air_kwargs)
        central = await self._air.central()
        central.on(central.EVENT_ADVERTISEMENT, self._on_advertisement)
        self._central = central
        await self._air.acquire_scan()

    async def stop(self) -> None:
        if self._central is None or self._air is None:
            return
        self._central.remove_listener(self._central.EVENT_ADVERTISEMENT, self._on_advertisement)
        self._central = None
        await self._air.release_scan()

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        # runs inside bumble's HCI event dispatch: never let an exception escape
        try:
            address = str(advertisement.address).removesuffix("/P")
            assert self._air is not None
            rssi = self._air.rssi_of(address)
            adv = advertisement_data(advertisement, advertisement.rssi if rssi is None else rssi)
            if not self.is_allowed_uuid(adv.service_uuids):
                return
            device = self.create_or_update_device(address, address, adv.local_name, advertisement.address, adv)
            self.call_detection_callbacks(device, adv)
        except Exception:
            logger.exception("advertisement handling failed")


class BumbleClient(BaseBleakClient):
    """bleak client backend: a GATT client over a bumble connection on an :class:`EmulatedAir`."""

    air: ClassVar[EmulatedAir | None] = None
    requested_mtu: ClassVar[int] = MAX_ATT_MTU

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.get("disconnected_callback"),
            timeout=float(kwargs.get("timeout", 10.0)),
        )
        self._device_name = address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        self._service_filter: set[str] | None = kwargs.get("services")
        self._air_kwargs = {"air": kwargs.get("air")}
        self._connection: Connection | None = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Any] = {}
        self._closing = False

    # --- properties -----------------------------------------------------------
    @property
    def name(self) -> str:
        return self._device_name or self.address

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    # --- connection -------------------------------------------------------------
    async def connect(self, pair: bool, **kwargs: Any) -> None:
        if self._connection is not None:
            return
        air = _resolve_air(type(self).air, self._air_kwargs)
        central = await air.central()
        address = hci.Address(self.address.upper(), hci.Address.RANDOM_DEVICE_ADDRESS)
        timeout = float(kwargs.get("timeout", self._timeout))
        async with air.connect_lock:
            try:
                connection = await asyncio.wait_for(central.connect(address, timeout=timeout), timeout + 0.5)
            except (asyncio.TimeoutError, core.TimeoutError) as error:
                await self._cancel_pending(central)
                raise BleakDeviceNotFoundError(self.address, f"connection to {self.address} timed out") from error
            except core.ConnectionError as error:
                raise BleakError(f"connection to {self.address} failed: {error}") from error
        self._closing = False
        self._connection = connection
        connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
        try:
            peer = Peer(connection)
            self._peer = peer
            await asyncio.wait_for(peer.request_mtu(self.requested_mtu), timeout)
            if pair:  # a refused pairing is a BleakError, as from pair() and the desktop backends
                with _as_bleak_errors(f"pairing with {self.address}"):
                    await asyncio.wait_for(self._secure(connection), timeout)
            if self._service_filter:
                for uuid in sorted(self._service_filter):
                    await asyncio.wait_for(peer.discover_service(core.UUID(uuid)), timeout)
            else:
                await asyncio.wait_for(peer.discover_services(), timeout)
            for service in peer.services:
                await asyncio.wait_for(peer.discover_characteristics(service=service), timeout)
                for characteristic in service.characteristics:
                    await asyncio.wait_for(peer.discover_descriptors(characteristic=characteristic), timeout)
            self.services = build_service_collection(peer.services, connection.att_mtu)
        except BaseException:
            await self.disconnect()
            raise

    @staticmethod
    async def _cancel_pending(central: Device) -> None:
        if central.is_le_connecting:
            try:
                await asyncio.wait_for(central.cancel_connection(), 1.0)
            except Exception:
                logger.debug("cancelling the pending connection failed", exc_info=True)

    async def disconnect(self) -> None:
        connection = self._connection
        if connection is None:
            return
        self._closing = True
        try:
            await asyncio.wait_for(
                connection.disconnect(reason=hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR), self._timeout
            )
        except Exception:
            logger.debug("disconnect of %s raised", self.address, exc_info=True)
        self._forget()

    def _forget(self) -> None:
        self._connection = None
        self._peer = None
        self._subscribers.clear()

    def _on_disconnection(self, reason: int) -> None:
        try:
            expected = self._closing
            self._forget()
            logger.debug("%s disconnected (reason 0x%02X, expected=%s)", self.address, reason, expected)
            if not expected and self._disconnected_callback is not None:
                asyncio.get_running_loop().call_soon(self._disconnected_callback)
        except Exception:
            logger.exception("disconnection handling failed")

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        if self._connection is None:
            raise BleakError("not connected")
        with _as_bleak_errors(f"pairing with {self.address}"):
            await asyncio.wait_for(self._secure(self._connection), self._timeout)

    async def _bond_keys(self, connection: Connection) -> Any:
        keystore = connection.device.keystore
        return None if keystore is None else await keystore.get(str(connection.peer_address))

    async def _secure(self, connection: Connection) -> None:
        """Encrypt with the stored bond, or pair (LE SC, bonding) when there is none."""
        if connection.is_encrypted:
            return
        if await self._bond_keys(connection) is not None:
            try:
                await self._encrypt(connection)
                return
            except BleakError:  # the sensor lost the bond: pair again if the link is still up
                logger.info("%s: encryption with the stored bond failed; pairing again", self.address)
                if self._connection is None:
                    raise
        await connection.pair()

    async def _encrypt(self, connection: Connection) -> None:
        """Encrypt with the stored bond; a refusal or a dropped link is a ``BleakError``."""
        stale = (f"encryption with {self.address} failed: the sensor does not know this computer's bond "
                 "any more (was it reset?); pair it again with 'dorsi pair'")
        try:
            await connection.encrypt()
        except core.BaseBumbleError as error:  # key missing on the sensor side
            raise BleakError(f"{stale} [{error}]") from error
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # we are being cancelled
            # bumble cancels the wait when the link drops (the sensor holds a different key)
            raise BleakError(stale) from None

    async def _protected(self, what: str, operation: Callable[[], Awaitable[_T]]) -> _T:
        """Run a GATT operation; on an ATT security error encrypt with a stored bond and retry once."""
        try:
            with _as_bleak_errors(what):
                return await asyncio.wait_for(operation(), self._timeout)
        except BleakError as error:
            code = _att_error_code(error)
            if code not in SECURITY_ERRORS:
                raise
            connection = self._connection
            if connection is None or connection.is_encrypted or await self._bond_keys(connection) is None:
                raise BleakError(f"{what} refused: {describe(code)}") from error
            await asyncio.wait_for(self._encrypt(connection), self._timeout)
            with _as_bleak_errors(what):
                return await asyncio.wait_for(operation(), self._timeout)

    async def unpair(self) -> None:
        air = _resolve_air(type(self).air, self._air_kwargs)
        central = await air.central()
        if central.keystore is not None:
            await central.keystore.delete(self.address.upper())

    # --- GATT I/O ---------------------------------------------------------------
    def _require_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError("not connected")
        return self._peer

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(characteristic.obj, characteristic.handle, use_cached)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        return await self._read(descriptor.obj, descriptor.handle, use_cached)

    async def _read(self, proxy: Any, handle: int, use_cached: bool) -> bytearray:
        peer = self._require_peer()
        if use_cached and handle in peer.gatt_client.cached_values:
            return bytearray(peer.gatt_client.cached_values[handle][1])
        return bytearray(await self._protected(f"read of handle {handle}", lambda: peer.read_value(proxy)))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool) -> None:
        peer = self._require_peer()
        payload = bytes(data)
        await self._protected(
            f"write to {characteristic.uuid}",
            lambda: peer.write_value(characteristic.obj, payload, with_response=response),
        )

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: SizedBuffer) -> None:
        peer = self._require_peer()
        payload = bytes(data)
        await self._protected(
            f"write to descriptor {descriptor.handle}",
            lambda: peer.write_value(descriptor.obj, payload, with_response=True),
        )

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any) -> None:
        peer = self._require_peer()
        await self.stop_notify(characteristic)

        def subscriber(value: bytes) -> None:
            # runs inside bumble's ATT dispatch: a user error must not break the stack
            try:
                callback(bytearray(value))
            except Exception:
                logger.exception("notification callback for %s raised", characteristic.uuid)

        self._subscribers[characteristic.handle] = subscriber
        try:
            await self._protected(
                f"subscription to {characteristic.uuid}", lambda: peer.subscribe(characteristic.obj, subscriber)
            )
        except BaseException:
            self._subscribers.pop(characteristic.handle, None)
            raise

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        peer = self._require_peer()
        subscriber = self._subscribers.pop(characteristic.handle, None)
        if subscriber is not None:
            with _as_bleak_errors(f"unsubscription from {characteristic.uuid}"):
                await asyncio.wait_for(peer.unsubscribe(characteristic.obj, subscriber), self._timeout)


class BleakBackends(NamedTuple):
    """A scanner and a client backend class bound to one air."""

    scanner: type[BumbleScanner]
    client: type[BumbleClient]


def make_backends(air: EmulatedAir) -> BleakBackends:
    """Backend classes bound to ``air`` (bleak instantiates them itself)."""
    scanner = type("BumbleScanner", (BumbleScanner,), {"air": air, "__module__": __name__})
    client = type("BumbleClient", (BumbleClient,), {"air": air, "__module__": __name__})
    return BleakBackends(scanner, client)
