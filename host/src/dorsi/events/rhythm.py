"""Reps a data gap hid whole, counted back from the set's steady beat (nerve flossing).

A rep that falls entirely into a data gap leaves nothing to detect. When the set
moves to a steady beat, the reps either side of such a gap stand two beats apart
and the gap covers where the missing rep's peak would be, so it is counted back
(``Rep.inferred``). The beat is read on the reps before the gap only, so live
(which has reported those reps already) and batch agree. See
``docs/algorithms-events.md``.
"""

from __future__ import annotations

import numpy as np

from dorsi.events.results import Rep
from dorsi.order_stats import median

BEAT_STEPS = 6  # peak-to-peak steps the beat is read on: the last ones before the gap
MIN_BEAT_STEPS = 3
STEADY = 0.3  # a steady beat: every one of those steps within this fraction of their median
FIT = 0.3  # the step across the gap is two beats within this fraction of a beat
LOST_CORE = 0.15  # every sample within this fraction of a rep's duration of the missing peak was lost
# the live wrapper keeps its data from the last reported rep's peak this long, so a gap after it is
# still seen when the rep after the gap comes (two beats and a bit of the slowest flossing, 5 s)
RESTORE_REACH_S = 12.0


def with_hidden_reps(reps: list[Rep], earlier: list[Rep], t: np.ndarray, valid: np.ndarray) -> list[Rep]:
    """``reps`` with the reps a data gap hid between two of them added (``inferred``).

    ``reps`` go one way, in time order (this detection's); ``earlier`` are the reps the
    same way reported before them (live; empty in batch, where ``reps`` are the whole set).
    ``t``, ``valid``: the detection grid and which of its points were received.
    A rep is added between two consecutive reps, the second one of ``reps``, when: lost
    samples lie between their peaks; the last ``BEAT_STEPS`` steps from peak to peak before
    them (at least ``MIN_BEAT_STEPS``; not counting steps next to a rep counted back or
    across one) keep a steady beat ``P``; the step across the gap is ``2 P`` within ``FIT P``; and every grid
    point within ``LOST_CORE`` of a rep's duration of the midpoint was lost (a rep there
    would show). The beat is read on the reps' times alone, not on the grid: live, the
    data of the earlier reps is gone.
    """
    if valid.all() or not reps:
        return reps
    seq = list(earlier) + list(reps)
    peaks = np.array([r.peak_s for r in seq])
    steps = np.diff(peaks)
    counted_back = np.array([r.inferred for r in seq])
    usable = ~(counted_back[:-1] | counted_back[1:])  # steps the beat may be read on
    bad = np.concatenate([[0], np.cumsum(~valid)])
    out = list(reps)
    for j in range(max(len(earlier) - 1, 0), len(seq) - 1):
        i0, i1 = np.searchsorted(t, peaks[j:j + 2])
        if bad[i1] - bad[i0] == 0:
            continue  # nothing lost between the two peaks
        recent = np.flatnonzero(usable[:j])[-BEAT_STEPS:]
        if len(recent) < MIN_BEAT_STEPS:
            continue
        beat = median(steps[recent])
        if np.abs(steps[recent] - beat).max() > STEADY * beat or abs(steps[j] - 2.0 * beat) > FIT * beat:
            continue
        used = sorted({m for k in recent.tolist() for m in (k, k + 1)})
        duration = median(np.array([seq[m].end_s - seq[m].start_s for m in used]))
        mid = seq[j].peak_s + 0.5 * steps[j]
        lo, hi = np.searchsorted(t, [mid - LOST_CORE * duration, mid + LOST_CORE * duration])
        if hi <= lo or valid[lo:hi].any():
            continue
        start = max(mid - 0.5 * duration, seq[j].end_s)
        end = min(mid + 0.5 * duration, seq[j + 1].start_s)
        if end <= start:
            continue
        usable[j] = False  # (live, the rep counted back splits it into two steps next to it)
        out.append(Rep(start_s=start, end_s=end, peak_s=mid,
                       peak_angle_deg=median(np.array([seq[m].peak_angle_deg for m in used])),
                       baseline_deg=seq[j].baseline_deg, inferred=True))
    return sorted(out, key=lambda r: r.start_s)
