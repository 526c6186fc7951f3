"""How the data moves at the edges of a gap: what reps and circles read of what a gap hid.

The grid bridges a data gap with a straight line; what went on inside is judged from the data
either side of it, the speed into and out of the gap read as a least-squares slope over
``EDGE_S`` of data, a move under way being one faster than ``MOVING_DEG_S``.
"""

from __future__ import annotations

import numpy as np

#: Data at a gap's edge over which the speed into / out of it is measured (s).
EDGE_S = 0.1
#: A move under way: speed at a gap's edge above sway, drift and noise (deg/s).
MOVING_DEG_S = 10.0


def edge_samples(rate_hz: float) -> int:
    """Grid steps spanning ``EDGE_S`` (at least 2)."""
    return max(2, int(round(EDGE_S * rate_hz)))


def slope(x: np.ndarray, rate_hz: float) -> float:
    """Least-squares slope (per second) of ``x`` sampled at ``rate_hz``."""
    t = np.arange(len(x)) / rate_hz
    tc = t - t.mean()
    return float(np.dot(tc, x - x.mean()) / np.dot(tc, tc))
