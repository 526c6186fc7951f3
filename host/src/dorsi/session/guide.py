"""The guided routine: which exercise is on, when it is done, what to show.

``RoutineGuide`` is a plain state machine over the routine. The runner calls
``tick(now)`` after each ``LiveProcessor.process``; user commands (``next``,
``repeat``, ``pause``, ``resume``, ``quit``, and ``pain`` / ``pain:N`` to report
pain, :mod:`dorsi.events.pain`) come from the keyboard, the web page or, when
nobody is at the keyboard, from the auto-advance policy. Exercise boundaries
and pain reports are written to the recording as markers, so replay and
analysis see the same segments and the same reports.
"""

from __future__ import annotations

from collections import deque
from typing import Callable

import numpy as np

from ..angle.trace import AngleTrace
from ..events import pain
from ..events.circle_direction import count_each_way
from ..events.results import Rep
from ..routine import ExerciseSpec, Routine
from ..routine.exercises import dorsiflexion_exercises
from .processor import ExerciseResult, LiveProcessor, Tick
from .state import SessionState

HEEL_ALERT_HOLD_S = 1.0  # keep the alert on screen this long after the heel is down again
PAIN_NOTE_S = 15.0  # keep the advice after a pain report on screen this long
PAIN_ADVICE = ("Stop here and ease back to where it does not hurt. If it keeps hurting, skip this exercise "
               "(next) and tell your physiotherapist.")


#: Unattended (``auto_advance``), an exercise whose target is never seen met moves on after
#: 1.5 times what its targets take at this pace (s per rep; per hold, beyond its hold time).
PACE_PER_REP_S = 6.0
PACE_PER_HOLD_S = 10.0

#: The shank's tilt from vertical that tells an upright leg (standing, sitting on a chair)
#: from one lying out on the floor; an exercise starts only in its own posture.
UPRIGHT_MAX_TILT_DEG = 55.0
#: ... unless the user keeps still this long in the other posture (doing it their own way).
POSTURE_WAIT_S = 30.0
POSTURE_PROMPTS = {
    "standing": "Stand up to start it (the sensor reads your leg lying down).",
    "seated": "Sit on a chair, foot on the floor, to start it (the sensor reads your leg lying down).",
    "long_sitting": "Sit on the floor with the leg out to start it (the sensor reads your leg upright).",
}
#: Seated and standing look alike to the shin (the shank upright): between exercises done one
#: way and the other, the guide waits for the move (a sit-to-stand, however slow, changes the
#: shank's tilt or turns it) rather than start on the stillness before it.
MOVE_PROMPTS = {
    "standing": "Stand up, then keep still for a moment.",
    "seated": "Sit on a chair, foot flat on the floor, then keep still for a moment.",
    "long_sitting": "Sit on the floor with the leg out, then keep still for a moment.",
}


def posture_fits(posture: str, tilt_deg: float | None) -> bool:
    """Whether a shank tilted ``tilt_deg`` from vertical is in ``posture`` (unknown tilt: yes)."""
    if tilt_deg is None or posture == "any":
        return True
    upright = tilt_deg <= UPRIGHT_MAX_TILT_DEG
    return upright if posture in ("standing", "seated") else not upright


def time_limit_s(spec: ExerciseSpec, floor_s: float) -> float:
    """How long an unattended exercise may run without its target seen met: 1.5 times what its
    targets take (thirty 5 s eccentric drops: about 11 min), never less than ``floor_s``."""
    return max(floor_s, 1.5 * plain_pace_s(spec))


def plain_pace_s(spec: ExerciseSpec) -> float:
    """What the exercise's targets take at a plain pace (``PACE_PER_REP_S``, ``PACE_PER_HOLD_S``)."""
    t = spec.target
    expected = 0.0
    if spec.kind == "duration" and t.duration_s:
        expected = float(t.duration_s[1])
    if spec.has_reps and t.total_reps:
        expected = max(expected, t.total_reps * PACE_PER_REP_S)
    if spec.has_holds and t.total_holds:
        expected = max(expected, t.total_holds * ((t.hold_s or 0.0) + PACE_PER_HOLD_S))
    return expected


