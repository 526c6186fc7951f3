"""Unit and range checks for raw accelerometer and gyroscope data read from other apps' files.

Files say little about their units; the data says enough: a body-worn sensor's
specific force has a median norm near 9.81 m/s^2 (near 1 in g, near 0 when gravity
was taken out), and no gyroscope measures 36 rad/s (2000 deg/s is 34.9 rad/s).
"""

from __future__ import annotations

import numpy as np

from dorsi.sources import SourceError

#: A median specific-force norm in this range means the data is in g, not m/s^2.
G_UNITS_NORM = (0.5, 2.0)
#: Plausible median specific-force norm in m/s^2 for a body-worn sensor.
SI_NORM = (6.0, 14.0)
#: Above this (rad/s) the gyroscope is surely in deg/s (2000 dps = 34.9 rad/s).
MAX_GYR_RAD_S = 36.0
#: The longest recording read (s): a time beyond it is a damaged value, not a session.
MAX_SPAN_S = 12 * 3600.0


def check_si_units(acc: np.ndarray, gyr: np.ndarray, acc_label: str, gyr_label: str,
                   g_hint: str = "", no_gravity_hint: str = "") -> None:
    """Raise ``SourceError`` (one line naming the file) unless ``acc`` is m/s^2 with gravity and
    ``gyr`` rad/s; ``g_hint`` / ``no_gravity_hint`` say how to fix data in g / without gravity."""
    norm = float(np.median(np.linalg.norm(acc, axis=1)))
    if G_UNITS_NORM[0] <= norm <= G_UNITS_NORM[1]:
        raise SourceError(f"{acc_label}: acceleration median norm is {norm:.3g}: looks like g, expected m/s^2"
                          + (f" ({g_hint})" if g_hint else ""))
    if norm < G_UNITS_NORM[0] and no_gravity_hint:
        raise SourceError(f"{acc_label}: acceleration median norm is {norm:.3g}: acceleration without gravity, "
                          f"expected about 9.81 m/s^2 with it ({no_gravity_hint})")
    if not SI_NORM[0] <= norm <= SI_NORM[1]:
        raise SourceError(f"{acc_label}: acceleration median norm is {norm:.3g}, expected about 9.81 m/s^2 "
                          "with gravity")
    if float(np.abs(gyr).max(initial=0.0)) > MAX_GYR_RAD_S:
        raise SourceError(f"{gyr_label}: rates beyond any gyroscope's range in rad/s: looks like deg/s")
