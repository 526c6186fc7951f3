"""Knee-to-wall distance from the tibial inclination (weight-bearing lunge test).

With the foot flat and the front of the knee touching the wall, the toe-to-wall
distance is

    d = x_ankle + L sin(theta) + c cos(theta) - L_foot

with ``L`` the shank length (ankle to knee joint centre), ``c`` how far the
front of the knee lies ahead of the knee joint centre, ``x_ankle`` the ankle
joint centre's distance from the back of the heel and ``L_foot`` the foot
length (heel to toe tip).
"""

from __future__ import annotations

import numpy as np

#: Ankle joint centre from the back of the heel, as a fraction of foot length.
ANKLE_FRACTION = 0.25
#: Front of the knee ahead of the knee joint centre (m).
KNEE_FRONT_M = 0.05


def knee_to_wall_cm(inclination_deg: float | np.ndarray, shank_length_m: float = 0.40,
                    foot_length_m: float = 0.26, heel_to_ankle_m: float | None = None,
                    knee_front_m: float = KNEE_FRONT_M) -> float | np.ndarray:
    """Toe-to-wall distance (cm) at which the knee touches the wall.

    Parameters
    ----------
    inclination_deg : float or array
        Tibial inclination in the sagittal plane (+ knee forward), foot flat.
    shank_length_m : float
        Ankle to knee joint centre (default 0.40 m, an adult's typical shank).
    foot_length_m : float
        Heel to toe tip (default 0.26 m).
    heel_to_ankle_m : float, optional
        Back of the heel to the ankle joint centre; default a quarter of the
        foot length.
    knee_front_m : float
        Front of the knee ahead of the knee joint centre (default 0.05 m).

    Returns
    -------
    float or array
        Distance in cm (negative: the knee cannot reach a wall at the toes).
    """
    for name, value in (("shank_length_m", shank_length_m), ("foot_length_m", foot_length_m)):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")
    x_ankle = ANKLE_FRACTION * foot_length_m if heel_to_ankle_m is None else heel_to_ankle_m
    th = np.radians(inclination_deg)
    d = x_ankle + shank_length_m * np.sin(th) + knee_front_m * np.cos(th) - foot_length_m
    return d * 100.0 if np.ndim(d) else float(d * 100.0)
