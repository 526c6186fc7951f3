"""Per-user knee-to-wall calibration: one tape-measured distance fits the user's offset.

The angle module turns tibial inclination into a toe-to-wall distance with a
body model (``dorsi.angle.knee_to_wall_cm``: shank and foot lengths, knee and
ankle offsets). Those lengths are population defaults unless the user entered
them; the model's shape (how the distance grows with the angle) is sound, its
offset is what varies most between people. One measured distance ``d_m`` at the
angle ``theta_m`` measured in the same trial fixes that offset:

    delta = d_m - d_model(theta_m),      d_user(theta) = d_model(theta) + delta
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Plausible tape-measured knee-to-wall distances (cm).
CM_RANGE = (-5.0, 25.0)


def model_cm(angle_deg: float | np.ndarray, profile: dict | None = None) -> float | np.ndarray:
    """The angle module's uncalibrated distance (cm) for a tibial inclination."""
    from dorsi.angle import knee_to_wall_cm

    kwargs = {k: float(v) for k, v in (profile or {}).items() if k in ("shank_length_m", "foot_length_m") and v}
    return knee_to_wall_cm(angle_deg, **kwargs)


@dataclass
class KneeToWallCalibration:
    """A user's cm-to-degree relation for the knee-to-wall test.

    Parameters
    ----------
    profile : dict, optional
        Body profile passed to the model (``shank_length_m``, ``foot_length_m``).

    Attributes
    ----------
    offset_cm_ : float
        ``measured - model`` at the calibration trial (0 before :meth:`fit`).
    angle_deg_, measured_cm_ : float
        The calibration trial.
    """

    profile: dict | None = None
    offset_cm_: float = 0.0
    angle_deg_: float | None = None
    measured_cm_: float | None = None

    def fit(self, angle_deg: float, measured_cm: float) -> "KneeToWallCalibration":
        """Fit the offset from one trial: the sensor's angle and the tape-measured distance."""
        if not CM_RANGE[0] <= measured_cm <= CM_RANGE[1]:
            raise ValueError(f"a knee-to-wall distance of {measured_cm} cm is implausible "
                             f"(expected {CM_RANGE[0]:g} to {CM_RANGE[1]:g} cm)")
        if not 0.0 < angle_deg < 80.0:
            raise ValueError(f"the trial's angle {angle_deg:.1f} deg is not a knee-to-wall lunge")
        self.angle_deg_ = float(angle_deg)
        self.measured_cm_ = float(measured_cm)
        self.offset_cm_ = float(measured_cm - model_cm(angle_deg, self.profile))
        return self

    def cm(self, angle_deg: float | np.ndarray) -> float | np.ndarray:
        """The calibrated distance (cm) at an angle."""
        return model_cm(angle_deg, self.profile) + self.offset_cm_

    def angle_for_cm(self, target_cm: float) -> float:
        """The angle (deg) at which the calibrated distance reaches ``target_cm`` (bisection)."""
        lo, hi = 0.0, 75.0
        if not self.cm(lo) <= target_cm <= self.cm(hi):
            return float("nan")
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if self.cm(mid) < target_cm else (lo, mid)
        return 0.5 * (lo + hi)

    def to_json(self) -> dict:
        return {"offset_cm": self.offset_cm_, "angle_deg": self.angle_deg_, "measured_cm": self.measured_cm_,
                "profile": self.profile or {}}

    @classmethod
    def from_json(cls, doc: dict) -> "KneeToWallCalibration":
        return cls(profile=doc.get("profile") or None, offset_cm_=float(doc.get("offset_cm", 0.0)),
                   angle_deg_=doc.get("angle_deg"), measured_cm_=doc.get("measured_cm"))
