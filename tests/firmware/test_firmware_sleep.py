"""Sleep: the idle timer, the SLEEP command and the button that wakes the sensor.

The firmware runs under ``micropython`` on the simulated board; the board's
deep sleep is a recorded call (``sleeps``: device microseconds), after which
the loop no longer runs the device, and a button press wakes it with a reset.
"""

from __future__ import annotations

import numpy as np

from dorsi.protocol import decode_packets, encode_command
from dorsi.protocol.spec import STATE_STREAMING, Command, Result

from .firmware_run import run_scenario
from .motion import lunge, write_dsim
from .test_firmware_control import status_updates
from .test_firmware_stream import STREAM, packets

# the idle timer at 2 s and the pairing window closing after 1 s keep the scenarios short
QUICK = {"SLEEP_AFTER_S": 2, "PAIRING_WINDOW_S": 1}
CTRL1_XL, CTRL2_G = 0x10, 0x11


def run(tmp_path, events, seconds=8.0, still_s=None, moving_s=0.0, config=QUICK, **extra):
    still = seconds if still_s is None else still_s
    motion = lunge(104.0, still_s=still, moving_s=moving_s, after_s=max(seconds - still - moving_s, 0.0))
    spec = {"motion": str(write_dsim(tmp_path / "m.dsim", motion)), "duration_s": seconds,
            "events": events, "config": config, **extra}
    return run_scenario(tmp_path, spec)


def slept_at(out) -> list[float]:
    return [t / 1e6 for t in out["sleeps"]]


def results(out) -> list[tuple[int, int]]:
    return [(s.last_command, s.last_result) for s in status_updates(out) if s.last_result != 255]


def test_left_alone_and_still_it_sleeps_with_the_imu_powered_down(tmp_path):
    out = run(tmp_path, [])
    # the pairing window keeps it awake for 1 s, then 2 s of stillness with nobody connected
    [t] = slept_at(out)
    assert 2.95 <= t <= 3.2
    assert out["asleep"]
    regs = bytes.fromhex(out["imu_regs"])
    assert regs[CTRL1_XL] == 0 and regs[CTRL2_G] == 0  # accelerometer and gyroscope off
    assert any(line.startswith("sleep: idle 2 s") for line in out["log"])
    assert out["steps"] < 3.3 / 0.005  # the loop stopped running the device


def test_a_connected_central_keeps_it_awake(tmp_path):
    out = run(tmp_path, STREAM + [[5.0, "disconnect"]], seconds=9.0)
    [t] = slept_at(out)
    assert 6.95 <= t <= 7.2  # 2 s after the central left
    d = decode_packets(packets(out))
    np.testing.assert_array_equal(d.sample_seq, np.arange(len(d.sample_seq)))
    assert len(d.sample_seq) >= 104 * 4.5


def test_movement_keeps_it_awake(tmp_path):
    out = run(tmp_path, [], seconds=12.0, still_s=1.0, moving_s=6.0)
    [t] = slept_at(out)
    assert 8.95 <= t <= 9.8  # stillness after the lunges (plus the fusion's 0.5 s to call it)


def test_the_button_wakes_it_with_a_reset(tmp_path):
    events = [[4.0, "button", True], [4.2, "button", False], [4.5, "connect", 247], [4.6, "subscribe"]]
    out = run(tmp_path, events, seconds=6.0)
    assert len(out["sleeps"]) == 1 and not out["asleep"]
    assert [m for m in out["marks"] if m[0] == "connect"]
    d = decode_packets(packets(out))
    assert d.sample_seq[0] == 0 and len(d.sample_seq) >= 104 * 1.2  # a new boot: seq from 0
    assert out["adv"], "advertising again after the wake"


def test_sleep_command_is_answered_then_obeyed(tmp_path):
    events = STREAM + [[2.0, "write", encode_command(Command.SLEEP).hex()]]
    out = run(tmp_path, events, seconds=4.0, config={"SLEEP_AFTER_S": 0})
    assert results(out)[-1] == (Command.SLEEP, Result.OK)
    [t] = slept_at(out)
    assert 2.3 <= t <= 2.4  # the answer's notification goes out first
    assert any(line == "sleep: asked by the central" for line in out["log"])
    regs = bytes.fromhex(out["imu_regs"])
    assert regs[CTRL1_XL] == 0 and regs[CTRL2_G] == 0


def test_sleep_command_needs_a_bonded_central(tmp_path):
    events = [[0.1, "stack_permissions", False], [0.2, "connect", {"mtu": 247, "pair": False}],
              [1.0, "write", encode_command(Command.SLEEP).hex()]]
    out = run(tmp_path, events, seconds=3.0, config={"SLEEP_AFTER_S": 0})
    assert results(out) == [(Command.SLEEP, Result.NOT_AUTHORIZED)]
    assert out["sleeps"] == [] and not out["asleep"]


def test_without_a_wake_source_it_stays_on(tmp_path):
    """A board that cannot arm a wake pin answers SLEEP with INVALID_STATE and never sleeps."""
    events = STREAM + [[2.0, "write", encode_command(Command.SLEEP).hex()]]
    out = run(tmp_path, events, seconds=4.0, sleeper=False)
    assert results(out) == [(Command.SLEEP, Result.INVALID_STATE)]
    assert out["sleeps"] == [] and not out["asleep"]
    assert status_updates(out)[-1].state & STATE_STREAMING


def test_a_failed_sleep_leaves_it_streaming_and_does_not_retry(tmp_path):
    """The wake pin could not be armed (``sleep_result`` False): back on, radio and IMU restarted."""
    events = [[5.0, "connect", 247], [5.1, "subscribe"]]
    out = run(tmp_path, events, seconds=8.0, sleep_result=False)
    assert len(out["sleeps"]) == 1 and not out["asleep"]
    assert any("no wake source" in line for line in out["log"])
    d = decode_packets(packets(out))
    assert len(d.sample_seq) >= 104 * 2.5  # the IMU runs again: the backlog and live data go out
    np.testing.assert_array_equal(np.diff(d.sample_seq), 1)
    regs = bytes.fromhex(out["imu_regs"])
    assert regs[CTRL1_XL] != 0 and regs[CTRL2_G] != 0


def test_an_empty_battery_puts_it_to_sleep_even_while_streaming(tmp_path):
    """Two readings of 0 % 30 s apart (the first at boot): the cell is protected, the host told first."""
    out = run(tmp_path, STREAM, seconds=31.0, config={"SLEEP_AFTER_S": 0}, battery=0)
    [t] = slept_at(out)
    assert 30.3 <= t <= 30.4
    assert "sleep: battery empty" in out["log"]
    assert status_updates(out)[-1].battery_percent == 0  # the status said so before the link dropped


def test_a_low_but_not_empty_battery_keeps_it_on(tmp_path):
    out = run(tmp_path, STREAM, seconds=31.0, config={"SLEEP_AFTER_S": 0}, battery=1)
    assert out["sleeps"] == [] and not out["asleep"]
