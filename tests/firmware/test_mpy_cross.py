"""Every firmware file compiles with mpy-cross (what deployment does)."""

from __future__ import annotations

import subprocess

import pytest

from ..conftest import FIRMWARE, find_tool

FILES = sorted(p for p in FIRMWARE.rglob("*.py"))


def test_there_is_firmware():
    assert (FIRMWARE / "protocol.py") in FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIRMWARE)))
def test_compiles(path, tmp_path):
    proc = subprocess.run([find_tool("mpy-cross"), "-o", str(tmp_path / "out.mpy"), str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
