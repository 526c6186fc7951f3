"""Regenerate ``protocol_v1.json`` by running the firmware encoder under MicroPython.

    .venv/bin/python tests/vectors/make_vectors.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from cases import COMMAND_CASES, STATUS_CASES, STREAM_CASES  # noqa: E402


def firmware_encode() -> dict:
    micropython = Path(sys.executable).parent / "micropython"
    inputs = {"stream": STREAM_CASES, "status": STATUS_CASES, "commands": COMMAND_CASES}
    proc = subprocess.run(
        [str(micropython), str(ROOT / "tests" / "firmware" / "mpy" / "encode_vectors.py")],
        input=json.dumps(inputs), capture_output=True, text=True, check=True,
        env={"MICROPYPATH": f"{ROOT / 'firmware'}:.frozen"},
    )
    return json.loads(proc.stdout)


def build() -> dict:
    out = firmware_encode()
    return {
        "protocol": 1,
        "stream": [dict(case, notifications=n) for case, n in zip(STREAM_CASES, out["stream"])],
        "status": [{"fields": f, "bytes": b} for f, b in zip(STATUS_CASES, out["status"])],
        "commands": [{"bytes": c, "parsed": r} for c, r in zip(COMMAND_CASES, out["commands"])],
    }


if __name__ == "__main__":
    (HERE / "protocol_v1.json").write_text(json.dumps(build(), indent=1) + "\n")
    print("wrote", HERE / "protocol_v1.json")
