"""Where a routine can change exercise: the shank at rest, still, for a few seconds.

Between two exercises a person stops, changes posture or turns, and stops
again; inside an exercise the shank is either moving or held away from its rest
(a stretch's hold, the wall lunge). So the candidate boundaries are the runs
where the shank's inclination is still *and* at a rest posture: upright (within a
few degrees of the standing rest found at calibration, or tilted back a little
as when seated), or lying along the floor (long sitting, foam rolling). The inclination is the shin sensor's own
(``meta["inclination_deg"]`` when a foot sensor gives the trace's angle); with a
foot sensor the foot must be flat and still too (a seated dorsiflexion hold
moves the foot, not the shank).
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.grid import derivative, to_grid
from dorsi.events.runs import close_gaps, runs

#: The shank further than this from vertical (foot forward) is lying along the floor.
LONG_SITTING_DEG = -50.0


def shin_inclination(trace: AngleTrace) -> tuple[np.ndarray, np.ndarray]:
    """The shank's inclination (deg) and where it is valid, whatever the trace's angle is."""
    incl = trace.meta.get("inclination_deg") if trace.source != "inclination" else None
    if incl is not None and len(incl) == len(trace):
        return np.asarray(incl, dtype=np.float64), trace.channel_valid("frontal")
    if trace.shin_only is not None:
        return trace.shin_only.angle_deg, trace.shin_only.valid
    return trace.angle_deg, trace.valid


class RestFinder:
    """Find the runs where the shank rests (still, at a rest posture) long enough to part exercises.

    Parameters
    ----------
    min_rest_s : float
        Shorter rests do not part exercises (the pause between two reps or holds).
    still_deg_s : float
        The shank turning slower than this (smoothed over ``smooth_s``) is still.
    rest_band_deg : float
        Upright rest: within this of the standing rest (``AngleTrace.baseline_deg``); with a foot
        sensor, the foot within this of its pitch at that rest (flat on the floor).
    seated_band_deg : float
        ... or up to this far behind it (seated, the foot a little forward).
    level_deg : float
        A rest keeps one level: where the inclination moves further than this from the
        level it began at, a new rest begins (a slow shallow movement, such as a shin-only
        eccentric drop's tilt back and hold, is still, but leaves the level of the rest
        before it).
    grid_hz, smooth_s : float
        Working grid and smoothing.
    max_gap_s : float
        Lost samples longer than this are not rest (nothing is known there).

    Attributes
    ----------
    rests_ : list of (start_s, end_s)
        The rest runs, in time order.
    levels_ : list of float
        Each rest's inclination (median, deg).
    base_ : float
        The standing rest's inclination (deg).
    grid_t_, incl_, still_, valid_ : arrays
        The working grid: time, inclination (deg), at rest, valid.
    moving_ : array of bool
        The shank turning (faster than ``still_deg_s``), whatever its posture.
    """

    def __init__(self, min_rest_s: float = 3.0, still_deg_s: float = 3.0, rest_band_deg: float = 4.0,
                 seated_band_deg: float = 10.0, level_deg: float = 1.0, grid_hz: float = 10.0,
                 smooth_s: float = 1.0, max_gap_s: float = 0.5) -> None:
        self.min_rest_s = min_rest_s
        self.still_deg_s = still_deg_s
        self.rest_band_deg = rest_band_deg
        self.seated_band_deg = seated_band_deg
        self.level_deg = level_deg
        self.grid_hz = grid_hz
        self.smooth_s = smooth_s
        self.max_gap_s = max_gap_s

    def find(self, trace: AngleTrace) -> "RestFinder":
        """Find the rests of ``trace``; returns ``self``."""
        incl, valid = shin_inclination(trace)
        base = trace.shin_only.baseline_deg if trace.shin_only is not None else trace.baseline_deg
        sig = self._grid(trace, incl, valid)
        x = sig.x
        # upright: near the standing rest, or up to seated_band_deg behind it (seated, the foot a
        # little forward); not forward of it, where the lunges and stretches hold
        upright = (x - base < self.rest_band_deg) & (x - base > -self.seated_band_deg)
        turning_slowly = self._still(x)
        self.moving_ = ~turning_slowly & sig.valid
        still = turning_slowly & sig.valid & (upright | (x < LONG_SITTING_DEG))
        if trace.source != "inclination":  # the foot's own movement: the foot flat and still too
            pitch = self._grid(trace, trace.angle_deg - incl, trace.valid)
            flat = self._still(pitch.x) & pitch.valid & (np.abs(pitch.x - (trace.baseline_deg - base))
                                                         < self.rest_band_deg)
            # both grids are the absolute grid (k / rate): line them up by k
            k = np.rint((sig.t - pitch.t[0]) * self.grid_hz).astype(np.intp)
            inside = (k >= 0) & (k < len(pitch.t))
            foot_rest = np.zeros(len(sig.t), dtype=bool)
            foot_rest[inside] = flat[k[inside]]
            still &= foot_rest | (x < LONG_SITTING_DEG)
        # a single noisy grid point does not end a rest
        still = close_gaps(still, 2)
        self.grid_t_, self.incl_, self.still_, self.valid_ = sig.t, x, still, sig.valid
        self.base_ = float(base)
        self.rests_, self.levels_ = [], []
        for a, b in _level_runs(x, still, self.level_deg):
            if (b - 1 - a) / self.grid_hz >= self.min_rest_s:
                self.rests_.append((float(sig.t[a]), float(sig.t[b - 1])))
                self.levels_.append(float(np.median(x[a:b])))
        return self

    def _grid(self, trace: AngleTrace, x: np.ndarray, valid: np.ndarray):
        ok = valid & np.isfinite(x)
        if np.count_nonzero(ok) < 2:
            raise ValueError("the trace has fewer than two valid samples")
        return to_grid(trace.t, x, ok, self.grid_hz, self.max_gap_s)

    def _still(self, x: np.ndarray) -> np.ndarray:
        return np.abs(derivative(x, self.grid_hz, self.smooth_s)) < self.still_deg_s


def _level_runs(x: np.ndarray, still: np.ndarray, tol: float) -> list[tuple[int, int]]:
    """``[start, end)`` index runs of ``still`` split where ``x`` leaves the level (its value at
    the run's start, then the mean so far) by more than ``tol``. A scan over the still points of
    a coarse grid (a few per second)."""
    out = []
    starts, ends = runs(still)
    for a, b in zip(starts.tolist(), ends.tolist()):
        first, total = a, 0.0
        for i in range(a, b):
            level = total / (i - first) if i > first else x[first]
            if abs(x[i] - level) > tol:
                out.append((first, i))
                first, total = i, 0.0
            total += x[i]
        out.append((first, b))
    return out
