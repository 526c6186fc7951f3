"""Unattended sessions move on after a time limit that leaves room for the whole exercise."""

from __future__ import annotations

import pytest

from dorsi.routine import default_routine
from dorsi.session.guide import time_limit_s
from dorsi.sim import SimOptions, default_targets, simulate

ROUTINE = default_routine()


@pytest.mark.parametrize("exercise", [s.id for s in ROUTINE.exercises])
def test_every_exercise_of_the_routine_fits_in_its_limit(exercise: str) -> None:
    # the simulated person doing the routine's targets at their own pace (seeds vary the pace)
    names, targets = default_targets(ROUTINE)
    reps, hold_s = targets[exercise]
    longest = max(simulate(exercise, seed=seed, options=SimOptions(rate_hz=25.0), reps=reps, hold_s=hold_s)
                  .truth.segments[0].end_s for seed in (1, 2, 3))
    assert time_limit_s(ROUTINE[exercise], 240.0) >= 1.2 * longest


def test_the_limit_is_never_below_the_floor() -> None:
    assert all(time_limit_s(spec, 500.0) >= 500.0 for spec in ROUTINE.exercises)
    assert time_limit_s(ROUTINE["knee_to_wall"], 240.0) == 240.0  # three trials: the floor
