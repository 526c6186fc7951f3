"""A foot sensor lost off the ground: the exercises after it go on as with the shin alone,
in the batch analysis and in the live session alike."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dorsi.pipeline import analyze
from dorsi.routine import Routine, Target, default_routine
from dorsi.session.simulated_feed import run_live
from dorsi.sim import SimOptions, simulate_routine

EXERCISES = ("ankle_circles", "band_lunge", "seated_df_hold", "nerve_floss")


def _routine() -> Routine:
    base = default_routine()
    small = {"ankle_circles": Target(reps=4, sets=2), "band_lunge": Target(reps=5),
             "seated_df_hold": Target(hold_s=4.0, sets=2), "nerve_floss": Target(reps=4)}
    return Routine("foot lost", tuple(replace(base[e], target=small[e]) for e in EXERCISES))


@pytest.fixture(scope="module")
def lost_mid_circles():
    """A session whose foot sensor falls silent for good halfway through the ankle circles."""
    routine = _routine()
    s = simulate_routine(seed=31, options=SimOptions(rate_hz=52.0, foot_sensor=True, quaternions=True),
                         routine=routine)
    segs = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    circles = segs[0]
    cut = 0.5 * (circles[1] + circles[2])
    return s, routine, segs, cut


def _counts(exercises) -> dict:
    return {e.exercise if hasattr(e, "exercise") else e.spec.id: (len(e.reps), len(e.holds)) for e in exercises}


def test_exercises_begun_with_the_foot_lost_are_analysed_from_the_shin_alone(lost_mid_circles) -> None:
    s, routine, segs, cut = lost_mid_circles
    foot = s.foot.slice(0, int(np.searchsorted(s.foot.t, cut)))
    lost = analyze(s.shin, foot, segments=segs, routine=routine)
    shin = analyze(s.shin, None, segments=segs, routine=routine)
    by_id = {e.exercise: e for e in lost.exercises}
    # the shin alone sees lunges and flossing: the same events as a session without a foot sensor
    for ex in ("band_lunge", "nerve_floss"):
        ours, ref = by_id[ex], next(e for e in shin.exercises if e.exercise == ex)
        assert ours.source == "inclination"
        assert [r.peak_s for r in ours.reps] == [r.peak_s for r in ref.reps]
        assert len(ours.reps) == sum(1 for r in s.truth.reps if r.exercise == ex)
    assert any("band_lunge" in n and "shin alone" in n for n in lost.notes)
    # seated holds need the foot sensor: skipped, and the note says why
    assert "seated_df_hold" not in by_id
    assert any("seated_df_hold" in n and "needs it" in n for n in lost.notes)
    # the circles seen before the loss are still counted on the foot's angle
    assert by_id["ankle_circles"].source == "ankle" and len(by_id["ankle_circles"].reps) >= 3


def test_a_foot_sensor_that_never_goes_silent_changes_nothing(lost_mid_circles) -> None:
    s, routine, segs, _ = lost_mid_circles
    full = analyze(s.shin, s.foot, segments=segs, routine=routine)
    assert all(e.source == "ankle" for e in full.exercises)
    assert not any("shin alone" in n for n in full.notes)
    assert len(full.exercises) == len(EXERCISES)


def _live_and_batch(lost_mid_circles, segs) -> tuple[dict, dict]:
    """The session through ``LiveProcessor`` and through the batch analysis, by exercise."""
    s, routine, _, cut = lost_mid_circles
    live = {e.spec.id: e for e in run_live(s, routine, segs, foot_until=cut).finished}
    foot = s.foot.slice(0, int(np.searchsorted(s.foot.t, cut)))
    batch = {e.exercise: e for e in analyze(s.shin, foot, segments=segs, routine=routine).exercises}
    for ex in ("band_lunge", "nerve_floss"):
        assert len(live[ex].reps) == len(batch[ex].reps) == sum(1 for r in s.truth.reps if r.exercise == ex)
        # the same reps, within the live clock's mapping of device time to host time
        for key in ("peak_s", "end_s"):
            assert np.allclose([getattr(r, key) for r in live[ex].reps], [getattr(r, key) for r in batch[ex].reps],
                               atol=0.1)
    return live, batch


def test_the_live_session_falls_back_as_the_batch_analysis_does(lost_mid_circles) -> None:
    live, _ = _live_and_batch(lost_mid_circles, lost_mid_circles[2])
    assert live["seated_df_hold"].holds == []


def test_an_exercise_ended_while_samples_are_held_back_still_gets_them(lost_mid_circles) -> None:
    """With the foot silent the shin's samples wait ``FOOT_LAG_S`` (1 s) for foot data. Each
    exercise here ends 0.4 s after its last rep: that rep's end is still held back then. It
    used to be cut off (the exercise finished at once); it now counts when it comes out."""
    s, _, segs, _ = lost_mid_circles
    short = []
    for ex, a, b in segs:
        reps = [r for r in s.truth.reps if r.exercise == ex and a <= r.start_s < b]
        short.append((ex, a, min(b, reps[-1].end_s + 0.4) if reps and ex != "ankle_circles" else b))
    _live_and_batch(lost_mid_circles, short)
