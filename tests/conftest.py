"""Shared test helpers: paths and the real MicroPython interpreter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
VECTORS = ROOT / "tests" / "vectors"


def find_tool(name: str) -> str:
    """A console script installed next to this interpreter (the project venv), else on PATH."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run the README's test command (python3 dev.py test)")
    return found


def run_micropython(script: str | Path, *args: str, stdin: str | None = None, timeout: float = 120.0,
                    path: list[Path] | None = None) -> subprocess.CompletedProcess:
    """Run a script under the real ``micropython`` with ``firmware/`` importable."""
    search = [FIRMWARE, *(path or [])]
    cmd = [find_tool("micropython"), "-X", "heapsize=8M", str(script), *args]
    env = {"MICROPYPATH": ":".join(str(p) for p in search) + ":.frozen"}
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise AssertionError(f"micropython failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def micropython() -> str:
    return find_tool("micropython")
