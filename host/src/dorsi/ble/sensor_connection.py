"""One sensor's link, kept alive: connect, subscribe, commands, watchdog, reconnection.

``SensorConnection`` uses bleak's public API only. After every (re)connection
it reads the status, detects a device reboot (the device's ``next_seq`` is
behind the host's, or its status shows no command since boot although the
host has sent some: a new epoch), asks for the backlog from the first sample
not yet received (``BACKLOG(next_seq)``), re-subscribes and restores
START/STOP, so the stream resumes with every ``seq`` delivered once. Reconnection attempts back off
exponentially: ``delay_k = min(backoff_max_s, backoff_initial_s * 2**k)``.

The watchdog looks at the time since the last stream notification while the
device reports it is sampling: past ``stall_timeout_s`` it first
re-subscribes (with a backlog request); if the stream is still silent after
another ``stall_timeout_s`` it drops the link and reconnects.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from dorsi.ble.events import Gap, LinkEvent, StreamPacket
from dorsi.ble.sequence import SequenceTracker
from dorsi.protocol import ProtocolError, Reassembler, Status, encode_command, spec
from dorsi.protocol.spec import Command, Result
from dorsi.samples import ROLES

logger = logging.getLogger(__name__)

#: How old a status value read from the sensor can be (the firmware refreshes it about
#: once a second); used to tell a stale ``next_seq`` from a reboot.
STATUS_STALENESS_S = 2.0


class CommandError(RuntimeError):
    """A control command got no status result."""


_LINK_ERRORS = (BleakError, TimeoutError, ProtocolError, CommandError, OSError, EOFError)


class SensorConnection:
    """A self-healing link to one dorsi sensor.

    Parameters
    ----------
    role : str
        Expected role; the sensor's status must agree.
    device : BLEDevice or str
        The sensor (from a scan) or its address.
    emit : callable
        Receives every ``StreamPacket`` and ``Gap``, in order, on the event loop.
    client_backend : type or None
        bleak client backend (``None``: the platform's).
    connect_timeout : float
        Seconds per connection attempt (the connect is wrapped in ``asyncio.wait_for``).
    command_timeout : float
        Seconds to wait for a command's status result.
    stall_timeout_s : float
        Stream silence that counts as a stall while the device is sampling.
    backoff_initial_s, backoff_max_s : float
        Reconnection back-off.
    max_attempts : int or None
        Give up after this many failed attempts in a row (``None``: never).
    pair : bool
        Secure every connection before using it: encrypt with the stored bond,
        or pair and bond when there is none (bleak's ``pair=True``). Without
        it, a sensor that protects its control point is still used when a
        bond exists (the stack encrypts on the sensor's ATT security error).

    Attributes
    ----------
    status_ : Status or None
        Latest status (read or notified).
    battery_ : int or None
        Latest battery level (%).
    mtu_ : int
        ATT MTU of the current connection.
    epoch_ : int
        Device boot epochs seen (0 until a reboot is detected).
    reconnects_, resubscribes_, stalls_, rejected_ : int
        Recovery counters; ``rejected_`` counts malformed notifications.
    failed_ : BaseException or None
        Why reconnection was abandoned (``max_attempts`` reached).
    """

    def __init__(
        self,
        role: str,
        device: BLEDevice | str,
        emit: Callable[[LinkEvent], None],
        *,
        client_backend: type[BaseBleakClient] | None = None,
        connect_timeout: float = 5.0,
        command_timeout: float = 2.0,
        stall_timeout_s: float = 1.0,
        backoff_initial_s: float = 0.1,
        backoff_max_s: float = 2.0,
        max_attempts: int | None = None,
        pair: bool = False,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {role!r}")
        if not (stall_timeout_s > 0 and connect_timeout > 0 and command_timeout > 0):
            raise ValueError("timeouts must be positive")
        if not 0 < backoff_initial_s <= backoff_max_s:
            raise ValueError("need 0 < backoff_initial_s <= backoff_max_s")
        self.role = role
        self.device = device
        self._emit = emit
        self._backend = client_backend
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self.stall_timeout_s = stall_timeout_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.max_attempts = max_attempts
        self.pair = pair
        self.tracker = SequenceTracker()
        self._reassembler = Reassembler()
        self._client: BleakClient | None = None
        self._lost = asyncio.Event()
        self._command_lock = asyncio.Lock()
        self._pending: tuple[int, asyncio.Future[Status]] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._closing = False
        self._last_data = 0.0  # host time of the last stream packet
        self._subscribed_at = 0.0  # host time of the last stream subscription
        self._stall_stage = 0
        self._want_streaming = True  # START / STOP as last asked by the host, restored on reconnect
        self._stop_pending = False
        self._commanded = False  # the device has answered a command of ours since its boot
        self.status_: Status | None = None
        self.battery_: int | None = None
        self.mtu_ = spec.ATT_DEFAULT_MTU
        self.epoch_ = 0
        self.reconnects_ = 0
        self.resubscribes_ = 0
        self.stalls_ = 0
        self.rejected_ = 0
        self.failed_: BaseException | None = None

    # --- lifecycle --------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    @property
    def address(self) -> str:
        return self.device.address if isinstance(self.device, BLEDevice) else self.device

    @property
    def name(self) -> str | None:
        """Advertised name when the sensor was found by scanning, else ``None``."""
        return self.device.name if isinstance(self.device, BLEDevice) else None

    async def open(self) -> SensorConnection:
        """Connect and subscribe (raises if the first connection fails), then supervise."""
        await self._connect()
        self._supervisor = asyncio.create_task(self._supervise(), name=f"dorsi-{self.role}-link")
        return self

    async def close(self) -> None:
        """Stop supervising and disconnect."""
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            try:
                await self._supervisor
            except asyncio.CancelledError:
                pass
        await self._drop_client()

    # --- connecting ---------------------------------------------------------------
    async def _connect(self) -> None:
        client = BleakClient(
            self.device, disconnected_callback=self._on_disconnected, backend=self._backend,
            timeout=self.connect_timeout, pair=self.pair,
        )
        await asyncio.wait_for(client.connect(), self.connect_timeout + 1.0)
        self._client = client
        self._lost.clear()
        self._reassembler = Reassembler()
        try:
            self.mtu_ = client.mtu_size
            status = Status.unpack(bytes(await client.read_gatt_char(spec.STATUS_UUID)))
            if ROLES[int(status.role)] != self.role:
                raise BleakError(f"{self.address} is a {ROLES[int(status.role)]} sensor, expected {self.role}")
            self._check_epoch(status)
            self.status_ = status
            self.battery_ = (await client.read_gatt_char(spec.BATTERY_LEVEL_UUID))[0]
            await client.start_notify(spec.STATUS_UUID, self._on_status)
            await client.start_notify(spec.BATTERY_LEVEL_UUID, self._on_battery)
            await self._subscribe_stream()
        except BaseException:
            await self._drop_client()
            raise

    def _check_epoch(self, status: Status) -> None:
        expected = self.tracker.next_seq
        if expected is None:
            return
        # the device counts from 0 again, or has forgotten the commands it was sent:
        # it rebooted and its ring is gone. The status value may be up to a refresh
        # period old (the firmware rewrites it about once a second), so a next_seq a
        # little behind what we already received is staleness, not a reboot.
        stale = min(STATUS_STALENESS_S * max(status.rate_hz, 1), expected // 2)
        if status.next_seq < expected - stale or (self._commanded and status.result is Result.NONE):
            self._emit(Gap(self.role, expected, None, "reboot", self._now(), self.epoch_))
            self.epoch_ += 1
            self.tracker.reset()

    async def _subscribe_stream(self) -> None:
        client = self._require_client()
        if self.tracker.next_seq is not None:
            await self.command(Command.BACKLOG, self.tracker.next_seq)
        await client.start_notify(spec.STREAM_UUID, self._on_stream)
        self._subscribed_at = self._now()
        # restore START/STOP (a sensor may boot with streaming off); this also leaves a
        # command in the device's status, whose loss later reveals a reboot
        await self.command(Command.START if self._want_streaming else Command.STOP)

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.disconnect(), self.connect_timeout)
            except _LINK_ERRORS:
                logger.debug("disconnect of %s failed", self.address, exc_info=True)

    def _on_disconnected(self, client: BleakClient) -> None:
        if client is self._client and not self._closing:
            logger.info("%s sensor %s: link lost", self.role, self.address)
            self._client = None
            self._lost.set()

    # --- supervision ------------------------------------------------------------------
    async def _supervise(self) -> None:
        period = self.stall_timeout_s / 4
        while not self._closing:
            try:
                await asyncio.wait_for(self._lost.wait(), period)
            except TimeoutError:
                try:
                    await self._watchdog()
                except Exception:  # the supervisor must outlive any surprise
                    logger.exception("%s watchdog failed; reconnecting", self.role)
                    self._lost.set()
                continue
            if not await self._reconnect():
                return

    def _expects_data(self) -> bool:
        if self._stop_pending:  # silence after a STOP is asked for, not a stall
            return False
        return self.is_connected and self.status_ is not None and self.status_.streaming

    async def _watchdog(self) -> None:
        if not self._expects_data():
            self._stall_stage = 0
            return
        if self._last_data > self._subscribed_at:
            self._stall_stage = 0  # data flowed since the last (re)subscription
        if self._now() - max(self._last_data, self._subscribed_at) <= self.stall_timeout_s:
            return
        if self._stall_stage == 0:
            self.stalls_ += 1
            self.resubscribes_ += 1
            self._stall_stage = 1
            logger.info("%s stream stalled: re-subscribing", self.role)
            try:
                await self._require_client().stop_notify(spec.STREAM_UUID)
                await self._subscribe_stream()
            except _LINK_ERRORS:
                self._lost.set()
        else:
            logger.info("%s stream still stalled: reconnecting", self.role)
            self._stall_stage = 0
            await self._drop_client()
            self._lost.set()

    async def _reconnect(self) -> bool:
        """Reconnect with exponential back-off; ``False`` when giving up."""
        self._lost.clear()
        await self._drop_client()
        delay, attempts = self.backoff_initial_s, 0
        while not self._closing:
            await asyncio.sleep(delay)
            attempts += 1
            try:
                await self._connect()
            except Exception as error:  # any failure is one failed attempt; the loop goes on
                logger.info("%s reconnect attempt %d failed: %r", self.role, attempts, error)
                if self.max_attempts is not None and attempts >= self.max_attempts:
                    self.failed_ = error
                    return False
                delay = min(self.backoff_max_s, delay * 2)
                continue
            self.reconnects_ += 1
            self._stall_stage = 0
            return True
        return False

    # --- commands ------------------------------------------------------------------------
    async def command(self, command: Command, argument: int | None = None) -> Status:
        """Send a command; returns the status carrying its result.

        START / STOP are remembered and restored after a reconnection.
        """
        self._stop_pending = command is Command.STOP
        try:
            status = await self.write_control(encode_command(command, argument))
        finally:
            self._stop_pending = False
        if command in (Command.START, Command.STOP) and status.result is Result.OK:
            self._want_streaming = command is Command.START
        self._commanded = True
        return status

    async def write_control(self, data: bytes) -> Status:
        """Write raw bytes to the control characteristic; returns the status with the result.

        The device judges the bytes; malformed ones come back as an error
        ``Result`` in the status, not as an exception.
        """
        client = self._require_client()
        async with self._command_lock:
            counter = self.status_.command_counter if self.status_ is not None else 0
            expected = (counter + 1) & 0xFF
            future: asyncio.Future[Status] = asyncio.get_running_loop().create_future()
            self._pending = (expected, future)
            try:
                await client.write_gatt_char(spec.CONTROL_UUID, data, response=True)
                try:
                    return await asyncio.wait_for(future, self.command_timeout)
                except TimeoutError:  # the status notification was lost: read it
                    status = Status.unpack(bytes(await client.read_gatt_char(spec.STATUS_UUID)))
                    self.status_ = status
                    if status.command_counter != expected:
                        raise CommandError(f"no result for control write {data.hex()}") from None
                    return status
            finally:
                self._pending = None

    def _require_client(self) -> BleakClient:
        if self._client is None:
            raise BleakError(f"{self.role} sensor is not connected")
        return self._client

    # --- notifications (bleak callbacks: never raise) --------------------------------------
    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _on_status(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        try:
            status = Status.unpack(bytes(data))
        except ProtocolError:
            self.rejected_ += 1
            return
        self.status_ = status
        if self._pending is not None:
            expected, future = self._pending
            if status.command_counter == expected and not future.done():
                future.set_result(status)

    def _on_battery(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        if len(data) == 1 and data[0] <= 100:
            self.battery_ = data[0]
        else:
            self.rejected_ += 1

    def _on_stream(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        host_time = self._now()
        try:
            packets = self._reassembler.feed(bytes(data))
        except ProtocolError:
            self.rejected_ += 1
            return
        for packet in packets:
            try:
                accepted = self.tracker.accept(packet)
            except ValueError:
                self.rejected_ += 1
                continue
            self._last_data = host_time
            if accepted.gap_first is not None:
                self._emit(Gap(self.role, accepted.gap_first, accepted.gap_count, "lost", host_time, self.epoch_))
            if accepted.packet is not None:
                self._emit(
                    StreamPacket(
                        self.role,
                        accepted.packet,
                        accepted.seq,
                        accepted.count,
                        bool(accepted.flags & spec.FLAG_BACKLOG),
                        host_time,
                        self.epoch_,
                    )
                )
