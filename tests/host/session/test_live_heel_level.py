"""Live with the foot sensor: a heel lift in the first trial does not stop the counting.

The emulated patient (seed 5) lifts the heel in the first of three knee-to-wall trials; its
foot sensor reads the floor about 0.7 deg toes-down of where it stood at calibration. The lift
used to stay on to the end of the exercise, and the live counter, which waits for a lift to
end, showed 0 until the time limit ended the exercise.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from dorsi.routine import load_routine
from dorsi.session.emulated import emulated_sensors
from dorsi.session.runner import run_session
from dorsi.session.state import SessionState

ROUTINE = Path(__file__).with_name("knee_to_wall_routine.toml")
SPEED = 8.0
LIMIT_S = 90.0


class Counts:
    def __init__(self) -> None:
        self.seen: list[tuple[float, int]] = []

    def update(self, state: SessionState) -> None:
        if state.phase == "exercise" and (not self.seen or self.seen[-1][1] != state.reps):
            self.seen.append((state.exercise_elapsed_s, state.reps))


def test_trials_are_counted_as_they_happen_after_a_heel_lift(tmp_path):
    counts = Counts()

    async def run():
        async with emulated_sensors(foot_sensor=True, speed=SPEED, seed=5) as setup:
            result = await run_session(
                load_routine(ROUTINE), tmp_path / "k.dorsi", roles=setup.patient.roles, views=[counts],
                auto_advance=True, link_options=setup.link_options, on_exercise_start=setup.patient.perform,
                on_exercise_request=setup.patient.prepare, time_scale=SPEED, max_exercise_s=LIMIT_S)
        return result, setup.patient.truths[0][1]

    result, truth = asyncio.run(run())
    (trials,) = result.exercises
    assert [r.heel_lift for r in truth.reps] == [True, False, False]
    assert [r.heel_lift for r in trials.reps] == [True, False, False]
    assert len(trials.heel_lifts) == 1
    # each trial counted within a few seconds of its end, and the exercise over long before its limit;
    # in the session's own time: the patient starts on the device's clock, ahead of the data the
    # session has processed by however much the emulated link has buffered (seconds, under load)
    shown = dict((n, t) for t, n in counts.seen)
    assert sorted(shown) == [0, 1, 2, 3]
    for n, rep in enumerate(trials.reps, start=1):
        assert shown[n] < rep.end_s - trials.start_s + 6.0
    assert trials.end_s - trials.start_s < LIMIT_S - 30.0
