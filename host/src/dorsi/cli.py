"""Command-line entry point: ``dorsi <command> ...``.

Each sub-command lives in ``dorsi.commands.<name>`` and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
taking the parsed arguments and returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "demo",
    "firmware",
    "session",
    "coach",
    "knee_to_wall",
    "replay",
    "scan",
    "pair",
    "sleep",
    "analyze",
    "simulate",
    "report",
    "history",
    "progress",
    "export",
    "batch",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dorsi", description="Wearable coach for ankle dorsiflexion.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"dorsi.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
