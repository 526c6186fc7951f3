"""Ground truth of a simulated session: traces, reps, holds, heel lifts, segments."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

TRACE_FIELDS = ("t", "ankle_angle_deg", "tibial_inclination_deg", "frontal_tilt_deg",
                "foot_pitch_deg", "heel_height_m")


@dataclass(frozen=True)
class RepTruth:
    """One repetition.

    ``peak_angle_deg`` is the true ankle angle at ``peak_s`` and
    ``peak_inclination_deg`` the tibial inclination there; ``lowering_s`` is the
    duration of the slow lowering (eccentric drops only); ``distance_cm`` the
    toe-to-wall distance at which the knee touches the wall (knee-to-wall only);
    ``direction`` the way an ankle circle went ("outward": up, out, down, in).
    """

    start_s: float
    end_s: float
    peak_s: float
    peak_angle_deg: float
    peak_inclination_deg: float
    heel_lift: bool = False
    lowering_s: float | None = None
    distance_cm: float | None = None
    exercise: str = ""
    direction: str | None = None


@dataclass(frozen=True)
class HoldTruth:
    """One static hold at end range (from reaching the position to leaving it)."""

    start_s: float
    end_s: float
    duration_s: float
    mean_angle_deg: float
    mean_inclination_deg: float
    exercise: str = ""


@dataclass(frozen=True)
class Segment:
    """One exercise of a session, including its quiet lead-in and lead-out."""

    exercise: str
    start_s: float
    end_s: float


@dataclass
class Truth:
    """Ground truth traces on the shin sensor's full (loss-free) sample grid, plus events.

    Attributes
    ----------
    t : (N,) float
        Sample instants of the shin sensor (before packet loss), seconds.
    ankle_angle_deg : (N,) float
        Dorsiflexion, shank relative to foot (0 = perpendicular, + = knee over toes).
    tibial_inclination_deg : (N,) float
        Sagittal angle of the shank from vertical, + = knee forward of the ankle.
    frontal_tilt_deg : (N,) float
        Shank tilt out of the sagittal plane, + = knee medial (inward).
    foot_pitch_deg : (N,) float
        Sole angle to the floor, + = toes up, - = heel up.
    heel_height_m : (N,) float
        Back of the heel above the floor.
    reps, holds, heel_lifts, segments, fidgets, activities
        Events; ``heel_lifts`` and ``fidgets`` are ``(start_s, end_s)`` pairs;
        ``activities`` are the working periods of duration exercises (foam rolling).
    """

    t: np.ndarray
    ankle_angle_deg: np.ndarray
    tibial_inclination_deg: np.ndarray
    frontal_tilt_deg: np.ndarray
    foot_pitch_deg: np.ndarray
    heel_height_m: np.ndarray
    reps: list[RepTruth] = field(default_factory=list)
    holds: list[HoldTruth] = field(default_factory=list)
    heel_lifts: list[tuple[float, float]] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    fidgets: list[tuple[float, float]] = field(default_factory=list)
    activities: list[Segment] = field(default_factory=list)

    def to_json(self, traces: bool = True) -> dict:
        """A JSON-ready dict; ``traces=False`` leaves out the per-sample arrays."""
        out: dict = {
            "reps": [asdict(r) for r in self.reps],
            "holds": [asdict(h) for h in self.holds],
            "heel_lifts": [list(x) for x in self.heel_lifts],
            "segments": [asdict(s) for s in self.segments],
            "fidgets": [list(x) for x in self.fidgets],
            "activities": [asdict(s) for s in self.activities],
        }
        if traces:
            digits = {"t": 6, "heel_height_m": 6}
            for name in TRACE_FIELDS:
                out[name] = np.round(getattr(self, name), digits.get(name, 4)).tolist()
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Truth":
        """Inverse of :meth:`to_json` (traces are empty if they were left out)."""
        arrays = {name: np.asarray(data.get(name, []), dtype=float) for name in TRACE_FIELDS}
        return cls(
            **arrays,
            reps=[RepTruth(**r) for r in data.get("reps", [])],
            holds=[HoldTruth(**h) for h in data.get("holds", [])],
            heel_lifts=[(float(a), float(b)) for a, b in data.get("heel_lifts", [])],
            segments=[Segment(**s) for s in data.get("segments", [])],
            fidgets=[(float(a), float(b)) for a, b in data.get("fidgets", [])],
            activities=[Segment(**s) for s in data.get("activities", [])],
        )

    def reps_of(self, exercise: str) -> list[RepTruth]:
        return [r for r in self.reps if r.exercise == exercise]

    def holds_of(self, exercise: str) -> list[HoldTruth]:
        return [h for h in self.holds if h.exercise == exercise]
