"""Reps either side of a data gap that hides the return to rest between them.

The grid bridges a gap with a straight line, which kept two reps in one core; the
gap's edges show when they cannot be one move (see ``RepDetector._gap_cuts`` and
``docs/algorithms-events.md``)."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.angle import AngleEstimator
from dorsi.events import ExerciseEventDetector, RepDetector
from dorsi.events.streaming import StreamingEventDetector
from dorsi.pipeline import analyze_trace
from dorsi.routine import default_routine
from dorsi.sim import SimOptions, simulate
from synth import make_trace, ramp_hold

RATE = 25.0


def _reps(x: np.ndarray, t: np.ndarray, gap: tuple[float, float], heel: np.ndarray | None = None):
    keep = (t < gap[0]) | (t >= gap[1])
    trace = make_trace(t, x, keep=keep, baseline=3.0, heel=heel)
    return RepDetector(threshold_deg=5.0, release_deg=2.0).detect(trace).reps_


def _lossy_session(exercise: str, seed: int, rate_hz: float = RATE, foot: bool = False):
    """A session as ``benchmarks/accuracy.py`` simulates it (2 % burst loss, strap and side from
    the seed; the foot sensor too if ``foot``) and its reps; returns ``(session, trace, reps)``."""
    opts = SimOptions(rate_hz=rate_hz, side="left" if seed % 2 else "right", quaternions=True, foot_sensor=foot,
                      strap_rotation_deg=float(np.random.default_rng(seed).uniform(-30, 30)), packet_loss=0.02)
    s = simulate(exercise, seed=seed, options=opts)
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
    trace = AngleEstimator(**profile).estimate(s.shin, s.foot).trace_
    reps = analyze_trace(trace, exercise=exercise, profile=profile, sample_rate_hz=rate_hz).exercises[0].reps
    return s, trace, reps


def _streamed_reps(spec, trace) -> list:
    """The reps the live wrapper reports for ``trace`` fed in 11-sample notifications."""
    stream = StreamingEventDetector(ExerciseEventDetector(spec, trace.source))
    for i in range(0, len(trace), 11):
        stream.update(trace.slice(i, i + 11))
    stream.finish()
    return stream.reps_


def _t() -> np.ndarray:
    return np.arange(0.0, 12.0, 1.0 / RATE)


def test_a_gap_the_angle_falls_into_and_rises_out_of_hides_a_rest() -> None:
    # lunge A falls into the gap at 17 deg, lunge B rises out of it at 17 deg: the bridge is flat
    t = _t()
    x = 3.0 + ramp_hold(t, 3.0, 0.5, 0.0, 0.6, 25.0) + ramp_hold(t, 4.6, 0.6, 0.0, 0.5, 25.0)
    reps = _reps(x, t, (3.74, 4.96))
    assert len(reps) == 2
    assert reps[0].end_s == reps[1].start_s == pytest.approx(4.35, abs=0.05)  # the middle of the gap
    assert reps[0].peak_s == pytest.approx(3.5, abs=0.05) and reps[1].peak_s == pytest.approx(5.2, abs=0.05)


def test_a_move_back_seen_at_the_same_level_on_both_sides_of_a_gap_is_two_reps() -> None:
    # falling at both edges, but no lower after 1.85 s: the angle went up in between
    t = _t()
    x = 3.0 + ramp_hold(t, 3.0, 0.5, 0.0, 1.0, 25.0) + ramp_hold(t, 5.0, 0.4, 0.0, 1.0, 25.0)
    assert len(_reps(x, t, (4.0, 5.85))) == 2


def test_a_move_back_into_a_gap_that_ends_higher_up_is_two_reps() -> None:
    # A falls into the gap at 17 deg; the data resumes during B's hold at 28 deg
    t = _t()
    x = 3.0 + ramp_hold(t, 3.0, 0.5, 0.0, 0.6, 25.0) + ramp_hold(t, 4.5, 0.5, 2.0, 0.8, 28.0)
    assert len(_reps(x, t, (3.74, 5.5))) == 2


@pytest.mark.parametrize("gap", [(3.96, 4.56), (5.0, 6.5)])
def test_a_gap_inside_one_move_or_one_hold_does_not_split_it(gap) -> None:
    # a slow 2 s move back with 0.6 s of it lost; a 3 s hold with 1.5 s of it lost
    t = _t()
    x = 3.0 + ramp_hold(t, 3.0, 1.0, 3.0, 2.0, 25.0) if gap[0] > 4.5 else 3.0 + ramp_hold(t, 2.0, 1.0, 0.0, 2.0, 25.0)
    x = x + 0.3 * np.sin(2 * np.pi * 0.7 * t)  # sway
    assert len(_reps(x, t, gap)) == 1


def test_a_heel_lift_dip_into_a_gap_does_not_split_a_lunge() -> None:
    # with the foot sensor the ankle angle drops as the heel rises: not a return to rest
    t = _t()
    x = 3.0 + ramp_hold(t, 3.0, 1.0, 2.5, 1.0, 28.0)
    lift = (t > 4.3) & (t < 5.7)
    x = x - 15.0 * np.sin(np.pi * np.clip((t - 4.3) / 1.4, 0.0, 1.0)) * lift
    assert len(_reps(x, t, (4.6, 5.5), heel=lift)) == 1
    assert len(_reps(x, t, (4.6, 5.5))) == 2  # the same dip without the flag reads as a return


@pytest.mark.parametrize("exercise,seed", [
    ("band_lunge", 142),   # fell into a 1.8 s gap, rose out of it
    ("band_lunge", 134),   # fell at both edges, 1.8 s apart, no lower after it
    ("band_lunge", 130),   # fell into a gap and came out of it 6 deg higher, nearly still
    ("nerve_floss", 128),  # the knee swing fell at both edges of a 3.6 s gap
])
def test_simulated_reps_either_side_of_a_gap_are_counted(exercise: str, seed: int) -> None:
    # 25 Hz, 2 % burst loss, as in benchmarks/accuracy.py: these merged into one rep before
    s, trace, reps = _lossy_session(exercise, seed)
    assert len(reps) == len(s.truth.reps)
    # live: the cut needs the data after the gap, which the run's closing waits for anyway
    spec = default_routine()[exercise]
    assert _streamed_reps(spec, trace) == ExerciseEventDetector(spec, trace.source).detect(trace).reps_


def test_a_circle_lost_in_a_gap_from_trough_to_trough_is_restored_from_its_swing() -> None:
    # 25 Hz, 2 % loss: a gap runs from just after one trough to the next, so both of its edges
    # stand at trough level (the floor test cannot tell it from a pause), but the angle goes into
    # it rising fast and comes out no higher: it turned down inside, and the rhythm fits one circle
    s = simulate("ankle_circles", seed=27, options=SimOptions(rate_hz=RATE, foot_sensor=True, packet_loss=0.02))
    trace = AngleEstimator().estimate(s.shin, s.foot).trace_
    spec = default_routine()["ankle_circles"]
    batch = ExerciseEventDetector(spec, trace.source).detect(trace)
    assert len(batch.reps_) == len(s.truth.reps) == 40
    truth_peaks = np.array([r.peak_s for r in s.truth.reps])
    inferred = [r for r in batch.reps_ if r.inferred]
    assert len(inferred) == 2 and all(np.min(np.abs(truth_peaks - r.peak_s)) < 0.3 for r in inferred)
    assert _streamed_reps(spec, trace) == batch.reps_


def test_a_gap_in_the_pause_for_turning_after_a_restored_circle_adds_no_circle() -> None:
    """Seed 17393 (circles + foot, 25 Hz, 2 % loss, as the benchmark runs it): a 2.7 s gap hides the
    last outward circle but one, and a second gap falls in the pause before the first inward circle.
    The first gap's restored circle ended the run there, so for the second the run held no circle
    before it, the change of direction could not be seen, and the pause was counted as a circle
    (41 of 40)."""
    s, trace, _ = _lossy_session("ankle_circles", 17393, foot=True)
    spec = default_routine()["ankle_circles"]
    batch = ExerciseEventDetector(spec, trace.source).detect(trace)
    assert len(batch.reps_) == len(s.truth.reps) == 40
    outward = [r.peak_s for r in s.truth.reps if r.direction == "outward"]
    inward = [r.peak_s for r in s.truth.reps if r.direction == "inward"]
    turn = (max(outward), min(inward)) if max(outward) < min(inward) else (max(inward), min(outward))
    assert not [r for r in batch.reps_ if turn[0] + 0.5 < r.peak_s < turn[1] - 0.5]  # none in the pause
    assert any(r.inferred for r in batch.reps_)  # the circle the first gap hid is still restored
    assert _streamed_reps(spec, trace) == batch.reps_


def test_two_drops_a_gap_ran_together_are_not_joined_as_one_split_by_sway() -> None:
    """Seed 13299 (eccentric drops + foot, 25 Hz, 2 % loss): a 4 s gap hides one drop's lowering and
    the next one's lift. The two reps meet where the cut fell, just inside the second drop's hold,
    and the rule that joins a drop split in two by sway inside its hold joined them (29 of 30),
    though the first one's peak lies in the hold before."""
    s, trace, _ = _lossy_session("eccentric_drop", 13299, foot=True)
    spec = default_routine()["eccentric_drop"]
    batch = ExerciseEventDetector(spec, trace.source).detect(trace)
    assert len(batch.reps_) == len(s.truth.reps) == 30
    assert _streamed_reps(spec, trace) == batch.reps_


