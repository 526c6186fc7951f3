"""Device-to-host clock mapping with drift.

Each notification gives a pair (device time of its last sample, host receive
time). The host time is the device time plus an offset, a slow drift (crystal
tolerance, tens of ppm) and a non-negative, jittery transport latency. The
lower envelope of ``host - device`` is the latency-free relation: the map is
a straight line fitted through the per-window minima of that difference.
Two sensors mapped this way share the host time base, which aligns them to
within a sample period.
"""

from __future__ import annotations

import numpy as np


class ClockMap:
    """Fit ``host = device * (1 + drift) + offset`` from notification timing.

    Parameters
    ----------
    window_s : float
        Length of the windows whose minimum latency anchors the fit.

    Attributes
    ----------
    offset_ : float
        Host time (s) at device time 0, latency removed.
    drift_ : float
        Relative rate error of the device clock (e.g. 2e-5 = 20 ppm fast host).
    latency_ : float
        Median transport latency above the envelope (s), for information.
    """

    def __init__(self, window_s: float = 10.0) -> None:
        self.window_s = window_s

    def fit(self, device_s: np.ndarray, host_s: np.ndarray) -> "ClockMap":
        device_s = np.asarray(device_s, dtype=np.float64)
        host_s = np.asarray(host_s, dtype=np.float64)
        if device_s.shape != host_s.shape or device_s.size == 0:
            raise ValueError("clock map needs matching, non-empty device and host times")
        diff = host_s - device_s
        bins = np.floor((device_s - device_s[0]) / self.window_s).astype(np.int64)
        order = np.lexsort((diff, bins))
        first = np.flatnonzero(np.diff(bins[order], prepend=-1))
        anchors_dev, anchors_diff = device_s[order][first], diff[order][first]
        if len(anchors_dev) >= 3:
            slope, intercept = np.polyfit(anchors_dev, anchors_diff, 1)
        else:
            slope, intercept = 0.0, float(diff.min())
        # shift so that no observation lies below the line (latency >= 0)
        intercept += float(np.min(diff - (slope * device_s + intercept)))
        self.drift_ = float(slope)
        self.offset_ = float(intercept)
        self.latency_ = float(np.median(diff - (slope * device_s + intercept)))
        return self

    def to_host(self, device_s: np.ndarray) -> np.ndarray:
        device_s = np.asarray(device_s, dtype=np.float64)
        return device_s * (1.0 + self.drift_) + self.offset_
