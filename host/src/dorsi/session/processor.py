"""The live pipeline: notifications in, angle and events out.

``LiveProcessor`` is the one path from raw notifications (with host receive
times) to the session's angle trace and events. The live session feeds it from
BLE; ``dorsi replay`` feeds it the notifications of a recording in the same
order with the same host times, so both give the same result.

Flow per call of ``process``: decode each sensor's pending notifications
(one vectorised call), map device time to host time (``LiveClock``), align the
foot sensor to the shin samples, update the angle estimator, update the
current exercise's streaming event detector.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..angle import AngleEstimator
from ..angle.trace import AngleTrace
from ..events.exercise import ExerciseEventDetector
from ..events.foot_fallback import FootFallback
from ..events.results import HeelLift, Hold, Rep
from ..events.streaming import StreamingEventDetector
from ..protocol import StreamDecoder
from ..routine import ExerciseSpec
from ..samples import SampleBatch
from .live_clock import LiveClock


@dataclass
class ExerciseResult:
    """Events of one finished exercise, as the live session saw them."""

    spec: ExerciseSpec
    start_s: float
    end_s: float
    reps: list[Rep] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    heel_lifts: list[HeelLift] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "exercise": self.spec.id,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "reps": [r.to_json() for r in self.reps],
            "holds": [h.to_json() for h in self.holds],
            "heel_lifts": [h.to_json() for h in self.heel_lifts],
        }


@dataclass
class Tick:
    """What one ``process`` call produced."""

    trace: AngleTrace | None = None
    reps: list[Rep] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    heel_lifts: list[HeelLift] = field(default_factory=list)
    open_hold: tuple[float, float] | None = None
    pending_reps: list[Rep] | None = None  # ankle circles seen but not final yet (None: not updated)


class _Sensor:
    """One sensor's decoder and clock; both restart when the device rebooted (new epoch)."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.decoder = StreamDecoder(errors="skip")
        self.clock = LiveClock()
        self.epoch = 0
        self.pending: list[bytes] = []
        self.pending_t: list[float] = []
        self.ready: list[SampleBatch] = []
        self.lost_before = 0  # samples lost in earlier epochs
        self.last_t = -np.inf
        self.time_fixes = 0  # samples whose mapped time had to be moved forward (clock reset)

    def add(self, host_time: float, payload: bytes, epoch: int) -> None:
        if epoch != self.epoch:
            batch = self._decode_pending()
            if batch is not None:
                self.ready.append(batch)
            self.lost_before += self.decoder.stats.lost_samples
            self.decoder, self.clock, self.epoch = StreamDecoder(errors="skip"), LiveClock(), epoch
        self.pending.append(bytes(payload))
        self.pending_t.append(host_time)

    @property
    def lost_samples(self) -> int:
        return self.lost_before + self.decoder.stats.lost_samples

    def decode(self) -> SampleBatch | None:
        batch = self._decode_pending()
        if batch is not None:
            self.ready.append(batch)
        if not self.ready:
            return None
        out = self.ready[0] if len(self.ready) == 1 else SampleBatch.concatenate(self.ready)
        self.ready = []
        return out

    def _decode_pending(self) -> SampleBatch | None:
        """Decode pending notifications; map each packet's samples with the clock as of that packet.

        The offset used for a packet depends only on the packets before it, so
        the mapping (and everything downstream) is the same however the
        notifications are grouped into calls: live and replay agree exactly.
        """
        if not self.pending:
            return None
        notes, times = self.pending, self.pending_t
        self.pending, self.pending_t = [], []
        first = self.decoder.timing_count
        batch = self.decoder.feed(notes, times)
        offsets = np.array([self.clock.observe(d, h) for d, h in
                            zip(self.decoder.timing_device, self.decoder.timing_host)], dtype=np.float64)
        self.decoder.timing_device.clear()
        self.decoder.timing_host.clear()
        if batch is None:
            return None
        t = self._increasing(batch.t + offsets[self.decoder.sample_timing_index - first])
        return SampleBatch(batch.role, batch.seq, t, batch.acc, batch.gyr, batch.quat, batch.meta)

    def _increasing(self, t: np.ndarray, eps: float = 1e-6) -> np.ndarray:
        """Sample times strictly after the previous ones.

        The clock keeps them so, except when a new device epoch starts a new
        clock whose first offset lands earlier; such samples are moved just
        after the last one (never dropped) and counted in ``time_fixes``.
        """
        k = np.arange(len(t)) * eps
        fixed = np.maximum.accumulate(np.maximum(t - k, self.last_t + eps)) + k
        self.time_fixes += int(np.count_nonzero(fixed != t))
        if len(fixed):
            self.last_t = float(fixed[-1])
        return fixed


