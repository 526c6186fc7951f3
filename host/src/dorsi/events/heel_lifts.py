"""Heel-lift intervals from the trace's per-sample heel-lift flag."""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import HEEL_LIFT, channel_grid
from dorsi.events.grid import grid_times
from dorsi.events.results import HeelLift
from dorsi.events.runs import close_gaps, drop_short, fill_intervals, runs


class HeelLiftDetector:
    """Turn ``AngleTrace.heel_lift`` into clean intervals.

    Parameters
    ----------
    min_duration_s : float
        Shorter lifts are dropped as flicker.
    merge_gap_s : float
        Lifts separated by a shorter ground contact are merged.
    grid_hz, max_gap_s : float
        Resampling grid (see :func:`dorsi.events.channel.channel_grid`).

    Attributes
    ----------
    heel_lifts_ : list of HeelLift
        Heel-off intervals in time order.
    mask_ : (M,) bool
        Cleaned heel-off mask on the grid ``t_``.
    t_ : (M,) float
        Grid times.
    """

    def __init__(self, min_duration_s: float = 0.1, merge_gap_s: float = 0.15,
                 grid_hz: float = 100.0, max_gap_s: float = 0.5) -> None:
        self.min_duration_s = min_duration_s
        self.merge_gap_s = merge_gap_s
        self.grid_hz = grid_hz
        self.max_gap_s = max_gap_s

    @property
    def support_s(self) -> float:
        return self.merge_gap_s + 3.0 / self.grid_hz

    def detect(self, trace: AngleTrace) -> "HeelLiftDetector":
        """Find heel-lift intervals; returns ``self``."""
        if not trace.heel_lift.any():  # no lift flagged at all (the usual case): nothing to clean
            valid = trace.valid.nonzero()[0]
            if len(trace) < 2 or len(valid) < 2:
                raise ValueError("the trace has fewer than two valid samples")
            self.t_ = grid_times(float(trace.t[valid[0]]), float(trace.t[valid[-1]]), self.grid_hz)
            self.mask_ = np.zeros(len(self.t_), dtype=bool)
            self.heel_lifts_ = []
            return self
        sig = channel_grid(trace, HEEL_LIFT, self.grid_hz, self.max_gap_s)
        mask = (sig.x > 0.5) & sig.valid
        # a lift flagged on both sides of a data gap went on through it (the flag is carried across
        # a gap only while the shank stays forward): one lift, not two
        g0, g1 = runs(~sig.valid)
        inner = (g0 > 0) & (g1 < len(mask))
        g0, g1 = g0[inner], g1[inner]
        flanked = mask[g0 - 1] & mask[g1]
        mask |= fill_intervals(len(mask), g0[flanked], g1[flanked])
        mask = close_gaps(mask, int(round(self.merge_gap_s * sig.rate_hz)))
        mask = drop_short(mask, max(1, int(round(self.min_duration_s * sig.rate_hz))))
        starts, ends = runs(mask)
        self.t_ = sig.t
        self.mask_ = mask
        self.heel_lifts_ = [HeelLift(float(sig.t[a]), float(sig.t[b - 1])) for a, b in zip(starts, ends)]
        return self
