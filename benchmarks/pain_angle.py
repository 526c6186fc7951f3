"""Where it hurt: the angle a pain report carries, against the true peak of the rep that hurt.

A patient feels pain at the top of a rep (or in a hold) and reports it a moment later: the key
or button takes a reaction time. Here each rep (each hold) of simulated sessions "hurts" once,
the report coming ``U(--min-delay, --max-delay)`` seconds after the rep's true peak (the hold's
start); the analysis (``dorsi.pipeline.analyze(..., pain=...)``) gives each report its
``angle_deg`` (the highest angle of the 3 s before it), which is compared with the truth: the
rep's true peak (tibial inclination with the shin sensor alone, the ankle angle with the foot
sensor), the hold's true mean angle. Printed per exercise: reports, the share with an angle,
the error median / 95th percentile / max, and how often a higher neighbour (the rep before,
within the 3 s) set the angle instead. The last line is one JSON object.

Run: ``.venv/bin/python benchmarks/pain_angle.py [--seeds 6] [--seed-base 4000]``.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor

import numpy as np

# (row label, exercise, foot sensor)
ROWS = (
    ("knee_to_wall", "knee_to_wall", False),
    ("band_lunge", "band_lunge", False),
    ("band_lunge+foot", "band_lunge", True),
    ("soleus_stretch", "soleus_stretch", False),
    ("gastroc_stretch", "gastroc_stretch", False),
    ("eccentric_drop+foot", "eccentric_drop", True),
)


def run_one(task: tuple) -> tuple[str, list[float], int, int]:
    """(label, errors of the reports with an angle, reports without one, reports set by a neighbour)."""
    label, exercise, foot, seed, lo, hi = task
    from dorsi.events.pain import LOOKBACK_S, PainReport
    from dorsi.pipeline import analyze
    from dorsi.sim import SimOptions, simulate

    rate = (52.0, 100.0)[seed % 2]
    s = simulate(exercise, seed, SimOptions(rate_hz=rate, foot_sensor=foot, side=("left", "right")[seed % 2]))
    rng = np.random.default_rng(seed)
    segments = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    truth = s.truth.ankle_angle_deg if foot else s.truth.tibial_inclination_deg
    events = []  # (report time, true angle it hurt at)
    for r in s.truth.reps:
        peak = r.peak_angle_deg if foot else r.peak_inclination_deg
        events.append((r.peak_s + rng.uniform(lo, hi), peak))
    for h in s.truth.holds:
        events.append((h.start_s + rng.uniform(lo, hi) + 1.0, h.mean_angle_deg if foot else h.mean_inclination_deg))
    reports = [PainReport(t, 5) for t, _ in events]
    got = analyze(s.shin, s.foot, segments=segments, pain=reports).to_json()["pain"]
    errors, missing, neighbour = [], 0, 0
    for (t_r, true), p in zip(events, got):
        if p["angle_deg"] is None:
            missing += 1
            continue
        errors.append(abs(p["angle_deg"] - true))
        window = (s.truth.t >= t_r - LOOKBACK_S) & (s.truth.t <= t_r)
        if truth[window].max() > true + 1.0:  # a higher rep lies inside the look-back
            neighbour += 1
    return label, errors, missing, neighbour


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6, help="sessions per row")
    parser.add_argument("--seed-base", type=int, default=4000)
    parser.add_argument("--min-delay", type=float, default=0.3, help="fastest reaction (s)")
    parser.add_argument("--max-delay", type=float, default=2.5, help="slowest reaction (s)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tasks = [(label, ex, foot, args.seed_base + k, args.min_delay, args.max_delay)
             for label, ex, foot in ROWS for k in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_one, tasks))
    out = {}
    print(f"report {args.min_delay:g}-{args.max_delay:g} s after the rep's peak (the hold's start + 1 s); "
          f"{args.seeds} sessions per row (52 and 100 Hz, left and right), seeds from {args.seed_base}")
    print(f"{'row':22s} {'reports':>7s} {'with angle':>10s} {'err median':>10s} {'p95':>6s} {'max':>6s} "
          f"{'neighbour':>9s}")
    for label, _, _ in ROWS:
        errs = [e for lab, es, _, _ in results if lab == label for e in es]
        missing = sum(m for lab, _, m, _ in results if lab == label)
        neighbour = sum(n for lab, _, _, n in results if lab == label)
        n = len(errs) + missing
        row = {"reports": n, "with_angle": round(len(errs) / n, 3) if n else None,
               "err_median_deg": round(float(np.median(errs)), 2) if errs else None,
               "err_p95_deg": round(float(np.percentile(errs, 95)), 2) if errs else None,
               "err_max_deg": round(float(np.max(errs)), 2) if errs else None,
               "neighbour_share": round(neighbour / len(errs), 3) if errs else None}
        out[label] = row
        print(f"{label:22s} {n:7d} {row['with_angle']!s:>10s} {row['err_median_deg']!s:>10s} "
              f"{row['err_p95_deg']!s:>6s} {row['err_max_deg']!s:>6s} {row['neighbour_share']!s:>9s}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
