"""Flossing reps a data gap hid or ran together, recovered from the set's steady beat.

A rep that falls entirely into a data gap leaves nothing to detect; a gap that
hides one rep's return and the next one's rise leaves one long rep. When the set
moves to a steady beat both show against it: the reps either side of a lost rep
stand two beats apart, and the two parts of a run-together pair peak a beat apart
and two beats after the rep before. Such reps are counted back or split at the
gap (``Rep.inferred``: their times are estimates). The beat is read on the reps
before the gap only, so live (which has reported those reps already) and batch
agree. Nerve flossing only (``restore_hidden`` in ``dorsi.events.settings``).
See ``docs/algorithms-events.md``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dorsi.events.results import Rep
from dorsi.events.runs import runs
from dorsi.order_stats import median

BEAT_STEPS = 6  # peak-to-peak steps the beat is read on: the last ones before the gap
MIN_BEAT_STEPS = 3
BEAT_MEMORY = BEAT_STEPS + 8  # reps the beat is looked for on (steps next to inferred reps are skipped)
STEADY = 0.3  # a steady beat: every one of those steps within this fraction of their median
FIT = 0.3  # the step across the gap is two beats within this fraction of a beat
MERGED = 0.6  # two reps run together last at least a rep's duration and this fraction of a beat
LOST_CORE = 0.15  # every sample within this fraction of a rep's duration of the missing peak was lost
# the live wrapper keeps its data from the last reported rep's peak this long, so a gap after it is
# still seen when the rep after the gap comes (two beats and a bit of the slowest flossing, 5 s)
RESTORE_REACH_S = 12.0


def with_rhythm(reps: list[Rep], earlier: list[Rep], t: np.ndarray, valid: np.ndarray, y: np.ndarray,
                angle: np.ndarray, threshold: float) -> tuple[list[Rep], list[tuple[float, float]]]:
    """``reps`` with the reps a data gap hid counted back and the pairs it ran together split.

    ``reps`` go one way, in time order (this detection's); ``earlier`` are the reps the
    same way reported before them (live; empty in batch, where ``reps`` are the whole set).
    ``t``, ``valid``: the detection grid and which of its points were received; ``y`` the
    excursion on it (positive = this way), ``angle`` the angle, ``threshold`` a rep's height.
    Each new rep is taken in turn, against the beat ``P`` of the reps before it: the median
    of the last ``BEAT_STEPS`` peak-to-peak steps (at least ``MIN_BEAT_STEPS``; steps next to
    an inferred rep do not count), every one within ``STEADY P`` of it.

    * **Counted back** between the rep before and this one when lost samples lie between
      their peaks, the step across is ``2 P`` within ``FIT P``, and every grid point within
      ``LOST_CORE`` of a rep's duration of the midpoint was lost (a rep there would show).
    * **Split** at the middle of its longest gap when the received parts either side reach a
      rep's height (the earlier one up from the rep's start, the later one back down by its
      end, each by half a rep's height), the rep lasts at least a rep's duration and
      ``MERGED P`` more, and the parts peak at least half a beat after the rep before and
      after each other, the later one within two beats of the rep before, each as long as
      ``STEADY`` allows (``2 (1 + STEADY) P``).

    Returns the reps and, for each rep counted back, the span from its start to the end of
    the rep after it (live, it is final with that rep, which places it). The beat is read on
    the reps' times alone, not on the grid: live, the data of the earlier reps is gone.
    """
    if valid.all() or not reps:
        return reps, []
    seq = list(earlier)
    spans: list[tuple[float, float]] = []
    bad = np.concatenate([[0], np.cumsum(~valid)])
    for rep in reps:
        beat, used = _beat(seq)
        if beat is not None:
            duration = median(np.array([seq[m].end_s - seq[m].start_s for m in used]))
            prev = seq[-1]
            back = _counted_back(prev, rep, beat, duration, t, valid, bad)
            if back is not None:
                seq.append(replace(back, peak_angle_deg=median(np.array([seq[m].peak_angle_deg for m in used]))))
                spans.append((back.start_s, rep.end_s))
            else:
                parts = _split(prev, rep, beat, duration, t, valid, y, angle, threshold)
                if parts is not None:
                    seq += parts
                    continue
        seq.append(rep)
    return seq[len(earlier):], spans


def _beat(seq: list[Rep]) -> tuple[float | None, list[int]]:
    """The set's beat on the reps so far and the indices of the reps it was read on
    (None when there are too few steps or they are not steady)."""
    if len(seq) < MIN_BEAT_STEPS + 1:
        return None, []
    peaks = np.array([r.peak_s for r in seq[-BEAT_MEMORY:]])
    counted_back = np.array([r.inferred for r in seq[-BEAT_MEMORY:]])
    usable = np.flatnonzero(~(counted_back[:-1] | counted_back[1:]))[-BEAT_STEPS:]
    if len(usable) < MIN_BEAT_STEPS:
        return None, []
    steps = np.diff(peaks)[usable]
    beat = median(steps)
    if np.abs(steps - beat).max() > STEADY * beat:
        return None, []
    offset = len(seq) - len(peaks)
    return beat, sorted({offset + m for k in usable.tolist() for m in (k, k + 1)})


def _counted_back(prev: Rep, rep: Rep, beat: float, duration: float, t: np.ndarray, valid: np.ndarray,
                  bad: np.ndarray) -> Rep | None:
    """The rep a gap hid between ``prev`` and ``rep`` (its peak angle left to the caller), if any."""
    i0, i1 = np.searchsorted(t, [prev.peak_s, rep.peak_s])
    step = rep.peak_s - prev.peak_s
    if bad[i1] - bad[i0] == 0 or abs(step - 2.0 * beat) > FIT * beat:
        return None
    mid = prev.peak_s + 0.5 * step
    lo, hi = np.searchsorted(t, [mid - LOST_CORE * duration, mid + LOST_CORE * duration])
    if hi <= lo or valid[lo:hi].any():
        return None
    start, end = max(mid - 0.5 * duration, prev.end_s), min(mid + 0.5 * duration, rep.start_s)
    if end <= start:
        return None
    return Rep(start_s=start, end_s=end, peak_s=mid, peak_angle_deg=prev.peak_angle_deg,
               baseline_deg=prev.baseline_deg, inferred=True)


def _split(prev: Rep, rep: Rep, beat: float, duration: float, t: np.ndarray, valid: np.ndarray,
           y: np.ndarray, angle: np.ndarray, threshold: float) -> list[Rep] | None:
    """``rep`` split in two at its longest gap when it is two reps the gap ran together."""
    a, e = np.searchsorted(t, [rep.start_s, rep.end_s])
    e = min(int(e) + 1, len(t))
    starts, ends = runs(~valid[a:e])
    if len(starts) == 0:
        return None
    k = int(np.argmax(ends - starts))  # the longest run of lost grid points inside the rep
    g0, g1 = a + int(starts[k]), a + int(ends[k])
    before, after = np.flatnonzero(valid[a:g0]), np.flatnonzero(valid[g1:e])
    if before.size == 0 or after.size == 0:
        return None
    p1 = a + int(before[np.argmax(y[a:g0][before])])
    p2 = g1 + int(after[np.argmax(y[g1:e][after])])
    # each part reaches a rep's height, the first rising to it from the rep's start, the second
    # coming back from it by the rep's end (not the next rep's rise cut into this one)
    if min(y[p1], y[p2]) <= threshold or min(y[p1] - y[a], y[p2] - y[e - 1]) <= 0.5 * threshold:
        return None
    t1, t2 = float(t[p1]), float(t[p2])
    if (rep.end_s - rep.start_s < duration + MERGED * beat or t2 - prev.peak_s > 2.0 * (1.0 + STEADY) * beat
            or not prev.peak_s + 0.5 * beat <= t1 < t2 - 0.5 * beat):
        return None
    cut = 0.5 * (float(t[g0]) + float(t[g1 - 1]))
    return [Rep(start_s=rep.start_s, end_s=cut, peak_s=t1, peak_angle_deg=float(angle[p1]),
                baseline_deg=rep.baseline_deg, inferred=True),
            Rep(start_s=cut, end_s=rep.end_s, peak_s=t2, peak_angle_deg=float(angle[p2]),
                baseline_deg=rep.baseline_deg, inferred=True)]
