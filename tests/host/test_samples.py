"""``SampleBatch.followed_by``: two recordings of one sensor played one after the other."""

from __future__ import annotations

import numpy as np

from dorsi.sim import SimOptions, simulate, simulate_rest


def test_the_second_batch_continues_the_first_in_index_and_time() -> None:
    rest = simulate_rest("standing", seed=3, options=SimOptions(rate_hz=52.0), duration_s=2.0).shin
    lunges = simulate("band_lunge", seed=3, reps=2, options=SimOptions(rate_hz=52.0)).shin
    joined = rest.followed_by(lunges)
    n = len(rest)
    assert len(joined) == n + len(lunges)
    np.testing.assert_array_equal(np.diff(joined.seq), 1)  # no sample lost, none repeated
    assert abs(joined.t[n] - joined.t[n - 1] - 1.0 / 52.0) < 1e-3  # one period after the last
    np.testing.assert_allclose(joined.t[n:] - joined.t[n], lunges.t - lunges.t[0])
    np.testing.assert_array_equal(joined.gyr[n:], lunges.gyr)
    assert joined.quat is not None  # both carry device quaternions: kept
