"""A foot sensor worn with its arrow toward the ankle reads as one worn right, where the exercises
tell (``dorsi.pipeline.foot_direction``): forefoot lifts, seated dorsiflexion holds and flossing
pitch the foot toes-up only, lunges that lift the heel toes-down only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dorsi.angle import AngleEstimator
from dorsi.angle.trace import AngleTrace
from dorsi.cli import main
from dorsi.export import load_session
from dorsi.pipeline import analyze
from dorsi.pipeline.foot_direction import FootDirectionWatch, foot_turned_round, half_turn
from dorsi.pipeline.segments import Segment
from dorsi.session.simulated_feed import run_live
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


def _streamed(est, shin, foot, size: int):
    """``est`` (calibrated) over the whole session in chunks of ``size`` shin samples."""
    parts, n = [], len(shin)
    for a in range(0, n, size):
        sh = shin.slice(a, min(a + size, n))
        lo = int(np.searchsorted(foot.t, shin.t[a - 1], side="right")) if a else 0
        hi = int(np.searchsorted(foot.t, sh.t[-1], side="right")) if a + size < n else len(foot)
        parts.append(est.update(sh, foot.slice(lo, hi)))
    parts.append(est.finish())
    return AngleTrace.concatenate([p for p in parts if len(p)])


@pytest.mark.parametrize("exercise, seed", [("seated_df_hold", 3), ("eccentric_drop", 4), ("knee_to_wall", 6)])
def test_turning_the_foot_round_reads_as_the_sensor_worn_right(exercise: str, seed: int) -> None:
    """``AngleEstimator.turn_foot_round`` (the live session's turn, no new calibration) reads a
    reversed foot sensor exactly as the same sensor worn right: angle, roll and heel lifts."""
    s = simulate(exercise, seed=seed, options=_options(seed))
    right = AngleEstimator().estimate(s.shin, s.foot).trace_
    turned = half_turn(s.foot)
    est = AngleEstimator().calibrate(s.shin, turned)
    # foot data taken in before the turn: the shin samples it released are read as worn, the
    # foot data not matched to shin samples yet is turned with what comes after
    before = est.update(s.shin.slice(0, 50), turned.slice(0, 45))
    assert 0 < len(before) < 50
    est.turn_foot_round()
    assert est.foot_turned_round_
    again = _streamed(est, s.shin.slice(50, len(s.shin)), turned.slice(45, len(turned)), 700)
    right = right.slice(len(before), len(right))
    np.testing.assert_array_equal(again.t, right.t)
    np.testing.assert_allclose(again.angle_deg, right.angle_deg, atol=1e-9)
    np.testing.assert_allclose(again.foot_roll_deg, right.foot_roll_deg, atol=1e-9)
    np.testing.assert_array_equal(again.heel_lift, right.heel_lift)


@pytest.mark.parametrize("exercise, seed", [("seated_df_hold", 3), ("eccentric_drop", 4), ("nerve_floss", 5)])
def test_the_live_watch_tells_which_way_round_as_the_analysis_does(exercise: str, seed: int) -> None:
    """``FootDirectionWatch`` on the exercise's samples as they come (chunks of 1-200 samples)
    ends where the analysis' rule does, worn right and turned round."""
    s = simulate(exercise, seed=seed, options=_options(seed))
    segments = [Segment(exercise, float(s.shin.t[0]), float(s.shin.t[-1]) + 1.0)]
    rng = np.random.default_rng(seed)
    for foot, way in ((s.foot, 1), (half_turn(s.foot), -1)):
        trace = AngleEstimator().estimate(s.shin, foot).trace_
        assert foot_turned_round(trace, segments) == (way < 0)
        watch, i = FootDirectionWatch(exercise), 0
        while i < len(trace):
            step = int(rng.integers(1, 201))
            watch.update(trace.slice(i, i + step))
            i += step
        assert watch.verdict_ == way
    assert not FootDirectionWatch("ankle_circles").judges


def test_the_live_session_reads_the_exercise_again_turned_round() -> None:
    """Live (``LiveProcessor``), a reversed foot sensor: lunges cannot tell, the seated holds can;
    they are read again from their start turned round, so every exercise's events are those of
    the same session with the sensor worn right."""
    from dorsi.routine import Routine, Target, default_routine

    base = default_routine()
    routine = Routine("lunges, seated holds", (replace(base["band_lunge"], target=Target(reps=4)),
                                               replace(base["seated_df_hold"], target=Target(hold_s=4.0, sets=3))))
    s = simulate_routine(seed=8, options=SimOptions(rate_hz=52.0, foot_sensor=True, quaternions=True),
                         routine=routine)
    segs = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    right = run_live(s, routine, segs)
    turned = run_live(s, routine, segs, foot=half_turn(s.foot))
    assert (right.foot_direction, turned.foot_direction) == (1, -1)
    assert not right.wearing() and any("other way round" in line for line in turned.wearing())
    for a, b in zip(right.finished, turned.finished, strict=True):
        assert [(r.peak_s, round(r.peak_angle_deg, 6)) for r in a.reps] == \
               [(r.peak_s, round(r.peak_angle_deg, 6)) for r in b.reps]
        assert [(h.start_s, h.end_s, round(h.mean_angle_deg, 6)) for h in a.holds] == \
               [(h.start_s, h.end_s, round(h.mean_angle_deg, 6)) for h in b.holds]
    holds = next(e for e in turned.finished if e.spec.id == "seated_df_hold").holds
    assert len(holds) == sum(1 for h in s.truth.holds if h.exercise == "seated_df_hold") > 0


def test_a_foot_resting_pointed_is_no_sign_of_the_sensors_way_round() -> None:
    """Seated with the toes pointed down (a foot tucked back) the pitch reads toes-down without a
    toes-up movement: that is how the foot rests, not a sensor turned round, live or after."""
    from dorsi.pipeline.foot_direction import verdict

    assert verdict(-15.0, -14.0) == 0  # resting pointed, never moved
    assert verdict(-20.0, 0.5) == -1 and verdict(-0.5, 20.0) == 1  # the movement either way
    assert verdict(-15.0, 20.0) == 0  # both ways as far: nothing to tell
