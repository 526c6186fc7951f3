"""``dorsi firmware deploy``: the plan it prints and the compile steps it runs."""

from __future__ import annotations

import subprocess

import pytest

from dorsi.cli import main
from dorsi.commands.firmware import BOARDS_DIR, DeployPlan, board_arch

from ..conftest import FIRMWARE


def test_dry_run_prints_compile_copy_and_reset(capsys):
    assert main(["firmware", "deploy", "--port", "/dev/ttyACM7", "--dry-run"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    compiled = [line for line in lines if "mpy-cross" in line]
    assert compiled and all("-march=xtensawin" in line for line in compiled)
    assert any(line.endswith("firmware/fusion.py") for line in compiled)
    assert not any("hostsim" in line for line in lines)  # host simulation is never deployed
    copies = [line for line in lines if " fs cp " in line]
    assert any(line.endswith("firmware/main.py :main.py") for line in copies)
    assert any(line.endswith("firmware/config.py :config.py") for line in copies)
    assert any(line.endswith(":imu/lsm6ds.mpy") for line in copies)
    assert all("connect /dev/ttyACM7" in line for line in copies)
    assert lines[-1].endswith("connect /dev/ttyACM7 reset")


def test_board_file_sets_config_and_architecture(capsys):
    assert main(["firmware", "deploy", "--port", "COM3", "--board", "xiao_esp32c3_mpu6050", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "-march=rv32imc" in out
    assert "hardware/boards/xiao_esp32c3_mpu6050.py :config.py" in out


def test_unknown_board_is_a_clear_error(capsys):
    assert main(["firmware", "deploy", "--port", "COM3", "--board", "nope", "--dry-run"]) == 2
    assert "unknown board 'nope'" in capsys.readouterr().err


def test_a_serial_port_that_is_not_there_is_reported_before_any_work(capsys, tmp_path):
    missing = tmp_path / "ttyACM9"
    assert main(["firmware", "deploy", "--port", str(missing)]) == 2
    captured = capsys.readouterr()
    assert f"no serial port at {missing}" in captured.err and "compile" not in captured.out


@pytest.mark.parametrize("board", sorted(p.stem for p in BOARDS_DIR.glob("*.py")))
def test_every_board_names_its_architecture(board):
    assert board_arch(BOARDS_DIR / f"{board}.py") in ("xtensawin", "rv32imc")


def test_compile_steps_build_every_module(tmp_path):
    plan = DeployPlan("/dev/null", build_dir=tmp_path).plan()
    for step in plan.steps_:
        if "mpy-cross" in step.argv[0]:
            out = step.argv[step.argv.index("-o") + 1]
            (tmp_path / out).parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(step.argv, check=True, capture_output=True)
    built = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.mpy")}
    expected = {p.relative_to(FIRMWARE).with_suffix(".mpy").as_posix() for p in FIRMWARE.rglob("*.py")
                if "hostsim" not in p.parts and p.name not in ("main.py", "config.py")}
    assert built == expected
