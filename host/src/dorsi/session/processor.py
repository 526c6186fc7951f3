"""The live pipeline: notifications in, angle and events out.

``LiveProcessor`` is the one path from raw notifications (with host receive
times) to the session's angle trace and events. The live session feeds it from
BLE; ``dorsi replay`` feeds it the notifications of a recording in the same
order with the same host times, so both give the same result.

Flow per call of ``process``: decode each sensor's pending notifications
(one vectorised call), map device time to host time (``LiveClock``), align the
foot sensor to the shin samples, update the angle estimator, update the
current exercise's streaming event detector; while the foot sensor's way round
is not known, judge it on the exercise (``dorsi.pipeline.foot_direction``) and,
if it reads turned round, read the exercise again from its start turned round.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from ..angle import AngleEstimator
from ..angle.calibration import FootCalibrationError
from ..angle.movement_axis import MovementAxis
from ..angle.sensor_roles import as_role, roles_swapped
from ..angle.trace import AngleTrace
from ..events.exercise import ExerciseEventDetector
from ..events.foot_fallback import FootFallback
from ..events.results import HeelLift, Hold, Rep
from ..events.streaming import StreamingEventDetector
from ..pipeline.foot_direction import FootDirectionWatch
from ..pipeline.stance_check import STANCE_DRIFT_NOTE_DEG, StanceWatch, checks_stance
from ..pipeline.strap_check import checks_strap, strap_turn
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
    roll_in: bool = False  # the knee drifting in now, by the exercise's own rule (its frontal rest + threshold)
    strap_turn_deg: float | None = None  # the shin sensor turned this far since calibration (None: not seen)
    stance_moved_deg: float | None = None  # the resting angle moved this far from the start's (None: not enough)
    closed: list[ExerciseResult] = field(default_factory=list)  # ended exercises finished by this tick


class _ExerciseRun:
    """One exercise's live analysis: its result so far, the view it is judged on, its detector.

    ``end_s`` is set when the exercise ends; shin samples before it that the angle estimator
    still holds back (waiting for foot data) or that are still on their way count for it when
    they come out, as they do in the batch analysis of the same segment.
    """

    def __init__(self, spec: ExerciseSpec, t: float, profile: dict) -> None:
        self.result = ExerciseResult(spec, t, t)
        self.profile = profile
        self.fallback = FootFallback(spec.needs_foot_sensor)
        self.events: StreamingEventDetector | None = None  # made at the first shin sample, for its view
        self.end_s: float | None = None
        self.axis = MovementAxis() if checks_strap(spec) else None  # the strap's turn, as the analysis reads it
        self.stance: StanceWatch | None = None  # the stance's move, where it spoils the count (set at first data)

    def feed(self, trace: AngleTrace, tick: Tick | None = None) -> None:
        """Analyse this exercise's part of ``trace``; fills ``tick`` (the current exercise's)."""
        chunk = trace.slice_time(self.result.start_s, np.inf if self.end_s is None else self.end_s)
        view = self.fallback.update(chunk) if len(chunk) else None
        if tick is not None and self.fallback.shin_alone_ and trace.shin_only is not None:
            tick.trace = trace.shin_only  # what the exercise is judged on, shown as such
        if view is None or not len(view):
            return
        if self.events is None:
            self.events = StreamingEventDetector(ExerciseEventDetector(
                self.result.spec, source=view.source, profile=self.profile))
            self.stance = StanceWatch() if checks_stance(self.result.spec, view.source) else None
        update = self.events.update(view)
        self._collect(update)
        if self.axis is not None:
            self.axis.update(view)
        if tick is not None:
            tick.reps, tick.holds, tick.heel_lifts = update.reps, update.holds, update.heel_lifts
            tick.open_hold = update.open_hold
            tick.pending_reps = update.pending_reps
            tick.roll_in = self._rolling_in(view)
            tick.strap_turn_deg = None if self.axis is None else strap_turn(self.axis)
            if self.stance is not None:
                base = self.events.baselines_
                moved = self.stance.update(view, None if base is None else base["main"])
                tick.stance_moved_deg = moved if moved is not None and abs(moved) >= STANCE_DRIFT_NOTE_DEG else None

    def _rolling_in(self, view: AngleTrace) -> bool:
        """The last samples' frontal tilt beyond the exercise's rest by its threshold, as the
        reps and holds are flagged afterwards (relative: a knee resting slightly in is no alert)."""
        events = self.events
        base = events.baselines_ if events is not None else None
        if events is None or base is None:
            return False
        recent = view.frontal_deg[-10:][view.channel_valid("frontal")[-10:]]
        return bool(np.any(recent - base["frontal"] > events.detector.frontal_threshold_deg))

    def finish(self) -> ExerciseResult:
        if self.events is not None:
            self._collect(self.events.finish())
        self.events = None
        return self.result

    def _collect(self, update) -> None:
        self.result.reps.extend(update.reps)
        self.result.holds.extend(update.holds)
        self.result.heel_lifts.extend(update.heel_lifts)


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
        self._run: _ExerciseRun | None = None
        self._closing: list[_ExerciseRun] = []  # ended, waiting for their last samples
        self.finished: list[ExerciseResult] = []
        self.moving_threshold_rad_s = 0.35
        self.last_motion_s: float | None = None  # time of the newest shin sample above the threshold
        self.latest_s: float | None = None
        self.latest_up: np.ndarray | None = None  # mean specific force of the newest shin notification
        self.moving_tilt_deg = 3.0
        self._head: list[SampleBatch] | None = []  # the shin's first samples, until they cover the fit window
        self._still_up: np.ndarray | None = None  # shank direction since the last movement
        self.roles_swapped = False  # the boards set up as shin and foot were strapped on each other's place
        self.foot_problem: str | None = None  # why the foot sensor could not be calibrated (then shin alone)
        # the foot sensor's way round, from the first exercise that tells: -1 turned round (arrow
        # toward the ankle), +1 as the user guide shows, 0 not known yet
        self.foot_direction = 0
        self.foot_turned_from_s: float | None = None  # start of the exercise read again turned round
        self._rewind: _Rewind | None = None

    # -- input -------------------------------------------------------------
    def notification(self, slot: int, host_time: float, payload: bytes, epoch: int = 0) -> None:
        self.sensors[slot].add(host_time, payload, epoch)

    # -- exercises ---------------------------------------------------------
    @property
    def exercise(self) -> ExerciseResult | None:
        """The exercise running now (None between exercises)."""
        return None if self._run is None else self._run.result

    @property
    def cyclic(self) -> bool:
        """The current exercise counts cycles (ankle circles)."""
        return self._run is not None and self._run.events is not None and self._run.events.detector.cyclic

    def start_exercise(self, spec: ExerciseSpec, t: float) -> None:
        if self._run is not None:
            self.end_exercise(t)
        self._refine()
        self._run = _ExerciseRun(spec, t, self.profile)
        watch = FootDirectionWatch(spec.id)
        self._rewind = None
        if self.calibrated and self.foot_in_use and self.foot_direction == 0 and watch.judges:
            self._rewind = _Rewind(copy.deepcopy(self.estimator), watch)

    def _refine(self) -> None:
        """Once the session's start covers the angle estimator's fit window, refit its lever
        arm on it (``AngleEstimator.refine``), as the analysis afterwards fits it; exercises
        start with the shin still, where the change moves nothing."""
        head = self._head
        if self.calibrated and head and _span_s(head) >= self.estimator.calibration_window_s:
            self._head = None
            self.estimator.refine(SampleBatch.concatenate(head))

    def end_exercise(self, t: float) -> ExerciseResult | None:
        """End the current exercise at ``t``; returns its result.

        Samples before ``t`` not analysed yet (held back by the angle estimator for foot data,
        or in notifications not processed yet) still count for it: it is then closed by the
        ``process`` call whose trace reaches ``t`` (that tick lists it in ``closed``), or by
        ``close``; until then the returned result may still grow.
        """
        run = self._retire(t)
        if run is None:
            return None
        if not self._waiting_before(t):
            self._close_runs(np.inf)
        return run.result

    def close(self) -> list[ExerciseResult]:
        """End of the session: analyse what arrived and every sample still held back, end the
        open exercise at the newest shin sample; returns ``finished``."""
        if self.calibrated:
            self.process()
            trace = self.estimator.finish()
            if len(trace):
                for run in (*self._closing, *([self._run] if self._run is not None else [])):
                    run.feed(trace)
        if self._run is not None:
            self._retire(self.latest_s if self.latest_s is not None else self._run.result.start_s)
        self._close_runs(np.inf)
        return self.finished

    def _retire(self, t: float) -> _ExerciseRun | None:
        """End the current exercise's run at ``t`` and queue it for its last samples."""
        run, self._run = self._run, None
        self._rewind = None  # an ended exercise is not read again
        if run is not None:
            run.end_s = run.result.end_s = t
            self._closing.append(run)
        return run

    def _waiting_before(self, t: float) -> bool:
        """Shin data before ``t`` not through the angle estimator yet."""
        if any(sensor.pending or sensor.ready for sensor in self.sensors.values() if sensor.role == "shin"):
            return True
        held = self.estimator.held_from_s if self.calibrated else None
        return held is not None and held < t

    def _close_runs(self, reached_s: float) -> list[ExerciseResult]:
        """Finish the ended exercises whose end the data has reached, in order."""
        done = []
        while self._closing and (self._closing[0].end_s or 0.0) <= reached_s:
            result = self._closing.pop(0).finish()
            self.finished.append(result)
            done.append(result)
        return done

    def still_for(self) -> float:
        """Seconds the shin has been still up to its newest sample (0 if unknown): not turning
        faster than ``moving_threshold_rad_s``, its tilt within ``moving_tilt_deg``."""
        if self.latest_s is None or self.last_motion_s is None:
            return 0.0
        return self.latest_s - self.last_motion_s

    def _track_tilt(self, up: np.ndarray, t: float) -> None:
        """A shank whose tilt has changed by ``moving_tilt_deg`` since the last movement has moved,
        however slowly it turned (rising from a chair can stay under the gyroscope threshold)."""
        norm = float(np.linalg.norm(up))
        if norm == 0.0:
            return
        up = up / norm
        if self._still_up is None:
            self._still_up = up
        elif np.degrees(np.arccos(min(1.0, float(np.dot(up, self._still_up))))) > self.moving_tilt_deg:
            self.last_motion_s, self._still_up = t, up

    def shank_tilt_deg(self) -> float | None:
        """How far the shank's long axis is from vertical now, in degrees (0: upright as when
        standing or sitting on a chair, about 90: the leg lying out on the floor); None before
        calibration. Read from the newest samples' specific force, so it means the tilt only
        while the shin is still."""
        if not self.calibrated or self.latest_up is None:
            return None
        norm = float(np.linalg.norm(self.latest_up))
        if norm == 0.0:
            return None
        axis = self.estimator.calibration_.shin.frame.up
        return float(np.degrees(np.arccos(np.clip(np.dot(axis, self.latest_up) / norm, -1.0, 1.0))))

    @property
    def _has_foot(self) -> bool:
        return "foot" in self.roles.values()

    @property
    def foot_in_use(self) -> bool:
        """A foot sensor is set up and its calibration took (before calibration: set up)."""
        return self._has_foot and self.foot_problem is None

    def wearing(self) -> list[str]:
        """How the sensors are being read, where that is not as set up (empty before calibration
        and when they are worn as the user guide shows): one line each, for the views."""
        if not self.calibrated:
            return []
        lines = []
        if self.roles_swapped:
            lines.append("Shin and foot sensors are on each other's place: each is read where it is worn.")
        if self.foot_problem is not None:
            lines.append("Foot sensor not used: it could not be calibrated (arrow to the toes, on top of the "
                         "foot?); the shin sensor alone is read.")
        if self.foot_direction < 0:
            lines.append("Foot sensor worn the other way round (arrow toward the ankle): read turned back.")
        if self.foot_in_use and self.estimator.calibration_.meta.get("foot_rest") == "unseen":
            lines.append("Foot sensor joined after the still start: where the foot is flat was not seen, so "
                         "ankle angles may be offset (start again with both sensors on and keep still).")
        if self.estimator.calibration_.meta.get("worn_behind"):
            lines.append("Shin sensor on the back of the leg: read from there (on the front of the shin it "
                         "reads the angle more exactly).")
        return lines

    # -- processing --------------------------------------------------------
    def process(self) -> Tick:
        """Decode what arrived since the last call and advance the analysis."""
        fresh = {s.role: s.decode() for s in self.sensors.values()}
        shin, foot = fresh.get("shin"), fresh.get("foot")
        if self.roles_swapped:  # read each board where it is worn
            shin, foot = _as_role(foot, "shin"), _as_role(shin, "foot")
        if shin is not None and len(shin):
            moving = np.flatnonzero(np.linalg.norm(shin.gyr, axis=1) > self.moving_threshold_rad_s)
            if moving.size or self.last_motion_s is None:
                self.last_motion_s = float(shin.t[moving[-1]] if moving.size else shin.t[0])
            self.latest_s = float(shin.t[-1])
            self.latest_up = shin.acc.mean(axis=0)
            self._track_tilt(self.latest_up, self.latest_s)
            if self._head is not None and _span_s(self._head) < self.estimator.calibration_window_s:
                self._head.append(shin)
        if not self.calibrated:
            return self._calibrate(shin, foot)
        trace = self._angles(shin, foot)
        tick = Tick(trace=trace)
        if trace is None or len(trace) == 0:
            return tick
        for run in self._closing:
            run.feed(trace)
        tick.closed = self._close_runs(float(trace.t[-1]))
        if self._run is not None:
            self._run.feed(trace, tick)
            if self._rewind is not None:
                self._watch_foot(trace, tick)
        return tick

    def _watch_foot(self, trace: AngleTrace, tick: Tick) -> None:
        """Judge the foot sensor's way round on the exercise running now (while not known); if it
        reads turned round, read the exercise again from its start with the foot turned round,
        and go on so (its events so far are replaced by those of the corrected reading)."""
        rewind, run = self._rewind, self._run
        assert rewind is not None and run is not None
        seen = rewind.watch.update(trace.slice_time(run.result.start_s, np.inf))
        if seen == 0:
            return
        self.foot_direction, self._rewind = seen, None
        if seen > 0:
            return
        self.foot_turned_from_s = run.result.start_s
        estimator = rewind.estimator
        estimator.turn_foot_round()
        parts = [p for p in (estimator.update(shin, foot) for shin, foot in rewind.given) if len(p)]
        self.estimator = estimator
        self._run = _ExerciseRun(run.result.spec, run.result.start_s, self.profile)
        if parts:
            again = AngleTrace.concatenate(parts) if len(parts) > 1 else parts[0]
            tick.trace = again
            self._run.feed(again, tick)

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
        if foot_all is not None and roles_swapped(shin_all, foot_all):
            self.roles_swapped = True
            shin_all, foot_all = as_role(foot_all, "shin"), as_role(shin_all, "foot")
            self._head = [as_role(b, "shin") for b in self._calib["foot"]]
        try:
            self.estimator.calibrate(shin_all, foot_all)
        except FootCalibrationError as exc:  # go on with the shin alone rather than stop the session
            self.foot_problem = str(exc)
            self.estimator.calibrate(shin_all)
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
        if self._rewind is not None:
            self._rewind.given.append((shin, foot))
        return self.estimator.update(shin, foot)


@dataclass
class _Rewind:
    """The angle estimator as the exercise running now began, and what it was given since:
    while the foot sensor's way round is not known, to read the exercise again turned round."""

    estimator: AngleEstimator
    watch: FootDirectionWatch
    given: list[tuple[SampleBatch, SampleBatch | None]] = field(default_factory=list)


def _as_role(batch: SampleBatch | None, role: str) -> SampleBatch | None:
    return None if batch is None else as_role(batch, role)


def _span_s(batches: list[SampleBatch]) -> float:
    """Seconds from the first sample of the first batch to the last of the last (0 if none)."""
    return float(batches[-1].t[-1] - batches[0].t[0]) if batches else 0.0
