"""Time under work: how long the segment's channel was moving (foam rolling etc.)."""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import channel_grid
from dorsi.events.grid import filtered
from dorsi.events.runs import close_gaps, drop_short


class ActivityDetector:
    """Measure active time: smoothed angular speed above a threshold.

    Parameters
    ----------
    channel : {"angle", "knee_swing"}
        Trace channel.
    speed_deg_s : float
        Speed above which the limb counts as moving.
    speed_window_s : float
        Savitzky-Golay derivative window.
    bridge_s : float
        Pauses shorter than this (turning points of a rolling movement) count as active.
    min_active_s : float
        Shorter bursts are fidgets.

    Attributes
    ----------
    active_s_ : float
        Total active time.
    mask_ : (M,) bool
        Active grid samples.
    """

    def __init__(self, channel: str = "angle", speed_deg_s: float = 2.0, speed_window_s: float = 0.5,
                 bridge_s: float = 1.5, min_active_s: float = 1.0, grid_hz: float = 50.0,
                 max_gap_s: float = 0.5) -> None:
        self.channel = channel
        self.speed_deg_s = speed_deg_s
        self.speed_window_s = speed_window_s
        self.bridge_s = bridge_s
        self.min_active_s = min_active_s
        self.grid_hz = grid_hz
        self.max_gap_s = max_gap_s

    def detect(self, trace: AngleTrace) -> "ActivityDetector":
        """Measure the active time of ``trace``; returns ``self``."""
        sig = channel_grid(trace, self.channel, self.grid_hz, self.max_gap_s)
        moving = np.abs(filtered(sig, self.speed_window_s, deriv=1)) > self.speed_deg_s  # shared with the hold detector
        moving = close_gaps(moving, int(round(self.bridge_s * sig.rate_hz)))
        moving = drop_short(moving, int(round(self.min_active_s * sig.rate_hz)))
        self.mask_ = moving
        self.active_s_ = float(np.count_nonzero(moving)) / sig.rate_hz
        return self
