"""Orientation building blocks: quaternion helpers, the axis filter, rest detection, imufusion wrapper."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from dorsi.orientation import (AxisAngleFilter, FusionOrientation, RestDetector, quat_conjugate, quat_multiply,
                               quat_rotate, up_in_sensor)
from dorsi.samples import SampleBatch

G = 9.80665


def _quats(seed: int, n: int) -> np.ndarray:
    xyzw = Rotation.random(n, random_state=seed).as_quat()
    return np.column_stack([xyzw[:, 3], xyzw[:, :3]])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_quaternion_helpers_match_rotation_matrices(seed: int) -> None:
    q = _quats(seed, 20)
    v = np.random.default_rng(seed).normal(size=(20, 3))
    mats = Rotation.from_quat(np.column_stack([q[:, 1:], q[:, 0]])).as_matrix()
    np.testing.assert_allclose(quat_rotate(q, v), np.einsum("nij,nj->ni", mats, v), atol=1e-12)
    np.testing.assert_allclose(up_in_sensor(q), mats[:, 2, :], atol=1e-12)
    ident = quat_multiply(q, quat_conjugate(q))
    np.testing.assert_allclose(ident, np.tile([1.0, 0, 0, 0], (20, 1)), atol=1e-12)


def _rotation_about_axis(axis: np.ndarray, angle: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Up vector (sensor frame) and body rate for a sensor turning about a fixed horizontal axis."""
    rot = Rotation.from_rotvec(angle[:, None] * axis[None, :])
    up = rot.inv().apply([0.0, 0.0, 1.0])
    w = np.gradient(angle, 1.0 / rate)[:, None] * axis[None, :]
    return up, w


@settings(max_examples=20, deadline=None)
@given(cuts=st.lists(st.integers(1, 399), min_size=1, max_size=6, unique=True), tau=st.floats(0.2, 5.0))
def test_axis_filter_chunks_equal_one_call(cuts: list[int], tau: float) -> None:
    rng = np.random.default_rng(1)
    n = 400
    ref = np.cumsum(rng.normal(0, 0.01, (n, 2)), axis=0)
    rate = rng.normal(0, 0.5, (n, 2))
    dt = np.full(n, 0.01)
    dt[150] = 0.05
    anchor = np.zeros(n, dtype=bool)
    anchor[150] = True
    whole = AxisAngleFilter(tau).filter(ref, rate, dt, 0.01, reanchor=anchor).angle_
    f = AxisAngleFilter(tau)
    parts = []
    bounds = [0, *sorted(cuts), n]
    for a, b in zip(bounds[:-1], bounds[1:]):
        parts.append(f.filter(ref[a:b], rate[a:b], dt[a:b], 0.01, reanchor=anchor[a:b]).angle_)
    np.testing.assert_allclose(np.vstack(parts), whole, atol=1e-12)


def test_axis_filter_tracks_rotation_and_rejects_reference_noise() -> None:
    rate_hz = 100.0
    t = np.arange(0, 20, 1 / rate_hz)
    angle = 0.6 * np.sin(2 * np.pi * 0.4 * t) ** 2
    w = np.gradient(angle, t)
    noise = np.random.default_rng(0).normal(0, np.radians(3), len(t))
    out = AxisAngleFilter(1.0).filter((angle + noise)[:, None], w[:, None], np.full(len(t), 0.01), 0.01).angle_
    err = np.degrees(out[:, 0] - angle)
    assert np.sqrt(np.mean(err ** 2)) < 0.5 < np.degrees(np.radians(3))
    # a gyroscope bias is bounded by the reference (about bias * tau)
    biased = AxisAngleFilter(1.0).filter(angle[:, None], (w + 0.01)[:, None], np.full(len(t), 0.01), 0.01).angle_
    assert np.max(np.abs(np.degrees(biased[200:, 0] - angle[200:]))) < 0.7


