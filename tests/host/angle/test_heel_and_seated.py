"""Heel lift (foot sensor and shin alone), seated knee swing, lying legs, CSV end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dorsi.angle import AngleEstimator
from dorsi.sources import read_imu_csv

from .conftest import session, truth_on


def _intervals(flags: np.ndarray, t: np.ndarray) -> list[tuple[float, float]]:
    d = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return [(t[a], t[b - 1]) for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]


def _match(detected, truth) -> tuple[int, int, int]:
    tp = sum(any(a < te and b > ts for a, b in detected) for ts, te in truth)
    fp = sum(not any(a < te and b > ts for ts, te in truth) for a, b in detected)
    return tp, fp, len(truth) - tp


@pytest.mark.parametrize("foot", [True, False])
def test_heel_lifts_are_found(foot: bool) -> None:
    tp = fp = fn = 0
    for seed, rate, loss in [(20, 100.0, 0.0), (22, 52.0, 0.02), (24, 200.0, 0.0), (25, 100.0, 0.02), (28, 100.0, 0.0)]:
        s = session("band_lunge", seed, rate_hz=rate, packet_loss=loss, foot_sensor=foot,
                    strap_rotation_deg=-15.0, side="left" if seed % 2 else "right")
        tr = AngleEstimator().estimate(s.shin, s.foot).trace_
        a, b, c = _match(_intervals(tr.heel_lift, tr.t), s.truth.heel_lifts)
        tp, fp, fn = tp + a, fp + b, fn + c
    assert tp + fn >= 8
    assert tp / (tp + fp) >= (0.95 if foot else 0.9)
    assert tp / (tp + fn) >= 0.95


def test_no_heel_lift_while_seated_and_knee_swing_counts_the_floss() -> None:
    s = session("nerve_floss", 5, strap_rotation_deg=20.0)
    est = AngleEstimator().estimate(s.shin)
    tr = est.trace_
    assert not tr.heel_lift.any()
    assert np.dot(est.calibration_.lever_arm_m, est.calibration_.shin.frame.up) < 0  # pivot above: the knee
    # knee extension (the shank's top behind its foot) reads positive, and tracks the truth
    truth_swing = -(truth_on(tr, s, "tibial_inclination_deg") - s.truth.tibial_inclination_deg[0])
    assert np.max(tr.knee_swing_deg) > 30.0
    assert np.corrcoef(tr.knee_swing_deg, truth_swing)[0, 1] > 0.99


def test_lying_leg_reads_near_horizontal() -> None:
    s = session("achilles_release", 6)
    tr = AngleEstimator().estimate(s.shin).trace_
    err = tr.angle_deg - truth_on(tr, s, "tibial_inclination_deg")
    assert np.median(np.abs(err)) < 4.0  # the strap tilt plus the roller's pitch
    assert not tr.heel_lift.any()


def test_csv_round_trip_gives_the_same_trace(tmp_path: Path) -> None:
    s = session("knee_to_wall", 40, foot_sensor=True, packet_loss=0.02, side="left")
    s.to_csv(tmp_path)
    rec = read_imu_csv(tmp_path)
    assert rec.foot is not None and rec.meta["side"] == "left"
    from_csv = AngleEstimator().estimate(rec.shin, rec.foot)
    direct = AngleEstimator().estimate(s.shin, s.foot)
    assert from_csv.calibration_.side == "left" and from_csv.calibration_.side_source == "metadata"
    np.testing.assert_array_equal(from_csv.trace_.t.round(6), direct.trace_.t.round(6))
    np.testing.assert_allclose(from_csv.trace_.angle_deg, direct.trace_.angle_deg, atol=0.05)
