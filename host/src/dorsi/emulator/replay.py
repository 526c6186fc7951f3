"""``ReplayDevice``: a pure-Python dorsi sensor that streams a recorded ``SampleBatch``.

The reference device model. It samples the source batch at its own rate
(``SET_RATE`` changes it; each sample takes the source sample nearest its
instant, so a source whose timestamps jitter around the device's grid is
replayed sample for sample, none repeated or skipped), keeps every sample in a
store-and-forward ring, and sends packets from a send cursor:

* samples are produced in device time ``tau = speed * (wall - boot)``;
  sample ``k`` of a sampling segment that began at ``(tau0, k0)`` with rate
  ``f`` is taken at ``tau_k = tau0 + (k - k0) / f``;
* a packet carries up to ``samples_per_notification(mtu)`` samples; a
  partial packet goes out once its oldest sample is ``max_latency_s`` old;
* while nobody is subscribed (or the link refuses), the cursor stays and the
  ring fills; on re-subscription the held samples go out first, flagged
  ``FLAG_BACKLOG``, with continuous ``seq``; ``BACKLOG(seq)`` moves the
  cursor back to ``seq`` (or to the oldest held sample);
* if the ring overwrites unsent samples, the cursor jumps to the oldest held
  sample, the loss is counted in the status and the next packet carries
  ``FLAG_OVERFLOW``;
* ``boot()`` (also a reboot) empties the ring and restarts ``seq`` at 0.

Commands: START / STOP (streaming to the central on / off; sampling and the
ring go on, so after START the samples taken meanwhile follow as backlog),
SET_RATE,
TARE (needs the sensor still: zeroes the heading of the output quaternion and
takes the mean gyroscope of the last 0.5 s as bias; otherwise
``INVALID_STATE``), IDENTIFY (status bit for N s), BACKLOG, SLEEP (deep sleep
``SLEEP_GRACE_S`` after the answer, through the peripheral: the link drops and
the sensor is silent until its button, ``EmulatedPeripheral.wake()``, boots it
again; ``INVALID_STATE`` without a peripheral). Every command ends with a
status notification carrying its result.
"""

from __future__ import annotations

import asyncio
import math

import numpy as np

from dorsi.emulator.device import DeviceModel
from dorsi.emulator.ring import SampleRing
from dorsi.orientation.quaternion import quat_multiply
from dorsi.protocol import Status, encode_packets, fragment, parse_command
from dorsi.protocol import spec
from dorsi.protocol.spec import Command, Result, Role
from dorsi.samples import ROLES, SampleBatch

STILL_WINDOW_S = 0.5
SLEEP_GRACE_S = 0.3  # as the firmware: the SLEEP answer's notification leaves first


def heading(q: np.ndarray) -> float:
    """Yaw (rad) about earth +Z of a sensor-to-earth quaternion (w, x, y, z)."""
    w, x, y, z = q
    return math.atan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))


def fuse_orientation(batch: SampleBatch) -> np.ndarray:
    """On-device style orientation for a raw-only batch (imufusion AHRS, no magnetometer)."""
    from dorsi.orientation.fusion import FusionOrientation

    return FusionOrientation().estimate(batch).quat_


