"""Picking one channel of an :class:`AngleTrace` and putting it on the grid."""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.grid import GridSignal, to_grid

CHANNELS = ("angle", "knee_swing", "frontal")
POLARITIES = {"positive": (1.0,), "negative": (-1.0,), "both": (1.0, -1.0)}


def channel_values(trace: AngleTrace, channel: str) -> np.ndarray:
    """The raw samples of ``channel`` (``angle``, ``knee_swing`` or ``frontal``)."""
    if channel == "angle":
        return trace.angle_deg
    if channel == "knee_swing":
        return trace.knee_swing_deg
    if channel == "frontal":
        return trace.frontal_deg
    raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")


def channel_grid(trace: AngleTrace, channel: str, rate_hz: float, max_gap_s: float) -> GridSignal:
    """``channel`` of ``trace`` resampled onto the absolute grid.

    Raises
    ------
    ValueError
        If the trace has fewer than two valid samples.
    """
    if len(trace) < 2 or int(np.count_nonzero(trace.valid)) < 2:
        raise ValueError("the trace has fewer than two valid samples")
    return to_grid(trace.t, channel_values(trace, channel), trace.valid, rate_hz, max_gap_s)


def start_baseline(sig: GridSignal, window_s: float) -> float:
    """Median of the channel over the first ``window_s`` seconds (the still start)."""
    head = sig.x[sig.t < sig.t[0] + window_s]
    return float(np.median(head if len(head) else sig.x[:1]))


def polarity_signs(polarity: str) -> tuple[float, ...]:
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {tuple(POLARITIES)}, got {polarity!r}")
    return POLARITIES[polarity]
