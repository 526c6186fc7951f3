"""Rest detection: where a sensor is still (quiet standing or sitting)."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from dorsi.samples import SampleBatch

G = 9.80665


class RestDetector:
    """Find still samples and the first still period long enough to calibrate on.

    A sample is still when, over a window around it, the smoothed angular
    rate stays below ``gyr_threshold_rad_s`` and the specific-force norm stays
    within ``acc_tolerance_m_s2`` of g.

    Parameters
    ----------
    gyr_threshold_rad_s : float
        Largest smoothed angular-rate norm of a still sample (sway passes).
    acc_tolerance_m_s2 : float
        Largest departure of the specific-force norm from g.
    window_s : float
        Smoothing / dilation window.
    min_duration_s : float
        Shortest still period accepted as a calibration rest.
    max_duration_s : float
        The calibration rest is the start of that period, at most this long
        (a slow drift out of the pose must not enter the average).

    Attributes
    ----------
    still_ : (N,) bool
        Still samples.
    first_rest_ : slice or None
        Sample range of the first still period of at least ``min_duration_s``,
        cut to ``max_duration_s``.
    """

    def __init__(self, gyr_threshold_rad_s: float = 0.06, acc_tolerance_m_s2: float = 0.4,
                 window_s: float = 0.3, min_duration_s: float = 1.0, max_duration_s: float = 3.0) -> None:
        self.gyr_threshold_rad_s = gyr_threshold_rad_s
        self.acc_tolerance_m_s2 = acc_tolerance_m_s2
        self.window_s = window_s
        self.min_duration_s = min_duration_s
        self.max_duration_s = max_duration_s

    def detect(self, batch: SampleBatch) -> "RestDetector":
        """Classify every sample of ``batch``; returns self."""
        n = len(batch)
        rate = batch.rate_hz if n > 1 else 100.0
        w = max(1, int(round(self.window_s * rate)))
        rate_norm = uniform_filter1d(np.linalg.norm(batch.gyr, axis=1), w, mode="nearest")
        acc_dev = np.abs(np.linalg.norm(batch.acc, axis=1) - G)
        moving = (rate_norm > self.gyr_threshold_rad_s) | (acc_dev > self.acc_tolerance_m_s2)
        moving = maximum_filter1d(moving.astype(np.uint8), w, mode="nearest").astype(bool)
        still = ~moving
        self.still_ = still
        self.first_rest_ = None
        starts, stops = _runs(still)
        for a, b in zip(starts, stops):
            if batch.t[b - 1] - batch.t[a] >= self.min_duration_s:
                b = min(int(b), int(np.searchsorted(batch.t, batch.t[a] + self.max_duration_s, "right")))
                self.first_rest_ = slice(int(a), b)
                break
        return self

    def still_each(self, batch: SampleBatch) -> np.ndarray:
        """Still samples by the same thresholds, each judged on its own (no smoothing, no
        dilation): for a few samples that a data gap cuts off from those around them."""
        rate_norm = np.linalg.norm(batch.gyr, axis=1)
        acc_dev = np.abs(np.linalg.norm(batch.acc, axis=1) - G)
        return (rate_norm <= self.gyr_threshold_rad_s) & (acc_dev <= self.acc_tolerance_m_s2)


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) indices of the True runs of ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
