"""Event records produced by the detectors: reps, holds, heel lifts.

All times are seconds on the input's own time base; angles in degrees.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


@dataclass(frozen=True)
class Rep:
    """One repetition.

    Attributes
    ----------
    start_s, end_s : float
        Movement onset (leaving the baseline) and return (movement back has stopped).
    peak_s : float
        Time of the extreme excursion from the baseline.
    peak_angle_deg : float
        Signed angle value *at* the extreme (not the excursion); the excursion is
        ``peak_angle_deg - baseline_deg``.
    baseline_deg : float
        The resting angle the excursion is measured from.
    heel_lift : bool
        A heel lift overlapped the rep.
    frontal_tilt_deg : float
        Largest medial (knee-in) frontal tilt during the rep, relative to rest.
    foot_roll_in : bool
        ``frontal_tilt_deg`` exceeded the form threshold ("foot rolling in").
    lowering_s : float or None
        Eccentric drops: time from the end of the hold to the end of the rep.
    knee_to_wall_cm : float or None
        Knee-to-wall test: toe-to-wall distance implied by the peak.
    gap_s : float
        Longest stretch without samples inside the rep (lost packets); a long
        gap near the peak makes ``peak_angle_deg`` a lower bound.
    inferred : bool
        Counted from the rhythm of the reps either side: its peak fell into a
        data gap, so its times are estimates. Ankle circles: ``peak_angle_deg``
        (read on the bridge over the gap) is a lower bound; nerve flossing (the
        whole rep lost, :mod:`dorsi.events.rhythm`): the median of the reps'
        peaks before it.
    direction : {"outward", "inward"} or None
        Ankle circles with the foot sensor: the way the circle went (see
        ``dorsi.events.circle_direction``); None for other reps or when unknown.
    """

    start_s: float
    end_s: float
    peak_s: float
    peak_angle_deg: float
    baseline_deg: float
    heel_lift: bool = False
    frontal_tilt_deg: float = 0.0
    foot_roll_in: bool = False
    lowering_s: float | None = None
    knee_to_wall_cm: float | None = None
    gap_s: float = 0.0
    inferred: bool = False
    direction: str | None = None

    @property
    def excursion_deg(self) -> float:
        return self.peak_angle_deg - self.baseline_deg

    def to_json(self) -> dict:
        d = asdict(self)
        for key in ("start_s", "end_s", "peak_s"):
            d[key] = _round(d[key])
        for key in ("peak_angle_deg", "baseline_deg", "frontal_tilt_deg"):
            d[key] = _round(d[key], 2)
        d["lowering_s"] = _round(d["lowering_s"])
        d["knee_to_wall_cm"] = _round(d["knee_to_wall_cm"], 1)
        d["gap_s"] = _round(d["gap_s"])
        return d


@dataclass(frozen=True)
class Hold:
    """One static hold: from the moment the movement into position settles to
    the moment the movement out begins.

    Attributes
    ----------
    start_s, end_s, duration_s : float
        Hold interval and its length.
    mean_angle_deg : float
        Mean angle over the hold.
    target_s : float or None
        Target duration (``None`` when the exercise has none).
    met : bool or None
        ``duration_s >= target_s`` (``None`` without a target).
    heel_lift : bool
        A heel lift overlapped the hold.
    frontal_tilt_deg : float
        Largest medial frontal tilt during the hold, relative to rest.
    foot_roll_in : bool
        ``frontal_tilt_deg`` exceeded the form threshold.
    """

    start_s: float
    end_s: float
    duration_s: float
    mean_angle_deg: float
    target_s: float | None = None
    met: bool | None = None
    heel_lift: bool = False
    frontal_tilt_deg: float = 0.0
    foot_roll_in: bool = False

    def to_json(self) -> dict:
        d = asdict(self)
        for key in ("start_s", "end_s", "duration_s"):
            d[key] = _round(d[key])
        for key in ("mean_angle_deg", "frontal_tilt_deg"):
            d[key] = _round(d[key], 2)
        return d


@dataclass(frozen=True)
class HeelLift:
    """An interval with the heel off the ground."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def to_json(self) -> dict:
        return {"start_s": _round(self.start_s), "end_s": _round(self.end_s)}
