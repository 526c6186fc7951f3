"""Invariants that hold for any valid options (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.sim import SimOptions, simulate
from dorsi.sim.kinematics import GRAVITY

options = st.builds(
    SimOptions,
    rate_hz=st.sampled_from([25.0, 52.0, 100.0, 200.0]),
    side=st.sampled_from(["left", "right"]),
    strap_rotation_deg=st.floats(-30.0, 30.0),
    strap_tilt_deg=st.floats(-5.0, 5.0),
    foot_sensor=st.booleans(),
    packet_loss=st.sampled_from([0.0, 0.02, 0.2]),
    quaternions=st.just(False),
    shank_length_m=st.floats(0.33, 0.48),
    foot_length_m=st.floats(0.22, 0.30),
    sensor_height_m=st.floats(0.1, 0.3),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opts=options, seed=st.integers(0, 10_000),
       exercise=st.sampled_from(["knee_to_wall", "eccentric_drop", "nerve_floss", "traction"]))
def test_any_valid_options_give_a_consistent_session(opts: SimOptions, seed: int, exercise: str) -> None:
    s = simulate(exercise, seed=seed, options=opts, reps=1, hold_s=3.0)
    n = len(s.truth.t)
    assert n == int(np.floor(s.truth.segments[0].end_s * opts.rate_hz)) + 1
    for batch in s.batches():
        assert (np.diff(batch.seq) >= 1).all() and (np.diff(batch.t) > 0).all()
        assert batch.seq[0] >= 0 and batch.seq[-1] < n
        assert batch.meta["side"] == opts.side and batch.meta["sample_rate_hz"] == opts.rate_hz
        # quiet lead-in: |f| = g up to bias (10 mg per axis, 1 sigma), scale errors and noise
        still = batch.t < 2.5
        norm = np.linalg.norm(batch.acc[still], axis=1)
        assert np.abs(np.median(norm) - GRAVITY) < 0.6
        assert np.abs(batch.acc).max() < 8 * GRAVITY and np.abs(batch.gyr).max() < np.deg2rad(2000)
    assert len(s.truth.reps) + len(s.truth.holds) >= 1
    assert s.profile["shank_length_m"] == opts.shank_length_m
