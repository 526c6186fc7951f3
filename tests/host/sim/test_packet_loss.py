"""Bursty packet loss: the configured loss rate and burst length, whole packets, seq gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.sim import SimOptions, simulate
from dorsi.sim.packet_loss import BurstLoss


@pytest.mark.parametrize("loss,burst", [(0.02, 3.0), (0.1, 1.5), (0.3, 6.0)])
def test_loss_fraction_and_burst_length_match_the_settings(loss: float, burst: float) -> None:
    model = BurstLoss(loss, burst, samples_per_packet=1).apply(400_000, np.random.default_rng(1))
    lost = model.packet_lost_
    assert lost.mean() == pytest.approx(loss, rel=0.1)
    lengths = np.array([b - a for a, b in model.bursts_])
    assert lengths.mean() == pytest.approx(burst, rel=0.1)


@settings(max_examples=30, deadline=None)
@given(loss=st.floats(0.0, 0.45), per=st.integers(1, 12), n=st.integers(0, 3000), seed=st.integers(0, 2**31))
def test_losses_remove_whole_packets(loss: float, per: int, n: int, seed: int) -> None:
    model = BurstLoss(loss, 2.0, per).apply(n, np.random.default_rng(seed))
    keep = model.keep_
    assert keep.shape == (n,)
    # every packet is kept or dropped as a whole
    full = keep[: n - n % per].reshape(-1, per)
    assert (full.all(1) | ~full.any(1)).all()
    for a, b in model.bursts_:
        assert a % per == 0 and not keep[a:b].any()
    if loss == 0.0:
        assert keep.all()


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ValueError):
        BurstLoss(0.6)
    with pytest.raises(ValueError):
        BurstLoss(0.1, mean_burst_packets=0.5)
    with pytest.raises(ValueError):
        BurstLoss(0.1, samples_per_packet=0)


def test_lost_samples_leave_gaps_in_seq_and_truth_keeps_the_full_grid() -> None:
    opts = SimOptions(packet_loss=0.05, foot_sensor=True, quaternions=False)
    s = simulate("band_lunge", seed=4, options=opts)
    n = len(s.truth.t)
    for batch in (s.shin, s.foot):
        assert len(batch) < n
        assert (np.diff(batch.seq) >= 1).all()
        gaps = batch.gaps()
        assert len(gaps) > 0
        jumps = np.diff(batch.seq)[gaps - 1] - 1
        assert (jumps % opts.samples_per_packet == 0).all()
        assert 0.015 < 1 - len(batch) / n < 0.12  # 5 % configured; a few dozen bursts
    # the shin batch's times are the truth grid at the kept indices
    np.testing.assert_array_equal(s.shin.t, s.truth.t[s.shin.seq])
    # the two sensors lose different packets
    assert not np.array_equal(s.shin.seq, s.foot.seq[: len(s.shin.seq)])
