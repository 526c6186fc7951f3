"""The emulated air: an in-process radio shared by the host and emulated sensors.

``EmulatedAir`` owns one bumble ``LocalLink`` (the "air"), the host's central
bumble ``Device`` (the "adapter") and the registry of emulated peripherals.
Every bumble object lives on the event loop that first uses the air; bleak
and bumble must share that loop.

The bleak backend in :mod:`dorsi.ble.bumble_backend` finds its air either
through the configured subclasses returned by :meth:`EmulatedAir.backends`
or, failing that, through :meth:`EmulatedAir.current` (the most recently
opened air).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, ClassVar, Protocol

from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

if TYPE_CHECKING:
    from dorsi.ble.bumble_backend import BleakBackends

logger = logging.getLogger(__name__)

MAX_ATT_MTU = 247
"""Largest ATT MTU the emulated devices negotiate (as on ESP32 NimBLE builds)."""

LE_DATA_LENGTH = 251
"""LE Data Length Extension payload; one 247-byte ATT PDU fits one link packet."""


class AirPeripheral(Protocol):
    """What the air needs to know about a registered peripheral."""

    @property
    def address(self) -> str: ...

    @property
    def rssi_dbm(self) -> int: ...

    async def close(self) -> None: ...


class EmulatedAir:
    """An in-process BLE medium with one central and any number of peripherals.

    Parameters
    ----------
    address_prefix : str
        First five bytes of the static random addresses handed out, as
        ``"XX:XX:XX:XX:XX"``; the top two bits of the first byte must be set
        (static random address).

    Notes
    -----
    Use as ``async with EmulatedAir() as air: ...``; closing powers every
    peripheral off and makes the air unusable.
    """

    _current: ClassVar[EmulatedAir | None] = None

    def __init__(self, address_prefix: str = "F0:D0:51:00:00") -> None:
        parts = address_prefix.split(":")
        if len(parts) != 5 or any(len(p) != 2 for p in parts):
            raise ValueError(f"address_prefix must be 5 hex bytes 'XX:XX:XX:XX:XX', got {address_prefix!r}")
        if int(parts[0], 16) & 0xC0 != 0xC0:
            raise ValueError("a static random address needs the two top bits of its first byte set")
        self._prefix = address_prefix.upper()
        self._next_host_id = 1
        self._link: LocalLink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._central: Device | None = None
        self._central_lock: asyncio.Lock | None = None
        self._connect_lock: asyncio.Lock | None = None
        self._scan_users = 0
        self._peripherals: dict[str, AirPeripheral] = {}
        self._closed = False

    # --- registry -------------------------------------------------------------
    @classmethod
    def current(cls) -> EmulatedAir:
        """The most recently opened air; raises ``RuntimeError`` when none is open."""
        if cls._current is None or cls._current._closed:
            raise RuntimeError(
                "no EmulatedAir is open: open one (async with EmulatedAir() as air) "
                "or pass backends from air.backends()"
            )
        return cls._current

    async def __aenter__(self) -> EmulatedAir:
        self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def open(self) -> EmulatedAir:
        """Make this air :meth:`current` and bind it to the running loop."""
        self._bind_loop()
        EmulatedAir._current = self
        return self

    async def close(self) -> None:
        """Power off every peripheral and the central; the air cannot be reused."""
        if self._closed:
            return
        self._closed = True
        for peripheral in list(self._peripherals.values()):
            try:
                await peripheral.close()
            except Exception:  # closing must go on for the others
                logger.exception("closing peripheral %s failed", peripheral.address)
        self._peripherals.clear()
        if self._central is not None:
            try:
                await self._central.power_off()
            except Exception:
                logger.debug("central power-off failed", exc_info=True)
            self._central = None
        if EmulatedAir._current is self:
            EmulatedAir._current = None

    @property
    def closed(self) -> bool:
        return self._closed

    # --- building devices ----------------------------------------------------
    def _bind_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if self._closed:
            raise RuntimeError("this EmulatedAir is closed")
        if self._loop is None:
            self._loop = loop
            self._link = LocalLink()
            self._central_lock = asyncio.Lock()
            self._connect_lock = asyncio.Lock()
        elif self._loop is not loop:
            raise RuntimeError("an EmulatedAir is bound to the event loop that first used it")
        return loop

    def allocate_address(self) -> str:
        """A fresh static random address on this air."""
        if self._next_host_id > 0xFF:
            raise RuntimeError("address space of this air exhausted")
        address = f"{self._prefix}:{self._next_host_id:02X}"
        self._next_host_id += 1
        return address

    def new_device(self, name: str, address: str | None = None) -> Device:
        """A bumble ``Device`` on its own virtual controller attached to the air.

        Must be called with the air's event loop running. The controller
        advertises LE Data Length Extension so one 247-byte ATT PDU travels
        as one link-layer packet.
        """
        self._bind_loop()
        address = address or self.allocate_address()
        controller = Controller(name, link=self._link, public_address=address)
        controller.le_acl_data_packet_length = LE_DATA_LENGTH
        controller.supported_max_tx_octets = LE_DATA_LENGTH
        controller.supported_max_rx_octets = LE_DATA_LENGTH
        controller.suggested_max_tx_octets = LE_DATA_LENGTH
        device = Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
        device.gatt_server.max_mtu = MAX_ATT_MTU
        return device

    async def central(self) -> Device:
        """The host's central device (created and powered on at first use)."""
        self._bind_loop()
        assert self._central_lock is not None
        async with self._central_lock:
            if self._central is None:
                from dorsi.ble.pairing import prepare_device  # LE Secure Connections with bonding

                device = prepare_device(self.new_device("dorsi-host"))
                await device.power_on()
                self._central = device
        return self._central

    @property
    def connect_lock(self) -> asyncio.Lock:
        """Serialises LE connection attempts (bumble allows one pending at a time)."""
        self._bind_loop()
        assert self._connect_lock is not None
        return self._connect_lock

    async def acquire_scan(self) -> Device:
        """Start scanning on the central (reference counted); returns the central."""
        central = await self.central()
        self._scan_users += 1
        if self._scan_users == 1:
            await central.start_scanning(filter_duplicates=False)
        return central

    async def release_scan(self) -> None:
        """Undo one :meth:`acquire_scan`; scanning stops with the last user."""
        if self._scan_users == 0:
            return
        self._scan_users -= 1
        if self._scan_users == 0 and self._central is not None and not self._closed:
            await self._central.stop_scanning()

    # --- peripherals --------------------------------------------------------
    def register(self, peripheral: AirPeripheral) -> None:
        """Register an emulated peripheral (done by the peripheral itself)."""
        if peripheral.address in self._peripherals:
            raise ValueError(f"address {peripheral.address} already on this air")
        self._peripherals[peripheral.address] = peripheral

    def unregister(self, peripheral: AirPeripheral) -> None:
        self._peripherals.pop(peripheral.address, None)

    @property
    def peripherals(self) -> list[AirPeripheral]:
        """Registered peripherals in registration order."""
        return list(self._peripherals.values())

    def rssi_of(self, address: str) -> int | None:
        """Emulated RSSI of a registered peripheral (``None`` if unknown)."""
        peripheral = self._peripherals.get(address.upper())
        if peripheral is None:  # a peripheral advertising a resolvable private address
            peripheral = next((p for p in self._peripherals.values()
                               if getattr(p, "advertised_address", None) == address.upper()), None)
        return None if peripheral is None else peripheral.rssi_dbm

    def backends(self) -> BleakBackends:
        """bleak backend classes bound to this air: ``BleakScanner(backend=b.scanner)``."""
        from dorsi.ble.bumble_backend import make_backends

        return make_backends(self)
