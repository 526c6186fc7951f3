"""Rep counts when the exercise starts after a rest of the patient's own, not the simulator's.

The accuracy benchmark (``benchmarks/accuracy.py``) analyses each simulated exercise from its
first sample: the simulator's own still start. In a session the patient first gets into
position and keeps still a few seconds, and the detectors read the exercise's baseline from its
first 2 s, so this runs each rep exercise twice: as the accuracy benchmark does, and after
``--rest`` seconds of the same person, wearing the same sensor, keeping still in the exercise's
posture (``dorsi.sim.simulate_rest``, joined on in time), and prints the rep-count exact-match
rate of both. The last line is one JSON object.

Run: ``.venv/bin/python benchmarks/start_rest.py [--sessions 24] [--rest 5] [--seed-base 2000]``.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor

import numpy as np

# (row label, exercise, foot sensor)
ROWS = (
    ("band_lunge", "band_lunge", False),
    ("knee_to_wall", "knee_to_wall", False),
    ("eccentric_drop", "eccentric_drop", False),
    ("eccentric_drop+foot", "eccentric_drop", True),
    ("nerve_floss", "nerve_floss", False),
    ("ankle_circles+foot", "ankle_circles", True),
)


def _after_rest(rest, ex):
    """``ex`` played after ``rest`` (seq and time continuing)."""
    return ex if rest is None or ex is None else rest.followed_by(ex)


def run_one(task: tuple) -> tuple[str, bool, bool]:
    label, exercise, foot, seed, rest_s = task
    from dorsi.pipeline import analyze
    from dorsi.sim import EXERCISES, SimOptions, simulate, simulate_rest

    opts = SimOptions(rate_hz=100.0, quaternions=False, foot_sensor=foot, side="left" if seed % 2 else "right",
                      strap_rotation_deg=float(np.random.default_rng(seed).uniform(-30, 30)))
    s = simulate(exercise, seed=seed, options=opts)
    rest = simulate_rest(EXERCISES[exercise].posture, seed=seed, options=opts, duration_s=rest_s)
    n_true = len(s.truth.reps)
    plain = analyze(s.shin, s.foot, exercise=exercise).exercises[0]
    after = analyze(_after_rest(rest.shin, s.shin), _after_rest(rest.foot, s.foot), exercise=exercise).exercises[0]
    return label, len(plain.reps) == n_true, len(after.reps) == n_true


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=24, help="sessions per row")
    parser.add_argument("--rest", type=float, default=5.0, help="seconds of keeping still first")
    parser.add_argument("--seed-base", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    tasks = [(label, ex, foot, args.seed_base + k, args.rest)
             for label, ex, foot in ROWS for k in range(args.sessions)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_one, tasks, chunksize=4))
    out = {}
    print(f"rep count exact-match, {args.sessions} sessions a row (seeds {args.seed_base}+), 100 Hz, "
          f"left/right, strap +-30 deg: from the simulator's still start | after {args.rest:g} s of keeping still")
    for label, _, _ in ROWS:
        rows = [r for r in results if r[0] == label]
        plain = float(np.mean([r[1] for r in rows]))
        after = float(np.mean([r[2] for r in rows]))
        out[label] = {"sessions": len(rows), "count_exact": round(plain, 3), "count_exact_after_rest": round(after, 3)}
        print(f"  {label:22s} {plain:5.2f} | {after:5.2f}")
    print(json.dumps({"rest_s": args.rest, "seed_base": args.seed_base, "rows": out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
