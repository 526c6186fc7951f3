"""Small firmware pieces in the ``micropython`` interpreter: axis remaps, advertising, no IMU."""

from __future__ import annotations

import json

from dorsi.protocol import Status
from dorsi.protocol.spec import STATE_IMU_OK, Command, Result

from ..conftest import run_micropython
from .firmware_run import MPY, run_scenario
from .motion import lunge, write_dsim

SCRIPT = """
import json
from fusion import parse_axes
from ble_link import adv_payload, scan_response, SERVICE_UUID

def axes(spec):
    try:
        return list(parse_axes(spec))
    except ValueError as e:
        return "error"

print(json.dumps({
    "axes": {s: axes(s) for s in ("+x+y+z", "-y+x+z", "+x-y-z", "+x+y-z", "+x+x+z", "x+y+z")},
    "short": adv_payload("dorsi-S1", SERVICE_UUID).hex(),
    "long": adv_payload("dorsi-shin-left", SERVICE_UUID).hex(),
    "resp": scan_response("dorsi-shin-left", 7500, 15000).hex(),
}))
"""


def test_axes_advertising_payloads(tmp_path):
    script = tmp_path / "units.py"
    script.write_text(SCRIPT)
    r = json.loads(run_micropython(script, path=[MPY]).stdout.strip().splitlines()[-1])
    assert r["axes"]["+x+y+z"] == [[0, 1, 2], [1, 1, 1]]
    assert r["axes"]["-y+x+z"] == [[1, 0, 2], [-1, 1, 1]]
    assert r["axes"]["+x-y-z"] == [[0, 1, 2], [1, -1, -1]]  # board flipped: still a rotation
    assert r["axes"]["+x+y-z"] == "error"  # mirror image
    assert r["axes"]["+x+x+z"] == "error" and r["axes"]["x+y+z"] == "error"
    short, long = bytes.fromhex(r["short"]), bytes.fromhex(r["long"])
    assert len(short) <= 31 and short.endswith(bytes([9, 0x09]) + b"dorsi-S1")
    assert len(long) == 31 and bytes([0x08]) + b"dorsi-sh" in long  # shortened name where it must
    assert b"dorsi-shin-left" in bytes.fromhex(r["resp"])


def test_without_an_imu_the_device_stays_up_and_says_so(tmp_path):
    motion = lunge(104.0, still_s=3, moving_s=0, after_s=0)
    events = [[0.2, "connect", 247], [0.3, "subscribe"], [1.0, "write", "03c800"]]
    out = run_scenario(tmp_path, {"motion": str(write_dsim(tmp_path / "m.dsim", motion)), "chip": "none",
                                  "duration_s": 3.0, "events": events})
    status = Status.unpack(bytes.fromhex(out["statuses"][-1]))
    assert not status.state & STATE_IMU_OK
    assert status.last_command == Command.SET_RATE and status.last_result == Result.INVALID_STATE
    assert out["notifications"] == [] and out["head"] == 0
    assert any("no supported IMU" in line for line in out["log"])
    assert out["wdt_feeds"] == out["steps"]
