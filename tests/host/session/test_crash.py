"""A session killed with SIGKILL leaves a recording that opens and analyses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dorsi.recording import read_recording
from dorsi.sources.recording_source import load_recording

ROUTINE = Path(__file__).with_name("short_routine.toml")


def test_kill_9_mid_session_leaves_a_readable_recording(tmp_path):
    out = tmp_path / "killed.dorsi"
    dorsi = Path(sys.executable).with_name("dorsi")
    env = dict(os.environ, DORSI_HOME=str(tmp_path / "home"))
    proc = subprocess.Popen([str(dorsi), "session", "--emulate", "--speed", "6", "--routine", str(ROUTINE),
                             "--out", str(out), "--no-history"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 90
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 60_000):
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rec = read_recording(out)
    assert rec.end is None and not rec.complete
    assert len(rec.slots[0].payloads) > 100
    session = load_recording(out)
    assert len(session.shin) > 1000
    assert session.stats["shin"].gaps == []
    assert oct(out.stat().st_mode & 0o777) == "0o600"
