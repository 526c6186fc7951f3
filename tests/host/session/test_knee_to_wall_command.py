"""`dorsi knee-to-wall` end to end on the emulated patient: result, aim, and the change since last time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(home: Path, seed: int, *extra: str) -> str:
    dorsi = Path(sys.executable).with_name("dorsi")
    proc = subprocess.run([str(dorsi), "knee-to-wall", "--emulate", "--speed", "8", "--seed", str(seed), *extra],
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
    assert len(list((tmp_path / "recordings").glob("*.dorsi"))) == 2


def test_the_live_best_is_the_best_trial_with_the_heel_down(tmp_path):
    import json
    import re

    out = _run(tmp_path, 3)  # this emulated patient lifts the heel on the deepest of the three trials
    (recording,) = (tmp_path / "recordings").glob("*.dorsi")
    dorsi = Path(sys.executable).with_name("dorsi")
    analysis = json.loads(subprocess.run([str(dorsi), "analyze", str(recording), "--json"], capture_output=True,
                                         text=True, timeout=120, check=True).stdout)
    trials = analysis["exercises"][0]["reps"]
    lifted = [r["peak_angle_deg"] for r in trials if r["heel_lift"]]
    down = [r["peak_angle_deg"] for r in trials if not r["heel_lift"]]
    assert lifted and down and max(lifted) > max(down) + 2.0
    shown = float(re.findall(r"best\s+(-?[\d.]+)°", out)[-1])  # the live panel, last drawn
    best = float(re.search(r"Best trial: (-?[\d.]+)°", out).group(1))
    assert abs(shown - best) <= 0.2 and abs(best - max(down)) <= 0.05


def test_each_leg_is_compared_with_its_own_last_test(tmp_path):
    assert "Last time" not in _run(tmp_path, 7, "--side", "left")
    assert "Last time" not in _run(tmp_path, 9, "--side", "right")  # the other leg: nothing to compare
    assert "left leg): " in _run(tmp_path, 11, "--side", "left")


def test_pain_during_the_test_is_said_with_the_result():
    from dorsi.commands.knee_to_wall import pain_line

    assert pain_line({"pain": []}) is None and pain_line({}) is None
    line = pain_line({"pain": [{"t_s": 3.0, "level": 5, "angle_deg": 34.6}, {"t_s": 9.0, "level": None,
                                                                           "angle_deg": 31.2}]})
    assert line is not None and line.startswith("Pain reported during the test (5/10, near 31°)")
    assert "upper bound" in line
    assert pain_line({"pain": [{"t_s": 3.0, "level": None, "angle_deg": None}]}).startswith(
        "Pain reported during the test: ")
