"""Cyclic reps (ankle circles): which peaks are circles beside data gaps, and circles a gap hid.

Helpers of :meth:`dorsi.events.reps.RepDetector` in cyclic mode (one rep per
prominent peak). A data gap is bridged by a straight line on the grid, which
distorts the peaks next to it: their width (a pause is a broad peak), their
prominence (a lost trough is bridged above its true depth), and a peak inside
the gap is lost altogether. See ``docs/algorithms-events.md``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.circle_direction import CircleDirection
from dorsi.events.gap_edges import MOVING_DEG_S, edge_speeds


def cycle_widths(peaks: np.ndarray, props: dict, valid: np.ndarray) -> np.ndarray:
    """Peak widths at half prominence, in samples, read on the observed side of a data gap.

    A trough lost in a gap is bridged by a straight line, which widens the
    neighbouring peak as if it were a pause; such a peak's width is twice its
    half-width on the side without the gap (or, with lost samples on both
    sides, on the side where they are under a quarter of the half-width while
    on the other they are more). The observed samples between the peak and the
    gap all stand above half prominence, so that side's half-width is at least
    their extent: a pause at rest whose far side was lost (a flat stretch, then
    the gap) stays as wide as the stretch shows.
    """
    widths = np.array(props["widths"], dtype=float)
    if valid.all() or len(peaks) == 0:
        return widths
    bad = np.concatenate([[0], np.cumsum(~valid)])
    left, right = props["left_ips"], props["right_ips"]
    lo, hi = np.floor(left).astype(int), np.minimum(np.ceil(right).astype(int) + 1, len(valid))
    left_gap = bad[peaks] - bad[lo] > 0
    right_gap = bad[hi] - bad[peaks + 1] > 0  # (the peak itself may be the last bridged point)
    left_frac = (bad[peaks] - bad[lo]) / np.maximum(peaks - lo, 1)
    right_frac = (bad[hi] - bad[peaks + 1]) / np.maximum(hi - peaks - 1, 1)
    both = left_gap & right_gap
    read_right = (left_gap & ~right_gap) | (both & (left_frac > 0.25) & (right_frac <= 0.25))
    read_left = (right_gap & ~left_gap) | (both & (right_frac > 0.25) & (left_frac <= 0.25))
    idx = np.arange(len(valid))
    last_bad = np.maximum.accumulate(np.where(valid, -1, idx))  # latest lost sample at or before i
    next_bad = np.minimum.accumulate(np.where(valid, len(valid), idx)[::-1])[::-1]  # first at or after i
    seen_left = peaks - last_bad[peaks]  # observed extent up to the gap, each side
    seen_right = next_bad[np.minimum(peaks + 1, len(valid) - 1)] - peaks
    widths[read_right] = 2.0 * np.maximum(right - peaks, seen_left)[read_right]
    widths[read_left] = 2.0 * np.maximum(peaks - left, seen_right)[read_left]
    return widths


MAX_HIDDEN = 2  # cycles one gap may hide: a longer dropout may hide a pause as well


def hidden_cycles(peaks: np.ndarray, y: np.ndarray, valid: np.ndarray, prominences: np.ndarray,
                   max_width: float, turn: Callable[[int, int], bool] | None = None,
                   raw: np.ndarray | None = None, rate_hz: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """Add the cycles whose peaks a data gap hid, from the rhythm of the cycles around them.

    Two observed peaks ``k`` periods apart (within 0.4 of a period), with lost
    samples between them, stand for ``k - 1`` evenly spaced cycles in between
    (at most ``MAX_HIDDEN``) when every missing peak lies within a quarter
    period of a lost sample and the data at the edges of those lost samples
    reaches above the troughs by 15 % of the swing (a pause at rest with a gap
    in it stays at trough level), or the data at the edges of the gap shows
    that the angle turned down inside it (``raw``, the unsmoothed grid at
    ``rate_hz``: see :func:`_turned_down`). Period, peak level and swing are read on the
    runs of peaks (spaced at most ``2 * max_width``, or further apart across an
    earlier gap found to hide cycles) that end at the first peak and start at
    the second: live, a run is complete before it is reported, so
    live and batch agree. ``turn(j, k)`` tells whether the cycle from peak ``j``
    to ``j + 1`` and the one from ``k`` to ``k + 1`` went different ways (then
    the gap between them hides a turn, not cycles). Returns the peaks (sorted)
    and which are inferred.
    """
    hidden = np.zeros(len(peaks), dtype=bool)
    if valid.all() or len(peaks) < 3:
        return peaks, hidden
    bad = np.concatenate([[0], np.cumsum(~valid)])
    steps = np.diff(peaks)
    gapped = bad[peaks[1:]] - bad[peaks[:-1]] > 0
    long_step = steps > 2 * max_width
    found: list[int] = []
    for i in np.flatnonzero(gapped).tolist():
        # a long gapped step already found to hide cycles is part of the rhythm, not a pause: the
        # run goes on across it (so a later gap in the pause for turning sees the circles before)
        pause = np.flatnonzero(long_step)
        before, after = pause[pause < i], pause[pause > i]
        lo = int(before[-1]) + 1 if len(before) else 0
        hi = int(after[0]) if len(after) else len(steps)
        near = np.arange(lo, hi)
        clean = steps[near][~gapped[near] & (steps[near] <= 2 * max_width)]
        if len(clean) < 2:
            continue
        period = float(np.median(clean))
        k = int(round(steps[i] / period))
        if not 2 <= k <= MAX_HIDDEN + 1 or abs(steps[i] - k * period) > 0.4 * period:
            continue
        whole = [j for j in near.tolist() if not gapped[j]]  # cycles seen whole, nearest each side
        left, right = [j for j in whole if j < i], [j for j in whole if j > i]
        if turn is not None and left and right and turn(left[-1], right[0]):
            continue
        floor = float(np.median(y[peaks[lo:hi + 1]])) - 0.85 * float(np.median(prominences[lo:hi + 1]))
        reach = max(1, int(round(0.25 * period)))
        missing = (peaks[i] + np.round(np.arange(1, k) * steps[i] / k).astype(int)).tolist()
        if all(_hidden_at(c, y, valid, reach, floor, raw, rate_hz) for c in missing):
            found += missing
            long_step[i] = False
    if not found:
        return peaks, hidden
    allp = np.concatenate([peaks, np.asarray(found, dtype=peaks.dtype)])
    flags = np.concatenate([hidden, np.ones(len(found), dtype=bool)])
    order = np.argsort(allp, kind="stable")
    return allp[order], flags[order]


def _hidden_at(c: int, y: np.ndarray, valid: np.ndarray, reach: int, floor: float,
               raw: np.ndarray | None = None, rate_hz: float = 100.0) -> bool:
    """A peak at ``c`` can have passed unseen: samples within ``reach`` of it were lost, and the
    data at the edges of those lost samples stands above ``floor``, or (with ``raw``) the data
    either side of the gap they belong to shows a turn down inside it (:func:`_turned_down`)."""
    a = max(c - reach, 0)
    lost = np.flatnonzero(~valid[a:c + reach + 1])
    if len(lost) == 0:
        return False
    u, v = a + int(lost[0]), a + int(lost[-1])  # first and last lost sample near c
    edges = ([float(y[u - 1])] if u else []) + ([float(y[v + 1])] if v + 1 < len(y) else [])
    if max(edges, default=-np.inf) >= floor:
        return True
    if raw is None or valid[u:v + 1].any():
        return False
    before, after = np.flatnonzero(valid[:u]), np.flatnonzero(valid[v + 1:])
    if len(before) == 0 or len(after) == 0:
        return False
    return _turned_down(raw, valid, int(before[-1]), v + 1 + int(after[0]), rate_hz)


def _turned_down(raw: np.ndarray, valid: np.ndarray, i_in: int, i_out: int, rate_hz: float) -> bool:
    """The angle went up and came down again between the last sample ``i_in`` before a gap and
    the first ``i_out`` after it: it went into the gap rising and came out falling, or rising and
    no higher than it went in, or came out falling from no lower than it went in (speeds over
    ``MOVING_DEG_S``, least-squares over ``EDGE_S`` of data each side). A maximum then lies in
    the gap, whatever happened there: at a pause the angle goes into and out of a gap still, at
    trough level, while the two edges of a gap that runs from trough to trough of a circle show
    its swing (the floor test of :func:`_hidden_at` cannot see that circle: both edges stand at
    trough level)."""
    speeds = edge_speeds(raw, valid, i_in, i_out, rate_hz)
    if speeds is None:
        return False
    v_in, v_out = speeds
    y_in, y_out = float(raw[i_in]), float(raw[i_out])
    return (v_in > MOVING_DEG_S and (v_out < -MOVING_DEG_S or y_out <= y_in)) or (
        v_out < -MOVING_DEG_S and y_in <= y_out)


def bridged_base(peaks: np.ndarray, props: dict, valid: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Peaks whose prominence a data gap may understate: lost samples lie between the peak and
    the base that sets its prominence (the higher of the two, or each when they are level; a
    gap on the other side can only hide a deeper trough there, which does not change it)."""
    if valid.all() or len(peaks) == 0:
        return np.zeros(len(peaks), dtype=bool)
    bad = np.concatenate([[0], np.cumsum(~valid)])
    left, right = props["left_bases"], props["right_bases"]
    left_gap, right_gap = bad[peaks] - bad[left] > 0, bad[right + 1] - bad[peaks] > 0
    left_binds, right_binds = y[left] >= y[right], y[right] >= y[left]
    return (left_gap | ~left_binds) & (right_gap | ~right_binds)


def direction_change(trace: AngleTrace, t: np.ndarray, peaks: np.ndarray) -> Callable[[int, int], bool]:
    """``turn(j, k)``: the peak-to-peak cycles ``j`` and ``k`` went different ways (with a foot
    sensor; without one the direction is unknown and this is always False)."""
    def turn(j: int, k: int) -> bool:
        if trace.foot_roll_deg is None:
            return False
        starts, ends = t[peaks[[j, k]]], t[peaks[[j + 1, k + 1]]]
        a, b = CircleDirection().detect(trace, starts, ends).directions_
        return a is not None and b is not None and a != b
    return turn
