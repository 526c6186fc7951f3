"""``dorsi demo``: the main job, end to end on emulated sensors.

A short guided routine performed by an emulated patient wearing an emulated
sensor on an in-process BLE link (bumble, through the real bleak API), with
the live terminal view, a saved recording and the analysis at the end. With
no keyboard attached it advances by itself and finishes in about a minute.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the product end to end on the emulated sensor")
    p.add_argument("--speed", type=float, default=4.0, help="how much faster than real time (default 4)")
    p.add_argument("--foot", action="store_true", help="also wear an emulated foot sensor")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, default=Path("out/demo"), help="folder for the recording and analysis")
    p.add_argument("--full", action="store_true", help="the full default routine instead of the short one")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import time
    from importlib import resources

    from dorsi.routine import load_routine
    from dorsi.session.app import SessionConfig
    from dorsi.session.app import run as run_app

    routine_path = None if args.full else resources.files("dorsi").joinpath("data/demo_routine.toml")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = SessionConfig(
        routine=load_routine(routine_path), emulate=True, foot=args.foot, speed=args.speed, seed=args.seed,
        out=out / f"demo-{time.strftime('%Y%m%d-%H%M%S')}.dorsi", home=out / "home",
    )
    return run_app(cfg)
