"""Form flags on reps: foot rolling in (medial knee drift), heel lift, knee-to-wall distance."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.events import ExerciseEventDetector
from dorsi.events.streaming import StreamingEventDetector
from dorsi.routine import default_routine
from synth import lunge_session, make_trace, ramp_hold


def _drifting_lunges(seed: int = 4):
    """Ten lunges; on the odd ones the knee drifts medially by 12 deg, on the even ones by 3 deg;
    a heel comes up during rep 4."""
    rng = np.random.default_rng(seed)
    trace, truth = lunge_session(rng, n_reps=10)
    t = trace.t
    frontal = 1.5 + rng.normal(0.0, 0.3, len(t))
    for i, (start, end, _, _) in enumerate(truth):
        rise = 0.4 * (end - start)
        frontal += ramp_hold(t, start, rise, 0.0, end - start - rise, 12.0 if i % 2 else 3.0)
    heel = (t > truth[4][2] - 0.2) & (t < truth[4][2] + 0.3)
    return make_trace(t, trace.angle_deg, frontal=frontal, heel=heel, baseline=4.0), truth


def test_medial_drift_flags_the_rep_and_reports_its_size() -> None:
    trace, truth = _drifting_lunges()
    reps = ExerciseEventDetector(default_routine()["band_lunge"]).detect(trace).reps_
    assert len(reps) == len(truth)
    assert [r.foot_roll_in for r in reps] == [bool(i % 2) for i in range(len(truth))]
    for i, rep in enumerate(reps):
        assert rep.frontal_tilt_deg == pytest.approx(12.0 if i % 2 else 3.0, abs=1.0)
    assert [r.heel_lift for r in reps] == [i == 4 for i in range(len(truth))]


def test_live_reps_carry_the_same_flags_as_the_batch_ones() -> None:
    trace, _ = _drifting_lunges(seed=9)
    spec = default_routine()["band_lunge"]
    batch = ExerciseEventDetector(spec).detect(trace).reps_
    stream = StreamingEventDetector(ExerciseEventDetector(spec))
    for i in range(0, len(trace), 11):
        sl = slice(i, i + 11)
        stream.update(type(trace)(trace.t[sl], trace.angle_deg[sl], trace.frontal_deg[sl], trace.heel_lift[sl],
                                  trace.knee_swing_deg[sl], trace.valid[sl], trace.source, trace.baseline_deg))
    stream.finish()
    assert stream.reps_ == batch
    assert sum(r.foot_roll_in for r in stream.reps_) == 5 and sum(r.heel_lift for r in stream.reps_) == 1


def test_knee_to_wall_reps_report_the_distance() -> None:
    t = np.arange(0.0, 20.0, 0.01)
    x = 4.0 + ramp_hold(t, 3.0, 1.5, 1.0, 1.5, 36.0) + ramp_hold(t, 11.0, 1.5, 1.0, 1.5, 26.0)
    reps = ExerciseEventDetector(default_routine()["knee_to_wall"], profile={"shank_length_m": 0.42,
                                                                           "foot_length_m": 0.26}).detect(
        make_trace(t, x, baseline=4.0)).reps_
    assert len(reps) == 2
    # d = x_ankle + L sin(theta) + c cos(theta) - L_foot, at the peak inclination (40 and 30 deg)
    for rep, theta in zip(reps, (40.0, 30.0)):
        th = np.radians(theta)
        expected = 100 * (0.25 * 0.26 + 0.42 * np.sin(th) + 0.05 * np.cos(th) - 0.26)
        assert rep.peak_angle_deg == pytest.approx(theta, abs=0.2)
        assert rep.knee_to_wall_cm == pytest.approx(expected, abs=0.3)
    assert reps[0].knee_to_wall_cm > 8.0 > reps[1].knee_to_wall_cm  # the routine's 8 cm aim
