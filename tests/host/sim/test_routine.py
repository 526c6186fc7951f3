"""The whole routine: every exercise in order, separated by quiet, with consistent truth."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.routine import default_routine
from dorsi.sim import SimOptions, default_targets, simulate_routine


@pytest.fixture(scope="module")
def routine():
    return simulate_routine(seed=1, options=SimOptions(rate_hz=52.0, foot_sensor=True, packet_loss=0.02))


def test_default_routine_is_about_25_minutes_with_every_exercise(routine) -> None:
    t = routine.truth
    assert 20 * 60 < routine.duration_s < 30 * 60
    assert [s.exercise for s in t.segments] == list(default_routine().ids)
    starts = np.array([s.start_s for s in t.segments])
    ends = np.array([s.end_s for s in t.segments])
    assert starts[0] == 0.0 and (starts[1:] - ends[:-1] >= 3.0).all()  # a few seconds between exercises
    assert ends[-1] <= t.t[-1] + 1 / 52.0


def test_events_fall_inside_their_exercise(routine) -> None:
    t = routine.truth
    seg = {s.exercise: s for s in t.segments}
    names, targets = default_targets()
    for r in t.reps:
        assert seg[r.exercise].start_s + 3.0 <= r.start_s < r.end_s <= seg[r.exercise].end_s - 3.0
    for h in t.holds:
        assert seg[h.exercise].start_s + 3.0 <= h.start_s < h.end_s <= seg[h.exercise].end_s - 3.0
    counts = {n: len(t.reps_of(n)) for n in names}
    assert counts["band_lunge"] == 30 and counts["knee_to_wall"] == 3 and counts["nerve_floss"] == 20
    assert counts["ankle_circles"] == 40 and counts["eccentric_drop"] == 30
    holds = {n: len(t.holds_of(n)) for n in names}
    assert holds["soleus_stretch"] == holds["gastroc_stretch"] == holds["traction"] == 3
    assert holds["seated_df_hold"] == 20 and holds["eccentric_drop"] == 30
    for a, b in t.heel_lifts:
        assert any(s.start_s < a < b < s.end_s and s.exercise in ("knee_to_wall", "band_lunge") for s in t.segments)


def test_posture_changes_between_exercises(routine) -> None:
    t = routine.truth
    for s in t.segments:
        sel = (t.t > s.start_s + 0.5) & (t.t < s.start_s + 2.5)
        incl = np.median(t.tibial_inclination_deg[sel])
        if s.exercise in ("calf_release", "achilles_release"):
            assert incl < -75.0  # leg on the roller
        else:
            assert -10.0 < incl < 10.0  # standing or seated, shank near vertical


def test_sensors_and_truth_cover_the_whole_routine(routine) -> None:
    n = len(routine.truth.t)
    for batch in routine.batches():
        assert batch.seq[-1] <= n - 1 and len(batch) > 0.9 * n
        assert np.isfinite(batch.acc).all() and np.isfinite(batch.quat).all()


def test_a_chosen_list_of_exercises() -> None:
    s = simulate_routine(seed=2, options=SimOptions(quaternions=False), exercises=["quiet_standing", "traction"])
    assert [g.exercise for g in s.truth.segments] == ["quiet_standing", "traction"]
    with pytest.raises(ValueError, match="unknown exercise"):
        simulate_routine(exercises=["traction", "handstand"])
    with pytest.raises(ValueError, match="at least one"):
        simulate_routine(exercises=[])


def test_getting_up_from_the_floor_is_a_physical_movement_then_stillness() -> None:
    from dorsi.sim import simulate_rest

    opts = SimOptions(rate_hz=100.0, quaternions=False)
    up = simulate_rest("standing", seed=4, options=opts, duration_s=5.0, from_posture="long_sitting")
    incl = up.truth.tibial_inclination_deg
    assert incl[0] < -80.0 and abs(incl[-1] - up.profile["standing_baseline_deg"]) < 2.0
    assert np.abs(np.diff(incl)).max() < 2.0  # no jump: moved over a few seconds at 100 Hz
    # the accelerometer follows (gravity turns from across the shank to along it)
    acc = up.shin.acc
    along = np.degrees(np.arccos(acc[:, 0] / np.linalg.norm(acc, axis=1)))
    assert along[:50].mean() > 75.0 and along[-50:].mean() < 10.0
    t_move = up.truth.t[np.flatnonzero(np.abs(incl - incl[0]) > 1.0)[0]]
    assert 1.0 <= t_move <= 2.5
    still = simulate_rest("seated", seed=4, options=opts, duration_s=3.0)
    assert np.ptp(still.truth.tibial_inclination_deg) < 2.0
    with pytest.raises(ValueError, match="posture must be one of"):
        simulate_rest("lying", seed=4)


def test_stepping_about_between_exercises() -> None:
    """``steps_between_s``: between two exercises the person stands and steps about (the shank
    swinging about a step a second) outside every exercise; without it, the routine is as before."""
    names = ["seated_df_hold", "band_lunge"]
    opts = SimOptions(rate_hz=50.0, quaternions=False)
    plain = simulate_routine(seed=5, options=opts, exercises=names)
    stepping = simulate_routine(seed=5, options=SimOptions(rate_hz=50.0, quaternions=False, steps_between_s=15.0),
                                exercises=names)
    assert np.array_equal(plain.shin.acc, simulate_routine(seed=5, options=opts, exercises=names).shin.acc)
    (_, _, end0), (_, start1, _) = [(g.exercise, g.start_s, g.end_s) for g in stepping.truth.segments]
    t, incl = stepping.truth.t, stepping.truth.tibial_inclination_deg
    between = (t > end0) & (t < start1)
    swings = np.count_nonzero(np.diff(np.sign(np.diff(incl[between]))) < 0)  # forward turning points
    assert 12 <= swings <= 20 and np.ptp(incl[between]) > 30.0
    assert start1 - end0 > 15.0 + (plain.truth.segments[1].start_s - plain.truth.segments[0].end_s)
    with pytest.raises(ValueError, match="steps_between_s"):
        SimOptions(steps_between_s=-1.0)
