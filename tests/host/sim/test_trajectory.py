"""Building blocks: minimum-jerk tracks, wobble and rotation jets have exact derivatives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.sim.jet import Jet, body_rates, matrix_to_quaternion, rotation
from dorsi.sim.trajectory import Track, Wobble

keyframes = st.lists(st.tuples(st.floats(0.1, 3.0), st.floats(-50.0, 50.0)), min_size=1, max_size=6)


def _fd(x: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    return (x[2:] - x[:-2]) / (2 * h), (x[2:] - 2 * x[1:-1] + x[:-2]) / h**2


@settings(max_examples=40, deadline=None)
@given(moves=keyframes, start=st.floats(-10.0, 10.0))
def test_track_derivatives_match_finite_differences_and_values_stay_between_keyframes(moves, start) -> None:
    track = Track(start)
    values = [start]
    for duration, value in moves:
        track.move(duration, value)
        values.append(value)
    h = 1e-3
    t = np.arange(-0.5, track.last_t + 0.5, h)
    j = track.evaluate(t)
    d1, d2 = _fd(j.v, h)
    scale = max(1.0, max(abs(v) for v in values))
    assert np.abs(d1 - j.d1[1:-1]).max() < 1e-3 * scale / min(d for d, _ in moves) ** 2
    assert np.abs(d2 - j.d2[1:-1]).max() < 0.1 * scale / min(d for d, _ in moves) ** 3
    assert j.v.min() >= min(values) - 1e-9 and j.v.max() <= max(values) + 1e-9
    assert j.v[0] == start and j.v[-1] == pytest.approx(values[-1])


def test_track_rejects_going_back_in_time_and_holds() -> None:
    tr = Track(1.0).move(1.0, 2.0).hold_until(3.0)
    assert tr.evaluate(np.array([2.5])).v[0] == 2.0
    with pytest.raises(ValueError, match="increase"):
        tr.move_to(2.0, 5.0)
    with pytest.raises(ValueError, match="jumps"):
        Track(0.0).extend(Track(1.0))


def test_wobble_rms_and_derivatives() -> None:
    w = Wobble(np.random.default_rng(0), 0.5, 0.1, 1.0, components=8)
    h = 1e-3
    t = np.arange(0.0, 600.0, h)
    j = w.evaluate(t)
    assert 0.3 < j.v.std() < 0.7
    d1, d2 = _fd(j.v, h)
    assert np.abs(d1 - j.d1[1:-1]).max() < 1e-5
    assert np.abs(d2 - j.d2[1:-1]).max() < 1e-3
    # the same draw evaluates identically on another grid
    np.testing.assert_allclose(w.evaluate(t[::7]).v, j.v[::7], rtol=0, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(axis=st.integers(0, 2), a0=st.floats(-3.0, 3.0), rate=st.floats(-5.0, 5.0), acc=st.floats(-20.0, 20.0))
def test_rotation_jet_is_orthonormal_and_its_rate_is_the_angle_rate(axis, a0, rate, acc) -> None:
    t = np.linspace(0.0, 0.5, 11)
    angle = Jet(a0 + rate * t + 0.5 * acc * t**2, rate + acc * t, np.full_like(t, acc))
    r = rotation(axis, angle)
    np.testing.assert_allclose(np.einsum("nji,njk->nik", r.v, r.v), np.broadcast_to(np.eye(3), r.v.shape), atol=1e-12)
    w_body, w_world = body_rates(r)
    expected = np.zeros((len(t), 3))
    expected[:, axis] = angle.d1
    np.testing.assert_allclose(w_body, expected, atol=1e-9)
    np.testing.assert_allclose(w_world, expected, atol=1e-9)
    q = matrix_to_quaternion(r.v)
    half = angle.v / 2
    sign = np.where(np.cos(half) < 0, -1.0, 1.0)
    np.testing.assert_allclose(q[:, 0], np.abs(np.cos(half)), atol=1e-9)
    np.testing.assert_allclose(q[:, axis + 1], sign * np.sin(half), atol=1e-9)


def test_product_rule_of_matrix_jets() -> None:
    t = np.linspace(0.0, 1.0, 2001)
    h = t[1] - t[0]
    a = rotation(1, Jet(np.sin(3 * t), 3 * np.cos(3 * t), -9 * np.sin(3 * t)))
    b = rotation(0, Jet(t**2, 2 * t, np.full_like(t, 2.0)))
    c = a.matmul(b).apply(np.array([0.1, 0.2, 0.3]))
    d1, d2 = _fd(c.v, h)
    np.testing.assert_allclose(c.d1[1:-1], d1, atol=1e-5)
    np.testing.assert_allclose(c.d2[1:-1], d2, atol=1e-3)
