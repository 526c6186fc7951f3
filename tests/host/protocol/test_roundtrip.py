"""decode(encode(x)) == x within quantisation, for every valid input and MTU."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dorsi.protocol import StreamDecoder, encode_stream
from dorsi.protocol.spec import ACC_FULL_SCALE_G, GYR_FULL_SCALE_DPS, STANDARD_GRAVITY
from dorsi.samples import SampleBatch

finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def batches(draw):
    n = draw(st.integers(1, 60))
    acc_code = draw(st.integers(0, 3))
    gyr_code = draw(st.integers(0, 4))
    acc_fs = ACC_FULL_SCALE_G[acc_code] * STANDARD_GRAVITY * 0.999
    gyr_fs = np.deg2rad(GYR_FULL_SCALE_DPS[gyr_code]) * 0.999
    q = draw(arrays(np.float64, (n, 4), elements=st.floats(-1, 1, **finite)))
    q[np.linalg.norm(q, axis=1) < 0.1] = [1.0, 0, 0, 0]
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    acc = draw(arrays(np.float64, (n, 3), elements=st.floats(-acc_fs, acc_fs, **finite)))
    gyr = draw(arrays(np.float64, (n, 3), elements=st.floats(-gyr_fs, gyr_fs, **finite)))
    period_us = draw(st.integers(2500, 40000))
    # sample indices with optional gaps (lost samples)
    steps = draw(arrays(np.int64, n, elements=st.sampled_from([1, 1, 1, 1, 2, 7])))
    seq = draw(st.integers(0, 2**31)) + np.cumsum(steps) - steps[0]
    t0 = draw(st.integers(0, 2**30 - 1)) * 1e-6
    t = t0 + (seq - seq[0]) * period_us * 1e-6
    role = draw(st.sampled_from(["shin", "foot"]))
    batch = SampleBatch(role, seq, t, acc, gyr, q)
    return batch, acc_code, gyr_code, period_us


@settings(max_examples=150, deadline=None)
@given(batches(), st.sampled_from([23, 27, 36, 37, 50, 100, 185, 247, 517]))
def test_decode_inverts_encode(case, mtu):
    batch, acc_code, gyr_code, period_us = case
    notes = encode_stream(batch, mtu=mtu, acc_code=acc_code, gyr_code=gyr_code, period_us=period_us)
    assert all(len(n) <= mtu - 3 for n in notes)
    decoder = StreamDecoder(errors="raise")
    out = decoder.feed(notes)
    assert out is not None and out.role == batch.role
    np.testing.assert_array_equal(out.seq, batch.seq)
    acc_tol = ACC_FULL_SCALE_G[acc_code] / 32768 * STANDARD_GRAVITY / 2 + 1e-12
    gyr_tol = np.deg2rad(GYR_FULL_SCALE_DPS[gyr_code]) / 32768 / 2 + 1e-12
    np.testing.assert_allclose(out.acc, batch.acc, rtol=0, atol=acc_tol)
    np.testing.assert_allclose(out.gyr, batch.gyr, rtol=0, atol=gyr_tol)
    # sign of a quaternion is meaningless; compare as rotations
    dot = np.abs(np.einsum("ij,ij->i", out.quat, batch.quat))
    assert np.all(dot > 1 - 1e-6)
    # times relative to the first sample survive the 2**30 us wrap exactly (to the us)
    np.testing.assert_allclose(out.t - out.t[0], batch.t - batch.t[0], atol=1.5e-6)
    expected_gaps = [(int(a) + 1, int(b - a - 1)) for a, b in zip(batch.seq[:-1], batch.seq[1:]) if b - a > 1]
    assert decoder.stats.gaps == expected_gaps
