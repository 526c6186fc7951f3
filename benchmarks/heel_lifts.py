"""Shin-only heel-lift detection over many seed bases: false lifts, missed lifts, flag latency.

``benchmarks/accuracy.py`` gives heel-lift precision and recall for one seed base (16
sessions a row); a false lift or two in one session moves them by several points. This
runs the two exercises that lift heels (band lunges and knee-to-wall) with the shin
sensor alone over many bases, in the accuracy benchmark's conditions and with its seeds
(52, 100 and 200 Hz, 0 and 2 % burst loss, left and right leg, strap turned up to
+-30 deg, ``heel_lift_probability`` 0.5; 25 Hz is left out as there), through the
product path: simulator samples -> ``AngleEstimator`` -> ``analyze_trace``.

Per base range it prints the true lifts, the lifts found, the false ones (overlapping
no true lift) and the missed ones (overlapped by none found), precision and recall, the
sessions with a false lift, and the flag latency: from a lift's true start to the first
flagged sample of the trace within it (sample time; the live alert adds up to one
notification, see ``tests/host/angle/test_heel_lift_latency.py``). The last line printed
is one JSON object.

Usage: ``python benchmarks/heel_lifts.py [--bases 1000:61000] [--workers 2]``
(bases every 1000 from the first to before the second).
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

RATES = (25.0, 52.0, 100.0, 200.0)  # seeds are numbered as in benchmarks/accuracy.py
LOSSES = (0.0, 0.02)
EXERCISES = ("band_lunge", "knee_to_wall")  # the accuracy benchmark's first two rows
MIN_RATE_HZ = 50.0
REPEATS = 2


def tasks(first_base: int, stop_base: int) -> list[tuple[str, float, float, int]]:
    """(exercise, rate, loss, seed) for every base, seeds as the accuracy benchmark numbers them."""
    out = []
    for base in range(first_base, stop_base, 1000):
        seed = base
        for exercise in EXERCISES:
            for rate in RATES:
                for loss in LOSSES:
                    for _ in range(REPEATS):
                        if rate >= MIN_RATE_HZ:
                            out.append((exercise, rate, loss, seed))
                        seed += 1
    return out


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def run_session(task: tuple[str, float, float, int]) -> dict:
    exercise, rate, loss, seed = task
    from dorsi.angle import AngleEstimator
    from dorsi.pipeline import analyze_trace
    from dorsi.sim import SimOptions, simulate

    rng = np.random.default_rng(seed)
    opts = SimOptions(rate_hz=rate, side="left" if seed % 2 else "right",
                      strap_rotation_deg=float(rng.uniform(-30, 30)), packet_loss=loss, quaternions=True)
    s = simulate(exercise, seed=seed, options=opts)
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
    trace = AngleEstimator(**profile).estimate(s.shin).trace_
    found = [(h.start_s, h.end_s) for h in
             analyze_trace(trace, exercise=exercise, profile=profile, sample_rate_hz=rate).exercises[0].heel_lifts]
    truth = [(float(a), float(b)) for a, b in s.truth.heel_lifts]
    latency = []
    for a, b in truth:
        flagged = np.flatnonzero(trace.heel_lift & (trace.t >= a - 0.3) & (trace.t <= b))
        if len(flagged):
            latency.append(float(trace.t[flagged[0]] - a))
    return {"seed": seed, "true": len(truth), "found": len(found),
            "false": sum(not any(_overlaps(f, t) for t in truth) for f in found),
            "missed": sum(not any(_overlaps(t, f) for f in found) for t in truth), "latency": latency}


def summary(results: list[dict]) -> dict:
    true, found = sum(r["true"] for r in results), sum(r["found"] for r in results)
    false, missed = sum(r["false"] for r in results), sum(r["missed"] for r in results)
    lat = np.array([x for r in results for x in r["latency"]])
    return {"sessions": len(results), "true_lifts": true, "lifts_found": found, "false": false, "missed": missed,
            "precision": round((found - false) / found, 4) if found else None,
            "recall": round((true - missed) / true, 4) if true else None,
            "sessions_with_false": sorted(r["seed"] for r in results if r["false"]),
            "latency_p50_s": round(float(np.percentile(lat, 50)), 3) if len(lat) else None,
            "latency_p90_s": round(float(np.percentile(lat, 90)), 3) if len(lat) else None,
            "within_0_3_s": round(float(np.mean(lat <= 0.3)), 3) if len(lat) else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", default="1000:61000", help="FIRST:STOP, bases every 1000 (default 1000:61000)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    first, stop = (int(x) for x in args.bases.split(":"))
    if first >= stop:
        parser.error("--bases FIRST:STOP needs FIRST < STOP")
    t0 = time.perf_counter()
    todo = tasks(first, stop)
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(run_session, todo, chunksize=4))
    fig = summary(results)
    print(f"shin-only heel lifts: {fig['sessions']} sessions (band lunges, knee-to-wall), seed bases {first}-{stop - 1000}, "
          f"52/100/200 Hz, 0 and 2 % loss; {time.perf_counter() - t0:.0f} s")
    print(f"  true lifts {fig['true_lifts']}, found {fig['lifts_found']}, false {fig['false']}, missed {fig['missed']}: "
          f"precision {fig['precision']}, recall {fig['recall']} (goal >= 0.95 each)")
    print(f"  sessions with a false lift: {fig['sessions_with_false'] or 'none'}")
    print(f"  flag latency p50 {fig['latency_p50_s']} s, p90 {fig['latency_p90_s']} s, "
          f"within 0.3 s {fig['within_0_3_s']}")
    print(json.dumps(fig, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
