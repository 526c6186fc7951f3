"""``SensorLink``: the host's BLE transport to one or two dorsi sensors.

Scans by service UUID (or takes known addresses), opens a
:class:`~dorsi.ble.sensor_connection.SensorConnection` per role (shin, and
optionally foot), and merges their stream packets and gaps into one ordered
event queue, consumed as an async iterator or through a callback::

    async with SensorLink(("shin", "foot")) as link:
        async for event in link:
            if isinstance(event, StreamPacket): ...   # event.payload: one v1 packet
            else: ...                                 # Gap: samples never received

It is bleak's public API throughout; run it on the emulated air by passing
``scanner_backend`` / ``client_backend`` from ``EmulatedAir().backends()``.
Decoding payloads into ``SampleBatch`` is ``dorsi.protocol``'s job;
:meth:`SensorLink.batches` runs one ``StreamDecoder`` per role and epoch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import BaseBleakScanner

from dorsi.ble.discovery import scan_sensors
from dorsi.ble.events import Gap, LinkEvent, StreamPacket
from dorsi.ble.sensor_connection import SensorConnection
from dorsi.protocol import Status, StreamDecoder
from dorsi.protocol.spec import Command
from dorsi.samples import ROLES, SampleBatch


class SensorNotFoundError(LookupError):
    """A wanted sensor did not show up during the scan."""


class SensorLink:
    """Connections to the sensors of one session, with recovery.

    Parameters
    ----------
    roles : tuple of str
        ``("shin",)`` or ``("shin", "foot")``.
    addresses : dict or None
        ``role -> address or BLEDevice``; roles not listed are found by scanning.
    names : dict or None
        ``role -> advertised name`` to pick among several sensors of a role
        (default: the strongest sensor whose name says its role).
    scanner_backend, client_backend : type or None
        bleak backends (``None``: the platform's radio).
    scan_timeout : float
        Seconds to look for the sensors.
    on_event : callable or None
        Called with every event as it arrives (in addition to the queue).
    queue_size : int
        Events buffered for the async iterator (0: unbounded); when full,
        the oldest event is discarded and counted in ``overruns_``.
    **connection_options
        Passed to every ``SensorConnection`` (timeouts, back-off, ...).

    Attributes
    ----------
    sensors : dict
        ``role -> SensorConnection`` once open.
    gaps_ : list of Gap
        Every gap reported so far.
    overruns_ : int
        Events dropped because the consumer fell behind.
    """

    def __init__(
        self,
        roles: tuple[str, ...] = ("shin",),
        *,
        addresses: dict[str, BLEDevice | str] | None = None,
        names: dict[str, str] | None = None,
        scanner_backend: type[BaseBleakScanner] | None = None,
        client_backend: type[BaseBleakClient] | None = None,
        scan_timeout: float = 10.0,
        on_event: Callable[[LinkEvent], None] | None = None,
        queue_size: int = 0,
        **connection_options: float | int | None,
    ) -> None:
        roles = tuple(roles)
        if not roles or len(set(roles)) != len(roles) or any(r not in ROLES for r in roles):
            raise ValueError(f"roles must be distinct values from {ROLES}, got {roles}")
        self.roles = roles
        self.addresses = dict(addresses or {})
        self.names = dict(names or {})
        unknown = (set(self.addresses) | set(self.names)) - set(roles)
        if unknown:
            raise ValueError(f"addresses or names given for roles not requested: {sorted(unknown)}")
        self.scanner_backend = scanner_backend
        self.client_backend = client_backend
        self.scan_timeout = scan_timeout
        self._on_event = on_event
        self._queue: asyncio.Queue[LinkEvent] = asyncio.Queue()
        self._queue_size = queue_size
        self._options = connection_options
        self.sensors: dict[str, SensorConnection] = {}
        self.gaps_: list[Gap] = []
        self.overruns_ = 0

    # --- lifecycle --------------------------------------------------------------
    async def __aenter__(self) -> SensorLink:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> SensorLink:
        """Find and connect every sensor (concurrently); raises if one cannot be had."""
        devices = dict(self.addresses)
        missing = tuple(r for r in self.roles if r not in devices)
        if missing:
            wanted_names = tuple(self.names[r] for r in missing if r in self.names)
            seen = await scan_sensors(self.scan_timeout, missing, self.scanner_backend, wanted_names)
            for role in missing:
                name = self.names.get(role)
                match = next((s for s in seen if (s.name == name if name else s.role == role)), None)
                if match is None:
                    what = f"{role} sensor" + (f" named {name!r}" if name else "")
                    raise SensorNotFoundError(f"no {what} found within {self.scan_timeout} s: asleep (press its "
                                              "button), switched off, flat or out of range?")
                devices[role] = match.device
        for role in self.roles:
            self.sensors[role] = SensorConnection(
                role, devices[role], self._emit, client_backend=self.client_backend, **self._options  # type: ignore[arg-type]
            )
        try:
            await asyncio.gather(*(s.open() for s in self.sensors.values()))
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sensors.values()), return_exceptions=True)

    # --- events -----------------------------------------------------------------------
    def _emit(self, event: LinkEvent) -> None:
        if isinstance(event, Gap):
            self.gaps_.append(event)
        if self._queue_size and self._queue.qsize() >= self._queue_size:
            self._queue.get_nowait()
            self.overruns_ += 1
        self._queue.put_nowait(event)
        if self._on_event is not None:
            self._on_event(event)

    def __aiter__(self) -> AsyncIterator[LinkEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[LinkEvent]:
        while True:
            yield await self._queue.get()

    async def batches(self) -> AsyncIterator[SampleBatch | Gap]:
        """The stream decoded: a ``SampleBatch`` per packet, ``Gap`` events passed through.

        Each batch's ``meta`` carries ``host_time`` and ``epoch``. Consumes the
        same queue as iterating the link itself: use one or the other.
        """
        decoders: dict[tuple[str, int], StreamDecoder] = {}
        async for event in self:
            if isinstance(event, Gap):
                yield event
                continue
            decoder = decoders.setdefault((event.role, event.epoch), StreamDecoder(errors="skip"))
            batch = decoder.feed([event.payload])
            if batch is not None:
                batch.meta.update(host_time=event.host_time, epoch=event.epoch)
                yield batch

    async def next_event(self, timeout: float | None = None) -> LinkEvent:
        """The next event (raises ``TimeoutError`` after ``timeout`` seconds)."""
        return await asyncio.wait_for(self._queue.get(), timeout)

    def drain(self) -> list[LinkEvent]:
        """Every event queued so far, without waiting."""
        events = []
        while not self._queue.empty():
            events.append(self._queue.get_nowait())
        return events

    # --- control ------------------------------------------------------------------------
    async def command(self, role: str, command: Command, argument: int | None = None) -> Status:
        """Send a command to one sensor; returns the status carrying its result."""
        return await self._sensor(role).command(command, argument)

    async def command_all(self, command: Command, argument: int | None = None) -> dict[str, Status]:
        """Send a command to every sensor concurrently."""
        results = await asyncio.gather(*(s.command(command, argument) for s in self.sensors.values()))
        return dict(zip(self.sensors, results))

    def _sensor(self, role: str) -> SensorConnection:
        try:
            return self.sensors[role]
        except KeyError:
            raise ValueError(f"no {role} sensor on this link (roles: {self.roles})") from None


__all__ = ["Gap", "SensorLink", "SensorNotFoundError", "StreamPacket"]
