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


class _ShinOnly:
    """The guide's view of a shin-only session (the processor's part it reads): the leg moved
    last at ``moved_at`` and is upright."""

    calibrated, exercise, cyclic = True, None, False
    roles = {0: "shin"}
    foot_in_use = False

    def wearing(self) -> list[str]:
        return []

    def __init__(self) -> None:
        self.now = self.moved_at = 0.0
        self.started: list[tuple[str, float]] = []

    def still_for(self) -> float:
        return self.now - self.moved_at

    def shank_tilt_deg(self) -> float:
        return 3.0

    def start_exercise(self, spec, t: float) -> None:
        self.started.append((spec.id, t))

    def end_exercise(self, t: float) -> None:
        return None


def test_without_the_foot_sensor_an_exercise_that_needs_it_says_so_and_takes_its_plain_time() -> None:
    """Nothing of the seated holds will be counted with the shin alone: unattended, the guide does
    not wait 1.5 times their time for a count that cannot come, and the screen says why."""
    from dorsi.routine import Routine
    from dorsi.session.guide import RoutineGuide, plain_pace_s
    from dorsi.session.processor import Tick

    holds = ROUTINE["seated_df_hold"]
    leg = _ShinOnly()
    guide = RoutineGuide(Routine("seated, then standing", (holds, ROUTINE["band_lunge"])), leg,
                         lambda *a, **k: None, auto_advance=True)

    def until(done, moved_at: float) -> None:
        leg.moved_at = moved_at
        while not done() and leg.now < 5000.0:
            leg.now = round(leg.now + 0.5, 1)
            guide.tick(Tick(), leg.now)

    guide.tick(Tick(), 0.0)
    until(lambda: leg.started, moved_at=2.0)  # sat down at 2 s
    assert leg.started == [("seated_df_hold", 3.5)]
    assert "not counted without the foot sensor" in guide.state.message
    until(lambda: guide.state.exercise == "band_lunge", moved_at=2.0)
    assert plain_pace_s(holds) <= leg.now - 3.5 < time_limit_s(holds, 240.0)
