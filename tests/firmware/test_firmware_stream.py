"""The real firmware under ``micropython`` on a simulated board, checked from the host side.

Each scenario runs ``mpy/scenario.py`` (firmware ``app.Device`` + simulated IMU
+ recording ``bluetooth`` fake); the notifications it recorded are decoded
with the lead's ``dorsi.protocol`` and compared with the motion that drove
the simulated IMU.
"""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.protocol import Status, StreamDecoder, decode_packets
from dorsi.protocol.spec import (
    FLAG_BACKLOG,
    FLAG_OVERFLOW,
    SERVICE_UUID,
    STATE_OVERFLOW,
)

from .firmware_run import run_scenario
from .motion import attitude_error_deg, lunge, tilt_error_deg, write_dsim

STREAM = [[0.2, "connect", 247], [0.3, "subscribe"]]


def packets(out: dict) -> list[bytes]:
    return [bytes.fromhex(h) for h in out["notifications"]]


def final_status(out: dict) -> Status:
    return Status.unpack(bytes.fromhex(out["statuses"][-1]))


@pytest.fixture(scope="module")
def lunge_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lunge")
    motion = lunge(104.0)
    spec = {"motion": str(write_dsim(tmp / "m.dsim", motion)), "chip": "lsm6dsox",
            "duration_s": motion.t[-1] + 0.5, "events": STREAM}
    return motion, run_scenario(tmp, spec)


def errors_by_phase(motion, decoded):
    seq = decoded.sample_seq
    truth = motion.quat[seq]
    t = motion.t[seq]
    align = int(np.searchsorted(t, 3.0))  # one heading alignment, after convergence
    att = attitude_error_deg(decoded.quat, truth, align)
    rest = (t >= 2.0) & (t < 4.0)
    moving = (t >= 5.0) & (t < 12.0)  # lunges run from 4 s to 12 s; allow one cycle to settle
    return att[rest], att[moving], tilt_error_deg(decoded.quat, truth)[moving]


def test_every_sample_arrives_once_in_order(lunge_run):
    motion, out = lunge_run
    d = decode_packets(packets(out))
    assert out["imu"] == "LSM6DSOX"
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))
    assert out["head"] >= len(motion.t) - 2
    assert out["errors"] == 0


def test_orientation_matches_motion(lunge_run):
    motion, out = lunge_run
    rest, moving, tilt = errors_by_phase(motion, decode_packets(packets(out)))
    assert rest.max() < 1.0
    assert moving.max() < 3.0
    assert tilt.max() < 3.0


def test_measurements_match_motion(lunge_run):
    motion, out = lunge_run
    d = decode_packets(packets(out))
    seq = d.sample_seq
    lsb_acc = 4 / 32768
    np.testing.assert_allclose(d.acc_g, motion.acc_g[seq], atol=lsb_acc)
    # the gyroscope goes out with the bias learned at rest removed
    true_rate = motion.gyr_dps[seq] - np.array([0.4, -0.3, 0.2])
    late = motion.t[seq] > 3.0
    np.testing.assert_allclose(d.gyr_dps[late], true_rate[late], atol=0.08)


def test_packets_fill_the_mtu_and_time_is_regular(lunge_run):
    _, out = lunge_run
    d = decode_packets(packets(out))
    assert (d.count[:-1] == 11).all()  # 11 samples per notification at MTU 247
    assert (d.period_us == 9615).all()  # LSM6DSOX at 104 Hz for "100 Hz"
    t = d.t0_us[d.packet] + d.sample_offset_us()
    np.testing.assert_array_equal(np.diff(t), 9615)


def test_advertising_and_gatt_table(lunge_run):
    _, out = lunge_run
    interval, adv, resp = out["adv"][0]
    adv = bytes.fromhex(adv)
    assert len(adv) <= 31
    assert bytes.fromhex(SERVICE_UUID.replace("-", ""))[::-1] in adv
    assert b"dorsi-S1" in adv
    resp = bytes.fromhex(resp)
    assert bytes([5, 0x12, 6, 0, 12, 0]) in resp  # preferred connection interval 7.5-15 ms
    services = dict((s, c) for s, c in out["services"])
    assert set(services) == {SERVICE_UUID, "180a", "180f"}
    assert len(services[SERVICE_UUID]) == 3
    assert services["180f"] == ["2a19"]
    assert out["values"]["2a29"] == b"dorsi".hex()
    assert out["values"]["2a26"] == b"1.0".hex()
    assert out["values"]["2a19"] == bytes([77]).hex()
    assert out["config"]["mtu"] == 247
    assert out["exchange_requests"] == 1


