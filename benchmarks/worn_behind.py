"""Sensor on the back of the leg: how often it is noticed, and never where it was worn right.

Every exercise (and whole routines), simulated on fresh seeds with the strap turned up to
+-30 deg, at 52 and 100 Hz, twice: worn on the front of the shin, and with the strap turned a
further half turn (the sensor on the back of the leg; same seed, so the same movements).
Printed per exercise: how often the calibration turned front and back round
(``dorsi.angle.worn_behind``) for each wearing, and of the calf-worn sessions it turned round,
how many gave the same rep and hold counts as worn on the front. The last line is one JSON
object with the same figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

RATES = (52.0, 100.0)


def run(task: tuple[str, int, float]) -> tuple[str, bool, bool, bool]:
    """(exercise, turned round as worn, turned round on the calf, calf analysis = front analysis)."""
    from dorsi.angle import AngleEstimator
    from dorsi.pipeline import analyze
    from dorsi.sim import SimOptions, simulate, simulate_routine

    exercise, seed, rate = task
    strap = float(np.random.default_rng(seed).uniform(-30, 30))
    sessions = []
    for turn in (strap, strap - 180.0 if strap > 0 else strap + 180.0):  # as worn, then on the calf
        opts = SimOptions(rate_hz=rate, side="left" if seed % 2 else "right", strap_rotation_deg=turn,
                          packet_loss=0.02 if seed % 3 == 0 else 0.0)
        sessions.append(simulate_routine(seed=seed, options=opts) if exercise == "routine"
                        else simulate(exercise, seed=seed, options=opts))
    s, c = sessions
    kw: dict = ({"segments": [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]}
                if exercise == "routine" else {"exercise": exercise})
    calf = c.shin
    as_worn = bool(AngleEstimator().calibrate(s.shin).calibration_.meta.get("worn_behind"))
    turned = bool(AngleEstimator().calibrate(calf).calibration_.meta.get("worn_behind"))
    same = False
    if turned:
        front, back = analyze(s.shin, **kw).exercises, analyze(calf, **kw).exercises
        same = all(len(a.reps) == len(b.reps) and len(a.holds) == len(b.holds) for a, b in zip(front, back))
    return exercise, as_worn, turned, same


def main(argv: list[str] | None = None) -> int:
    from dorsi.sim import EXERCISES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds per exercise and rate (default 8)")
    parser.add_argument("--seed-base", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    exercises = [e for e in EXERCISES if e != "quiet_standing"] + ["routine"]
    todo = [(e, args.seed_base + i, r) for e in exercises for r in RATES for i in range(args.seeds)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(run, todo, chunksize=1))
    figures: dict[str, dict] = {}
    for exercise, as_worn, turned, same in results:
        f = figures.setdefault(exercise, {"sessions": 0, "turned_as_worn": 0, "turned_on_calf": 0, "calf_same": 0})
        f["sessions"] += 1
        f["turned_as_worn"] += as_worn
        f["turned_on_calf"] += turned
        f["calf_same"] += same
    print(f"sensor on the back of the leg: {len(todo)} sessions x 2 wearings, seeds {args.seed_base}+, "
          f"{' and '.join(str(int(r)) for r in RATES)} Hz, strap +-30 deg, 2 % loss on a third; "
          f"{time.perf_counter() - t0:.0f} s")
    print(f"{'exercise':18s} {'sessions':>8s} {'turned (front-worn)':>20s} {'turned (calf)':>14s} "
          f"{'calf = front':>13s}")
    for exercise, f in figures.items():
        print(f"{exercise:18s} {f['sessions']:8d} {f['turned_as_worn']:20d} {f['turned_on_calf']:14d} "
              f"{f['calf_same']:13d}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
