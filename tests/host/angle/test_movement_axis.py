"""The shank's movement axis against the calibration: a strap turned on the shin is noticed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.angle.movement_axis import MovementAxis
from dorsi.angle.trace import AngleTrace
from dorsi.pipeline import analyze
from dorsi.pipeline.analyze import estimate_trace
from dorsi.sim import SimOptions, simulate


def _rates_trace(turn_deg: float, drift: float = 0.0, n: int = 2000, seed: int = 0) -> AngleTrace:
    """Lunges (0 to 40 deg and back, 2 s each) with the knee drifting ``drift`` per unit of depth,
    seen by a sensor turned ``turn_deg`` about the shin since calibration, plus gyroscope noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 100.0
    theta = np.radians(20.0) * (1.0 - np.cos(np.pi * t))
    rate = np.gradient(theta, t)
    a = drift * theta  # frontal tilt
    lat, fwd, up = rate * np.cos(a), drift * rate, -rate * np.sin(a)  # rate in the shank's axes
    psi = np.radians(turn_deg)
    seen = np.column_stack([lat * np.cos(psi) - fwd * np.sin(psi), lat * np.sin(psi) + fwd * np.cos(psi), up])
    seen += rng.normal(0.0, 0.02, seen.shape)
    z = np.zeros(n)
    return AngleTrace(t, np.degrees(theta), z, np.zeros(n, bool), -np.degrees(theta), np.ones(n, bool),
                      shank_rates=seen.astype(np.float32))


@settings(max_examples=30, deadline=None)
@given(st.floats(-40.0, 40.0), st.floats(-0.3, 0.3))
def test_a_turned_sensor_is_told_from_a_knee_that_drifts(turn: float, drift: float) -> None:
    """The movement axis is off by the turn plus the drift; the drift is a rotation about a moving
    axis (it shows about the long axis), so the turn is read back alone."""
    m = MovementAxis().measure(_rates_trace(turn, drift))
    assert m.offset_deg_ == pytest.approx(turn + np.degrees(np.arctan(drift)), abs=1.0)
    assert m.drift_deg_ == pytest.approx(np.degrees(np.arctan(drift)), abs=1.0)
    assert m.turn_deg_ == pytest.approx(turn, abs=1.0)
    assert m.samples_ > 1000


def test_too_little_movement_gives_no_offset() -> None:
    still = _rates_trace(20.0)
    still.shank_rates = still.shank_rates * 0.1  # a hold: sway only
    m = MovementAxis().measure(still)
    assert m.offset_deg_ is None and m.turn_deg_ is None and m.samples_ < 100
    assert MovementAxis().measure(AngleTrace(*(np.zeros(0),) * 3, np.zeros(0, bool), np.zeros(0),
                                             np.zeros(0, bool))).offset_deg_ is None


@pytest.mark.parametrize("slip_deg,side,drift", [(0.0, "right", None), (25.0, "left", None),
                                                (-12.0, "right", None), (0.0, "left", 0.25)])
def test_a_strap_turned_after_calibration_gets_a_note(slip_deg: float, side: str, drift: float | None) -> None:
    """Calibrated on 12 lunges, then the strap turns on the shin before the next set (the same
    person and sensor): that set's analysis says so. With the strap as calibrated it says
    nothing, even for a knee drifting 14 deg off the foot's line as the lunge deepens."""
    opts = {} if drift is None else {"knee_drift": drift}
    calibration = simulate("band_lunge", seed=5002, reps=12,
                           options=SimOptions(side=side, strap_rotation_deg=-5.0, **opts))
    turned = simulate("band_lunge", seed=5002, reps=10,
                      options=SimOptions(side=side, strap_rotation_deg=-5.0 + slip_deg, **opts))
    shin = calibration.shin.followed_by(turned.shin)
    start = float(shin.t[len(calibration.shin)])
    first, second = analyze(shin, segments=[("band_lunge", 0.0, start),
                                            ("band_lunge", start, float(shin.t[-1]) + 1)]).exercises
    assert not any("turned" in n for n in first.notes)
    notes = [n for n in second.notes if "turned" in n]
    if slip_deg == 0.0:
        assert not notes
    else:
        assert len(notes) == 1
        told = float(notes[0].split("turned about ")[1].split(" deg")[0])
        assert told == pytest.approx(abs(slip_deg), abs=2.0)


def test_seated_movements_are_not_held_against_the_calibration() -> None:
    """Seated flossing turns the shank about the knee, whose axis is not the ankle's (tibial
    torsion): its axis off the calibration's earns no note, where a lunge's would."""
    calibration = simulate("band_lunge", seed=5002, reps=12, options=SimOptions(strap_rotation_deg=-5.0))
    floss = simulate("nerve_floss", seed=5002, reps=6, options=SimOptions(strap_rotation_deg=20.0))
    shin = calibration.shin.followed_by(floss.shin)
    start = float(shin.t[len(calibration.shin)])
    segments = [("band_lunge", 0.0, start), ("nerve_floss", start, float(shin.t[-1]) + 1)]
    _, ex = analyze(shin, segments=segments).exercises
    axis = MovementAxis().measure(estimate_trace(shin).slice_time(start, float(shin.t[-1]) + 1))
    assert axis.turn_deg_ is not None and abs(axis.turn_deg_) > 15.0  # the axis did move
    assert not any("turned" in n for n in ex.notes)


@pytest.mark.parametrize("foot", [False, True])
def test_the_live_trace_carries_the_rates_chunk_by_chunk_as_the_batch_one(foot: bool) -> None:
    """Per-notification updates and the stream's end give the same rates as one batch estimate
    (an empty flush included), so live and recorded analyses read the same turn."""
    from dorsi.angle import AngleEstimator

    s = simulate("band_lunge", seed=7, reps=6, options=SimOptions(foot_sensor=foot))
    batch = AngleEstimator().estimate(s.shin, s.foot).trace_
    live = AngleEstimator().calibrate(s.shin, s.foot)
    parts = [live.update(s.shin.slice(i, i + 11), None if s.foot is None else s.foot.slice(i, i + 11))
             for i in range(0, len(s.shin), 11)]
    parts.append(live.finish())
    joined = AngleTrace.concatenate(parts)
    assert joined.shank_rates is not None and joined.shank_rates.shape == (len(joined), 3)
    np.testing.assert_array_equal(joined.shank_rates, batch.shank_rates)


def test_chunk_by_chunk_reads_the_same_turn_as_the_whole() -> None:
    trace = _rates_trace(12.0, 0.2, n=3000, seed=4)
    trace.valid[500:530] = False  # lost samples: left out either way
    whole = MovementAxis().measure(trace)
    live = MovementAxis()
    seen = []
    for i in range(0, len(trace), 11):
        seen.append(live.update(trace.slice(i, i + 11)).turn_deg_)
    assert seen[0] is None  # not before a second of movement
    assert live.turn_deg_ == pytest.approx(whole.turn_deg_, abs=1e-9)
    assert live.drift_deg_ == pytest.approx(whole.drift_deg_, abs=1e-9)
    assert live.samples_ == whole.samples_
