"""``dorsi session --emulate --emulate-worn ...``: try what dorsi makes of sensors worn wrongly,
without hardware; the options that cannot apply are refused with one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dorsi.cli import main

ROUTINE = Path(__file__).with_name("foot_routine.toml")


def test_an_emulated_session_with_the_foot_sensor_turned_round(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DORSI_HOME", str(tmp_path / "home"))
    out = tmp_path / "s.dorsi"
    assert main(["session", "--emulate", "--foot", "--emulate-worn", "foot-reversed", "--speed", "8",
                 "--routine", str(ROUTINE), "--out", str(out), "--no-history", "--auto"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    # the emulated foot sensor was worn turned round, and read so (the live reading of it:
    # tests/host/session/test_live_foot_turned.py)
    assert "foot sensor was worn the other way round" in text
    # the summary's row: reps "-", holds met / found (before: none found, read toes-down)
    _met, found = re.findall(r"seated_df_hold │ - │ (\d+) / (\d+) │", text)[-1]
    assert found == "2"


@pytest.mark.parametrize("args, said", [
    (["--emulate-worn", "calf"], "--emulate-worn only applies to --emulate"),
    (["--emulate", "--emulate-worn", "boards-swapped"], "--emulate-worn boards-swapped needs --foot"),
])
def test_wearing_options_that_cannot_apply_are_refused(args: list[str], said: str) -> None:
    with pytest.raises(SystemExit, match=said):
        main(["session", *args])
