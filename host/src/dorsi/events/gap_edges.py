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


def edge_speeds(x: np.ndarray, valid: np.ndarray, i_in: int, i_out: int,
                rate_hz: float) -> tuple[float, float] | None:
    """Speeds (per second) of ``x`` into a gap, over ``EDGE_S`` of data up to its last sample
    ``i_in`` before it, and out of it, from its first sample ``i_out`` after it; None unless both
    stretches are inside the data and received whole."""
    k = max(2, int(round(EDGE_S * rate_hz)))
    if i_in < k or i_out + k >= len(x) or not (valid[i_in - k:i_in + 1].all() and valid[i_out:i_out + k + 1].all()):
        return None
    return _slope(x[i_in - k:i_in + 1], rate_hz), _slope(x[i_out:i_out + k + 1], rate_hz)


def _slope(x: np.ndarray, rate_hz: float) -> float:
    """Least-squares slope (per second) of ``x`` sampled at ``rate_hz``."""
    t = np.arange(len(x)) / rate_hz
    tc = t - t.mean()
    return float(np.dot(tc, x - x.mean()) / np.dot(tc, tc))