class RoutineGuide:
    """Walks the routine and keeps ``state`` up to date.

    Parameters
    ----------
    routine : Routine
    processor : LiveProcessor
    marker : callable
        ``marker(event, **fields)``: where exercise boundaries are recorded.
    auto_advance : bool
        Move to the next exercise by itself once the target is reached (or
        after :func:`time_limit_s`, at least ``max_exercise_s``): for unattended
        runs and the demo.
    on_exercise_start : callable, optional
        Called with the spec when an exercise starts (the emulated patient
        uses it to perform that exercise).
    on_exercise_request : callable, optional
        Called with the spec when the next exercise is shown, before it starts
        (the emulated patient gets into its posture).

    An exercise starts once the shin has been still for ``still_s`` in the
    exercise's posture (``ExerciseSpec.posture``: a standing exercise does not
    start while the leg still lies out after the foam rolling, so its rest is not
    read lying) and, when the last exercise was done in another posture, after
    the move into it; or after ``POSTURE_WAIT_S`` still since it was shown.
    """

    def __init__(self, routine: Routine, processor: LiveProcessor, marker: Callable[..., None],
                 auto_advance: bool = False, max_exercise_s: float = 240.0, settle_s: float = 2.0,
                 still_s: float = 1.5, on_exercise_start: Callable[[ExerciseSpec], None] | None = None,
                 on_exercise_request: Callable[[ExerciseSpec], None] | None = None) -> None:
        self.routine = routine
        self.processor = processor
        self.marker = marker
        self.auto_advance = auto_advance
        self.max_exercise_s = max_exercise_s
        self.settle_s = settle_s
        self.still_s = still_s
        self._pending: int | None = None  # exercise waiting for the user to be still
        self._requested_at = 0.0  # when the pending exercise was shown
        self._expect_move = False  # ... in another posture than the last one: wait for a movement
        self.on_exercise_start = on_exercise_start
        self.on_exercise_request = on_exercise_request
        self.index = -1
        self.state = SessionState(exercise_count=len(routine.exercises))
        self._t_start: float | None = None
        self._t_exercise = 0.0
        self._target_reached_at: float | None = None
        self._pending_circles: list[Rep] = []
        self._heel_until = -np.inf
        self._paused_phase = ""
        self._summaries: dict[int, dict] = {}  # id of an ended exercise's result -> its entry in completed
        self._ended: list[ExerciseResult] = []
        self._pain: list[pain.PainReport] = []
        self._pain_note_until = -np.inf
        self._recent: deque[tuple[np.ndarray, np.ndarray]] = deque()  # the last seconds' valid (t, angle)
        self.done = False

    # -- commands ----------------------------------------------------------
    def command(self, name: str, now: float) -> None:
        if name == "next":
            self._advance(now)
        elif name == "repeat" and self.index >= 0:
            self._request(self.index, now)
        elif name == "pause" and self.state.phase != "paused":
            self._paused_phase = self.state.phase
            self.state.phase = "paused"
            self.marker("pause", t=now)
        elif name == "resume" and self.state.phase == "paused":
            self.state.phase = self._paused_phase
            self.marker("resume", t=now)
        elif name == "toggle_pause":
            self.command("resume" if self.state.phase == "paused" else "pause", now)
        elif name == "quit":
            self._finish(now)
        elif pain.is_command(name):
            self._report_pain(pain.parse_command(name)[1], now)

    def _report_pain(self, level: int | None, now: float) -> None:
        """Record a pain report at once (a marker); a rating that follows an unrated report
        within ``pain.RATE_WINDOW_S`` rates that report (a second marker, the same time); a second
        unrated report within ``pain.REPEAT_S`` is the same one (a double tap)."""
        st = self.state
        last = self._pain[-1] if self._pain else None
        if level is None and last is not None and now - last.t_s < pain.REPEAT_S:
            return  # a double tap: the report is kept already
        if level is not None and last is not None and last.level is None and now - last.t_s <= pain.RATE_WINDOW_S:
            report = pain.PainReport(last.t_s, level, last.exercise, last.angle_deg)
            self._pain[-1] = report
        else:
            exercise, ended = self._exercise_at(now)
            report = pain.PainReport(now, level, exercise, self._angle_before(exercise, now, ended))
            self._pain.append(report)
            st.pain_angle_deg = report.angle_deg
        self.marker("pain", t=report.t_s, level=report.level, exercise=report.exercise, angle_deg=report.angle_deg)
        self.refresh(self._ended)  # a rating may come after its exercise ended
        st.pain_reports = len(self._pain)
        st.pain_unrated = report.level is None
        rated = "" if report.level is None else f" ({report.level}/10)"
        near = "" if report.angle_deg is None else f" near {report.angle_deg:.0f}\u00b0: stay below that."
        st.pain_note = f"Pain noted{rated}{near or '.'} {PAIN_ADVICE}"
        self._pain_note_until = now + PAIN_NOTE_S

    def _exercise_at(self, now: float) -> tuple[str | None, float]:
        """The exercise a report made now is about, and when it ended (inf: under way): the one
        running, else the one that ended at most ``pain.AFTER_S`` ago (the analysis' rule,
        :func:`dorsi.events.pain.segment_of`); (None, inf) between exercises."""
        st = self.state
        if st.phase in ("exercise", "paused") and self.index >= 0 and self._pending is None:
            return self.routine.exercises[self.index].id, np.inf
        if self._ended and now - self._ended[-1].end_s <= pain.AFTER_S:
            return self._ended[-1].spec.id, self._ended[-1].end_s
        return None, np.inf

    def _angle_before(self, exercise: str | None, now: float, ended: float) -> float | None:
        """Where it hurt (the analysis' rule, :func:`dorsi.events.pain.angle_before`): the highest
        angle over the last ``pain.LOOKBACK_S`` (of the exercise, when it has ended), in an exercise
        whose angle is dorsiflexion."""
        if exercise is None:
            return None
        if exercise not in dorsiflexion_exercises("ankle" if self.processor.foot_in_use else "inclination"):
            return None
        if not self._recent:
            return None
        t = np.concatenate([c[0] for c in self._recent])
        angle = np.concatenate([c[1] for c in self._recent])
        return pain.angle_before(now, t, angle, np.ones(len(t), dtype=bool), not_after=ended)

    @property
    def pain_reports(self) -> list[pain.PainReport]:
        """Pain reported so far (the newest rated if a rating followed)."""
        return list(self._pain)

    # -- per tick ----------------------------------------------------------
    def tick(self, tick: Tick, now: float) -> SessionState:
        st = self.state
        if self._t_start is None:
            self._t_start = now
        st.session_elapsed_s = now - self._t_start
        if st.pain_note and now >= self._pain_note_until:
            st.pain_note, st.pain_unrated = "", False
        self.refresh(tick.closed)
        if self.done:
            return st
        if not self.processor.calibrated:
            st.phase = "calibrating"
            st.message = "Stand still on both feet for 5 s, then bend the knee forward gently 3 times (about 20 s)."
            return st
        st.wearing = self.processor.wearing()
        if self.index < 0 and self._pending is None:
            self._request(0, now)
        if self._pending is not None and self._ready_to_start(self._pending, now):
            self._start(self._pending, now)
        if tick.trace is not None and len(tick.trace):
            self._show_angle(tick.trace, now)
            st.roll_in = tick.roll_in and st.phase == "exercise"
            if tick.strap_turn_deg is not None and st.phase == "exercise":
                st.strap_turned_deg = abs(tick.strap_turn_deg)  # kept until the next exercise
            st.stance_moved_deg = tick.stance_moved_deg if st.phase == "exercise" else None  # (as it is now)
        self._count(tick, now)
        if st.phase == "exercise":
            st.exercise_elapsed_s = now - self._t_exercise
            if self.auto_advance and self._should_advance(now):
                self._advance(now)
        return st

    def _ready_to_start(self, index: int, now: float) -> bool:
        """Still for ``still_s`` in the exercise's posture, after moving into it when the
        previous exercise was done in another; or, since it was shown, still for
        ``POSTURE_WAIT_S`` however the leg is."""
        still = self.processor.still_for()
        if still < self.still_s:
            return False
        waited = now - self._requested_at
        if min(still, waited) >= POSTURE_WAIT_S:
            return True
        spec = self.routine.exercises[index]
        posture = spec.posture or "any"
        if not posture_fits(posture, self.processor.shank_tilt_deg()):
            self.state.message = f"Next: {spec.title}. {POSTURE_PROMPTS[posture]}"
            return False
        if self._expect_move and still >= waited:  # not moved since: still where the last one was
            self.state.message = f"Next: {spec.title}. {MOVE_PROMPTS[posture]}"
            return False
        return True

    def _show_angle(self, tr: AngleTrace, now: float) -> None:
        st = self.state
        valid = tr.valid
        if valid.any():
            st.angle_deg = float(tr.angle_deg[valid][-1])
            st.device_time_s = float(tr.t[-1])
            # sample by sample, not chunk by chunk: a backlog resent after a link drop comes as one
            # long chunk, most of it older than the look-back
            self._recent.append((tr.t[valid], tr.angle_deg[valid]))
            while self._recent[0][0][-1] < tr.t[-1] - pain.LOOKBACK_S - 1.0:
                self._recent.popleft()
            counted = valid & ~tr.heel_lift  # a heel off the floor does not count (the summary's rule)
            if st.phase == "exercise" and not self._best_from_reps() and counted.any():
                peak = float(np.max(tr.angle_deg[counted]))
                st.best_deg = peak if st.best_deg is None else max(st.best_deg, peak)
        st.baseline_deg = float(tr.baseline_deg)
        recent = tr.heel_lift[tr.t >= tr.t[-1] - 0.3]
        if recent.any():
            if not st.heel_lift:
                st.last_event = "Heel lift! Keep the heel down."
            self._heel_until = now + HEEL_ALERT_HOLD_S
        st.heel_lift = now < self._heel_until

    def _count(self, tick: Tick, now: float) -> None:
        st = self.state
        ex = self.processor.exercise
        if ex is None:
            return
        if tick.pending_reps is not None:  # circles count as soon as seen, final or not
            self._pending_circles = tick.pending_reps
        seen = list(ex.reps) + self._pending_circles
        before, st.reps = st.reps, len(seen)
        ways = count_each_way(r.direction for r in seen)
        if ways:  # ankle circles with the foot sensor: the routine asks for so many each way
            st.circles_outward, st.circles_inward = ways
            st.circles_target = ex.spec.target.reps
        if self._best_from_reps():  # the best rep, as the summary reports it (not a passing sample)
            peaks = [r.peak_angle_deg for r in ex.reps if not (r.heel_lift or r.inferred)]
            st.best_deg = max(peaks) if peaks else None
        st.holds_done = len(ex.holds)
        st.holds_met = sum(1 for h in ex.holds if h.met)
        st.heel_lifts = len(ex.heel_lifts)
        st.hold_active = tick.open_hold is not None
        if tick.open_hold is not None:
            st.hold_elapsed_s = float(tick.open_hold[1])
        elif tick.holds:
            st.hold_elapsed_s = float(tick.holds[-1].duration_s)
        target = st.hold_target_s
        st.hold_met_now = bool(target and st.hold_elapsed_s is not None and st.hold_elapsed_s >= target)
        if self.processor.cyclic:  # circles: the newest one seen, once the count goes up
            if st.reps > before:
                newest = max(seen, key=lambda r: r.peak_s)
                way = newest.direction
                n = sum(1 for r in seen if r.direction == way) if way else st.reps
                st.last_event = (f"Circle {n}" + (f" {way}" if way else "")
                                 + (" (signal lost, counted from your rhythm)" if newest.inferred else ""))
        else:
            for rep in tick.reps:
                st.last_event = (f"Rep {st.reps}: counted from your rhythm (signal lost)" if rep.inferred else
                                 f"Rep {st.reps}: {rep.peak_angle_deg:.0f} deg"
                                 + (" (heel lifted)" if rep.heel_lift else ""))
        for hold in tick.holds:
            st.last_event = f"Hold {st.holds_done}: {hold.duration_s:.1f} s" + (" - target met!" if hold.met else "")

    def _best_from_reps(self) -> bool:
        """Whether "best" is the best counted rep's peak (rep exercises, not circles) rather than
        the highest angle seen with the heel down."""
        if self.index < 0 or self.processor.cyclic:
            return False
        return self.routine.exercises[self.index].has_reps

    def _target_reached(self) -> bool:
        spec, st = self.routine.exercises[self.index], self.state
        t = spec.target
        if spec.kind == "duration":
            return st.exercise_elapsed_s >= (t.duration_s[0] if t.duration_s else 60.0)
        if spec.has_reps and t.total_reps is not None:
            return st.reps >= t.total_reps
        if spec.has_holds and t.total_holds is not None:
            return st.holds_done >= t.total_holds
        return False

    def _unseen(self, spec: ExerciseSpec) -> bool:
        """The exercise needs the foot sensor and none is worn (or it could not be calibrated):
        nothing of it will be counted."""
        return spec.needs_foot_sensor and not self.processor.foot_in_use

    def _should_advance(self, now: float) -> bool:
        spec = self.routine.exercises[self.index]
        if self._unseen(spec):  # no count will come: the time it takes at a plain pace
            return self.state.exercise_elapsed_s >= plain_pace_s(spec)
        if self.state.exercise_elapsed_s >= time_limit_s(spec, self.max_exercise_s):
            return True
        if self._target_reached():
            if self._target_reached_at is None:
                self._target_reached_at = now
            return now - self._target_reached_at >= self.settle_s
        return False

    # -- transitions -------------------------------------------------------
    def _request(self, index: int, now: float) -> None:
        """Show the next exercise; it starts once the user stands (or sits) still."""
        if self.processor.exercise is not None:
            self._end_current(now)
        spec = self.routine.exercises[index]
        # before the first exercise the user stood for the calibration
        last = self.routine.exercises[self.index].posture if self.index >= 0 else "standing"
        self._pending = index
        self._requested_at = now
        self._expect_move = "any" not in (last, spec.posture) and last != spec.posture
        st = self.state
        st.phase = "ready"
        st.exercise_index = index
        st.exercise, st.title, st.kind, st.cues = spec.id, spec.title, spec.kind, list(spec.cues)
        st.message = f"Next: {spec.title}. Get into position and keep still for a moment."
        if self.on_exercise_request is not None:
            self.on_exercise_request(spec)

    def _start(self, index: int, now: float) -> None:
        spec = self.routine.exercises[index]
        if self.processor.exercise is not None:
            self._end_current(now)
        self._pending = None
        self.index = index
        self._t_exercise = now
        self._target_reached_at = None
        st = self.state
        st.phase = "exercise"
        st.exercise_index = index
        st.exercise, st.title, st.kind, st.cues = spec.id, spec.title, spec.kind, list(spec.cues)
        st.reps, st.holds_done, st.holds_met, st.heel_lifts = 0, 0, 0, 0
        st.reps_target = spec.target.total_reps
        st.circles_outward = st.circles_inward = st.circles_target = None
        self._pending_circles = []
        st.hold_target_s = spec.target.hold_s
        st.holds_target = spec.target.total_holds
        st.hold_elapsed_s, st.hold_met_now, st.best_deg = None, False, None
        st.strap_turned_deg = None
        st.stance_moved_deg = None
        st.pain_angle_deg = None
        st.exercise_elapsed_s = 0.0
        st.message = spec.title
        if self._unseen(spec):
            st.message = (f"{spec.title}: not counted without the foot sensor. Do it at your own pace, then "
                          + (f"it moves on after about {plain_pace_s(spec) / 60:.0f} min." if self.auto_advance
                             else "go on to the next exercise."))
        st.last_event = ""
        self.marker("exercise_start", exercise=spec.id, t=now)
        self.processor.start_exercise(spec, now)
        if self.on_exercise_start is not None:
            self.on_exercise_start(spec)

    def _end_current(self, now: float) -> None:
        result = self.processor.end_exercise(now)
        if result is None:
            return
        self.marker("exercise_end", exercise=result.spec.id, t=now)
        entry: dict = {}
        self._summaries[id(result)] = entry
        self._ended.append(result)
        self.state.completed.append(entry)
        self.refresh([result])

    def refresh(self, results: list[ExerciseResult]) -> None:
        """Bring the summaries of ended exercises up to date (their last samples may be
        analysed after they ended, see ``LiveProcessor.end_exercise``)."""
        for result in results:
            entry = self._summaries.get(id(result))
            if entry is not None:
                entry.update({
                    "exercise": result.spec.id, "reps": len(result.reps),
                    "reps_target": result.spec.target.total_reps, "holds": len(result.holds),
                    "holds_met": sum(1 for h in result.holds if h.met),
                    "holds_target": result.spec.target.total_holds, "heel_lifts": len(result.heel_lifts),
                    "pain": [r.level for r in self._pain
                             if pain.belongs(r, result.spec.id, result.start_s, result.end_s)],
                })

    def _advance(self, now: float) -> None:
        current = self._pending if self._pending is not None else self.index
        if current + 1 < len(self.routine.exercises):
            self._request(current + 1, now)
        else:
            self._finish(now)

    def _finish(self, now: float) -> None:
        if self.done:
            return
        self._end_current(now)
        self.done = True
        self.state.phase = "finished"
        self.state.message = "Routine finished. Well done!"
