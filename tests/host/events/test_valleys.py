"""Deep valleys: two movements whose rest between them stays off the baseline are still two."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.events import ExerciseEventDetector, HoldDetector
from dorsi.events.valleys import cut_intervals, deep_valleys
from dorsi.routine import default_routine
from synth import make_trace, ramp_hold


def _two_holds(rest_between_deg: float, gap_s: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Two 10 s stretches at 20 deg; between them the person comes back to ``rest_between_deg``
    above the baseline of the start (their weight shifted) for ``gap_s``, then goes back in."""
    t = np.arange(0.0, 45.0, 0.01)
    lift = 20.0 - rest_between_deg
    x = (ramp_hold(t, 3.0, 1.5, 23.0 + gap_s, 1.5, rest_between_deg)  # the level they come back to
         + ramp_hold(t, 3.0, 1.5, 10.0, 1.5, lift) + ramp_hold(t, 16.0 + gap_s, 1.5, 10.0, 1.5, lift))
    x += 0.3 * np.sin(2 * np.pi * 0.3 * t)
    return t, x


@pytest.mark.parametrize("rest_between", [0.0, 3.5, 6.0])
def test_two_holds_whose_rest_between_stays_above_the_release_level_are_two_holds(rest_between: float) -> None:
    t, x = _two_holds(rest_between)
    holds = HoldDetector(baseline_deg=0.0).detect(make_trace(t, x)).holds_
    assert len(holds) == 2  # (one 23 s hold before deep valleys, with the rest 3.5 or 6 deg up)
    assert [round(h.start_s, 1) for h in holds] == pytest.approx([4.5, 21.5], abs=0.3)
    assert all(h.duration_s == pytest.approx(10.0, abs=0.4) for h in holds)


def test_a_rock_back_inside_a_hold_is_not_a_valley() -> None:
    # rocking 8 deg peak to peak at 0.5 Hz on a 9 deg hold: deep enough, but far too brief for
    # a return to rest (under the cut level for about 0.7 s of each rock)
    t = np.arange(0.0, 45.0, 0.01)
    x = ramp_hold(t, 5.0, 1.0, 30.0, 1.0, 9.0) + 4.0 * np.sin(2 * np.pi * 0.5 * t) * ((t > 7.0) & (t < 35.0))
    holds = HoldDetector(baseline_deg=0.0).detect(make_trace(t, x)).holds_
    assert len(holds) == 1 and holds[0].duration_s == pytest.approx(30.0, abs=1.0)


@settings(max_examples=30, deadline=None)
@given(first=st.floats(5.0, 30.0), second=st.floats(5.0, 30.0), valley=st.floats(0.0, 1.0))
def test_a_valley_splits_only_when_it_falls_most_of_the_way_back(first: float, second: float, valley: float) -> None:
    t = np.arange(0.0, 12.0, 0.01)
    low = min(first, second)
    bottom = valley * low
    x = np.where(t < 6.0, first, second) * np.ones_like(t)
    x += (bottom - np.where(t < 6.0, first, second)) * np.exp(-((t - 6.0) / 0.8) ** 2)
    x[:50], x[-50:] = np.linspace(0, first, 50), np.linspace(second, 0, 50)
    cuts = deep_valleys(x, 5.0, 5.0, 0.6)
    deep = low - bottom >= max(5.0, 0.6 * low) + 0.05
    shallow = low - bottom <= max(5.0, 0.6 * low) - 0.05
    if deep:
        assert len(cuts) == 1 and abs(t[cuts[0]] - 6.0) < 0.05
    elif shallow:
        assert cuts == []


def test_the_newest_sample_on_the_rise_confirms_a_valley() -> None:
    # live: the data stops while the next movement is still rising, already well clear of the valley
    t = np.arange(0.0, 20.0, 0.01)
    x = ramp_hold(t, 1.0, 1.0, 5.0, 2.0, 20.0) + 3.0
    x[t > 11.0] = 3.0 + 15.0 * (t[t > 11.0] - 11.0) / 1.0
    seg = x[t <= 11.8] - 0.0
    assert [round(t[c], 1) for c in deep_valleys(seg, 5.0, 5.0, 0.6)] == pytest.approx([9.0], abs=2.0)
    assert deep_valleys(x[t <= 11.2], 5.0, 5.0, 0.6) == []  # not yet risen clear of it


def test_cut_intervals() -> None:
    assert cut_intervals([(0.0, 10.0), (20.0, 30.0)], [(4.0, 4.1), (25.0, 25.1)]) == [
        (0.0, 4.0), (4.1, 10.0), (20.0, 25.0), (25.1, 30.0)]
    assert cut_intervals([(0.0, 10.0)], [(11.0, 11.1)]) == [(0.0, 10.0)]


def test_eccentric_drops_whose_rest_level_drifts_are_counted_and_timed() -> None:
    # with the foot sensor: 6 drops of 20 deg, 5 s holds, a 1.2 s rest between them; the person's
    # rest level creeps 4 deg up over the set, so from the third rest on it stays above the
    # 2 deg release level of the baseline taken at the start
    t = np.arange(0.0, 80.0, 0.01)
    x = np.zeros_like(t)
    starts = [3.0 + 10.0 * i for i in range(6)]
    for s in starts:
        x += ramp_hold(t, s, 0.8, 5.0, 3.0, 20.0)
    x += 4.0 * np.clip((t - 3.0) / 55.0, 0.0, 1.0)
    x += 0.3 * np.sin(2 * np.pi * 0.7 * t)
    trace = make_trace(t, x, source="ankle")
    det = ExerciseEventDetector(default_routine()["eccentric_drop"], "ankle").detect(trace)
    assert len(det.reps_) == 6 and len(det.holds_) == 6
    assert [round(h.start_s - s, 1) for h, s in zip(det.holds_, starts)] == pytest.approx([0.8] * 6, abs=0.3)
    assert all(h.duration_s == pytest.approx(5.0, abs=0.4) for h in det.holds_)
    assert all(r.lowering_s == pytest.approx(3.0, abs=0.6) for r in det.reps_)
