"""Resampling wandering sample times onto a uniform grid (``dorsi.sources.resample``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from dorsi.sources.resample import UniformResampler, off_grid


def wandering_times(n: int, rate: float, jitter: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([[0.0], np.cumsum((1.0 + rng.uniform(-jitter, jitter, n - 1)) / rate)])


@settings(max_examples=40, deadline=None)
@given(n=st.integers(5, 400), rate=st.sampled_from([25.0, 100.0, 400.0]), jitter=st.floats(0.0, 0.6),
       seed=st.integers(0, 2**16), a=st.floats(-5, 5), b=st.floats(-5, 5))
def test_straight_lines_come_out_exactly_on_the_grid(n, rate, jitter, seed, a, b):
    t = wandering_times(n, rate, jitter, seed)
    line = a + b * t
    v = np.column_stack([line, -line, 2 * line])
    r = UniformResampler(rate).resample(t, v, v[:, ::-1])
    np.testing.assert_allclose(r.t_, t[0] + r.seq_ / rate)
    np.testing.assert_allclose(r.acc_[:, 0], a + b * r.t_, atol=1e-9)
    np.testing.assert_allclose(r.gyr_[:, 2], a + b * r.t_, atol=1e-9)
    # the grid may end a rounding tolerance (1e-9 of a period) past the last sample: found by
    # hypothesis with a 1.8e-12 jitter at 25 Hz (3.84 against 3.839999999999)
    assert r.t_[-1] <= t[-1] + 1e-9 / rate and r.gaps_ == 0
    np.testing.assert_array_equal(r.seq_, np.arange(len(r.seq_)))


def test_times_on_the_grid_come_back_unchanged():
    t = np.arange(200) / 100.0
    v = np.random.default_rng(1).normal(size=(200, 3))
    r = UniformResampler(100.0).resample(t, v, v)
    np.testing.assert_allclose(r.acc_, v, atol=1e-12)
    assert not off_grid(t + np.random.default_rng(2).uniform(-0.002, 0.002, 200), 100.0)
    assert off_grid(wandering_times(200, 100.0, 0.3, 3), 100.0)
    assert off_grid(np.arange(200) / 101.0, 100.0)  # a clock 1 % fast drifts off the stated grid


def test_quaternions_ignore_sign_flips_and_stay_unit():
    t = wandering_times(300, 50.0, 0.4, 4)
    rot = Rotation.from_rotvec(np.column_stack([np.sin(t), 0.3 * t, np.zeros_like(t)]))
    q = rot.as_quat(scalar_first=True)
    flipped = q * np.where(np.random.default_rng(5).random(len(q)) < 0.5, -1.0, 1.0)[:, None]
    zeros = np.zeros((len(t), 3))
    a = UniformResampler(50.0).resample(t, zeros, zeros, q).quat_
    b = UniformResampler(50.0).resample(t, zeros, zeros, flipped).quat_
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0)
    np.testing.assert_allclose(np.abs(np.sum(a * b, axis=1)), 1.0, atol=1e-12)
    truth = Rotation.from_rotvec(np.column_stack([np.sin(a_t := t[0] + np.arange(len(a)) / 50.0),
                                                  0.3 * a_t, np.zeros(len(a))]))
    err = (Rotation.from_quat(b, scalar_first=True) * truth.inv()).magnitude()
    assert np.degrees(err).max() < 0.1


def test_a_long_step_is_not_filled():
    t = np.concatenate([np.arange(50), 80 + np.arange(50)]) / 100.0  # 0.3 s missing
    v = np.column_stack([t, t, t])
    r = UniformResampler(100.0).resample(t, v, v)
    assert r.gaps_ == 1
    assert np.diff(r.seq_).max() == 31 and np.count_nonzero(np.diff(r.seq_) > 1) == 1
    np.testing.assert_allclose(r.acc_[:, 0], r.t_, atol=1e-12)  # nothing blended across the gap


def test_bad_times_are_refused():
    with pytest.raises(ValueError):
        UniformResampler(100.0).resample(np.array([0.0, 0.0, 0.01]), np.zeros((3, 3)), np.zeros((3, 3)))


def test_a_point_beside_a_gap_is_read_at_its_own_time_on_its_own_side():
    # a swing's rate (a sine) sampled at 100 Hz, 0.3 s lost; the grid points just before and after
    # the gap lie 0.4 period from the samples at its edges, which they used to take whole
    t = np.concatenate([np.arange(50), 80.4 + np.arange(50)]) / 100.0
    t[49] -= 0.004
    f = lambda x: np.sin(2 * np.pi * 2.0 * x)  # noqa: E731
    v = np.column_stack([f(t), f(t), f(t)])
    r = UniformResampler(100.0).resample(t, v, v)
    edges = np.flatnonzero(np.abs(r.t_ - 0.49) < 1e-9).tolist() + np.flatnonzero(np.abs(r.t_ - 0.80) < 1e-9).tolist()
    assert len(edges) == 2
    err = np.abs(r.gyr_[edges, 0] - f(r.t_[edges]))
    assert err.max() < 0.01  # a sample taken whole: 0.04-0.05 off (the rate's change over 0.4 period)
    assert np.abs(r.gyr_[:, 0] - f(r.t_)).max() < 0.01