def test_disconnect_reconnect_loses_nothing(tmp_path):
    motion = lunge(104.0, still_s=3, moving_s=6, after_s=1)
    events = STREAM + [[3.0, "disconnect"], [6.5, "connect", 185], [6.6, "subscribe"]]
    out = run_scenario(tmp_path, {"motion": str(write_dsim(tmp_path / "m.dsim", motion)),
                                  "duration_s": 10.2, "events": events})
    d = decode_packets(packets(out))
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))
    # re-advertised after the drop, the backlog came first and flagged, then live data
    assert len(out["adv"]) == 2
    reconnect = [m for m in out["marks"] if m[0] == "connect"][1]
    after = np.arange(d.n_packets) >= reconnect[3]
    assert d.seq[after][0] < reconnect[1]  # the first packet after reconnecting is from the ring
    assert (d.flags[after][:3] & FLAG_BACKLOG).all()
    assert not (d.flags & FLAG_OVERFLOW).any()
    assert (d.count[after][:-1] == 8).all()  # re-batched for MTU 185
    rest, moving, _ = errors_by_phase(motion, d)
    assert moving.max() < 3.0


def test_thirty_seconds_are_kept_while_nobody_listens(tmp_path):
    motion = lunge(104.0, still_s=31, moving_s=0, after_s=1)
    events = [[31.0, "connect", 247], [31.1, "subscribe"]]
    out = run_scenario(tmp_path, {"motion": str(write_dsim(tmp_path / "m.dsim", motion)),
                                  "duration_s": 32.3, "events": events})
    assert out["ring_capacity"] >= 3000
    d = decode_packets(packets(out))
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))
    assert out["dropped"] == 0


def test_overflow_drops_oldest_and_says_so(tmp_path):
    motion = lunge(104.0, still_s=6, moving_s=0, after_s=0)
    events = [[5.0, "connect", 247], [5.05, "subscribe"]]
    out = run_scenario(tmp_path, {"motion": str(write_dsim(tmp_path / "m.dsim", motion)),
                                  "duration_s": 6.0, "config": {"RING_SECONDS": 2}, "events": events})
    d = decode_packets(packets(out))
    cap = out["ring_capacity"]
    first = d.sample_seq[0]
    assert out["dropped"] == first > 0
    assert first >= out["marks"][0][1] - cap  # only the newest `cap` samples survived
    np.testing.assert_array_equal(d.sample_seq, np.arange(first, out["head"]))
    assert d.flags[0] & FLAG_OVERFLOW and not (d.flags[1:] & FLAG_OVERFLOW).any()
    status = final_status(out)
    assert status.state & STATE_OVERFLOW and 0 < status.ring_dropped <= first  # refreshed every second


def test_small_mtu_fragments_reassemble(tmp_path):
    motion = lunge(104.0, still_s=2, moving_s=2, after_s=0)
    events = [[0.2, "connect", 23], [0.3, "subscribe"]]
    out = run_scenario(tmp_path, {"motion": str(write_dsim(tmp_path / "m.dsim", motion)),
                                  "duration_s": 4.2, "events": events, "capacity": 3})
    payloads = packets(out)
    assert max(len(p) for p in payloads) <= 20
    dec = StreamDecoder(errors="raise")
    batch = dec.feed(payloads)
    np.testing.assert_array_equal(batch.seq, np.arange(out["head"]))
    assert dec.stats.lost_samples == 0


@pytest.mark.parametrize("chip,rate,axes", [("mpu6050", 100.0, "-y+x+z"), ("mpu6500", 100.0, "+z-y+x"),
                                            ("lsm6ds3trc", 104.0, "+y-x+z")])
def test_other_chips_and_axis_remaps(tmp_path, chip, rate, axes):
    motion = lunge(rate, still_s=4, moving_s=8, after_s=0)
    out = run_scenario(tmp_path, {"motion": str(write_dsim(tmp_path / "m.dsim", motion, axes)), "chip": chip,
                                  "duration_s": 12.3, "config": {"AXES": axes}, "events": STREAM})
    d = decode_packets(packets(out))
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))
    assert out["head"] >= len(motion.t) - 3
    rest, moving, _ = errors_by_phase(motion, d)
    assert rest.max() < 1.0 and moving.max() < 3.0
    np.testing.assert_allclose(d.acc_g, motion.acc_g[d.sample_seq], atol=2 * 4 / 32768)
