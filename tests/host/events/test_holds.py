"""HoldDetector and HeelLiftDetector on synthetic traces."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.events import HeelLiftDetector, HoldDetector
from synth import burst_loss, make_trace, ramp_hold


def _stretch_session(rng: np.random.Generator, holds_s: list[float], rate_hz: float = 100.0,
                     sway_deg: float = 2.0) -> tuple:
    t_end = 5.0 + sum(h + 8.0 for h in holds_s)
    t = np.arange(0.0, t_end, 1.0 / rate_hz)
    x = np.full_like(t, 4.0)
    truth = []
    cursor = 4.0
    for hold in holds_s:
        rise, fall = rng.uniform(1.0, 2.0), rng.uniform(1.0, 2.0)
        amp = rng.uniform(12.0, 30.0)
        x += ramp_hold(t, cursor, rise, hold, fall, amp)
        truth.append((cursor + rise, cursor + rise + hold))
        inside = (t > cursor + rise) & (t < cursor + rise + hold)
        x[inside] += sway_deg * np.sin(2 * np.pi * rng.uniform(0.15, 0.4) * (t[inside] - cursor - rise))
        cursor += rise + hold + fall + rng.uniform(3.0, 5.0)
    x += rng.normal(0.0, 0.1, len(t))
    return t, x, truth


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 999), rate=st.sampled_from([52.0, 100.0, 200.0]))
def test_hold_durations_with_sway(seed: int, rate: float) -> None:
    rng = np.random.default_rng(seed)
    holds_s = list(rng.uniform(20.0, 40.0, 3))
    t, x, truth = _stretch_session(rng, holds_s, rate)
    holds = HoldDetector(target_s=30.0).detect(make_trace(t, x)).holds_
    assert len(holds) == len(truth)
    for hold, (start, end) in zip(holds, truth):
        assert hold.start_s == pytest.approx(start, abs=0.5)
        assert hold.end_s == pytest.approx(end, abs=0.5)
        if abs((end - start) - 30.0) > 1.0:
            assert hold.met == ((end - start) >= 30.0)


def test_hold_survives_packet_loss_and_reports_mean_angle() -> None:
    rng = np.random.default_rng(3)
    t, x, truth = _stretch_session(rng, [30.0], sway_deg=0.0)
    keep = burst_loss(len(t), 0.02, rng, burst=10)
    (hold,) = HoldDetector(target_s=30.0).detect(make_trace(t, x, keep=keep)).holds_
    plateau = (t > truth[0][0] + 1) & (t < truth[0][1] - 1)
    assert hold.mean_angle_deg == pytest.approx(np.mean(x[plateau]), abs=0.3)


def test_no_hold_without_an_excursion_and_open_hold_timer() -> None:
    t = np.arange(0, 30, 0.01)
    assert HoldDetector().detect(make_trace(t, 4 + 0.5 * np.sin(t))).holds_ == []
    x = 4 + ramp_hold(t, 10, 1.5, 100, 1, 20)  # still holding when the trace ends
    det = HoldDetector().detect(make_trace(t, x))
    start, elapsed = det.open_hold_
    assert start == pytest.approx(11.5, abs=0.4)
    assert elapsed == pytest.approx(t[-1] - start, abs=0.02)


def test_heel_lift_intervals_are_cleaned() -> None:
    t = np.arange(0, 20, 0.01)
    heel = ((t > 5) & (t < 6)) | ((t > 6.05) & (t < 6.5)) | ((t > 10) & (t < 10.04)) | ((t > 14) & (t < 15))
    lifts = HeelLiftDetector().detect(make_trace(t, np.zeros_like(t), heel=heel)).heel_lifts_
    assert [(round(h.start_s, 1), round(h.end_s, 1)) for h in lifts] == [(5.0, 6.5), (14.0, 15.0)]


def test_a_heel_lift_flagged_on_both_sides_of_a_data_gap_is_one_lift() -> None:
    """The estimator carries a lift across a gap while the shank stays forward: the lift went on
    through it (seed 227011 of the accuracy benchmark, band lunges with the shin alone: a lift read
    as two across a 1.6 s gap, the second after the true lift's end, a false lift). A lift that
    ended at the gap and one that began after it stay two."""
    t = np.arange(0, 20, 0.01)
    heel = ((t > 5) & (t < 8)) | ((t > 12) & (t < 13.5)) | ((t > 15.5) & (t < 16.5))
    keep = ~(((t > 6) & (t < 7.5)) | ((t >= 13.5) & (t < 15.5)))
    trace = make_trace(t, np.zeros_like(t), heel=heel, keep=keep)
    lifts = HeelLiftDetector().detect(trace).heel_lifts_
    assert [(round(h.start_s, 1), round(h.end_s, 1)) for h in lifts] == [(5.0, 8.0), (12.0, 13.5), (15.5, 16.5)]
    # live, in notifications: the lift before the gap is final only with the data after it
    from dorsi.events import ExerciseEventDetector
    from dorsi.events.streaming import StreamingEventDetector
    from dorsi.routine import default_routine

    spec = default_routine()["band_lunge"]
    stream = StreamingEventDetector(ExerciseEventDetector(spec, trace.source))
    for i in range(0, len(trace), 11):
        stream.update(trace.slice(i, i + 11))
    stream.finish()
    assert stream.heel_lifts_ == ExerciseEventDetector(spec, trace.source).detect(trace).heel_lifts_ == lifts


def test_a_gap_hiding_the_move_out_and_back_in_splits_the_holds() -> None:
    # two 5 s holds; the lowering of the first and the lift of the second fall in one data gap
    t = np.arange(0.0, 30.0, 0.02)
    x = 2.0 + ramp_hold(t, 3.0, 1.0, 5.0, 2.0, 20.0) + ramp_hold(t, 11.5, 1.0, 5.0, 2.0, 20.0)
    keep = ~((t > 9.5) & (t < 12.0))  # 9.0-10.5 s lowering, 11.5-12.5 s lift: the gap covers the turn
    holds = HoldDetector(target_s=5.0).detect(make_trace(t, x, keep=keep)).holds_
    assert len(holds) == 2
    assert holds[0].start_s == pytest.approx(4.0, abs=0.3) and holds[0].end_s == pytest.approx(9.0, abs=0.6)
    assert holds[1].start_s == pytest.approx(12.5, abs=0.6) and holds[1].end_s == pytest.approx(17.5, abs=0.3)


def _two_drops_and_a_dropout(gap: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two 5 s holds at 20 deg (4-9 s and 12.5-17.5 s: a 2 s lowering, a short rest and a 1 s lift
    between them) and a data gap ``gap``."""
    t = np.arange(0.0, 25.0, 0.04)
    x = 2.0 + ramp_hold(t, 3.0, 1.0, 5.0, 2.0, 20.0) + ramp_hold(t, 11.5, 1.0, 5.0, 2.0, 20.0)
    return t, x, ~((t > gap[0]) & (t < gap[1]))


def test_a_long_dropout_hiding_a_whole_cycle_between_two_holds_splits_them() -> None:
    """The gap begins before the first hold ends and ends after the next has begun: the position is
    held at one level on both sides, which a dropout inside one hold also shows. Only the length
    tells: 15 s held in an exercise of 5 s holds (eccentric drops: ``max_bridged_s`` 10 s) is two
    holds (seed 91083 of the accuracy benchmark read one of 15.5 s across a 5.8 s dropout)."""
    t, x, keep = _two_drops_and_a_dropout((8.5, 13.0))
    trace = make_trace(t, x, keep=keep)
    assert len(HoldDetector(target_s=5.0).detect(trace).holds_) == 1  # bridged without the bound
    first, second = HoldDetector(target_s=5.0, max_bridged_s=10.0).detect(trace).holds_
    assert first.start_s == pytest.approx(4.0, abs=0.3) and first.end_s == pytest.approx(8.5, abs=0.1)
    assert second.start_s == pytest.approx(13.0, abs=0.1) and second.end_s == pytest.approx(17.5, abs=0.3)


def test_a_long_dropout_inside_one_short_hold_still_does_not_break_it() -> None:
    t = np.arange(0.0, 15.0, 0.04)
    x = 2.0 + ramp_hold(t, 3.0, 1.0, 6.0, 2.0, 20.0)  # held 4-10 s
    keep = ~((t > 5.0) & (t < 8.5))  # 3.5 s lost inside it
    (hold,) = HoldDetector(target_s=5.0, max_bridged_s=10.0).detect(make_trace(t, x, keep=keep)).holds_
    assert hold.start_s == pytest.approx(4.0, abs=0.3) and hold.end_s == pytest.approx(10.0, abs=0.3)


def test_the_eccentric_drops_split_two_holds_a_dropout_ran_together_live_as_in_batch() -> None:
    from dorsi.events import ExerciseEventDetector
    from dorsi.events.streaming import StreamingEventDetector
    from dorsi.routine import default_routine

    spec = default_routine()["eccentric_drop"]
    t, x, keep = _two_drops_and_a_dropout((8.5, 13.0))
    trace = make_trace(t, x, keep=keep, source="ankle")
    batch = ExerciseEventDetector(spec, "ankle").detect(trace)
    assert len(batch.holds_) == 2
    # ... and their reps: a drop's rep spans its hold (seeds 227098 and 263099 of the accuracy
    # benchmark, drops + foot: one rep across a 6.6 s and a 7.5 s dropout, with two holds)
    assert len(batch.reps_) == 2
    assert batch.reps_[0].peak_s < 8.5 and batch.reps_[1].peak_s > 13.0
    stream = StreamingEventDetector(ExerciseEventDetector(spec, "ankle"))
    for i in range(0, len(trace), 11):
        stream.update(trace.slice(i, i + 11))
    stream.finish()
    assert [(h.start_s, h.end_s) for h in stream.holds_] == [(h.start_s, h.end_s) for h in batch.holds_]
    assert stream.reps_ == batch.reps_


def test_a_long_dropout_inside_one_long_drop_keeps_one_rep_and_one_hold() -> None:
    """A drop held 6.5 s and lowered over 4 s is above the release level for 10.3 s: a 4.4 s
    dropout in its hold is not a cycle between two drops (seed 263099 of the accuracy benchmark,
    drops + foot: a 6.2 s hold cut into two holds, 5.1 s off, when the bound was 10 s)."""
    from dorsi.events import ExerciseEventDetector
    from dorsi.routine import default_routine

    t = np.arange(0.0, 20.0, 0.04)
    x = 2.0 + ramp_hold(t, 3.0, 1.0, 6.5, 4.0, 20.0)  # held 4-10.5 s
    trace = make_trace(t, x, keep=~((t > 4.6) & (t < 9.0)), source="ankle")
    batch = ExerciseEventDetector(default_routine()["eccentric_drop"], "ankle").detect(trace)
    assert len(batch.reps_) == 1
    (hold,) = batch.holds_
    assert hold.start_s == pytest.approx(4.0, abs=0.3) and hold.end_s == pytest.approx(10.5, abs=0.3)


def test_a_dropout_inside_a_steady_hold_does_not_break_it() -> None:
    t = np.arange(0.0, 45.0, 0.01)
    x = 4.0 + ramp_hold(t, 5.0, 1.5, 32.0, 1.5, 20.0)
    keep = ~((t > 20.0) & (t < 21.5))  # 1.5 s lost mid-hold, same position on both sides
    (hold,) = HoldDetector(target_s=30.0).detect(make_trace(t, x, keep=keep)).holds_
    assert hold.start_s == pytest.approx(6.5, abs=0.3) and hold.end_s == pytest.approx(38.5, abs=0.3)
    assert hold.met is True


def test_a_move_in_lost_in_a_gap_starts_the_hold_where_data_resumes() -> None:
    t = np.arange(0.0, 20.0, 0.02)
    x = 2.0 + ramp_hold(t, 4.0, 1.0, 6.0, 1.5, 18.0)
    keep = ~((t > 3.0) & (t < 4.8))  # the lift (4-5 s) is mostly lost
    (hold,) = HoldDetector(target_s=5.0).detect(make_trace(t, x, keep=keep)).holds_
    assert 4.8 <= hold.start_s <= 5.6
    assert hold.end_s == pytest.approx(11.0, abs=0.3)


def test_a_hold_whose_end_follows_a_long_gap_ends_at_the_move_out() -> None:
    # a seated hold at 25 deg; the foot sensor's data is lost for 3 s, and the move out begins
    # 0.25 s after it is back: the position was held through the gap, so the hold runs to the
    # move out, not to the start of the gap
    from dataclasses import replace

    rng = np.random.default_rng(3)
    t = np.arange(0.0, 30.0, 0.01)
    x = 2.0 + ramp_hold(t, 4.0, 0.6, 11.0, 0.6, 23.0) + rng.normal(0, 0.05, len(t))
    lost = (t > 12.4) & (t < 15.4)  # the move out starts at 15.6
    trace = replace(make_trace(t, x, source="ankle", baseline=2.0), valid=~lost)
    (hold,) = HoldDetector(baseline_deg=2.0).detect(trace).holds_
    assert hold.start_s == pytest.approx(4.6, abs=0.3)
    assert hold.end_s == pytest.approx(15.6, abs=0.3)


def test_a_slow_lowering_with_lost_samples_near_its_middle_still_ends_the_hold() -> None:
    # an eccentric drop seen with the foot sensor: 12 deg held 5 s, lowered over 4 s; 0.7 s are
    # lost shortly before the lowering's half-way point. The shape of the rest of the move still
    # places the end of the hold (the speed fallback waits until the gap: 1 s late)
    from dataclasses import replace

    rng = np.random.default_rng(4)
    t = np.arange(0.0, 20.0, 0.01)
    x = 2.0 + ramp_hold(t, 3.0, 0.8, 5.0, 4.0, 12.0) + rng.normal(0, 0.05, len(t))
    lost = (t > 9.8) & (t < 10.5)  # the lowering runs 8.8-12.8, half-way at 10.8
    trace = replace(make_trace(t, x, source="ankle", baseline=2.0), valid=~lost)
    (hold,) = HoldDetector(baseline_deg=2.0).detect(trace).holds_
    assert hold.end_s == pytest.approx(8.8, abs=0.35)


def test_a_short_gap_while_rocking_in_a_traction_hold_does_not_split_it() -> None:
    # band traction: 30 s at 12 deg with the knee rocking 2.5 deg either way; 0.6 s lost mid-hold
    # while rocking (not still on either side): too short to leave the position and come back
    from dataclasses import replace

    t = np.arange(0.0, 45.0, 0.01)
    x = 3.0 + ramp_hold(t, 5.0, 1.0, 30.0, 1.0, 12.0)
    x += 2.5 * np.sin(2 * np.pi * 0.7 * t) * ((t > 7.0) & (t < 35.0))
    lost = (t > 20.0) & (t < 20.6)
    trace = replace(make_trace(t, x, source="ankle", baseline=3.0), valid=~lost)
    holds = HoldDetector(baseline_deg=3.0).detect(trace).holds_
    assert len(holds) == 1
    assert holds[0].duration_s == pytest.approx(30.0, abs=1.0)


def test_rocking_that_dips_below_the_release_level_does_not_split_a_low_hold() -> None:
    # a traction hold only 5.5 deg above rest with the knee rocking 4 deg: each rock back dips
    # under the 2.5 deg release level for a moment; that is sway, not leaving the position
    t = np.arange(0.0, 45.0, 0.01)
    x = 3.0 + ramp_hold(t, 5.0, 1.0, 30.0, 1.0, 5.5)
    x += 4.0 * np.sin(2 * np.pi * 0.5 * t) * ((t > 7.0) & (t < 35.0))
    holds = HoldDetector(baseline_deg=3.0).detect(make_trace(t, x, baseline=3.0)).holds_
    assert len(holds) == 1
    assert holds[0].duration_s == pytest.approx(30.0, abs=1.0)
    # with the dips treated as releases the 30 s hold is lost (rock-sized pieces at most)
    split = HoldDetector(baseline_deg=3.0, max_dip_s=0.0).detect(make_trace(t, x, baseline=3.0)).holds_
    assert all(h.duration_s < 5.0 for h in split)


def test_a_slow_rock_back_below_the_release_level_does_not_split_a_traction_hold() -> None:
    from dorsi.events.settings import settings_for
    from dorsi.routine import default_routine

    # rocking at 0.35 Hz: one rock back stays under the release level for about 0.8 s; leaving
    # the position and coming back in takes longer than a second
    t = np.arange(0.0, 45.0, 0.01)
    x = 3.0 + ramp_hold(t, 5.0, 1.0, 30.0, 1.0, 5.0)
    x -= 3.5 * np.clip(np.sin(2 * np.pi * 0.35 * (t - 18.0)), 0.0, None) * ((t > 18.0) & (t < 19.43))
    below = (t > 18.0) & (t < 20.0) & (x - 3.0 < 2.5)
    assert 0.7 < below.sum() * 0.01 < 1.0
    traction = settings_for(default_routine()["traction"], "inclination").hold
    holds = HoldDetector(baseline_deg=3.0, **traction).detect(make_trace(t, x, baseline=3.0)).holds_
    assert len(holds) == 1 and holds[0].duration_s == pytest.approx(30.0, abs=1.0)


def test_a_hold_whose_move_in_is_not_seen_still_ends_where_its_move_out_begins() -> None:
    """At 25 Hz a drop's fast lift can carry the excursion's first sample past half the held
    level: the move in then gives no shape, but the move out still does, and sets the end (it
    used to fall back to the settled-speed rule, 1.1 s late on the slow lowering)."""
    from dorsi.angle import AngleEstimator
    from dorsi.pipeline import analyze_trace
    from dorsi.sim import SimOptions, simulate

    seed = 563
    strap = float(np.random.default_rng(seed).uniform(-30, 30))
    s = simulate("eccentric_drop", seed=seed, options=SimOptions(
        rate_hz=25.0, side="left", strap_rotation_deg=strap, foot_sensor=True, packet_loss=0.02))
    trace = AngleEstimator().estimate(s.shin, s.foot).trace_
    holds = analyze_trace(trace, exercise="eccentric_drop", sample_rate_hz=25.0).exercises[0].holds
    true = s.truth.holds[9]
    ours = min(holds, key=lambda h: abs(h.start_s - true.start_s))
    assert abs(ours.start_s - true.start_s) < 0.3 and abs(ours.end_s - true.end_s) < 0.3


def test_a_move_in_that_first_stops_low_starts_the_hold_from_its_own_shape() -> None:
    """A traction move in that pauses at 4.8 deg (under twice the 2.5 deg release level) before
    going on: the excursion then begins above that first stop's half-way level, so its
    crossing lies just before the excursion. It used to find none and fall back to the first
    settled sample, at the excursion's very start (1.2 s early)."""
    from dorsi.angle import AngleEstimator
    from dorsi.pipeline import analyze_trace
    from dorsi.sim import SimOptions, simulate

    seed = 21070
    strap = float(np.random.default_rng(seed).uniform(-30, 30))
    s = simulate("traction", seed=seed, options=SimOptions(
        rate_hz=52.0, side="left" if seed % 2 else "right", strap_rotation_deg=strap, packet_loss=0.02))
    trace = AngleEstimator().estimate(s.shin).trace_
    holds = analyze_trace(trace, exercise="traction", sample_rate_hz=52.0).exercises[0].holds
    true = s.truth.holds[0]
    ours = min(holds, key=lambda h: abs(h.start_s - true.start_s))
    assert abs(ours.start_s - true.start_s) < 0.6 and abs(ours.end_s - true.end_s) < 0.3


def test_a_slow_lowering_whose_middle_was_lost_still_ends_the_hold_where_it_began() -> None:
    """A 5 s hold, then a 3.5 s lowering with 0.6 s lost over its half-way and 75 % points: the
    move's timing is fitted to its received samples (the minimum-jerk phase of each sample is a
    straight line in time). It used to fall back to the last settled sample: a lowering at 3-4
    deg/s is "settled" all the way down (2.9 s late on a 100 Hz session, seed 7323)."""
    t = np.arange(0.0, 20.0, 0.01)
    x = 3.0 + ramp_hold(t, 3.0, 0.8, 5.0, 3.5, 14.0)
    # the lowering runs 8.8 -> 12.3 s; its half-way point at 10.55 s, the 75 % one at ~10.1 s
    keep = (t < 10.0) | (t >= 10.6)
    trace = make_trace(t, x, keep=keep, source="ankle", baseline=3.0)
    holds = HoldDetector(baseline_deg=3.0, threshold_deg=5.0, release_deg=2.0, max_dip_s=0.0).detect(trace).holds_
    assert len(holds) == 1
    assert holds[0].start_s == pytest.approx(3.8, abs=0.1)
    assert holds[0].end_s == pytest.approx(8.8, abs=0.3)


@pytest.mark.parametrize("gap", [(10.4, 12.0), (10.4, 13.0)])
def test_a_slow_lowering_whose_data_stop_before_half_way_still_ends_the_hold_where_it_began(gap) -> None:
    """The same hold and lowering, with the data lost from 45 % of the lowering (its first third
    received) to near its end or past it: no half-way crossing is received, and the received
    start of the move is fitted alone (the minimum-jerk phase of each sample, a straight line in
    time, extrapolated back to its start). It used to end at the last settled sample, 1 s late
    (eccentric drops + foot at 52 Hz with 2 % loss: 1.1-1.2 s late on five of 432 sessions)."""
    t = np.arange(0.0, 20.0, 0.01)
    x = 3.0 + ramp_hold(t, 3.0, 0.8, 5.0, 3.5, 14.0)  # the lowering runs 8.8 -> 12.3 s
    keep = (t < gap[0]) | (t >= gap[1])
    trace = make_trace(t, x, keep=keep, source="ankle", baseline=3.0)
    holds = HoldDetector(baseline_deg=3.0, threshold_deg=5.0, release_deg=2.0, max_dip_s=0.0).detect(trace).holds_
    assert len(holds) == 1
    assert holds[0].end_s == pytest.approx(8.8, abs=0.2)


def _lowering_cut_early(gap: tuple[float, float]):
    """The 5 s hold of the tests above (3.8-8.8 s), its 3.5 s lowering cut by a gap ``gap``, on a
    52 Hz ankle trace."""
    t = np.arange(0.0, 20.0, 1.0 / 52.0)
    x = 3.0 + ramp_hold(t, 3.0, 0.8, 5.0, 3.5, 14.0)  # the lowering runs 8.8 -> 12.3 s
    return make_trace(t, x, keep=(t < gap[0]) | (t >= gap[1]), source="ankle", baseline=3.0)


@pytest.mark.parametrize("gap", [(9.9, 11.0), (9.7, 11.2)])
def test_a_slow_lowering_a_gap_cuts_early_is_fitted_on_both_sides_of_it(gap) -> None:
    """The data stop a third of the way into the lowering (under a fifth of its depth), too little
    for the received start alone, and resume past three quarters of it, with the excursion still
    above the release level: the move is fitted to the received samples on both sides of the gap.
    It used to end at the last settled sample, at the gap, 1.0-1.3 s late (eccentric drops + foot,
    52 Hz with 2 % loss: seeds 107102, 137102, 161103 and 171103 of the accuracy benchmark)."""
    trace = _lowering_cut_early(gap)
    holds = HoldDetector(baseline_deg=3.0, threshold_deg=5.0, release_deg=2.0, max_dip_s=0.0).detect(trace).holds_
    assert len(holds) == 1
    assert holds[0].start_s == pytest.approx(3.8, abs=0.1)
    assert holds[0].end_s == pytest.approx(8.8, abs=0.2)


def test_a_lowering_fitted_across_a_gap_ends_the_hold_live_as_in_batch() -> None:
    """The fit reads the excursion on past the gap: live, the hold is reported only once that part
    is in, and the same as in the batch."""
    from dorsi.events import ExerciseEventDetector
    from dorsi.events.streaming import StreamingEventDetector
    from dorsi.routine import default_routine

    spec = default_routine()["eccentric_drop"]
    trace = _lowering_cut_early((9.9, 11.0))
    batch = ExerciseEventDetector(spec, "ankle").detect(trace)
    assert [round(h.end_s, 1) for h in batch.holds_] == [8.8]
    for size in (5, 11, 40):
        stream = StreamingEventDetector(ExerciseEventDetector(spec, "ankle"))
        for i in range(0, len(trace), size):
            stream.update(trace.slice(i, i + size))
        stream.finish()
        assert stream.holds_ == batch.holds_


def _two_stretches_and_a_long_gap(gap: tuple[float, float], rest_deg: float, last_deg: float = 2.0) -> list:
    """Two 25 s stretches at 18.5 deg (5-30 s, 39.3-64.3 s); between them the person rests
    ``rest_deg`` up (weight shifted: above the release level), going to ``last_deg`` just before
    the second move in; ``gap`` lost."""
    t = np.arange(0.0, 75.0, 0.04)
    x = ramp_hold(t, 3.0, 2.0, 25.0, 1.5, 18.5) + ramp_hold(t, 37.3, 2.0, 25.0, 1.5, 18.5)
    rest = np.interp(t, [30.0, 36.9, 37.3, 39.3], [rest_deg, rest_deg, last_deg, last_deg])
    x = np.where((t >= 30.0) & (t < 39.3), np.maximum(x, rest), x)
    return HoldDetector(threshold_deg=5.0, release_deg=2.5, baseline_deg=0.0).detect(
        make_trace(t, x, keep=~((t > gap[0]) & (t < gap[1])))).holds_


def test_a_move_out_a_long_gap_hid_is_not_fitted_to_the_rest_after_it() -> None:
    """The first move out is half done when a 5.6 s gap begins, and the excursion goes on after it
    (the rest is above the release level): the samples after the gap are the rest, not the move,
    and fitted with it they made a move out of 23 s that ended the hold 7 s early (gastroc stretch
    + foot with the posture wandering, seed 205242: 8.9 s). Across a gap over 2 s the move out is
    not fitted."""
    first, second = _two_stretches_and_a_long_gap((30.9, 36.5), 4.8)
    assert first.start_s == pytest.approx(5.0, abs=0.3) and first.end_s == pytest.approx(30.0, abs=0.3)
    assert second.start_s == pytest.approx(39.3, abs=0.3) and second.end_s == pytest.approx(64.3, abs=0.3)


def test_the_rest_after_a_long_gap_is_no_hold() -> None:
    """The gap hides the first move out whole; what comes after it, a rest 3.5 deg up (under the
    5 deg threshold, over the release level) up to the next move in, is cut off the run by the gap:
    a part that is never in position holds no hold (it read as a 1.3 s hold)."""
    holds = _two_stretches_and_a_long_gap((29.9, 36.5), 3.5, 3.5)
    assert [(round(h.start_s), round(h.end_s)) for h in holds] == [(5, 30), (39, 64)]


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_run_that_crosses_half_way_down_before_it_first_settles_gives_no_nan() -> None:
    """Seed 30075 (eccentric drops + foot, 25 Hz, 5 % loss) has an in-position run whose move in
    was not seen and whose data crossed half-way down before its first settled sample: the held
    level came from an empty stretch (numpy's "Mean of empty slice", a NaN level). Such a run
    keeps its settled-speed boundaries, without the warning."""
    from dorsi.angle import AngleEstimator
    from dorsi.pipeline import analyze_trace
    from dorsi.sim import SimOptions, simulate

    seed = 30075
    strap = float(np.random.default_rng(seed).uniform(-30, 30))
    s = simulate("eccentric_drop", seed=seed, options=SimOptions(
        rate_hz=25.0, side="left", strap_rotation_deg=strap, foot_sensor=True, packet_loss=0.05, quaternions=True))
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
    trace = AngleEstimator(**profile).estimate(s.shin, s.foot).trace_
    holds = analyze_trace(trace, exercise="eccentric_drop", profile=profile, sample_rate_hz=25.0).exercises[0].holds
    assert holds and all(np.isfinite([h.start_s, h.end_s, h.mean_angle_deg]).all() for h in holds)


@pytest.mark.parametrize("rate", [25.0, 100.0])
def test_a_shallow_hold_ends_where_its_move_out_starts(rate: float) -> None:
    # held 5.6 deg above rest, under twice the 3 deg release level: the move out crosses
    # half-way only after the excursion has ended
    t = np.arange(0.0, 30.0, 1.0 / rate)
    x = 4.0 + ramp_hold(t, 5.0, 1.5, 12.0, 1.5, 5.6)
    (hold,) = HoldDetector(threshold_deg=5.0, release_deg=3.0).detect(make_trace(t, x)).holds_
    assert hold.start_s == pytest.approx(6.5, abs=0.15)
    assert hold.end_s == pytest.approx(18.5, abs=0.15)
