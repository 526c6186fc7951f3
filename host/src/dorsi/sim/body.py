"""Body geometry of the simulated leg: foot landmarks, knee, sensor points.

Coordinates are in the body's heading frame ``H`` (X forward, Y left, Z up,
origin at the back of the heel on the floor at the start). The foot is a rigid
body; the shank is a rigid segment from the ankle joint centre to the knee
joint centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dorsi.sim.options import SimOptions

# Shank frame at rest (shank vertical): columns are the shank's x (up), y, z (anterior)
# expressed in H.  x -> Z, y -> -Y, z -> X.
SHANK_REST = np.array([[0.0, 0.0, 1.0], [0.0, -1.0, 0.0], [1.0, 0.0, 0.0]])


@dataclass(frozen=True)
class Body:
    """Derived landmark positions of the simulated leg (metres, frame ``H``)."""

    shank_length: float
    foot_length: float
    heel: np.ndarray
    ankle: np.ndarray
    metatarsals: np.ndarray
    toe: np.ndarray
    knee_front: float
    shin_sensor_local: np.ndarray
    foot_sensor: np.ndarray
    side_sign: float

    @classmethod
    def from_options(cls, opts: SimOptions) -> "Body":
        gamma = np.deg2rad(opts.strap_rotation_deg)
        # The strap ring sits sensor_height above the ankle; turning the strap moves the
        # sensor around the shin (radius sensor_offset) as well as rotating it.
        shin_local = np.array([opts.sensor_height_m, -opts.sensor_offset_m * np.sin(gamma),
                               opts.sensor_offset_m * np.cos(gamma)])
        return cls(
            shank_length=opts.shank_length_m,
            foot_length=opts.foot_length_m,
            heel=np.zeros(3),
            ankle=np.array([opts.heel_to_ankle_m, 0.0, opts.ankle_height_m]),
            metatarsals=np.array([opts.metatarsal_fraction * opts.foot_length_m, 0.0, 0.0]),
            toe=np.array([opts.foot_length_m, 0.0, 0.0]),
            knee_front=opts.knee_front_m,
            shin_sensor_local=shin_local,
            foot_sensor=np.array([0.45 * opts.foot_length_m, 0.0, 0.7 * opts.ankle_height_m]),
            side_sign=-1.0 if opts.side == "right" else 1.0,
        )

    def knee_to_wall_cm(self, inclination_deg: float | np.ndarray) -> float | np.ndarray:
        """Toe-to-wall distance at which the front of the knee touches the wall (foot flat).

        ``d = x_ankle + L sin(theta) + c cos(theta) - L_foot`` with ``L`` the shank
        length, ``c`` the knee's front offset and ``x_ankle`` the ankle's distance
        from the heel.
        """
        th = np.deg2rad(inclination_deg)
        d = self.ankle[0] + self.shank_length * np.sin(th) + self.knee_front * np.cos(th) - self.toe[0]
        return d * 100.0

    def seated_knee(self, inclination_deg: float) -> np.ndarray:
        """Knee position when seated with the foot flat and the shank at ``inclination_deg``."""
        th = np.deg2rad(inclination_deg)
        return self.ankle + self.shank_length * np.array([np.sin(th), 0.0, np.cos(th)])

    def long_sitting_ankle(self) -> np.ndarray:
        """Ankle position when sitting on the floor with the calf on a foam roller."""
        return self.ankle + np.array([0.30, 0.0, 0.06])
