"""Sensors worn the wrong way: how often each mistake is noticed, and never where they were worn right.

Every exercise (and whole routines), simulated on fresh seeds with the strap turned up to
+-30 deg, at 52 and 100 Hz (2 % loss on a third), each twice with the same seed (the same
movements):

* **shin on the calf**: worn on the front of the shin, and with the strap turned a further
  half turn (the sensor on the back of the leg). How often the calibration turned front and
  back round (``dorsi.angle.worn_behind``) for each wearing, and of the calf-worn sessions it
  turned round, how many gave the same rep and hold counts as worn on the front.
* **foot sensor reversed** (with a foot sensor): worn arrow toward the toes, and turned half a
  turn about its +z (arrow toward the ankle). How often the analysis read the foot the other
  way round (``dorsi.pipeline.foot_direction``) for each, and of the reversed sessions it
  turned round, how many gave the same counts and heel lifts as worn right.
* **boards swapped** (with a foot sensor): the shin's board on the foot and the foot's on the
  shin. How often the analysis read them from each other's place
  (``dorsi.angle.sensor_roles``) for each, and how many of those gave the same counts and heel
  lifts as worn right.
* **foot sensor reversed, live**: the exercises that tell and whole routines (fewer seeds:
  ``--live-seeds``) through the live pipeline (``dorsi.session.simulated_feed``, the
  notifications as they would arrive, exercises starting after the calibration), worn right and
  reversed. How often the live session read the foot turned round, and of the reversed sessions
  it did, how many gave the same live counts and heel lifts as worn right in every exercise from
  the one it was noticed in (the exercises before it are read as worn: in a routine, the
  knee-to-wall test without a heel lift and the ankle circles, which pitch the foot both ways).

The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Callable

import numpy as np

RATES = (52.0, 100.0)


def _session(exercise: str, seed: int, rate: float, **options):
    from dorsi.sim import SimOptions, simulate, simulate_routine

    opts = SimOptions(rate_hz=rate, side="left" if seed % 2 else "right", packet_loss=0.02 if seed % 3 == 0 else 0.0,
                      **options)
    return simulate_routine(seed=seed, options=opts) if exercise == "routine" else simulate(exercise, seed=seed,
                                                                                             options=opts)


def _where(session, exercise: str) -> dict:
    """Which exercise ran when, as the analysis is told."""
    if exercise == "routine":
        return {"segments": [(g.exercise, g.start_s, g.end_s) for g in session.truth.segments]}
    return {"exercise": exercise}


def _same(a, b, heel: bool = False) -> bool:
    return all(len(x.reps) == len(y.reps) and len(x.holds) == len(y.holds)
               and (not heel or len(x.heel_lifts) == len(y.heel_lifts)) for x, y in zip(a.exercises, b.exercises))


def shin_on_calf(task: tuple[str, int, float]) -> tuple[str, bool, bool, bool]:
    """(exercise, turned round as worn, turned round on the calf, calf counts = front counts)."""
    from dorsi.angle import AngleEstimator
    from dorsi.pipeline import analyze

    exercise, seed, rate = task
    strap = float(np.random.default_rng(seed).uniform(-30, 30))
    front = _session(exercise, seed, rate, strap_rotation_deg=strap)
    calf = _session(exercise, seed, rate, strap_rotation_deg=strap - 180.0 if strap > 0 else strap + 180.0)
    as_worn = bool(AngleEstimator().calibrate(front.shin).calibration_.meta.get("worn_behind"))
    turned = bool(AngleEstimator().calibrate(calf.shin).calibration_.meta.get("worn_behind"))
    where = _where(front, exercise)
    same = turned and _same(analyze(front.shin, **where), analyze(calf.shin, **where))
    return exercise, as_worn, turned, same


def _reversed_foot(s) -> tuple:
    from dorsi.pipeline.foot_direction import half_turn

    return s.shin, half_turn(s.foot)


def _swapped_boards(s) -> tuple:
    from dorsi.angle.sensor_roles import as_role

    return as_role(s.foot, "shin"), as_role(s.shin, "foot")


def _worn_wrong(task: tuple[str, int, float], wear: Callable, said: str) -> tuple[str, bool, bool, bool]:
    """(exercise, noted worn right, noted worn wrong, worn-wrong counts and heel lifts = right ones)
    for a session with the foot sensor, worn right and as ``wear(session)`` gives the batches."""
    from dorsi.pipeline import analyze

    exercise, seed, rate = task
    s = _session(exercise, seed, rate, foot_sensor=True,
                 strap_rotation_deg=float(np.random.default_rng(seed).uniform(-30, 30)))
    where = _where(s, exercise)
    right = analyze(s.shin, s.foot, **where)
    try:
        wrong = analyze(*wear(s), **where)
    except ValueError:  # what a swapped pair gave before, at every start
        return exercise, False, False, False

    def noted(a) -> bool:
        return any(said in n for n in a.notes)

    return exercise, noted(right), noted(wrong), noted(wrong) and _same(right, wrong, heel=True)


#: The foot sensor arrow toward the ankle; the shin's and foot's boards on each other's place.
foot_reversed = partial(_worn_wrong, wear=_reversed_foot, said="foot sensor was worn the other way round")
boards_swapped = partial(_worn_wrong, wear=_swapped_boards, said="strapped on each other's place")


def foot_reversed_live(task: tuple[str, int, float]) -> tuple[str, bool, bool, bool]:
    """(exercise, turned live worn right, turned live reversed, reversed live counts = right ones)."""
    from dorsi.pipeline.foot_direction import half_turn
    from dorsi.routine import default_routine
    from dorsi.session.simulated_feed import run_live

    exercise, seed, rate = task
    s = _session(exercise, seed, rate, foot_sensor=True, quaternions=True,
                 strap_rotation_deg=float(np.random.default_rng(seed).uniform(-30, 30)))
    segments = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    right = run_live(s, default_routine(), segments)
    wrong = run_live(s, default_routine(), segments, foot=half_turn(s.foot))
    turned = wrong.foot_direction < 0
    same = all(len(x.reps) == len(y.reps) and len(x.holds) == len(y.holds) and len(x.heel_lifts) == len(y.heel_lifts)
               for x, y in zip(right.finished, wrong.finished, strict=True)
               if turned and y.start_s >= wrong.foot_turned_from_s)
    return exercise, right.foot_direction < 0, turned, turned and same


#: The exercises that can tell a reversed foot sensor (``FOOT_PITCH_WAY``), and whole routines.
LIVE_EXERCISES = ("eccentric_drop", "seated_df_hold", "nerve_floss", "band_lunge", "knee_to_wall")


def _table(title: str, columns: tuple[str, str, str], results: list) -> dict:
    figures: dict[str, dict] = {}
    for exercise, as_worn, turned, same in results:
        f = figures.setdefault(exercise, {"sessions": 0, "turned_worn_right": 0, "turned_worn_wrong": 0, "same": 0})
        f["sessions"] += 1
        f["turned_worn_right"] += as_worn
        f["turned_worn_wrong"] += turned
        f["same"] += same
    print(title)
    print(f"  {'exercise':18s} {'sessions':>8s} {columns[0]:>22s} {columns[1]:>22s} {columns[2]:>14s}")
    for exercise, f in figures.items():
        print(f"  {exercise:18s} {f['sessions']:8d} {f['turned_worn_right']:22d} {f['turned_worn_wrong']:22d} "
              f"{f['same']:14d}")
    return figures


def main(argv: list[str] | None = None) -> int:
    from dorsi.sim import EXERCISES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds per exercise and rate (default 8)")
    parser.add_argument("--seed-base", type=int, default=3000)
    parser.add_argument("--live-seeds", type=int, default=2,
                        help="seeds per exercise and rate for the live part (default 2; a routine takes ~1 min)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    exercises = [e for e in EXERCISES if e != "quiet_standing"] + ["routine"]
    todo = [(e, args.seed_base + i, r) for e in exercises for r in RATES for i in range(args.seeds)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        calf = list(pool.map(shin_on_calf, todo, chunksize=1))
        foot = list(pool.map(foot_reversed, todo, chunksize=1))
        swap = list(pool.map(boards_swapped, todo, chunksize=1))
        live_todo = [(e, args.seed_base + i, r) for e in ("routine",) + LIVE_EXERCISES for r in RATES
                     for i in range(args.live_seeds)]
        live = list(pool.map(foot_reversed_live, live_todo, chunksize=1))
    print(f"sensors worn the wrong way: {len(todo)} sessions each ({len(live_todo)} live), seeds {args.seed_base}+, "
          f"{' and '.join(str(int(r)) for r in RATES)} Hz, strap +-30 deg, 2 % loss on a third; "
          f"{time.perf_counter() - t0:.0f} s")
    figures = {
        "shin_on_calf": _table("shin sensor on the back of the leg (turned: front and back swapped)",
                               ("turned (on the front)", "turned (on the calf)", "calf = front"), calf),
        "foot_reversed": _table("foot sensor arrow toward the ankle (turned: read the other way round)",
                                ("turned (worn right)", "turned (reversed)", "same counts"), foot),
        "boards_swapped": _table("shin and foot boards on each other's place (swapped: read from their places)",
                                 ("swapped (worn right)", "swapped (swapped)", "same counts"), swap),
        "foot_reversed_live": _table("foot sensor arrow toward the ankle, live (turned: read the other way round)",
                                     ("turned (worn right)", "turned (reversed)", "same from there"), live),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