def _batch(acc: np.ndarray, gyr: np.ndarray, rate: float, seq: np.ndarray | None = None) -> SampleBatch:
    n = len(acc)
    seq = np.arange(n) if seq is None else seq
    return SampleBatch("shin", seq, seq / rate, acc, gyr, None, {"sample_rate_hz": rate})


def test_rest_detector_finds_first_quiet_period() -> None:
    rate = 100.0
    t = np.arange(0, 10, 1 / rate)
    axis = np.array([0.0, 1.0, 0.0])
    angle = np.where(t < 2.0, 0.0, 0.5 * (1 - np.cos(np.pi * np.clip(t - 2.0, 0, 2) / 2)))
    up, w = _rotation_about_axis(axis, angle, rate)
    det = RestDetector().detect(_batch(G * up, w, rate))
    assert det.first_rest_ is not None
    assert det.first_rest_.start == 0 and 1.0 <= det.first_rest_.stop / rate <= 2.0
    assert not det.still_[300]


def test_fusion_orientation_chunks_and_gaps() -> None:
    rate = 100.0
    t = np.arange(0, 6, 1 / rate)
    axis = np.array([0.0, 1.0, 0.0])
    angle = 0.4 * np.sin(2 * np.pi * 0.3 * t)
    up, w = _rotation_about_axis(axis, angle, rate)
    keep = np.r_[0:250, 270:len(t)]
    batch = _batch(G * up[keep], w[keep], rate, np.arange(len(t))[keep])
    whole = FusionOrientation().estimate(batch)
    fo = FusionOrientation()
    fo.estimate(batch.slice(0, 100))
    first = fo.up_
    second = fo.update(batch.slice(100, len(batch))).up_
    np.testing.assert_allclose(np.vstack([first, second]), whole.up_, atol=1e-9)
    # after start-up the fused up vector follows the true one
    err = np.degrees(np.arccos(np.clip(np.sum(whole.up_ * up[keep], axis=1), -1, 1)))
    assert np.max(err[300:]) < 2.0


def test_ahrs_startup_bridges_the_transient_and_then_passes_through() -> None:
    from dorsi.orientation import AhrsStartup, up_in_sensor
    from dorsi.sim import SimOptions, simulate

    s = simulate("nerve_floss", seed=40, options=SimOptions(rate_hz=100.0, quaternions=True, packet_loss=0.02))
    b = s.shin
    up = up_in_sensor(b.quat)
    acc_up = b.acc / np.linalg.norm(b.acc, axis=1, keepdims=True)
    assert np.degrees(np.arccos(np.clip(np.sum(up[0] * acc_up[0]), -1, 1))) > 30  # the AHRS starts way off
    g = float(np.median(np.linalg.norm(b.acc[:50], axis=1)))
    whole = AhrsStartup(g, 100.0)
    out = whole.update(up, b.acc, b.gyr)
    changed = np.flatnonzero(np.any(out != up, axis=1))
    assert whole.settled_ and len(changed) and changed[-1] < 150  # settled within the first 1.5 s
    np.testing.assert_allclose(out[changed], acc_up[changed])
    assert not whole.unusable_[changed[-1] + 1:].any()
    chunked = AhrsStartup(g, 100.0)
    parts = [chunked.update(up[i:i + 7], b.acc[i:i + 7], b.gyr[i:i + 7]) for i in range(0, len(up), 7)]
    np.testing.assert_array_equal(np.concatenate(parts), out)
    with pytest.raises(ValueError):
        AhrsStartup(0.0, 100.0)


def test_ahrs_startup_gives_up_after_max_s() -> None:
    from dorsi.orientation import AhrsStartup

    n = 1500
    acc = np.tile([0.0, 0.0, 9.81], (n, 1))
    wrong = np.tile([1.0, 0.0, 0.0], (n, 1))  # an AHRS that never agrees with gravity
    det = AhrsStartup(9.81, 100.0, max_s=10.0)
    out = det.update(wrong, acc, np.zeros((n, 3)))
    assert det.settled_
    np.testing.assert_array_equal(out[:1000], acc[:1000] / 9.81)
    np.testing.assert_array_equal(out[1000:], wrong[1000:])
