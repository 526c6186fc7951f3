"""Outputs: determinism, device quaternions, generic IMU CSV, truth JSON, protocol packets, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dorsi.cli import main
from dorsi.protocol import decode_packets
from dorsi.sim import SimOptions, Truth, simulate
from dorsi.sim.kinematics import GRAVITY


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("seq", "t", "acc", "gyr", "quat"))


def test_same_seed_same_session_and_other_seeds_differ() -> None:
    opts = SimOptions(foot_sensor=True, packet_loss=0.03)
    a = simulate("knee_to_wall", seed=7, options=opts)
    b = simulate("knee_to_wall", seed=7, options=opts)
    c = simulate("knee_to_wall", seed=8, options=opts)
    assert _same(a.shin, b.shin) and _same(a.foot, b.foot)
    assert a.truth.reps == b.truth.reps
    np.testing.assert_array_equal(a.truth.ankle_angle_deg, b.truth.ankle_angle_deg)
    assert a.truth.reps != c.truth.reps


def test_adding_the_foot_sensor_leaves_the_shin_data_unchanged() -> None:
    a = simulate("band_lunge", seed=3, options=SimOptions(foot_sensor=False), reps=5)
    b = simulate("band_lunge", seed=3, options=SimOptions(foot_sensor=True), reps=5)
    assert a.foot is None and b.foot is not None
    assert _same(a.shin, b.shin)


def _rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    w, x, y, z = q.T
    r = np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], 1)
    return np.einsum("nij,nj->ni", r, v)


@pytest.mark.parametrize("strap", [-30.0, 30.0])
def test_device_quaternions_converge_on_gravity_at_rest(strap: float) -> None:
    s = simulate("quiet_standing", seed=2, options=SimOptions(strap_rotation_deg=strap, foot_sensor=True),
                 hold_s=40.0)
    for batch in (s.shin, s.foot):
        q = batch.quat
        np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-6)
        # once the on-device gyro-offset tracker has converged, the measured specific force
        # turned into the earth frame points straight up (+Z)
        g_earth = _rotate(q, batch.acc)
        late = batch.t > batch.t[-1] - 5.0
        tilt = np.degrees(np.arccos(np.clip(g_earth[late, 2] / np.linalg.norm(g_earth[late], axis=1), -1, 1)))
        assert np.median(tilt) < 0.2


def test_device_quaternions_follow_the_shin_during_lunges() -> None:
    s = simulate("band_lunge", seed=2, options=SimOptions(strap_rotation_deg=25.0), reps=10)
    # the shin's long axis (sensor x) in the earth frame leans from vertical by the true shank tilt
    x_earth = _rotate(s.shin.quat, np.tile([1.0, 0.0, 0.0], (len(s.shin), 1)))
    from_vertical = np.degrees(np.arccos(np.clip(x_earth[:, 2], -1, 1)))
    truth = np.hypot(s.truth.tibial_inclination_deg, s.truth.frontal_tilt_deg)[s.shin.seq]
    err = np.abs(from_vertical - truth)[s.shin.t > 4.0]
    assert np.median(err) < 2.5  # includes the 2 deg strap tilt and filter lag
    assert np.ptp(truth) > 20.0


def test_raw_only_sessions_have_no_quaternions() -> None:
    s = simulate("traction", seed=1, options=SimOptions(quaternions=False), reps=1)
    assert s.shin.quat is None
    with pytest.raises(ValueError, match="quaternion"):
        s.packets()


def test_csv_and_truth_json_round_trip(tmp_path) -> None:
    s = simulate("eccentric_drop", seed=5, options=SimOptions(foot_sensor=True, packet_loss=0.05, side="left"),
                 reps=3)
    paths = s.to_csv(tmp_path)
    assert sorted(p.name for p in paths) == ["foot.csv", "shin.csv", "truth.json"]
    for batch in (s.shin, s.foot):
        lines = (tmp_path / f"{batch.role}.csv").read_text().splitlines()
        comments = dict(line[2:].split(": ", 1) for line in lines if line.startswith("#"))
        assert comments["placement"] == batch.role and comments["side"] == "left"
        assert float(comments["sample_rate_hz"]) == 100.0
        header = lines[len(comments)].split(",")
        assert header == ["seq", "time_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z",
                          "quat_w", "quat_x", "quat_y", "quat_z"]
        data = np.loadtxt(tmp_path / f"{batch.role}.csv", delimiter=",", comments="#", skiprows=len(comments) + 1)
        np.testing.assert_array_equal(data[:, 0].astype(int), batch.seq)
        np.testing.assert_allclose(data[:, 1], batch.t, atol=1e-6)
        np.testing.assert_allclose(data[:, 2:5], batch.acc, atol=1e-6)
        np.testing.assert_allclose(data[:, 5:8], batch.gyr, atol=1e-6)
        np.testing.assert_allclose(data[:, 8:12], batch.quat, atol=1e-7)
    doc = json.loads((tmp_path / "truth.json").read_text())
    assert doc["seed"] == 5 and doc["profile"]["side"] == "left"
    truth = Truth.from_json(doc)
    assert truth.reps == s.truth.reps and truth.holds == s.truth.holds
    assert truth.segments == s.truth.segments
    np.testing.assert_allclose(truth.ankle_angle_deg, s.truth.ankle_angle_deg, atol=1e-4)
    np.testing.assert_allclose(truth.t, s.truth.t, atol=1e-6)


def test_device_packets_decode_to_the_delivered_samples() -> None:
    s = simulate("band_lunge", seed=9, options=SimOptions(packet_loss=0.05), reps=6)
    payloads = s.packets("shin")
    assert all(len(p) + 3 <= 247 for p in payloads)
    decoded = decode_packets(payloads)
    np.testing.assert_array_equal(decoded.sample_seq, s.shin.seq)
    np.testing.assert_allclose(decoded.acc_g * GRAVITY, s.shin.acc, atol=8 * GRAVITY / 32768)
    np.testing.assert_allclose(np.deg2rad(decoded.gyr_dps), s.shin.gyr, atol=np.deg2rad(2000) / 32768)
    np.testing.assert_allclose(decoded.quat, s.shin.quat, atol=1 / 16384)
    with pytest.raises(ValueError, match="foot"):
        s.packets("foot")


def test_cli_writes_the_files(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    rc = main(["simulate", "nerve_floss", "--seed", "4", "--out", str(out), "--rate", "52", "--side", "left",
               "--strap-deg", "15", "--foot", "--loss", "0.02", "--reps", "3", "--packets",
               "--posture-wander", "0.5"])
    assert rc == 0
    assert {p.name for p in out.iterdir()} == {"shin.csv", "foot.csv", "truth.json", "shin.packets", "foot.packets"}
    doc = json.loads((out / "truth.json").read_text())
    assert len(doc["reps"]) == 3 and doc["options"]["rate_hz"] == 52.0 and doc["options"]["strap_rotation_deg"] == 15
    assert doc["options"]["posture_wander_deg"] == 0.5
    assert "nerve_floss" in capsys.readouterr().out


def test_cli_rejects_bad_input(tmp_path, capsys) -> None:
    assert main(["simulate", "moonwalk", "--out", str(tmp_path)]) == 2
    assert "unknown exercise" in capsys.readouterr().err
    assert main(["simulate", "band_lunge", "--out", str(tmp_path), "--loss", "0.9"]) == 2
    assert "packet_loss" in capsys.readouterr().err


def test_ideal_sessions_carry_the_exact_orientation() -> None:
    s = simulate("nerve_floss", seed=3, options=SimOptions(noise=False, sway_deg=0.0, heading_drift_deg=0.0, strap_tilt_deg=0.0), reps=2)
    x_earth = _rotate(s.shin.quat, np.tile([1.0, 0.0, 0.0], (len(s.shin), 1)))
    theta = np.deg2rad(s.truth.tibial_inclination_deg)
    alpha = np.deg2rad(s.truth.frontal_tilt_deg)
    # shank axis elevation: cos(alpha) cos(theta) exactly (Ry(theta) Rx(alpha) chain)
    np.testing.assert_allclose(x_earth[:, 2], np.cos(alpha) * np.cos(theta), atol=1e-9)
    g_earth = _rotate(s.shin.quat, s.shin.acc)
    still = s.truth.t < 2.5
    np.testing.assert_allclose(g_earth[still], np.tile([0.0, 0.0, GRAVITY], (still.sum(), 1)), atol=1e-9)


def test_register_counts_are_the_quantised_samples() -> None:
    s = simulate("band_lunge", seed=1, options=SimOptions(acc_full_scale_g=4.0, gyr_full_scale_dps=500.0), reps=3)
    acc, gyr = s.counts("shin")
    assert acc.dtype == np.int16 and acc.shape == s.shin.acc.shape and gyr.shape == s.shin.gyr.shape
    np.testing.assert_allclose(acc * (4.0 * GRAVITY / 32768), s.shin.acc, atol=1e-9)
    np.testing.assert_allclose(gyr * np.deg2rad(500.0) / 32768, s.shin.gyr, atol=1e-9)
    assert np.abs(acc[:100, 0].mean() - 32768 / 4) < 200  # ~1 g on x at rest
    with pytest.raises(ValueError, match="foot"):
        s.counts("foot")


def test_cli_simulates_a_user_routine(tmp_path) -> None:
    toml = tmp_path / "mine.toml"
    toml.write_text('''name = "short"

[[exercise]]
id = "band_lunge"
title = "Lunges"
kind = "reps"
reps = 4

[[exercise]]
id = "soleus_stretch"
title = "Soleus"
kind = "holds"
hold_s = 6.0
sets = 2
''')
    out = tmp_path / "run"
    assert main(["simulate", "routine", "--routine", str(toml), "--out", str(out), "--no-quat", "--no-traces"]) == 0
    doc = json.loads((out / "truth.json").read_text())
    assert [s["exercise"] for s in doc["segments"]] == ["band_lunge", "soleus_stretch"]
    assert len(doc["reps"]) == 4 and len(doc["holds"]) == 2
    assert "ankle_angle_deg" not in doc
    assert main(["simulate", "band_lunge", "--routine", str(toml), "--out", str(out)]) == 2
