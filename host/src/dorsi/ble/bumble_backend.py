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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any, ClassVar, NamedTuple

from bleak.args import SizedBuffer
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.exc import BleakDeviceNotFoundError, BleakError
from bumble import core, hci
from bumble.core import AdvertisingData
from bumble.device import Advertisement, Connection, Device, Peer

from dorsi.ble.air import MAX_ATT_MTU, EmulatedAir
from dorsi.ble.bumble_gatt import bleak_uuid, build_service_collection

logger = logging.getLogger(__name__)

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


def _resolve_air(bound: EmulatedAir | None, kwargs: dict[str, Any]) -> EmulatedAir:
    air = kwargs.get("air") or bound
    return air if air is not None else EmulatedAir.current()


def advertisement_data(advertisement: Advertisement, rssi: int) -> AdvertisementData:
    """bleak's ``AdvertisementData`` from a bumble advertisement."""
    data = advertisement.data
    name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or data.get(AdvertisingData.SHORTENED_LOCAL_NAME)
    uuids: list[str] = []
    for type_id in _UUID_LIST_TYPES:
        for entry in data.get_all(type_id):
            uuids.extend(bleak_uuid(u) for u in entry)  # type: ignore[union-attr]
    uuids = list(dict.fromkeys(uuids))  # bumble may merge repeated reports of one advertiser
    manufacturer: dict[int, bytes] = {}
    for company, payload in data.get_all(AdvertisingData.MANUFACTURER_SPECIFIC_DATA):  # type: ignore[misc]
        manufacturer[int(company)] = bytes(payload)
    service_data: dict[str, bytes] = {}
    for type_id in _SERVICE_DATA_TYPES:
        for service_uuid, payload in data.get_all(type_id):  # type: ignore[misc]
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
            if pair:
                await asyncio.wait_for(connection.pair(), timeout)
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
        await asyncio.wait_for(self._connection.pair(), self._timeout)

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
        with _as_bleak_errors(f"read of handle {handle}"):
            return bytearray(await asyncio.wait_for(peer.read_value(proxy), self._timeout))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool) -> None:
        peer = self._require_peer()
        with _as_bleak_errors(f"write to {characteristic.uuid}"):
            await asyncio.wait_for(
                peer.write_value(characteristic.obj, bytes(data), with_response=response), self._timeout
            )

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: SizedBuffer) -> None:
        peer = self._require_peer()
        with _as_bleak_errors(f"write to descriptor {descriptor.handle}"):
            await asyncio.wait_for(peer.write_value(descriptor.obj, bytes(data), with_response=True), self._timeout)

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
        with _as_bleak_errors(f"subscription to {characteristic.uuid}"):
            await asyncio.wait_for(peer.subscribe(characteristic.obj, subscriber), self._timeout)

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
