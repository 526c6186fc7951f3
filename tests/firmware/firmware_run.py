"""Run the firmware scenario runner under the real ``micropython`` and load its record."""

from __future__ import annotations

import json
from pathlib import Path

from ..conftest import FIRMWARE, run_micropython

MPY = Path(__file__).resolve().parent / "mpy"
HOSTSIM = FIRMWARE / "hostsim"


def run_scenario(tmp_path: Path, spec: dict, name: str = "scenario") -> dict:
    """Write ``spec``, run ``mpy/scenario.py`` on it, return the JSON record it writes."""
    spec_path = tmp_path / f"{name}.json"
    out_path = tmp_path / f"{name}.out.json"
    spec_path.write_text(json.dumps(spec))
    run_micropython(MPY / "scenario.py", str(spec_path), str(out_path), path=[MPY, HOSTSIM], timeout=300)
    return json.loads(out_path.read_text())
