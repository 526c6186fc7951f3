"""Reading a routine's time out of a week of Axivity AX6 wear, against reading it on its own.

Writes a ``.cwa`` of ``--days`` of logging at 100 Hz with the gyroscope (the
blocks of a simulated session repeated, each with its own sequence number,
timestamp and checksum), then, in one process:

  (a) baseline: the ``--minutes`` window cut out as a file of its own
      (``cut_cwa``) and read whole;
  (b) the same window read out of the week file (``read_cwa(between=...)``).

Prints the time and the peak traced memory of each and (b)/(a): the goal is
that a week costs little more than the minutes asked for. The last line is one
JSON object.

Usage: ``python benchmarks/cwa_window.py [--days 7] [--minutes 45] [--repeat 3]``
(the week file is about 110 MB a day, in a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from dorsi.sim import SimOptions, simulate
from dorsi.sim.axivity_writer import packed_time, write_cwa
from dorsi.sources.axivity import cut_cwa, read_cwa
from dorsi.sources.cwa_format import BLOCK_DTYPE, BLOCK_SIZE

RATE_HZ = 100
PER_BLOCK = 40
START = datetime(2026, 11, 20, 9, 0)


def write_week(path: Path, days: float) -> None:
    """``days`` of logging: a simulated session's full blocks repeated, restamped and re-summed."""
    with tempfile.TemporaryDirectory() as tmp:
        session = simulate("band_lunge", seed=3, options=SimOptions(rate_hz=RATE_HZ, quaternions=False))
        raw = write_cwa(session.shin, Path(tmp) / "one.cwa").read_bytes()
    header, blocks = raw[:1024], np.frombuffer(raw[1024:], dtype=BLOCK_DTYPE)
    full = blocks[blocks["count"] == PER_BLOCK]
    n = int(days * 86400 * RATE_HZ / PER_BLOCK)
    week = np.tile(full, -(-n // len(full)))[:n].copy()
    week["sequence"] = np.arange(n)
    week["events"] = 0
    t = (START - datetime(1970, 1, 1)).total_seconds() + (np.arange(n) * PER_BLOCK + PER_BLOCK - 1) / RATE_HZ
    whole = np.floor(t)
    frac16 = np.floor((t - whole) * 65536).astype(np.int64) & 0xFFFE
    week["device_fractional"] = 0x8000 | (frac16 >> 1)
    week["offset"] = PER_BLOCK - 1 - ((frac16 * RATE_HZ) >> 16)
    week["timestamp"] = packed_time(whole)
    words = week.view("<u2").reshape(n, BLOCK_SIZE // 2)
    week["checksum"] = (-words[:, :-1].sum(axis=1, dtype=np.int64)) & 0xFFFF
    with path.open("wb") as fh:
        fh.write(header)
        fh.write(week.tobytes())


def measured(read) -> tuple[float, float, int]:
    """Seconds, peak traced MB and samples of one ``read()``."""
    tracemalloc.start()
    t0 = time.perf_counter()
    rec = read()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 1e6, len(rec.shin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--minutes", type=float, default=45.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    middle = START + timedelta(days=args.days / 2)
    window = (middle, middle + timedelta(minutes=args.minutes))
    with tempfile.TemporaryDirectory() as tmp:
        week = Path(tmp) / "week.cwa"
        write_week(week, args.days)
        cut = cut_cwa(week, Path(tmp) / "cut.cwa", window)
        size_mb = week.stat().st_size / 1e6
        a = min((measured(lambda: read_cwa(cut)) for _ in range(args.repeat)), key=lambda r: r[0])
        b = min((measured(lambda: read_cwa(week, between=window)) for _ in range(args.repeat)), key=lambda r: r[0])
    print(f"week file: {args.days:g} days at {RATE_HZ} Hz, {size_mb:.0f} MB; window {args.minutes:g} min")
    print(f"(a) the window as its own file, read whole : {a[0] * 1e3:8.1f} ms, peak {a[1]:7.1f} MB, {a[2]} samples")
    print(f"(b) the window read out of the week        : {b[0] * 1e3:8.1f} ms, peak {b[1]:7.1f} MB, {b[2]} samples")
    print(f"ratio (b)/(a): time {b[0] / a[0]:.2f}, memory {b[1] / a[1]:.2f}")
    print(json.dumps({"days": args.days, "minutes": args.minutes, "file_mb": round(size_mb, 1),
                      "own_file_ms": round(a[0] * 1e3, 1), "own_file_peak_mb": round(a[1], 1),
                      "from_week_ms": round(b[0] * 1e3, 1), "from_week_peak_mb": round(b[1], 1),
                      "time_ratio": round(b[0] / a[0], 2), "memory_ratio": round(b[1] / a[1], 2),
                      "samples": [a[2], b[2]]}))


if __name__ == "__main__":
    main()
