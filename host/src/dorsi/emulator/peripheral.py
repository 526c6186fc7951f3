"""The emulated dorsi peripheral: a bumble device that advertises and serves v1 GATT.

``EmulatedPeripheral`` puts a :class:`~dorsi.emulator.device.DeviceModel` on
an :class:`~dorsi.ble.air.EmulatedAir`: it advertises (flags, the 128-bit
dorsi service UUID and the model's short name, all within the 31-byte
advertising data because the in-process air does not deliver scan
responses), accepts one connection at a time, lets the central negotiate an
ATT MTU up to 247, forwards CCCD changes, control writes and status/battery
reads to the model, and carries the model's notifications through a bounded
transmit buffer where :class:`~dorsi.emulator.faults.LinkFaults` act.

A :class:`~dorsi.ble.link_security.SecurityPolicy` makes it behave like the
firmware with security on: LE Secure Connections bonding accepted only while
the pairing window is open, control writes (and optionally the stream
subscription) refused with ATT Insufficient Authentication / Encryption
unless the link is encrypted with a bonded central (see ``docs/security.md``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from bumble import att, gatt, hci
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device

from dorsi.ble.air import EmulatedAir
from dorsi.ble.link_security import SecurityPolicy, access_error
from dorsi.ble.pairing import prepare_device
from dorsi.emulator.device import DeviceModel
from dorsi.emulator.faults import LinkFaults
from dorsi.emulator.gatt_table import GattTable, build_gatt_table
from dorsi.protocol import spec

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

ADVERTISING_DATA_MAX = 31
LINK_LOST = hci.HCI_CONNECTION_TIMEOUT_ERROR  # what a central sees when the sensor walks away


def advertising_data(name: str) -> bytes:
    """Flags + 128-bit dorsi service UUID + complete local name (raises if over 31 bytes)."""
    data = bytes(
        AdvertisingData(
            [
                (AdvertisingData.FLAGS, bytes([0x06])),  # LE general discoverable, no BR/EDR
                (AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, bytes(UUID(spec.SERVICE_UUID))),
                (AdvertisingData.COMPLETE_LOCAL_NAME, name.encode()),
            ]
        )
    )
    if len(data) > ADVERTISING_DATA_MAX:
        room = ADVERTISING_DATA_MAX - (len(data) - len(name.encode()))
        raise ValueError(f"name {name!r} does not fit the advertising data (at most {room} bytes)")
    return data


class EmulatedPeripheral:
    """A dorsi sensor on the emulated air.

    Parameters
    ----------
    air : EmulatedAir
        The air to advertise on.
    model : DeviceModel
        What the sensor does (sampling, ring, commands, status).
    rssi_dbm : int
        RSSI the host's scanner reports for this sensor.
    tx_buffer : int
        Notifications the link buffer holds before stream notifications are refused.
    advertising_interval_ms : float
        Advertising interval.
    faults : LinkFaults or None
        Fault conditions; a fault-free ``LinkFaults`` by default.
    security : SecurityPolicy or None
        What needs a bonded, encrypted link; ``None``: nothing (the
        development default, :meth:`SecurityPolicy.open`).
    privacy : bool
        Advertise and connect with a resolvable private address (RPA, from
        the sensor's IRK) instead of the static identity address; bonded
        centrals resolve it with the IRK they received when pairing.

    Attributes
    ----------
    sent_ : int
        Notifications delivered to the central.
    refused_ : int
        Stream notifications refused (no subscriber, buffer full, stall).
    boots_ : int
        Boots so far (1 after :meth:`start`).
    asleep_ : bool
        In deep sleep (:meth:`sleep`): silent until :meth:`wake`.
    denied_ : int
        Protected operations refused with an ATT security error.
    pairings_refused_ : int
        Pairing requests refused (window closed or bond table full).
    """

    def __init__(
        self,
        air: EmulatedAir,
        model: DeviceModel,
        *,
        rssi_dbm: int = -55,
        tx_buffer: int = 24,
        advertising_interval_ms: float = 20.0,
        faults: LinkFaults | None = None,
        security: SecurityPolicy | None = None,
        privacy: bool = False,
    ) -> None:
        if tx_buffer < 1:
            raise ValueError(f"tx_buffer must be >= 1, got {tx_buffer}")
        advertising_data(model.name)  # validate the name early
        self.air = air
        self.model = model
        self.rssi_dbm = int(rssi_dbm)
        self.faults = faults or LinkFaults()
        self.security = security or SecurityPolicy.open()
        self.privacy = privacy
        self._pairing_until: float | None = None  # loop time the pairing window closes (None: open for good)
        self._tx_limit = tx_buffer
        self._adv_interval = advertising_interval_ms
        self._address = air.allocate_address()
        self._device: Device | None = None
        self._table: GattTable | None = None
        self._connection: Connection | None = None
        self._subscribed: dict[str, bool] = {}
        self._tx: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._run_task: asyncio.Task[None] | None = None
        self._tx_task: asyncio.Task[None] | None = None
        self._closed = False
        self._sleep_task: asyncio.Task[None] | None = None
        self.asleep_ = False
        self.sent_ = 0
        self.refused_ = 0
        self.boots_ = 0
        self.denied_ = 0
        self.pairings_refused_ = 0

    # --- identity ---------------------------------------------------------------
    @property
    def address(self) -> str:
        return self._address

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    @property
    def advertised_address(self) -> str:
        """The address on the air: the RPA with ``privacy``, else the static identity address."""
        if self._device is None:
            return self._address
        return str(self._device.random_address).removesuffix("/P")

    @property
    def link_encrypted(self) -> bool:
        """Whether the current connection is encrypted (the central paired)."""
        return self._connection is not None and self._connection.is_encrypted

    @property
    def mtu(self) -> int:
        return self._connection.att_mtu if self._connection is not None else spec.ATT_DEFAULT_MTU

    # --- lifecycle ----------------------------------------------------------------
    async def start(self) -> EmulatedPeripheral:
        """Power on, boot the model and start advertising; returns ``self``."""
        if self._device is not None:
            raise RuntimeError("peripheral already started")
        device = prepare_device(self.air.new_device(self.model.name, self._address), accept=self._accept_pairing)
        device.le_privacy_enabled = self.privacy  # power_on derives the RPA from the IRK
        table = build_gatt_table(
            read_status=lambda _c: self._guard(self.model.status, b""),
            read_battery=lambda _c: bytes([self._guard(self.model.battery, 0)]),
            write_control=self._on_control_write,
            manufacturer=self.model.manufacturer,
            model_number=self.model.model_number,
            firmware_revision=self.model.firmware_revision,
        )
        device.add_services(table.services)
        if self.security.stream:
            self._protect_cccd(device, table.stream)
        device.on(device.EVENT_CONNECTION, self._on_connection)
        device.gatt_server.on(device.gatt_server.EVENT_CHARACTERISTIC_SUBSCRIPTION, self._on_subscription)
        self._device, self._table = device, table
        await device.power_on()
        self.air.register(self)
        self.model.attach(self._notify, self._sleep_soon)
        self._boot()
        self._tx_task = asyncio.create_task(self._transmit(), name=f"{self.name}-tx")
        await self._advertise()
        return self

    async def close(self) -> None:
        """Stop the model, drop the connection and power off."""
        if self._closed:
            return
        self._closed = True
        if self._sleep_task is not None:
            self._sleep_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sleep_task
        await self._stop_model()
        if self._tx_task is not None:
            self._tx_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tx_task
        self.air.unregister(self)
        if self._device is not None:
            with contextlib.suppress(Exception):
                await self._device.stop_advertising()
            await self._drop_connection(hci.HCI_REMOTE_DEVICE_TERMINATED_CONNECTION_DUE_TO_POWER_OFF_ERROR)
            with contextlib.suppress(Exception):
                await self._device.power_off()

    def _boot(self) -> None:
        self.open_pairing_window(self.security.pairing_window_s)
        self.model.boot()
        self.boots_ += 1
        self._run_task = asyncio.create_task(self._run_model(), name=f"{self.name}-model")

    async def _run_model(self) -> None:
        try:
            await self.model.run()
        except asyncio.CancelledError:
            raise
        except Exception:  # a crashed model is a dead sensor, not a crashed host
            logger.exception("device model %s crashed", self.name)

    async def _stop_model(self) -> None:
        if self._run_task is not None:
            self._run_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._run_task
            self._run_task = None

    async def _advertise(self) -> None:
        assert self._device is not None
        await self._device.start_advertising(
            advertising_data=advertising_data(self.model.name),
            auto_restart=True,
            advertising_interval_min=self._adv_interval,
            advertising_interval_max=self._adv_interval,
        )

    # --- fault actions --------------------------------------------------------------
    async def disconnect(self, reason: int = LINK_LOST) -> bool:
        """Drop the connection from the sensor side; ``False`` if not connected."""
        return await self._drop_connection(reason)

    async def reboot(self, downtime_s: float = 0.05) -> None:
        """Reset the sensor: link dropped, RAM ring lost, ``seq`` restarts at 0.

        The sensor is silent for ``downtime_s`` and then advertises again.
        """
        await self._power_down()
        await asyncio.sleep(downtime_s)
        await self._power_up()

    # --- sleep ------------------------------------------------------------------------
    async def sleep(self) -> None:
        """Deep sleep (the SLEEP command or the firmware's idle timer): the model stops, the
        link drops and nothing advertises until :meth:`wake`."""
        if self.asleep_ or self._closed:
            return
        self.asleep_ = True
        await self._power_down()

    async def wake(self) -> None:
        """The sensor's button: it boots as at power-on and advertises again."""
        if not self.asleep_ or self._closed:
            return
        self.asleep_ = False
        await self._power_up()

    def _sleep_soon(self, delay_s: float) -> None:
        async def later() -> None:
            await asyncio.sleep(delay_s)
            await self.sleep()

        if self._sleep_task is None or self._sleep_task.done():
            self._sleep_task = asyncio.get_running_loop().create_task(later(), name=f"{self.name}-sleep")

    async def _power_down(self) -> None:
        assert self._device is not None
        await self._stop_model()
        with contextlib.suppress(Exception):
            await self._device.stop_advertising()
        await self._drop_connection(LINK_LOST)
        self._clear_tx()

    async def _power_up(self) -> None:
        self._boot()
        await self._advertise()

    # --- security -------------------------------------------------------------------
    def open_pairing_window(self, seconds: float | None = None) -> None:
        """Accept new bonds for ``seconds`` (``None``: from now on); the button press of the real sensor."""
        self._pairing_until = None if seconds is None else asyncio.get_running_loop().time() + seconds

    def close_pairing_window(self) -> None:
        """Refuse new bonds from now on (bonded centrals still re-encrypt)."""
        self._pairing_until = float("-inf")

    @property
    def pairing_open(self) -> bool:
        """Whether a pairing request would be accepted now (bond table permitting)."""
        return self._pairing_until is None or asyncio.get_running_loop().time() < self._pairing_until

    async def bonds(self) -> list[str]:
        """Identity addresses of the bonded centrals."""
        assert self._device is not None and self._device.keystore is not None
        return [address for address, _keys in await self._device.keystore.get_all()]

    async def forget_bonds(self) -> None:
        """Factory reset of the bond table."""
        assert self._device is not None and self._device.keystore is not None
        for address in await self.bonds():
            await self._device.keystore.delete(address)

    async def _accept_pairing(self) -> bool:
        try:
            accepted = self.pairing_open and len(await self.bonds()) < self.security.max_bonds
        except Exception:
            logger.exception("pairing decision failed on %s", self.name)
            accepted = False
        if not accepted:
            self.pairings_refused_ += 1
        return accepted

    async def _bonded(self, connection: Connection) -> bool:
        keystore = self._device.keystore if self._device is not None else None
        return keystore is not None and await keystore.get(str(connection.peer_address)) is not None

    async def _authorize(self, connection: object, required: bool) -> None:
        """Raise the ATT security error the policy demands for ``connection``."""
        if not required:
            return
        if not isinstance(connection, Connection):
            connection = getattr(connection, "connection", None)
        if not isinstance(connection, Connection):  # no link to judge: refuse
            error = access_error(True, False, False)
        else:
            error = access_error(True, connection.is_encrypted, await self._bonded(connection))
        if error is not None:
            self.denied_ += 1
            raise att.ATT_Error(error, message="link security insufficient")

    def _protect_cccd(self, device: Device, characteristic: gatt.Characteristic) -> None:
        """Make subscribing to ``characteristic`` (its CCCD write) need a bonded, encrypted link."""
        cccd = next(
            a for a in device.gatt_server.attributes
            if characteristic.handle < a.handle <= characteristic.end_group_handle
            and a.type == gatt.GATT_CLIENT_CHARACTERISTIC_CONFIGURATION_DESCRIPTOR
        )
        inner = cast(Any, cccd.value)

        async def write(bearer: object, value: bytes) -> None:
            await self._authorize(bearer, True)
            inner.write(bearer, value)

        cccd.value = att.AttributeValueV2(inner.read, write=write)

    async def _drop_connection(self, reason: int) -> bool:
        connection = self._connection
        if connection is None:
            return False
        try:
            await asyncio.wait_for(connection.disconnect(reason=reason), 2.0)
        except Exception:
            logger.debug("disconnect of %s raised", self.name, exc_info=True)
        return True

    # --- bumble callbacks (never raise) --------------------------------------------------
    def _guard(self, fn: Callable[[], _T], default: _T) -> _T:
        try:
            return fn()
        except Exception:
            logger.exception("device model %s raised in %s", self.name, getattr(fn, "__name__", fn))
            return default

    def _on_connection(self, connection: Connection) -> None:
        try:
            self._connection = connection
            self._subscribed = {}
            self.faults.on_reconnect()
            connection.on(connection.EVENT_DISCONNECTION, self._on_disconnection)
            connection.on(connection.EVENT_CONNECTION_ATT_MTU_UPDATE, self._on_mtu)
            self.model.connected(connection.att_mtu)
        except Exception:
            logger.exception("connection handling failed on %s", self.name)

    def _on_mtu(self) -> None:
        try:
            if self._connection is not None:
                self.model.connected(self._connection.att_mtu)
        except Exception:
            logger.exception("MTU update handling failed on %s", self.name)

    def _on_disconnection(self, reason: int) -> None:
        try:
            self._connection = None
            self._subscribed = {}
            self._clear_tx()  # whatever was in the link buffer is lost with the link
            self.model.disconnected()
        except Exception:
            logger.exception("disconnection handling failed on %s", self.name)

    def _on_subscription(self, _bearer: object, characteristic: object, notify: bool, indicate: bool) -> None:
        try:
            assert self._table is not None
            for name in ("stream", "status", "battery"):
                if characteristic is self._table.by_name(name):
                    self._subscribed[name] = bool(notify or indicate)
                    if name == "stream":
                        if notify:
                            self.faults.on_resubscribe()
                        self.model.subscribed(bool(notify))
        except Exception:
            logger.exception("subscription handling failed on %s", self.name)

    async def _on_control_write(self, connection: object, value: bytes) -> None:
        await self._authorize(connection, self.security.control)  # raises the ATT error to the central
        try:
            await self.model.control(bytes(value))
        except Exception:
            logger.exception("device model %s raised on control write %s", self.name, bytes(value).hex())

    # --- transmit path ---------------------------------------------------------------
    async def _notify(self, char: str, payload: bytes) -> bool:
        if char not in ("stream", "status", "battery"):
            raise ValueError(f"cannot notify on {char!r}")
        if self._connection is None or not self._subscribed.get(char, False):
            if char == "stream":
                self.refused_ += 1
            return False
        if char == "stream" and (self.faults.stalled_ or self._tx.qsize() >= self._tx_limit):
            self.refused_ += 1
            return False
        max_payload = self._connection.att_mtu - spec.ATT_NOTIFY_OVERHEAD
        if len(payload) > max_payload:
            raise ValueError(f"{len(payload)}-byte {char} notification exceeds MTU {self._connection.att_mtu}")
        self._tx.put_nowait((char, bytes(payload)))
        return True

    def _clear_tx(self) -> None:
        while not self._tx.empty():
            self._tx.get_nowait()

    async def _transmit(self) -> None:
        assert self._device is not None and self._table is not None
        while True:
            char, payload = await self._tx.get()
            try:
                if self.faults.delay_s > 0.0:
                    await asyncio.sleep(self.faults.delay_s)
                connection = self._connection
                if connection is None:
                    continue
                if char == "stream" and self.faults.lose():
                    continue
                await self._device.notify_subscriber(connection, self._table.by_name(char), payload)
                self.sent_ += 1
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("notification on %s failed", self.name)
