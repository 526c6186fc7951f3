"""The posture wander option: a slow drift of the shank's inclination, and nothing else."""

from __future__ import annotations

import numpy as np

from dorsi.sim import SimOptions, simulate


def test_posture_wander_moves_only_the_inclination_slowly_and_leaves_every_other_draw() -> None:
    still = simulate("band_lunge", seed=4, options=SimOptions(rate_hz=50.0, packet_loss=0.02))
    wander = simulate("band_lunge", seed=4, options=SimOptions(rate_hz=50.0, packet_loss=0.02,
                                                                 posture_wander_deg=1.0))
    # the same script, the same lost packets and the same sensor (its own random stream)
    assert [(r.start_s, r.end_s) for r in wander.truth.reps] == [(r.start_s, r.end_s) for r in still.truth.reps]
    np.testing.assert_array_equal(wander.shin.seq, still.shin.seq)
    np.testing.assert_array_equal(wander.truth.frontal_tilt_deg, still.truth.frontal_tilt_deg)
    drift = wander.truth.tibial_inclination_deg - still.truth.tibial_inclination_deg
    assert 0.3 < float(np.sqrt(np.mean(drift**2))) < 2.0  # about the 1 deg RMS asked for
    rate = np.abs(np.diff(drift)) * 50.0
    assert float(rate.max()) < 0.5  # deg/s: a weight shift over tens of seconds, not a movement
    # and the sensor sees it: the shin's gravity direction moves with the inclination
    assert not np.allclose(wander.shin.acc, still.shin.acc)


def test_no_wander_is_the_default_and_changes_nothing() -> None:
    a = simulate("soleus_stretch", seed=9, options=SimOptions(rate_hz=25.0), reps=1)
    b = simulate("soleus_stretch", seed=9, options=SimOptions(rate_hz=25.0, posture_wander_deg=0.0), reps=1)
    np.testing.assert_array_equal(a.shin.acc, b.shin.acc)
    np.testing.assert_array_equal(a.truth.tibial_inclination_deg, b.truth.tibial_inclination_deg)
