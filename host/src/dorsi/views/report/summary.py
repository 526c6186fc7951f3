"""What a session achieved against its targets, read from the analysis JSON.

Everything here is derived from the ``dorsi.analysis.v1`` object alone (no
samples), so the report's table and the JSON cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dorsi.events.circle_direction import count_each_way
from dorsi.history.calibration import KneeToWallCalibration, model_cm
from dorsi.routine import Routine
from dorsi.routine.loader import default_routine

#: The knee-to-wall aim when the routine gives none (cm).
DEFAULT_KTW_AIM_CM = 8.0


@dataclass(frozen=True)
class ExerciseSummary:
    """Target vs achieved for one exercise segment.

    ``None`` means "does not apply" (no such target, no such event).
    ``peak_angle_deg`` is on the exercise's ``signal``: the ankle angle, or
    the knee swing for seated knee-swing exercises.
    """

    exercise: str
    title: str
    kind: str
    signal: str
    start_s: float
    end_s: float
    reps_target: int | None
    reps_done: int
    heel_free_reps: int
    holds_target: int | None
    holds_done: int
    holds_met: int
    hold_target_s: float | None
    peak_angle_deg: float | None
    lowering_mean_s: float | None
    lowering_min_s: float | None
    lowering_controlled: int | None
    active_s: float | None
    heel_lifts: int
    form_flags: int
    score: int | None  # None: not scored (the sensors worn cannot see the exercise)
    components: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    circles_each_way: tuple[int, int] | None = None  # ankle circles: (outward, inward) when known


@dataclass(frozen=True)
class KneeToWallResult:
    """The knee-to-wall test: the best valid trial.

    Attributes
    ----------
    trials_deg, trials_cm : tuple of float
        Each trial's peak angle and its distance (calibrated when a calibration
        is given).
    valid : tuple of bool
        Trial kept the heel down (a trial with the heel off does not count).
    best_deg, best_cm : float
        The best valid trial (the best of all when none is valid).
    aim_cm : float
        The distance aimed for (routine, default 8 cm).
    calibrated : bool
        ``best_cm`` uses the user's tape-measured calibration.
    """

    trials_deg: tuple[float, ...]
    trials_cm: tuple[float, ...]
    valid: tuple[bool, ...]
    best_deg: float
    best_cm: float
    aim_cm: float
    calibrated: bool

    @property
    def aim_met(self) -> bool:
        return self.best_cm >= self.aim_cm


def _spec(routine: Routine, exercise: str):
    try:
        return routine[exercise]
    except KeyError:
        return None


def summarise_exercise(ex: dict, routine: Routine | None = None) -> ExerciseSummary:
    """Target vs achieved of one exercise entry of the analysis JSON."""
    routine = routine or default_routine()
    spec = _spec(routine, ex["exercise"])
    target = ex.get("target") or {}
    reps, holds = ex.get("reps", []), ex.get("holds", [])
    reps_target = None if target.get("reps") is None else int(target["reps"]) * int(target.get("sets") or 1)
    holds_target = None
    if target.get("hold_s") is not None:
        holds_target = int(target.get("sets") or target.get("reps") or 1)
    seen = [r for r in reps if not r.get("inferred")]  # an inferred rep's peak was not received
    # a rep with the heel off the floor does not count toward range (as the knee-to-wall best and
    # the history's peak dorsiflexion): the peak is the best heel-down rep while there is one
    seen = [r for r in seen if not r.get("heel_lift")] or seen
    if seen:
        peak = max(float(r["peak_angle_deg"]) for r in seen)
    elif holds:
        peak = max(float(h["mean_angle_deg"]) for h in holds)
    else:
        peak = None
    lowering = np.array([r["lowering_s"] for r in reps if r.get("lowering_s") is not None], dtype=float)
    min_lowering = None if spec is None else spec.min_lowering_s
    quality = ex.get("quality") or {}
    return ExerciseSummary(
        exercise=ex["exercise"], title=spec.title if spec else ex["exercise"],
        kind=spec.kind if spec else ("reps" if reps else "holds" if holds else "duration"),
        signal=spec.signal if spec else "angle",
        start_s=float(ex["start_s"]), end_s=float(ex["end_s"]),
        reps_target=reps_target, reps_done=len(reps),
        heel_free_reps=sum(1 for r in reps if not r.get("heel_lift")),
        holds_target=holds_target, holds_done=len(holds), holds_met=sum(1 for h in holds if h.get("met")),
        hold_target_s=target.get("hold_s"), peak_angle_deg=peak,
        lowering_mean_s=float(lowering.mean()) if lowering.size else None,
        lowering_min_s=float(lowering.min()) if lowering.size else None,
        lowering_controlled=(int(np.count_nonzero(lowering >= min_lowering))
                             if lowering.size and min_lowering is not None else None),
        active_s=ex.get("active_s"), heel_lifts=len(ex.get("heel_lifts", [])),
        form_flags=int(ex.get("form_flags") or 0),
        score=None if quality.get("score") is None else int(quality["score"]),
        components=dict(quality.get("components") or {}), notes=tuple(ex.get("notes") or ()),
        circles_each_way=count_each_way(r.get("direction") for r in reps),
    )



def knee_to_wall_result(analysis: dict, calibration: KneeToWallCalibration | None = None,
                        routine: Routine | None = None) -> KneeToWallResult | None:
    """The knee-to-wall result of a session, or ``None`` without a knee-to-wall trial."""
    routine = routine or default_routine()
    trials = [r for ex in analysis.get("exercises", []) if ex["exercise"] == "knee_to_wall" for r in ex["reps"]]
    if not trials:
        return None
    spec = _spec(routine, "knee_to_wall")
    aim = spec.min_knee_to_wall_cm if spec is not None and spec.min_knee_to_wall_cm else DEFAULT_KTW_AIM_CM
    deg = tuple(float(r["peak_angle_deg"]) for r in trials)
    if calibration is not None:
        cm = tuple(float(calibration.cm(d)) for d in deg)
    else:  # the analysis' estimate; the uncalibrated model where the analysis has none
        cm = tuple(float(r["knee_to_wall_cm"]) if r.get("knee_to_wall_cm") is not None else float(model_cm(d))
                   for r, d in zip(trials, deg))
    valid = tuple(not r.get("heel_lift") for r in trials)
    pool = [i for i, ok in enumerate(valid) if ok] or list(range(len(trials)))
    best = max(pool, key=lambda i: deg[i])
    return KneeToWallResult(deg, cm, valid, deg[best], cm[best], float(aim), calibration is not None)


def session_completion(analysis: dict, routine: Routine | None = None) -> tuple[int, int, float]:
    """``(exercises done, exercises in the routine, mean completion of those done)``."""
    routine = routine or default_routine()
    done = {ex["exercise"] for ex in analysis.get("exercises", [])}
    comps = [ex["quality"]["components"].get("completion") for ex in analysis.get("exercises", [])
             if (ex.get("quality") or {}).get("components")]
    comps = [c for c in comps if c is not None]
    return len(done & set(routine.ids)), len(routine.ids), float(np.mean(comps)) if comps else 0.0
