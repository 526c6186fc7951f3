"""Deep valleys inside one excursion: where two movements that never went back under the
release level still came apart.

A run above the release level is one movement while the signal stays near its end range; a
valley that falls most of the way back before the signal rises again is a return between two
movements whose rest level has moved away from the baseline fixed at the start (a person who
shifts their weight between drops comes back a degree or two off it). Both the rep and the
hold detector cut their runs there (``docs/algorithms-events.md``, "Deep valleys").
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks


def maybe_two_peaks(seg: np.ndarray, height: float) -> bool:
    """Whether ``find_peaks(seg, height=height)`` can find two peaks or more.

    Each peak it finds (the middle of a flat top, or a single sample) has a
    first sample that is above the sample before it, not below the one after it
    and at least ``height``: counting such samples bounds its peaks from above.
    """
    inner = seg[1:-1]
    return int(np.count_nonzero((inner > seg[:-2]) & (inner >= seg[2:]) & (inner >= height))) >= 2


def deep_valleys(seg: np.ndarray, height: float, depth: float, split_frac: float,
                 min_width: int = 0) -> list[int]:
    """Indices into ``seg`` of the valleys that split it into separate movements.

    The peaks are those of at least ``height`` and ``depth`` prominence; a valley
    between two of them splits when it lies at least ``depth`` and at least
    ``split_frac`` of the lower peak below the lower of the two (``seg`` is the
    excursion from the baseline, positive toward the movement), for at least
    ``min_width`` samples in a row (a rock back and forth inside one hold is brief,
    a return to rest between two holds is not).
    """
    # The stretch is read as if it dropped away after its last sample: a live stream's newest
    # sample, still on the rise after a valley, is then the peak that confirms the valley as soon
    # as the rise is deep enough (else a peak is prominent only once the next movement has come
    # back down again: the rep or hold before the valley would wait for it). In a finished
    # stretch the last samples are its fall to the release level, which changes nothing.
    padded = np.append(seg, seg.min(initial=0.0) - depth)
    if not maybe_two_peaks(padded, height):  # (valleys lie between two peaks)
        return []
    peaks, _ = find_peaks(padded, prominence=depth, height=height)
    return split_valleys(seg, peaks, depth, split_frac, min_width)


def valley_floor(level: float, depth: float, split_frac: float) -> float:
    """The level a valley must fall below to part a movement held at ``level`` from the next:
    at least ``depth`` and ``split_frac`` of ``level`` lower."""
    return level - max(depth, split_frac * level)


def split_valleys(seg: np.ndarray, peaks: np.ndarray, depth: float, split_frac: float,
                  min_width: int = 0) -> list[int]:
    """Split points between ``peaks`` whose separating valley is at least ``depth``
    and at least ``split_frac`` of the lower peak below the lower of the two (for
    ``min_width`` samples in a row at least).

    (Equal-height twin peaks would otherwise both look prominent; a dip during a
    heel lift, where the ankle angle drops while the shank keeps going, is
    shallow relative to the rep and must not split it.)"""
    kept: list[int] = []
    for p in peaks.tolist():  # one iteration per peak
        if kept:
            q = kept[-1]
            v = q + int(np.argmin(seg[q:p]))
            low = min(seg[q], seg[p])
            floor = valley_floor(low, depth, split_frac)
            if seg[v] > floor or (min_width > 1 and _width_below(seg, q, p, floor) < min_width):
                if seg[p] > seg[q]:
                    kept[-1] = p
                continue
        kept.append(p)
    # recompute valleys between the surviving peaks (a merge may have moved a peak)
    return [q + int(np.argmin(seg[q:p])) for q, p in zip(kept[:-1], kept[1:])]


def _width_below(seg: np.ndarray, q: int, p: int, level: float) -> int:
    """The longest run of ``seg[q:p]`` below ``level``."""
    below = np.flatnonzero(seg[q:p] < level)
    if not len(below):
        return 0
    breaks = np.flatnonzero(np.diff(below) > 1)
    edges = np.concatenate([[0], breaks + 1, [len(below)]])
    return int(np.max(np.diff(edges)))


def cut_intervals(intervals: list[tuple[float, float]], cuts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """``intervals`` (start, end) cut at ``cuts`` (end before, start after) that fall inside them."""
    out = []
    for s, e in intervals:
        for c0, c1 in cuts:  # (sorted)
            if s < c1 <= e:
                out.append((s, c0))
                s = c1
        out.append((s, e))
    return out
