"""The host package type-checks (mypy, settings in host/pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HOST = Path(__file__).resolve().parents[2] / "host"


def test_the_host_package_type_checks(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
                          cwd=HOST, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
