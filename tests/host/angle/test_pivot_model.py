"""The fixed-pivot rotation model and its lever-arm fit, on exact synthetic rigid-body data."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from dorsi.angle.heel_lift import Hysteresis
from dorsi.angle.lever_arm import LeverArmFit, pivot_acceleration

G = 9.80665


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_pivot_acceleration_is_the_cross_product_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    w, a, r = rng.normal(size=(40, 3)), rng.normal(size=(40, 3)), rng.normal(size=3)
    expected = np.cross(a, r) + np.cross(w, np.cross(w, r))
    np.testing.assert_allclose(pivot_acceleration(w, a, r), expected, atol=1e-12)


def _rigid_swing(r_body: np.ndarray, axis: np.ndarray, rate_hz: float = 200.0):
    """Specific force and body rate of a point at r_body on a body swinging about a fixed pivot."""
    t = np.arange(0, 6, 1 / rate_hz)
    angle = 0.5 * np.sin(2 * np.pi * 0.5 * t) + 0.2 * np.sin(2 * np.pi * 1.3 * t)
    rot = Rotation.from_rotvec(angle[:, None] * axis[None, :])
    pos = rot.apply(r_body)
    acc_world = np.gradient(np.gradient(pos, t, axis=0), t, axis=0)
    f = rot.inv().apply(acc_world + np.array([0.0, 0.0, G]))
    w = np.gradient(angle, t)[:, None] * axis[None, :]
    alpha = np.gradient(w, t, axis=0)
    up = rot.inv().apply([0.0, 0.0, 1.0])
    return w, alpha, f, up


def test_lever_arm_fit_recovers_the_sensor_position() -> None:
    r_true = np.array([0.2, 0.0, 0.04])
    axis = np.array([0.0, 1.0, 0.0])
    w, alpha, f, up = _rigid_swing(r_true, axis)
    # the model explains the specific force
    inner = slice(5, -5)  # numerical derivatives are one-sided at the ends
    np.testing.assert_allclose((f - G * up)[inner], pivot_acceleration(w, alpha, r_true)[inner], atol=0.05)
    basis = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    fit = LeverArmFit().fit(w[5:-5], alpha[5:-5], f[5:-5], up[5:-5], G, basis)
    assert fit.lever_arm_ is not None
    np.testing.assert_allclose(fit.lever_arm_, r_true, atol=0.004)
    assert fit.rms_residual_ < 0.05


def test_lever_arm_fit_refuses_no_movement() -> None:
    n = 300
    fit = LeverArmFit().fit(np.zeros((n, 3)), np.zeros((n, 3)), np.tile([G, 0, 0], (n, 1)),
                            np.tile([1.0, 0, 0], (n, 1)), G)
    assert fit.lever_arm_ is None


@settings(max_examples=30, deadline=None)
@given(x=st.lists(st.floats(-2, 2), min_size=1, max_size=60), cut=st.integers(0, 60))
def test_hysteresis_chunks_equal_one_call(x: list[float], cut: int) -> None:
    arr = np.array(x)
    whole = Hysteresis(on=1.0, off=-1.0).update(arr)
    h = Hysteresis(on=1.0, off=-1.0)
    parts = np.concatenate([h.update(arr[:cut]), h.update(arr[cut:])])
    np.testing.assert_array_equal(parts, whole)
    # state only changes past a threshold
    for i in range(1, len(arr)):
        if whole[i] != whole[i - 1]:
            assert (arr[i] > 1.0) if whole[i] else (arr[i] < -1.0)
