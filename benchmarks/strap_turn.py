"""A shin strap that turns after calibration: how often the analysis notices, and false notes.

Each session is the same person and sensor calibrating on 12 band lunges with the strap as
worn, then doing a set of band lunges or knee-to-wall trials after the strap turned by
``slip`` degrees about the shin (0: it did not); the "drift" cells have no turn but a knee
that drifts 14 deg in or out of the foot's line as the lunge deepens (``knee_drift`` 0.25),
which moves the movement axis as much as a turn would. Printed per cell: the share of
sessions whose second exercise got the note, and the turn measured (``MovementAxis.turn_deg_``:
median, min, max of the absolute value). Then whole simulated routines with the strap never
turning (``--routines``; shin only and with the foot sensor, 52/100/200 Hz, 2 % loss on
some): notes given (should be none) and the largest turn per exercise. Seeds default to 6000+.
The last line is one JSON object.

Run: ``.venv/bin/python benchmarks/strap_turn.py [--sessions 16] [--routines 24] [--seed-base 6000]``.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor

import numpy as np

# (slip deg, knee drift per unit depth or None for the person's own)
CELLS = ((0.0, None), (0.0, 0.25), (0.0, -0.25), (5.0, None), (8.0, None), (-8.0, None), (10.0, None),
         (15.0, None), (-15.0, None), (25.0, None), (-25.0, None))
EXERCISES = ("band_lunge", "knee_to_wall")


def slip_session(task: tuple) -> tuple:
    exercise, (slip, drift), seed = task
    from dorsi.angle.movement_axis import MovementAxis
    from dorsi.pipeline import analyze
    from dorsi.pipeline.analyze import estimate_trace
    from dorsi.sim import SimOptions, simulate

    rng = np.random.default_rng(seed)
    side, worn = ("left" if seed % 2 else "right"), float(rng.uniform(-20, 20))
    rate = (52.0, 100.0, 200.0)[seed % 3]
    person = {} if drift is None else {"knee_drift": drift}
    calibration = simulate("band_lunge", seed=seed, reps=12,
                           options=SimOptions(rate_hz=rate, side=side, strap_rotation_deg=worn, **person))
    turned = simulate(exercise, seed=seed, options=SimOptions(rate_hz=rate, side=side,
                                                              strap_rotation_deg=worn + slip, **person))
    shin = calibration.shin.followed_by(turned.shin)
    start = float(shin.t[len(calibration.shin)])
    end = float(shin.t[-1]) + 1.0
    ex = analyze(shin, segments=[("band_lunge", 0.0, start), (exercise, start, end)]).exercises[1]
    turn = MovementAxis().measure(estimate_trace(shin).slice_time(start, end)).turn_deg_
    return exercise, (slip, drift), any("turned" in n for n in ex.notes), turn


def routine_session(seed: int) -> tuple[int, dict]:
    from dorsi.angle.movement_axis import MovementAxis
    from dorsi.pipeline import analyze
    from dorsi.pipeline.analyze import estimate_trace
    from dorsi.sim import SimOptions, simulate_routine

    rng = np.random.default_rng(seed)
    opts = SimOptions(rate_hz=(52.0, 100.0, 200.0)[seed % 3], side="left" if seed % 2 else "right",
                      strap_rotation_deg=float(rng.uniform(-30, 30)), foot_sensor=seed % 2 == 0,
                      packet_loss=0.02 if seed % 4 < 2 else 0.0)
    s = simulate_routine(seed=seed, options=opts)
    segments = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    analysis = analyze(s.shin, s.foot, segments=segments)
    notes = sum(any("turned" in n for n in e.notes) for e in analysis.exercises)
    trace = estimate_trace(s.shin, s.foot)
    offsets = {}
    for ex, a, b in segments:
        off = MovementAxis().measure(trace.slice_time(a, b)).turn_deg_
        if off is not None:
            offsets[ex] = max(offsets.get(ex, 0.0), abs(off))
    return notes, offsets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=16, help="sessions per exercise and slip")
    parser.add_argument("--routines", type=int, default=24)
    parser.add_argument("--seed-base", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    tasks = [(ex, cell, args.seed_base + k) for ex in EXERCISES for cell in CELLS for k in range(args.sessions)]
    with ProcessPoolExecutor(args.workers) as pool:
        slips = list(pool.map(slip_session, tasks, chunksize=4))
        routines = list(pool.map(routine_session, range(args.seed_base, args.seed_base + args.routines)))
    out: dict = {"slip": {}, "routines": {}}
    print(f"strap turned after calibration, {args.sessions} sessions per cell (seeds {args.seed_base}+, "
          "52/100/200 Hz, left/right, strap worn up to +-20 deg): note given | |turn| median (min-max) deg")
    for ex in EXERCISES:
        for slip, drift in CELLS:
            rows = [r for r in slips if r[0] == ex and r[1] == (slip, drift)]
            told = float(np.mean([r[2] for r in rows]))
            offs = np.abs([r[3] for r in rows if r[3] is not None])
            cell = {"noted": round(told, 3), "turn_median_deg": round(float(np.median(offs)), 1),
                    "turn_min_deg": round(float(offs.min()), 1), "turn_max_deg": round(float(offs.max()), 1)}
            label = f"{slip:+g}" + ("" if drift is None else f" drift {drift:+g}")
            out["slip"][f"{ex}/{label}"] = cell
            print(f"  {ex:13s} slip {label:16s}: noted {told:4.2f} | {cell['turn_median_deg']:5.1f} "
                  f"({cell['turn_min_deg']:.1f}-{cell['turn_max_deg']:.1f})")
    notes = sum(n for n, _ in routines)
    worst: dict = {}
    for _, offs in routines:
        for ex, v in offs.items():
            worst[ex] = max(worst.get(ex, 0.0), v)
    out["routines"] = {"sessions": len(routines), "false_notes": notes,
                       "max_turn_deg": {ex: round(v, 1) for ex, v in worst.items()}}
    print(f"whole routines, strap never turned ({len(routines)}, shin only and + foot): strap notes {notes}; "
          "largest |turn| per exercise: " + ", ".join(f"{ex} {v:.1f}" for ex, v in worst.items()))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