def test_a_rep_whose_core_ends_on_a_rising_bridge_keeps_its_observed_peak() -> None:
    """Lunge A (15 deg) falls into a gap at 9 deg, lunge B (27 deg) rises out of it at 24 deg: the
    bridge climbs, and the cut between the two reps falls inside it, where the bridge already
    stands above A's top. A's peak is its highest received sample (it was put on the bridge,
    reading B's rise as A's peak; 9 deg off in a 52 Hz session, seed 7596)."""
    t = _t()
    x = 3.0 + ramp_hold(t, 2.0, 0.8, 0.6, 0.9, 15.0) + ramp_hold(t, 5.0, 0.9, 0.4, 0.9, 27.0)
    reps = _reps(x, t, (3.9, 5.75))
    assert len(reps) == 2
    assert reps[0].peak_angle_deg == pytest.approx(18.0, abs=0.3)
    assert 2.8 <= reps[0].peak_s <= 3.4
    assert reps[1].peak_angle_deg == pytest.approx(30.0, abs=0.3)


def test_a_valley_right_at_a_gaps_end_does_not_crash_the_gap_rule() -> None:
    """A nerve-flossing session at 25 Hz with 2 % loss (seed 13036) has a valley split on the first
    sample after a gap: the gap rule read the (empty) stretch between the gap and that cut and
    raised, so the whole analysis failed."""
    s, _, reps = _lossy_session("nerve_floss", 13036)
    assert len(reps) == len(s.truth.reps) == 20


