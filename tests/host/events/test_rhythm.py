"""Nerve-floss reps a data gap hid whole are counted back from the set's steady beat, live as in batch."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.events import ExerciseEventDetector
from dorsi.events.streaming import StreamingEventDetector
from dorsi.routine import default_routine
from synth import make_trace, ramp_hold

RATE_HZ = 50.0
REP_S = 2.6  # out 1.2 s, 0.2 s at the top, back 1.2 s


def _floss(steps: list[float], lost: list[tuple[float, float]]) -> tuple:
    """Knee-swing reps of 50 deg whose peaks are ``steps`` apart, with ``lost`` (from, to) dropped."""
    starts = 4.0 + np.concatenate([[0.0], np.cumsum(steps)])
    t = np.arange(0.0, starts[-1] + REP_S + 4.0, 1.0 / RATE_HZ)
    swing = sum(ramp_hold(t, s, 1.2, 0.2, 1.2, 50.0) for s in starts)
    swing = swing + np.random.default_rng(1).normal(0.0, 0.2, len(t))
    keep = np.ones(len(t), bool)
    for a, b in lost:
        keep &= ~((t > a) & (t < b))
    peaks = starts + 1.3
    return make_trace(t, np.full(len(t), 3.0), swing=swing, keep=keep), peaks


def _detect(trace):
    spec = default_routine()["nerve_floss"]
    batch = ExerciseEventDetector(spec, trace.source).detect(trace)
    stream = StreamingEventDetector(ExerciseEventDetector(spec, trace.source))
    i, sizes, k = 0, [7, 3, 19], 0
    while i < len(trace):
        stream.update(trace.slice(i, i + sizes[k % 3]))
        i += sizes[k % 3]
        k += 1
    stream.finish()
    assert stream.reps_ == batch.reps_
    return batch.reps_


@pytest.mark.parametrize("beat_s, lost_s", [
    (3.5, 2.2),  # the gap runs from the rep before's return to the next one's start
    (5.0, 1.6),  # slow: rest received after the gap (the live buffer must keep the gap for it)
])
def test_a_rep_hidden_whole_in_a_gap_is_counted_back_live_as_in_batch(beat_s: float, lost_s: float) -> None:
    steps = list(beat_s + np.array([0.0, -0.2, 0.2, -0.1, 0.1, 0.0, -0.1, 0.1, 0.0, 0.1, -0.1]))
    lost_at = 4.0 + 1.3 + sum(steps[:7])  # rep 7's peak
    trace, peaks = _floss(steps, [(lost_at - lost_s, lost_at + lost_s)])
    reps = _detect(trace)
    assert len(reps) == len(peaks)
    (back,) = [r for r in reps if r.inferred]
    assert back.peak_s == pytest.approx(peaks[7], abs=0.3)
    assert all(abs(r.peak_s - p) < 0.3 for r, p in zip(reps, peaks))


@pytest.mark.parametrize("case", ["unsteady beat", "gap in a long pause", "pause received in the middle",
                                  "too few reps before"])
def test_no_rep_is_counted_back_without_a_steady_beat_and_a_gap_where_it_would_be(case: str) -> None:
    steps = [3.5, 3.3, 3.7, 3.4, 3.6, 3.5, 3.4, 3.6, 3.5, 3.6, 3.4]
    lost_at = 4.0 + 1.3 + sum(steps[:7])  # rep 7's peak
    lost = [(lost_at - 2.2, lost_at + 2.2)]
    if case == "unsteady beat":
        steps = [3.5, 2.4, 4.6, 3.0, 4.4, 2.6, 3.4, 3.6, 3.5, 3.6, 3.4]
    elif case == "gap in a long pause":  # a rest of two more beats: rep 7 was never made
        steps = steps[:6] + [3.5 * 3] + steps[8:]
        lost_at = 4.0 + 1.3 + sum(steps[:6]) + 1.5 * 3.5
        lost = [(lost_at - 2.2, lost_at + 2.2)]
    elif case == "pause received in the middle":  # a rest of one more beat, lost on either side only
        steps = steps[:6] + [7.0] + steps[8:]
        mid = 4.0 + 1.3 + sum(steps[:6]) + 3.5
        lost = [(mid - 2.4, mid - 0.6), (mid + 0.6, mid + 2.4)]
    else:  # the gap hides the third rep: no beat yet
        lost_at = 4.0 + 1.3 + sum(steps[:2])
        lost = [(lost_at - 2.2, lost_at + 2.2)]
    trace, peaks = _floss(steps, lost)
    reps = _detect(trace)
    assert not any(r.inferred for r in reps)
    assert len(reps) == len(peaks) - (1 if case in ("unsteady beat", "too few reps before") else 0)


def test_two_reps_a_gap_ran_together_are_split_live_as_in_batch() -> None:
    # the gap hides rep 7's return and rep 8's rise: the data show one long rep
    steps = [3.5, 3.3, 3.7, 3.4, 3.6, 3.5, 3.4, 3.6, 3.5, 3.6, 3.4]
    peak7 = 4.0 + 1.3 + sum(steps[:7])
    trace, peaks = _floss(steps, [(peak7 + 0.3, peak7 + steps[7] - 0.3)])
    reps = _detect(trace)
    assert len(reps) == len(peaks)
    assert [r.inferred for r in reps].count(True) == 2
    assert all(abs(r.peak_s - p) < 0.4 for r, p in zip(reps, peaks))


def test_one_rep_with_a_gap_at_its_top_is_not_split() -> None:
    steps = [3.5, 3.3, 3.7, 3.4, 3.6, 3.5, 3.4, 3.6, 3.5, 3.6, 3.4]
    peak7 = 4.0 + 1.3 + sum(steps[:7])
    trace, peaks = _floss(steps, [(peak7 - 0.6, peak7 + 0.6)])
    reps = _detect(trace)
    assert len(reps) == len(peaks) and not any(r.inferred for r in reps)
