"""One session as the history keeps it: the figures progress is tracked on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dorsi.history.calibration import KneeToWallCalibration
from dorsi.routine import Routine
from dorsi.routine.exercises import dorsiflexion_exercises
from dorsi.views.report.summary import knee_to_wall_result, session_completion



@dataclass(frozen=True)
class SessionRecord:
    """A session in the history.

    Attributes
    ----------
    id : str
    started_at : datetime (UTC)
    side : str or None
        ``"left"`` / ``"right"`` (the leg the sensor was on).
    score : int
        Session quality score (0-100).
    exercises_done, exercises_total : int
        Routine exercises done / in the routine.
    completion : float
        Mean completion (0-1) of the exercises done.
    ktw_deg, ktw_cm : float or None
        Best valid knee-to-wall trial (cm: the analysis' uncalibrated estimate).
    ktw_trials_deg, ktw_trials_cm : tuple of float
        The valid trials (heel down), for the user's own repeatability.
    peak_df_deg : float or None
        Largest dorsiflexion of the weight-bearing exercises.
    stored_file : str
        The recording's copy inside the history folder.
    """

    id: str
    started_at: datetime
    side: str | None
    score: int
    exercises_done: int
    exercises_total: int
    completion: float
    ktw_deg: float | None
    ktw_cm: float | None
    ktw_trials_deg: tuple[float, ...]
    ktw_trials_cm: tuple[float, ...]
    peak_df_deg: float | None
    stored_file: str

    def ktw_cm_with(self, calibration: KneeToWallCalibration | None) -> float | None:
        """The knee-to-wall distance, calibrated when a calibration is given."""
        if calibration is None or self.ktw_deg is None:
            return self.ktw_cm
        return float(calibration.cm(self.ktw_deg))

    def trials_cm_with(self, calibration: KneeToWallCalibration | None) -> tuple[float, ...]:
        if calibration is None:
            return self.ktw_trials_cm
        return tuple(float(calibration.cm(d)) for d in self.ktw_trials_deg)


def session_figures(analysis: dict, routine: Routine | None = None) -> dict:
    """The per-session figures stored in the index (see :class:`SessionRecord`)."""
    done, total, completion = session_completion(analysis, routine)
    ktw = knee_to_wall_result(analysis, None, routine)
    trials_deg: tuple[float, ...] = ()
    trials_cm: tuple[float, ...] = ()
    if ktw is not None:
        keep = [i for i, ok in enumerate(ktw.valid) if ok]
        trials_deg = tuple(ktw.trials_deg[i] for i in keep)
        trials_cm = tuple(ktw.trials_cm[i] for i in keep if ktw.trials_cm[i] is not None)
    names = dorsiflexion_exercises(analysis.get("source"))
    angles = [r["peak_angle_deg"] for ex in analysis.get("exercises", []) if ex["exercise"] in names
              for r in ex.get("reps", []) if not r.get("heel_lift") and not r.get("inferred")]
    angles += [h["mean_angle_deg"] for ex in analysis.get("exercises", []) if ex["exercise"] in names
               for h in ex.get("holds", []) if not h.get("heel_lift")]
    return {
        "score": int(analysis["quality"]["score"]), "exercises_done": done, "exercises_total": total,
        "completion": completion,
        "ktw_deg": None if ktw is None else ktw.best_deg, "ktw_cm": None if ktw is None else ktw.best_cm,
        "ktw_trials_deg": trials_deg, "ktw_trials_cm": trials_cm,
        "peak_df_deg": float(max(angles)) if angles else None,
    }
