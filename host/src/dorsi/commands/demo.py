"""``dorsi demo``: the main job (placeholder until the emulated device lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the product end to end on the emulated sensor")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dorsi.protocol.demo import main as demo_main

    return demo_main()
