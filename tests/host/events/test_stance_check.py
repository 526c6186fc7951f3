"""Shin-only eccentric drops say when the stance moved enough to spoil their count."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.pipeline.stance_check import STANCE_DRIFT_NOTE_DEG, rest_drift_deg, stance_drift_note
from dorsi.routine import default_routine
from synth import make_trace, ramp_hold


def _drops(drift_deg: float) -> tuple:
    # 12 drops tilting the shank back 3 deg, 5 s each, a 1.5 s rest between; the resting angle
    # creeps by drift_deg over the set
    t = np.arange(0.0, 130.0, 0.01)
    x = 4.0 - sum(ramp_hold(t, 3.0 + 10.0 * i, 0.8, 5.0, 2.7, 3.0) for i in range(12))
    x += drift_deg * np.clip((t - 3.0) / 120.0, 0.0, 1.0) + 0.2 * np.sin(2 * np.pi * 0.4 * t)
    return t, x


@pytest.mark.parametrize("drift, noted", [(0.0, False), (0.5, False), (1.5, True), (-1.5, True)])
def test_a_stance_that_moves_a_degree_is_noted_for_shin_only_drops(drift: float, noted: bool) -> None:
    t, x = _drops(drift)
    trace = make_trace(t, x)
    spec = default_routine()["eccentric_drop"]
    assert rest_drift_deg(trace, 4.0) == pytest.approx(abs(drift), abs=0.45)
    note = stance_drift_note(spec, trace, 4.0)
    assert (note is not None) == noted
    if noted:
        assert "stance" in note and "foot sensor" in note
    # the foot sensor's true ankle angle needs no such note, nor do other exercises
    assert stance_drift_note(spec, make_trace(t, x, source="ankle"), 4.0) is None
    assert stance_drift_note(default_routine()["band_lunge"], trace, 4.0) is None


def test_simulated_drops_get_the_note_only_when_the_stance_wanders() -> None:
    from dorsi.pipeline import analyze
    from dorsi.sim import SimOptions, simulate

    notes = {}
    for wander in (0.0, 1.0):
        s = simulate("eccentric_drop", seed=12, options=SimOptions(rate_hz=52.0, posture_wander_deg=wander), reps=12)
        ex = analyze(s.shin, exercise="eccentric_drop").exercises[0]
        notes[wander] = [n for n in ex.notes if "stance" in n]
    assert notes[0.0] == [] and len(notes[1.0]) == 1
    assert STANCE_DRIFT_NOTE_DEG <= float(notes[1.0][0].split("about ")[1].split(" deg")[0])


def test_the_live_watch_reads_the_stance_as_it_is_now() -> None:
    from dorsi.pipeline.stance_check import StanceWatch

    t, x = _drops(2.0)  # the resting angle creeps 2 deg forward over the set
    trace = make_trace(t, x)
    watch, readings = StanceWatch(), []
    for i in range(0, len(t), 11):
        readings.append(watch.update(trace.slice(i, i + 11), 4.0 if t[i] > 2.0 else None))
    assert all(r is None for r in readings[:50])  # (not before half a window of data and the baseline)
    late = [r for r, i in zip(readings, range(0, len(t), 11)) if t[i] > 110.0]
    assert late and all(1.5 < r < 2.4 for r in late)  # the knee further forward: positive
    early = [r for r, i in zip(readings, range(0, len(t), 11)) if 12.0 < t[i] < 30.0]
    assert early and all(abs(r) < 0.7 for r in early)
