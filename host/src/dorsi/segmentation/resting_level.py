"""A channel less its resting level, the level taken from the last rest before each moment.

The routine segmenter runs each exercise's detector once over the whole
recording. The detectors judge excursions from one resting value, but over a
whole routine the rest moves: the stance is set again between exercises, a
seated rest differs from a standing one. So the channel is given relative to
the rest before each moment (before the first rest: the first rest's level),
and the detector's resting value is 0.

Which rests count: for the shin's inclination, only rests near the standing
rest's level (a shin-only eccentric drop's shallow hold is still too, and must
not become the level its drops are judged from); for the ankle angle (the foot
flat and still at every rest) and the knee swing, every rest.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import channel_grid, channel_values
from dorsi.segmentation.rests import LONG_SITTING_DEG, RestFinder


def resting_levels(trace: AngleTrace, channel: str, finder: RestFinder,
                   grid_hz: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Start times and ``channel`` levels (medians) of the rests it is judged from."""
    standing_only = channel == "angle" and trace.source == "inclination"
    keep = [i for i, level in enumerate(finder.levels_)
            if level > LONG_SITTING_DEG and (not standing_only or abs(level - finder.base_) <= finder.level_deg)]
    if not keep:
        return np.zeros(0), np.zeros(0)
    sig = channel_grid(trace, channel, grid_hz, 0.5)
    starts, levels = [], []
    for i in keep:
        a, b = finder.rests_[i]
        inside = (sig.t >= a) & (sig.t <= b) & sig.valid
        if inside.any():
            starts.append(a)
            levels.append(float(np.median(sig.x[inside])))
    return np.asarray(starts), np.asarray(levels)


def less_resting_level(trace: AngleTrace, channel: str, finder: RestFinder) -> AngleTrace | None:
    """``trace`` with ``channel`` (``"angle"`` or ``"knee_swing"``) less its resting level; None
    when no rest tells the level."""
    starts, levels = resting_levels(trace, channel, finder)
    if not len(starts):
        return None
    k = np.clip(np.searchsorted(starts, trace.t, side="right") - 1, 0, len(levels) - 1)
    values = channel_values(trace, channel) - levels[k]
    return replace(trace, **{"angle_deg" if channel == "angle" else "knee_swing_deg": values})


class RestingViews:
    """The channels of one trace less their resting levels, each worked out once and kept (every
    exercise's detector reads the same few).

    Attributes
    ----------
    frontal_rest : float
        The frontal tilt's median resting level (0 when no rest tells it).
    """

    def __init__(self, trace: AngleTrace, finder: RestFinder) -> None:
        self.trace = trace
        self.finder = finder
        self._kept: dict[tuple[str, bool], AngleTrace | None] = {}
        frontal = resting_levels(trace, "frontal", finder)[1]
        self.frontal_rest = float(np.median(frontal)) if len(frontal) else 0.0

    def relative(self, channel: str, shin_only: bool = False) -> AngleTrace | None:
        """:func:`less_resting_level` of the trace (or of its shin-only view) for ``channel``."""
        key = (channel, shin_only)
        if key not in self._kept:
            trace = self.trace.shin_only if shin_only else self.trace
            self._kept[key] = None if trace is None else less_resting_level(trace, channel, self.finder)
        return self._kept[key]
