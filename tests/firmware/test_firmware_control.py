"""Control commands, malformed input and faults: the stream never stops."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.protocol import Status, decode_packets, encode_command, parse_command
from dorsi.protocol.spec import STATE_IDENTIFY, Command, Result

from .firmware_run import run_scenario
from .motion import lunge, write_dsim
from .test_firmware_stream import STREAM, final_status, packets


def status_updates(out: dict) -> list[Status]:
    """Every status the firmware pushed with a notification, in order."""
    status_handle = None
    result = []
    for handle, payload in out["status_updates"]:
        data = bytes.fromhex(payload)
        if len(data) == 28:
            status_handle = handle if status_handle is None else status_handle
            if handle == status_handle:
                result.append(Status.unpack(data))
    return result


def run(tmp_path, events, seconds=4.0, **extra):
    motion = lunge(104.0, still_s=seconds, moving_s=0, after_s=0)
    spec = {"motion": str(write_dsim(tmp_path / "m.dsim", motion)), "duration_s": seconds + 0.3,
            "events": STREAM + events, **extra}
    return run_scenario(tmp_path, spec)


def cmd(command: Command, argument: int | None = None) -> str:
    return encode_command(command, argument).hex()


def test_each_command_reports_its_result(tmp_path):
    writes = [cmd(Command.IDENTIFY, 5), "0364", "03e803", "0900", "", "05" + "00", cmd(Command.TARE),
              cmd(Command.SET_RATE, 50)]
    events = [[1.0 + 0.1 * i, "write", w] for i, w in enumerate(writes)]
    out = run(tmp_path, events)
    expected = [parse_command(bytes.fromhex(w))[2] for w in writes]
    assert expected == [Result.OK, Result.BAD_LENGTH, Result.OUT_OF_RANGE, Result.UNKNOWN_COMMAND,
                        Result.BAD_LENGTH, Result.OUT_OF_RANGE, Result.OK, Result.OK]
    results = [(s.command_counter, s.last_result) for s in status_updates(out) if s.last_result != 255]
    seen = dict(results)
    assert [seen[i + 1] for i in range(len(writes))] == [int(r) for r in expected]
    assert any(s.state & STATE_IDENTIFY for s in status_updates(out))
    final = final_status(out)
    assert final.rate_hz == 50 and final.command_counter == len(writes)


def test_set_rate_changes_period_without_a_gap(tmp_path):
    out = run(tmp_path, [[2.0, "write", cmd(Command.SET_RATE, 200)]])
    d = decode_packets(packets(out))
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))
    assert set(d.period_us) == {9615, 4808}  # LSM6DSOX 104 Hz then 208 Hz
    assert d.period_us[0] == 9615 and d.period_us[-1] == 4808
    t = d.t0_us[d.packet] + d.sample_offset_us()
    assert (np.diff(t) > 0).all()


def test_stop_holds_samples_and_start_sends_them(tmp_path):
    out = run(tmp_path, [[1.0, "write", cmd(Command.STOP)], [2.5, "write", cmd(Command.START)]])
    marks = {m[0] + str(i): m for i, m in enumerate(out["marks"])}
    stop, start = marks["write2"], marks["write3"]
    notes = packets(out)
    # nothing was notified between STOP and START (one packet may have been in flight)
    assert start[3] - stop[3] <= 1
    d = decode_packets(notes)
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))


def test_backlog_resends_from_the_requested_index(tmp_path):
    out = run(tmp_path, [[2.0, "write", cmd(Command.BACKLOG, 50)], [3.0, "write", cmd(Command.BACKLOG, 10**6)]])
    d = decode_packets(packets(out))
    seq = d.sample_seq
    restart = int(np.flatnonzero(np.diff(seq) < 0)[0]) + 1
    assert seq[restart] == 50
    np.testing.assert_array_equal(seq[restart:], np.arange(50, out["head"]))
    assert final_status(out).last_result == Result.OUT_OF_RANGE  # beyond the newest sample


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(min_size=0, max_size=24), min_size=5, max_size=40))
def test_a_flood_of_malformed_writes_never_stops_the_stream(tmp_path, junk):
    junk = [j for j in junk if parse_command(j)[2] != Result.OK] or [b"\xff"]
    events = [[1.0 + 0.005 * i, "flood", [j.hex() for j in junk]] for i in range(200)]
    events.append([3.5, "write", cmd(Command.IDENTIFY, 2)])
    out = run(tmp_path, events)
    d = decode_packets(packets(out))
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))
    assert out["head"] >= 104 * 4 - 2
    assert out["errors"] == 0
    final = final_status(out)
    assert final.last_command == Command.IDENTIFY and final.last_result == Result.OK


def test_i2c_errors_are_retried_and_reported(tmp_path):
    out = run(tmp_path, [[1.0, "i2c_fail", 2], [1.5, "i2c_fail", 2], [2.0, "i2c_fail", 2]])
    d = decode_packets(packets(out))
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))  # retries hid them
    assert out["i2c_failures"] == 6 and out["errors"] == 0
    assert final_status(out).i2c_errors == 6


def test_a_dead_bus_is_survived_and_the_imu_comes_back(tmp_path):
    out = run(tmp_path, [[1.0, "i2c_fail", 15]], seconds=5.0)  # beyond the retries: the IMU is re-initialised
    assert out["errors"] > 0 and any("error in sample" in line for line in out["log"])
    assert out["wdt_feeds"] == out["steps"]
    d = decode_packets(packets(out))
    # the stream resumes after the IMU is re-initialised; indices stay unique and increasing
    assert (np.diff(d.sample_seq) == 1).all()
    late = d.t0_us[d.packet] > 3_000_000
    assert late.sum() > 100
    assert final_status(out).imu_ok


def test_radio_faults_reset_the_radio(tmp_path):
    out = run(tmp_path, [[1.0, "radio_fault", 5]])
    assert out["radio_resets"] == 1 and out["activations"] == 2
    assert out["wdt_feeds"] == out["steps"]  # the watchdog was fed on every pass, faults included
    assert len(out["adv"]) >= 2  # advertising again after the reset
    assert out["head"] >= 104 * 4 - 2  # sampling went on throughout