def test_a_lunge_that_pauses_half_way_with_the_pause_lost_is_one_rep() -> None:
    """Seed 13033 (band lunge, 100 Hz, 2 % loss) rises in two stages, and 0.8 s of data are lost
    over the pause between them: both edges move out, the level gained is small, and the gap rule
    took the pause for a hidden rest (31 of 30). Going back to rest and out again (56 deg) in
    0.8 s would need moves far faster than either edge shows, so no rest is hidden there."""
    s, _, reps = _lossy_session("band_lunge", 13033, rate_hz=100.0)
    assert len(reps) == len(s.truth.reps) == 30


def test_a_return_fitted_across_a_gap_ends_before_the_next_lunge_begins() -> None:
    """Lunge A falls into a gap on its way back and the data comes back at rest, a fifth of a
    second before a fast lunge B. The shape fitted to A's return across the bridge ended past B's
    start, so B's onset, searched only after A's end, left it too short to count (one rep for two;
    seed 277007, band lunge at 52 Hz with 2 % loss, lost a rep so). A's return now ends before the
    next movement does."""
    t = np.arange(0.0, 10.0, 1.0 / 52.0)
    x = 3.0 + ramp_hold(t, 2.0, 1.0, 0.3, 2.0, 13.0) + ramp_hold(t, 5.48, 0.35, 0.0, 0.35, 22.0)
    keep = (t < 4.0) | (t >= 5.3)
    reps = RepDetector().detect(make_trace(t, x, keep=keep, baseline=3.0)).reps_
    assert len(reps) == 2
    assert reps[0].end_s <= reps[1].start_s <= 5.5
    assert reps[1].peak_s == pytest.approx(5.83, abs=0.05)


def test_a_simulated_lunge_right_after_a_gap_that_hid_a_return_is_counted() -> None:
    s, trace, reps = _lossy_session("band_lunge", 277007, rate_hz=52.0)
    assert len(reps) == len(s.truth.reps) == 30
    spec = default_routine()["band_lunge"]
    assert _streamed_reps(spec, trace) == ExerciseEventDetector(spec, trace.source).detect(trace).reps_
