"""Shin and foot boards strapped on each other's place are read where they are worn
(``dorsi.angle.sensor_roles``); a foot sensor that cannot be calibrated leaves the shin's analysis."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.angle.sensor_roles import as_role, roles_swapped
from dorsi.pipeline import analyze
from dorsi.sim import EXERCISES, SimOptions, simulate, simulate_routine


def _swapped(s):
    return as_role(s.foot, "shin"), as_role(s.shin, "foot")


@pytest.mark.parametrize("exercise, seed", [("band_lunge", 3), ("knee_to_wall", 4)])
def test_boards_on_each_others_place_give_the_same_analysis(exercise: str, seed: int) -> None:
    s = simulate(exercise, seed=seed, options=SimOptions(rate_hz=100.0, foot_sensor=True))
    right = analyze(s.shin, s.foot, exercise=exercise)
    swapped = analyze(*_swapped(s), exercise=exercise)
    a, b = right.exercises[0], swapped.exercises[0]
    assert len(a.reps) == len(b.reps) == len(s.truth.reps) and len(a.heel_lifts) == len(b.heel_lifts)
    np.testing.assert_allclose([r.peak_angle_deg for r in b.reps], [r.peak_angle_deg for r in a.reps], atol=1e-9)
    assert any("each other's place" in n for n in swapped.notes)
    assert not any("each other's place" in n for n in right.notes)


def test_a_routine_on_swapped_boards() -> None:
    s = simulate_routine(seed=8, options=SimOptions(rate_hz=52.0, foot_sensor=True))
    segments = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    right, swapped = analyze(s.shin, s.foot, segments=segments), analyze(*_swapped(s), segments=segments)
    for a, b in zip(right.exercises, swapped.exercises):
        assert (len(a.reps), len(a.holds), len(a.heel_lifts)) == (len(b.reps), len(b.holds), len(b.heel_lifts))


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if e != "quiet_standing"])
def test_boards_worn_right_are_never_swapped(exercise: str) -> None:
    for seed in (31, 32):
        rng = np.random.default_rng(seed)
        opts = SimOptions(rate_hz=52.0, foot_sensor=True, strap_rotation_deg=float(rng.uniform(-30, 30)),
                          side="left" if seed % 2 else "right")
        s = simulate(exercise, seed=seed, options=opts)
        assert not roles_swapped(s.shin, s.foot), (exercise, seed)


def test_a_foot_sensor_that_cannot_be_calibrated_leaves_the_shins_analysis() -> None:
    """Seated from the start with the boards swapped, nothing tells them apart: the board called
    "foot" stands up the shin, its calibration refuses, and the session is read from the shin's
    place alone, saying why (before, the analysis stopped with the foot's error)."""
    s = simulate("seated_df_hold", seed=5, options=SimOptions(rate_hz=100.0, foot_sensor=True))
    result = analyze(s.shin, as_role(s.shin, "foot"), exercise="seated_df_hold")
    assert result.source == "inclination"
    assert any("foot sensor could not be calibrated" in n for n in result.notes)
