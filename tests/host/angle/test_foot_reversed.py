"""A foot sensor worn with its arrow toward the ankle reads as one worn right, where the exercises
tell (``dorsi.pipeline.foot_direction``): forefoot lifts, seated dorsiflexion holds and flossing
pitch the foot toes-up only, lunges that lift the heel toes-down only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dorsi.cli import main
from dorsi.export import load_session
from dorsi.pipeline import analyze
from dorsi.pipeline.foot_direction import half_turn
from dorsi.sim import SimOptions, simulate, simulate_routine

NOTE = "foot sensor was worn the other way round"


def _options(seed: int) -> SimOptions:
    return SimOptions(rate_hz=100.0, foot_sensor=True, quaternions=True, side="left" if seed % 2 else "right")


@pytest.mark.parametrize("exercise, seed", [("seated_df_hold", 3), ("eccentric_drop", 4), ("nerve_floss", 5),
                                            ("band_lunge", 4)])
def test_a_reversed_foot_sensor_gives_the_same_analysis(exercise: str, seed: int) -> None:
    s = simulate(exercise, seed=seed, options=_options(seed))
    right = analyze(s.shin, s.foot, exercise=exercise)
    wrong = analyze(s.shin, half_turn(s.foot), exercise=exercise)
    a, b = right.exercises[0], wrong.exercises[0]
    assert len(a.reps) == len(b.reps) == len(s.truth.reps)
    assert len(a.holds) == len(b.holds) == len(s.truth.holds)
    assert len(a.heel_lifts) == len(b.heel_lifts)
    np.testing.assert_allclose([r.peak_angle_deg for r in b.reps], [r.peak_angle_deg for r in a.reps], atol=0.01)
    np.testing.assert_allclose([h.duration_s for h in b.holds], [h.duration_s for h in a.holds], atol=0.01)
    assert any(NOTE in n for n in wrong.notes) and not any(NOTE in n for n in right.notes)


def test_without_the_turn_back_the_reversed_foot_loses_the_holds() -> None:
    """What the check is for: read as worn, seated holds pitch the foot toes-down and none is found."""
    from dorsi.pipeline import analyze_trace, estimate_trace

    s = simulate("seated_df_hold", seed=3, options=_options(3))
    plain = analyze_trace(estimate_trace(s.shin, half_turn(s.foot)), exercise="seated_df_hold")
    assert plain.exercises[0].holds == [] and len(s.truth.holds) > 0


def test_a_routine_with_the_foot_sensor_reversed_and_its_export(tmp_path, capsys) -> None:
    s = simulate_routine(seed=6, options=SimOptions(rate_hz=52.0, foot_sensor=True))
    segments = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    right = analyze(s.shin, s.foot, segments=segments)
    wrong = analyze(s.shin, half_turn(s.foot), segments=segments)
    for a, b in zip(right.exercises, wrong.exercises):
        assert (len(a.reps), len(a.holds), len(a.heel_lifts)) == (len(b.reps), len(b.holds), len(b.heel_lifts))
    # the same through the files: analyze and export read the foot the right way round
    replace(s, foot=half_turn(s.foot)).to_csv(tmp_path, traces=False)
    assert main(["analyze", str(tmp_path), "--segments", str(tmp_path / "truth.json"), "--json"]) == 0
    out = capsys.readouterr().out
    assert NOTE in out
    loaded = load_session(tmp_path, segments=tmp_path / "truth.json")
    assert loaded.trace.meta.get("foot_turned_round") is True


@pytest.mark.parametrize("exercise", ["ankle_circles", "soleus_stretch", "knee_to_wall", "traction"])
def test_exercises_that_cannot_tell_leave_the_foot_as_worn(exercise: str) -> None:
    """Circles pitch the foot both ways, stretches and traction keep it flat, a knee-to-wall test
    without a heel lift too: nothing is turned round, worn right or not (seeds without heel lifts)."""
    s = simulate(exercise, seed=2, options=_options(2))
    for foot in (s.foot, half_turn(s.foot)):
        assert not any(NOTE in n for n in analyze(s.shin, foot, exercise=exercise).notes)