class LiveProcessor:
    """Streaming analysis for one session.

    Parameters
    ----------
    roles : dict
        Slot number -> role (``"shin"``, ``"foot"``).
    profile : dict
        ``side``, ``shank_length_m``, ``foot_length_m`` (missing keys: defaults).
    calibration_s : float
        Seconds of data (still standing, then a few knee bends) used to
        calibrate sensor-to-segment before any angle is reported.
    """

    def __init__(self, roles: dict[int, str], profile: dict | None = None, calibration_s: float = 20.0) -> None:
        self.roles = dict(roles)
        self.profile = dict(profile or {})
        self.calibration_s = calibration_s
        self.sensors = {slot: _Sensor(role) for slot, role in self.roles.items()}
        kwargs = {k: self.profile[k] for k in ("shank_length_m", "foot_length_m") if k in self.profile}
        self.estimator = AngleEstimator(side=self.profile.get("side"), **kwargs)
        self.calibrated = False
        self._calib: dict[str, list[SampleBatch]] = {}
        self._foot_hold: list[SampleBatch] = []
        self.exercise: ExerciseResult | None = None
        self._events: StreamingEventDetector | None = None
        self._fallback = FootFallback(False)
        self.finished: list[ExerciseResult] = []
        self.moving_threshold_rad_s = 0.35
        self.last_motion_s: float | None = None  # time of the newest shin sample above the threshold
        self.latest_s: float | None = None

    # -- input -------------------------------------------------------------
    def notification(self, slot: int, host_time: float, payload: bytes, epoch: int = 0) -> None:
        self.sensors[slot].add(host_time, payload, epoch)

    # -- exercises ---------------------------------------------------------
    @property
    def cyclic(self) -> bool:
        """The current exercise counts cycles (ankle circles)."""
        return self._events is not None and self._events.detector.cyclic

    def start_exercise(self, spec: ExerciseSpec, t: float) -> None:
        if self.exercise is not None:
            self.end_exercise(t)
        self.exercise = ExerciseResult(spec, t, t)
        self._fallback = FootFallback(spec.needs_foot_sensor)
        self._events = None  # made at the segment's first shin sample, for the view chosen there

    def end_exercise(self, t: float) -> ExerciseResult | None:
        ex = self.exercise
        if ex is None:
            return None
        final = self._events.finish() if self._events is not None else None
        if final is not None:
            self._collect(final)
        ex.end_s = t
        self.finished.append(ex)
        self.exercise, self._events = None, None
        return ex

    def still_for(self) -> float:
        """Seconds the shin has been still up to its newest sample (0 if unknown)."""
        if self.latest_s is None or self.last_motion_s is None:
            return 0.0
        return self.latest_s - self.last_motion_s

    @property
    def _has_foot(self) -> bool:
        return "foot" in self.roles.values()

    # -- processing --------------------------------------------------------
    def process(self) -> Tick:
        """Decode what arrived since the last call and advance the analysis."""
        fresh = {s.role: s.decode() for s in self.sensors.values()}
        shin, foot = fresh.get("shin"), fresh.get("foot")
        if shin is not None and len(shin):
            moving = np.flatnonzero(np.linalg.norm(shin.gyr, axis=1) > self.moving_threshold_rad_s)
            if moving.size or self.last_motion_s is None:
                self.last_motion_s = float(shin.t[moving[-1]] if moving.size else shin.t[0])
            self.latest_s = float(shin.t[-1])
        if not self.calibrated:
            return self._calibrate(shin, foot)
        trace = self._angles(shin, foot)
        tick = Tick(trace=trace)
        if trace is None or len(trace) == 0:
            return tick
        if self.exercise is not None:
            chunk = trace.slice_time(self.exercise.start_s, np.inf)
            view = self._fallback.update(chunk) if len(chunk) else None
            if self._fallback.shin_alone_ and trace.shin_only is not None:
                tick.trace = trace.shin_only  # what the exercise is judged on, shown as such
            if view is not None and len(view):
                if self._events is None:
                    self._events = StreamingEventDetector(ExerciseEventDetector(
                        self.exercise.spec, source=view.source, profile=self.profile))
                update = self._events.update(view)
                tick.reps, tick.holds, tick.heel_lifts = update.reps, update.holds, update.heel_lifts
                tick.open_hold = update.open_hold
                tick.pending_reps = update.pending_reps
                self._collect(update)
        return tick

    def _collect(self, update) -> None:
        if self.exercise is None:
            return
        self.exercise.reps.extend(update.reps)
        self.exercise.holds.extend(update.holds)
        self.exercise.heel_lifts.extend(update.heel_lifts)

    def _calibrate(self, shin: SampleBatch | None, foot: SampleBatch | None) -> Tick:
        for role, batch in (("shin", shin), ("foot", foot)):
            if batch is not None:
                self._calib.setdefault(role, []).append(batch)
        if "shin" not in self._calib:
            return Tick()
        shin_all = SampleBatch.concatenate(self._calib["shin"])
        if shin_all.t[-1] - shin_all.t[0] < self.calibration_s:
            return Tick()
        foot_all = SampleBatch.concatenate(self._calib["foot"]) if "foot" in self._calib else None
        self.estimator.calibrate(shin_all, foot_all)
        self.calibrated = True
        self._calib = {}
        return Tick(trace=self._angles(shin_all, foot_all))

    def _angles(self, shin: SampleBatch | None, foot: SampleBatch | None) -> AngleTrace | None:
        if shin is None:
            if foot is not None:
                self._foot_hold.append(foot)
            return None
        if self._has_foot:
            if foot is not None:
                self._foot_hold.append(foot)
            foot = SampleBatch.concatenate(self._foot_hold) if self._foot_hold else None
            self._foot_hold = []
        return self.estimator.update(shin, foot)
