"""`dorsi knee-to-wall` end to end on the emulated patient: result, aim, and the change since last time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(home: Path, seed: int) -> str:
    dorsi = Path(sys.executable).with_name("dorsi")
    proc = subprocess.run([str(dorsi), "knee-to-wall", "--emulate", "--speed", "8", "--seed", str(seed)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=240,
                          env=dict(os.environ, DORSI_HOME=str(home), COLUMNS="100"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_reports_degrees_cm_aim_and_change(tmp_path):
    first = _run(tmp_path, 7)
    assert "Best trial:" in first and "° of dorsiflexion" in first and "cm toe to wall" in first
    assert "aim of more than 8 cm" in first
    assert "Last time" not in first
    second = _run(tmp_path, 9)
    assert "Last time" in second and "minimal detectable change" in second
    assert len(list((tmp_path / "recordings").iterdir())) == 2
