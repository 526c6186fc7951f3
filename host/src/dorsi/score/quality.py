"""Session quality score 0-100 per exercise and overall (formula in docs/algorithms-events.md).

Each exercise gets up to five components in [0, 1]:

* ``completion``: reps / target reps, holds / target holds, or time under
  work / minimum time (capped at 1); ankle circles whose direction is known
  count each way against ``reps`` (20 each way: 40 one way is half done);
* ``holds_met``: share of holds reaching the target duration;
* ``heel_down``: share of reps and holds without a heel lift (exercises that
  require the heel down);
* ``range``: share of reps (holds) reaching the exercise's range target
  (knee-to-wall: the distance target);
* ``control``: share of reps and holds without the foot rolling in, averaged
  with the share of eccentric lowerings at least ``min_lowering_s`` long.

The score is ``round(100 * sum(w_i c_i) / sum(w_i))`` over the components that
apply, with weights completion 0.35, holds_met 0.20, heel_down 0.15, range 0.15,
control 0.15. An exercise the sensors worn cannot see (``needs_foot_sensor``
without the foot sensor) is not scored (``None``): a 0 would read as "not done".
The overall score is the mean of the scores of the exercises that were scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dorsi.events.circle_direction import count_each_way
from dorsi.events.results import Hold, Rep
from dorsi.routine.model import ExerciseSpec

WEIGHTS: dict[str, float] = {
    "completion": 0.35, "holds_met": 0.20, "heel_down": 0.15, "range": 0.15, "control": 0.15,
}


@dataclass(frozen=True)
class Quality:
    """A score with its explanation."""

    score: int | None  # None: not scored (the sensors worn cannot see the exercise)
    components: dict[str, float | None] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "score": self.score,
            "components": {k: None if v is None else round(v, 3) for k, v in self.components.items()},
            "weights": dict(self.weights),
        }


def _share(flags: list[bool]) -> float | None:
    return float(np.mean(flags)) if flags else None


class QualityScorer:
    """Score one exercise from its events.

    Parameters
    ----------
    weights : dict, optional
        Component weights (default :data:`WEIGHTS`).

    Attributes
    ----------
    quality_ : Quality
        Score and components of the last call.
    """

    def __init__(self, weights: dict[str, float] | None = None) -> None:
        self.weights = dict(WEIGHTS if weights is None else weights)

    def score(self, spec: ExerciseSpec, reps: list[Rep], holds: list[Hold], work_s: float = 0.0,
              baseline_deg: float = 0.0, observable: bool = True) -> "QualityScorer":
        """Compute the quality of one exercise; returns ``self``.

        Parameters
        ----------
        spec : ExerciseSpec
            The routine entry (targets).
        reps, holds : lists of Rep, Hold
            The exercise's events.
        work_s : float
            Time under work (duration exercises).
        baseline_deg : float
            Resting angle, for the range of holds.
        observable : bool
            False when the sensors worn cannot see the exercise: not scored.
        """
        c: dict[str, float | None] = {k: None for k in self.weights}
        if not observable:
            self.quality_ = Quality(None, c, {})
            return self
        c["completion"] = self._completion(spec, reps, holds, work_s)
        if spec.has_holds:
            c["holds_met"] = _share([bool(h.met) for h in holds]) if holds else 0.0
        events = list(reps) + list(holds)
        if spec.heel_down and events:
            c["heel_down"] = _share([not e.heel_lift for e in events])
        c["range"] = self._range(spec, reps, holds, baseline_deg)
        if events and spec.kind != "duration":
            parts = [float(np.mean([not e.foot_roll_in for e in events]))]
            slow = spec.min_lowering_s
            if slow is not None and reps:
                parts.append(float(np.mean([r.lowering_s is not None and r.lowering_s >= slow for r in reps])))
            c["control"] = float(np.mean(parts))
        used = {k: v for k, v in c.items() if v is not None}
        total_w = sum(self.weights[k] for k in used)
        value = sum(self.weights[k] * v for k, v in used.items()) / total_w if total_w else 0.0
        self.quality_ = Quality(int(round(100 * value)), c, {k: self.weights[k] for k in used})
        return self

    @staticmethod
    def _completion(spec: ExerciseSpec, reps: list[Rep], holds: list[Hold], work_s: float) -> float:
        t = spec.target
        if spec.kind == "duration" and t.duration_s is not None:
            return min(1.0, work_s / t.duration_s[0])
        ways = count_each_way(r.direction for r in reps)
        if spec.has_reps and ways and t.reps:
            return float(np.mean([min(1.0, n / t.reps) for n in ways]))
        if spec.has_reps:
            return min(1.0, len(reps) / (t.total_reps or 1))
        return min(1.0, len(holds) / (t.total_holds or 1))

    @staticmethod
    def _range(spec: ExerciseSpec, reps: list[Rep], holds: list[Hold], baseline_deg: float) -> float | None:
        aim_cm = spec.min_knee_to_wall_cm
        cms = [r.knee_to_wall_cm for r in reps if r.knee_to_wall_cm is not None]
        if spec.id == "knee_to_wall" and aim_cm is not None and reps and len(cms) == len(reps):
            return _share([cm >= aim_cm for cm in cms])
        if spec.min_range_deg is None:
            return None
        seen = [r for r in reps if not r.inferred]  # an inferred rep's peak was not received
        if spec.has_reps and seen:
            return _share([abs(r.excursion_deg) >= spec.min_range_deg for r in seen])
        if spec.kind == "holds" and holds:
            return _share([abs(h.mean_angle_deg - baseline_deg) >= spec.min_range_deg for h in holds])
        return None


def overall_scored(analysis: dict) -> bool:
    """Whether a ``dorsi.analysis.v1`` object's overall score means anything: at least one
    exercise was scored (its overall ``score`` is 0 when none could be, e.g. ankle circles
    alone without the foot sensor, and should then read "not scored", not "0/100")."""
    per_exercise = (analysis.get("quality") or {}).get("exercises") or {}
    return any(score is not None for score in per_exercise.values())


def overall_quality(scores: list[int | None]) -> Quality:
    """Overall session quality: the mean of the scored exercises' scores (0 when none was)."""
    scored = [s for s in scores if s is not None]
    value = int(round(float(np.mean(scored)))) if scored else 0
    return Quality(value, {"exercises": float(len(scored)), "not_scored": float(len(scores) - len(scored))}, {})