class ReplayDevice(DeviceModel):
    """A sensor replaying ``batch`` in real time (``speed=1``) or faster.

    Parameters
    ----------
    batch : SampleBatch
        Source samples (at least 2); its ``role`` is the sensor's role. A batch
        without quaternions is fused with imufusion first.
    name : str or None
        Advertised name (<= 8 bytes); ``"dorsi-S1"`` / ``"dorsi-F1"`` by role.
    speed : float
        Device time runs ``speed`` times faster than wall time.
    rate_hz : int or None
        Initial sample rate (25..200); the source's rounded rate by default.
    loop : bool
        Replay the source in a loop (else sampling stops at its end).
    ring_s : float
        Ring length in seconds at the initial rate.
    max_latency_s : float
        Device-time age at which a partial packet is sent.
    acc_code, gyr_code : int
        Full-scale codes on the wire (see ``spec.ACC_FULL_SCALE_G``).
    battery_percent : float
        Charge at boot.
    battery_drain_per_hour : float
        Percent per hour of sampling (device time).
    tick_s : float
        Wall-time period of the production loop.
    """

    def __init__(
        self,
        batch: SampleBatch,
        *,
        name: str | None = None,
        speed: float = 1.0,
        rate_hz: int | None = None,
        loop: bool = True,
        ring_s: float = 30.0,
        max_latency_s: float = 0.1,
        acc_code: int = 2,
        gyr_code: int = 4,
        battery_percent: float = 100.0,
        battery_drain_per_hour: float = 5.0,
        tick_s: float = 0.01,
    ) -> None:
        super().__init__(batch.role, name)
        if len(batch) < 2:
            raise ValueError("the source batch needs at least 2 samples")
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        if not 0 <= acc_code < len(spec.ACC_FULL_SCALE_G) or not 0 <= gyr_code < len(spec.GYR_FULL_SCALE_DPS):
            raise ValueError("acc_code / gyr_code out of range (see dorsi.protocol.spec)")
        rate = int(round(batch.rate_hz)) if rate_hz is None else int(rate_hz)
        if not spec.RATE_MIN_HZ <= rate <= spec.RATE_MAX_HZ:
            raise ValueError(f"rate_hz must be within {spec.RATE_MIN_HZ}..{spec.RATE_MAX_HZ}, got {rate}")
        if not 0.0 <= battery_percent <= 100.0:
            raise ValueError(f"battery_percent must be within 0..100, got {battery_percent}")
        self.model_number = self._name
        self.speed = float(speed)
        self.loop = loop
        self.max_latency_s = float(max_latency_s)
        self.acc_code, self.gyr_code = acc_code, gyr_code
        self.tick_s = float(tick_s)
        self._initial_rate = rate
        self._battery_boot = float(battery_percent)
        self._battery_drain = float(battery_drain_per_hour)
        self._src_t = batch.t - batch.t[0]
        self._src_period = float(np.median(np.diff(self._src_t)))
        self._src_duration = float(self._src_t[-1] + self._src_period)
        self._src_acc = np.asarray(batch.acc, dtype=float)
        self._src_gyr = np.asarray(batch.gyr, dtype=float)
        self._src_quat = np.asarray(batch.quat if batch.quat is not None else fuse_orientation(batch), dtype=float)
        self._ring = SampleRing(max(1, int(round(ring_s * rate))))
        self.boot()

    @property
    def next_seq(self) -> int:
        """``seq`` the next produced sample will get."""
        return self._ring.head

    # --- lifecycle --------------------------------------------------------------
    def boot(self) -> None:
        self._ring.clear()
        self._boot_wall = self._wall()
        self._rate = self._initial_rate
        self._sampling = True  # taking samples (False only when a non-looping source ends)
        self._streaming = True  # sending them to a subscribed central (START / STOP)
        self._segment = (0.0, 0)  # (device time, seq) where the current sampling segment began
        self._cursor = 0
        self._live_from = 0
        self._mtu = spec.ATT_DEFAULT_MTU
        self._connected = False
        self._subscribed = False
        self._last_command, self._last_result, self._counter = 0, int(Result.NONE), 0
        self._dropped = 0
        self._overflow_pending = False
        self._overflowed = False
        self._tare = np.array([1.0, 0.0, 0.0, 0.0])
        self._bias = np.zeros(3)
        self._identify_until = -1.0
        self._sampled_time = 0.0
        self._battery_sent = -1
        self._tag = 0

    @staticmethod
    def _wall() -> float:
        try:
            return asyncio.get_running_loop().time()
        except RuntimeError:
            import time

            return time.monotonic()

    def device_time(self) -> float:
        """Seconds since boot on the device clock."""
        return (self._wall() - self._boot_wall) * self.speed

    async def run(self) -> None:
        while True:
            self.produce()
            await self._send_due()
            await self._report_battery()
            await asyncio.sleep(self.tick_s)

    # --- sampling -----------------------------------------------------------------
    @property
    def period_us(self) -> int:
        return int(round(1e6 / self._rate))

    def produce(self) -> int:
        """Append every sample due by now to the ring; returns how many."""
        if not self._sampling:
            return 0
        tau0, k0 = self._segment
        now = self.device_time()
        due = k0 + int(math.floor((now - tau0) * self._rate + 1e-9)) + 1
        n = due - self._ring.head
        if n <= 0:
            return 0
        k = np.arange(self._ring.head, due)
        tau = tau0 + (k - k0) / self._rate
        if self.loop:
            src_time = np.mod(tau, self._src_duration)
        else:
            keep = tau < self._src_duration
            tau, src_time = tau[keep], tau[keep]
            if not keep.all():
                self._sampling = False
            if len(tau) == 0:
                return 0
        # the nearest source sample: the nearest earlier one would alternate between two
        # neighbours wherever the source's timestamps jitter about the device's sampling instants
        idx = np.searchsorted(self._src_t, src_time + 0.5 * self._src_period, side="right") - 1
        idx = np.clip(idx, 0, len(self._src_t) - 1)
        quat = quat_multiply(self._tare, self._src_quat[idx])
        self._ring.append(tau, self._src_acc[idx], self._src_gyr[idx] - self._bias, quat, self.period_us)
        self._sampled_time += len(tau) / self._rate
        self._account_overflow()
        return len(tau)

    def _account_overflow(self) -> None:
        oldest = self._ring.oldest
        if self._cursor < oldest:
            self._dropped += oldest - self._cursor
            self._cursor = oldest
            self._overflow_pending = True
            self._overflowed = True

    def _new_segment(self) -> None:
        self._segment = (self.device_time(), self._ring.head)

    @property
    def rate_hz(self) -> float:
        """The current sample rate."""
        return float(self._rate)

    def samples_from(self, start: int) -> SampleBatch:
        """The samples still held from ``seq`` ``start`` on (those older are gone from the ring), as
        sampled: device time, source acceleration and rate, tared orientation."""
        first = max(start, self._ring.oldest)
        slots = self._ring.slots(first, self._ring.head - first)
        ring = self._ring
        return SampleBatch(self.role, np.arange(first, self._ring.head), ring.t[slots].copy(), ring.acc[slots].copy(),
                           ring.gyr[slots].copy(), ring.quat[slots].copy(), {"sample_rate_hz": self.rate_hz})

    def is_still(self) -> bool:
        """Gyroscope norm below 0.1 rad/s over the last 0.5 s of samples."""
        n = min(self._ring.held, max(1, int(STILL_WINDOW_S * self._rate)))
        if n == 0:
            return False
        gyr = self._ring.gyr[self._ring.slots(self._ring.head - n, n)]
        return bool(np.all(np.linalg.norm(gyr, axis=1) < 0.1))

    # --- sending --------------------------------------------------------------------
    async def _send_due(self) -> None:
        per_packet = spec.samples_per_notification(self._mtu)
        sent = 0
        while self._connected and self._subscribed and self._streaming:
            self._account_overflow()
            pending = self._ring.head - self._cursor
            if pending <= 0:
                return
            backlog = self._cursor < self._live_from
            n = min(per_packet, pending, self._live_from - self._cursor if backlog else pending)
            n = self._ring.same_period_run(self._cursor, n)
            if n < per_packet and not backlog:
                slots = self._ring.slots(self._cursor, pending)
                if self._ring.t[slots[-1]] - self._ring.t[slots[0]] < self.max_latency_s:
                    return
            flags = (spec.FLAG_BACKLOG if backlog else 0) | (spec.FLAG_OVERFLOW if self._overflow_pending else 0)
            payloads = self._encode(self._cursor, n, flags)
            if not await self.notify("stream", payloads[0]):
                return
            for extra in payloads[1:]:  # fragments: a refusal here loses the packet (a host-side gap)
                if not await self.notify("stream", extra):
                    break
            self._cursor += n
            self._overflow_pending = False
            sent += 1
            if sent % 8 == 0:
                await asyncio.sleep(0)

    def _encode(self, start: int, n: int, flags: int) -> list[bytes]:
        slots = self._ring.slots(start, n)
        batch = SampleBatch(
            self._role,
            np.arange(start, start + n),
            self._ring.t[slots],
            self._ring.acc[slots],
            self._ring.gyr[slots],
            self._ring.quat[slots],
        )
        (packet,) = encode_packets(
            batch,
            acc_code=self.acc_code,
            gyr_code=self.gyr_code,
            period_us=int(self._ring.period_us[slots[0]]),
            flags=flags,
            samples_per_packet=n,
        )
        if len(packet) + spec.ATT_NOTIFY_OVERHEAD <= self._mtu:
            return [packet]
        self._tag = (self._tag + 1) & 0xFF
        return fragment(packet, self._mtu, self._tag)

    async def _report_battery(self) -> None:
        level = self.battery()
        if level != self._battery_sent and await self.notify("battery", bytes([level])):
            self._battery_sent = level

    # --- link events ------------------------------------------------------------------
    def connected(self, mtu: int) -> None:
        self._connected = True
        self._mtu = int(mtu)

    def disconnected(self) -> None:
        self._connected = False
        self._subscribed = False
        self._battery_sent = -1

    def subscribed(self, stream: bool) -> None:
        self._subscribed = bool(stream)
        if stream:
            self.produce()
            self._live_from = self._ring.head

    # --- commands -----------------------------------------------------------------------
    async def control(self, data: bytes) -> None:
        opcode, argument, result = parse_command(bytes(data))
        if result is Result.OK:
            result = self._execute(Command(opcode), argument)
        self._last_command, self._last_result = opcode & 0xFF, int(result)
        self._counter = (self._counter + 1) & 0xFF
        await self.notify("status", self.status())

    def _execute(self, command: Command, argument: int) -> Result:
        self.produce()
        if command is Command.START:
            if not self._streaming:
                self._streaming = True
                self._live_from = self._ring.head  # what was sampled meanwhile goes out as backlog
        elif command is Command.STOP:
            self._streaming = False
        elif command is Command.SET_RATE:
            self._rate = int(argument)
            self._new_segment()
        elif command is Command.TARE:
            if not self.is_still():
                return Result.INVALID_STATE
            n = min(self._ring.held, max(1, int(STILL_WINDOW_S * self._rate)))
            slots = self._ring.slots(self._ring.head - n, n)
            self._bias = self._bias + self._ring.gyr[slots].mean(axis=0)
            latest = self._ring.quat[(self._ring.head - 1) % self._ring.capacity]
            psi = heading(latest)
            correction = np.array([math.cos(-psi / 2), 0.0, 0.0, math.sin(-psi / 2)])
            self._tare = quat_multiply(correction, self._tare)
        elif command is Command.IDENTIFY:
            self._identify_until = self.device_time() + argument
        elif command is Command.BACKLOG:
            if argument == spec.BACKLOG_ALL:
                start = self._ring.oldest
            elif argument > self._ring.head:
                return Result.OUT_OF_RANGE
            else:
                start = int(argument)
                if start < self._ring.oldest:
                    self._dropped += self._ring.oldest - start
                    self._overflow_pending = self._overflowed = True
                    start = self._ring.oldest
            self._cursor = start
            self._live_from = self._ring.head
        elif command is Command.SLEEP:
            if not self.request_sleep(SLEEP_GRACE_S):
                return Result.INVALID_STATE
        return Result.OK

    # --- reads ------------------------------------------------------------------------------
    def status(self) -> bytes:
        self.produce()
        state = spec.STATE_IMU_OK
        state |= spec.STATE_STREAMING if self._streaming else 0
        state |= spec.STATE_SUBSCRIBED if self._subscribed else 0
        state |= spec.STATE_STILL if self.is_still() else 0
        state |= spec.STATE_IDENTIFY if self.device_time() < self._identify_until else 0
        state |= spec.STATE_OVERFLOW if self._overflowed else 0
        major, minor = (int(p) for p in self.firmware_revision.split(".")[:2])
        return Status(
            role=Role(ROLES.index(self._role)),
            state=state,
            acc_code=self.acc_code,
            gyr_code=self.gyr_code,
            rate_hz=self._rate,
            last_command=self._last_command,
            last_result=self._last_result,
            command_counter=self._counter,
            battery_percent=self.battery(),
            firmware_major=major,
            firmware_minor=minor,
            ring_held=self._ring.held,
            ring_dropped=self._dropped,
            i2c_errors=0,
            next_seq=self._ring.head,
        ).pack()

    def battery(self) -> int:
        level = self._battery_boot - self._battery_drain * self._sampled_time / 3600.0
        return int(np.clip(round(level), 0, 100))
