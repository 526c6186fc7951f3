"""Form flags: frontal-plane tilt ("foot rolling in") during reps and holds."""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import channel_grid, start_baseline


class FrontalTiltFlagger:
    """Flag intervals where the knee drifts medially (the foot rolls in).

    The tilt is ``AngleTrace.frontal_deg`` (positive = medial) relative to its
    median over the first ``baseline_window_s`` (the still start).

    Parameters
    ----------
    threshold_deg : float
        Medial tilt beyond this (relative to rest) raises the flag.
    baseline_window_s, grid_hz, max_gap_s
        As for the other detectors.

    Attributes
    ----------
    tilt_deg_ : (K,) float
        Largest medial tilt in each interval.
    flags_ : (K,) bool
        ``tilt_deg_ > threshold_deg``.
    baseline_deg_ : float
        Resting frontal angle.
    """

    def __init__(self, threshold_deg: float = 8.0, baseline_window_s: float = 2.0,
                 grid_hz: float = 100.0, max_gap_s: float = 0.5) -> None:
        self.threshold_deg = threshold_deg
        self.baseline_window_s = baseline_window_s
        self.grid_hz = grid_hz
        self.max_gap_s = max_gap_s

    def detect(self, trace: AngleTrace, intervals: list[tuple[float, float]],
               baseline_deg: float | None = None) -> "FrontalTiltFlagger":
        """Measure the medial tilt inside each ``(start_s, end_s)``; returns ``self``."""
        sig = channel_grid(trace, "frontal", self.grid_hz, self.max_gap_s)
        self.baseline_deg_ = float(baseline_deg) if baseline_deg is not None else start_baseline(
            sig, self.baseline_window_s)
        rel = sig.x - self.baseline_deg_
        bounds = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
        i0 = np.searchsorted(sig.t, bounds[:, 0])
        i1 = np.maximum(np.searchsorted(sig.t, bounds[:, 1], side="right"), i0 + 1)
        i1 = np.minimum(i1, len(rel))
        i0 = np.minimum(i0, i1 - 1)
        if len(bounds):
            # one vectorised max per interval (intervals are few)
            self.tilt_deg_ = np.array([rel[a:b].max() for a, b in zip(i0, i1)], dtype=np.float64)
        else:
            self.tilt_deg_ = np.zeros(0)
        self.tilt_deg_ = np.maximum(self.tilt_deg_, 0.0)
        self.flags_ = self.tilt_deg_ > self.threshold_deg
        return self
