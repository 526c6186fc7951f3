"""Command-line options shared by the commands that read one session input."""

from __future__ import annotations

import argparse

from dorsi.export.session import INPUT_KINDS, Session, load_session
from dorsi.routine.exercises import EXERCISE_IDS


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """``FILE`` plus ``--format``, ``--samples``, ``--exercise``, ``--segments``, ``--axes``, ``--routine``."""
    p.add_argument("input", metavar="FILE",
                   help="a recording (*.dorsi), an IMU CSV (generic or Movella DOT export), a folder with "
                        "shin.csv, or an analysis JSON (with its samples)")
    p.add_argument("--format", choices=INPUT_KINDS, default="auto", help="input kind (default: detected)")
    p.add_argument("--samples", metavar="FILE", help="the samples of an analysis JSON (default: found beside it)")
    p.add_argument("--exercise", choices=EXERCISE_IDS, metavar="NAME",
                   help="exercise of an input without exercise markers (default: classified)")
    p.add_argument("--segments", metavar="FILE",
                   help="which exercise ran when, for an input without markers (or to replace them): CSV "
                        "exercise,start_s,end_s or JSON; see docs/interchange.md")
    p.add_argument("--axes", metavar="MAP",
                   help="Movella DOT axes as dorsi axes, e.g. 'y,-x,z' (the default: DOT strapped with +y "
                        "toward the knee, top face out), or 'auto' to detect them from the data; see "
                        "docs/interchange.md")
    p.add_argument("--routine", metavar="TOML",
                   help="routine file with targets (default: a recording's own routine, the one it was run with; "
                        "else the packaged routine)")


def session_from_args(args: argparse.Namespace) -> Session:
    """Load the session named by :func:`add_input_arguments` options (raises ``ValueError`` subclasses)."""
    from dorsi.routine import load_routine
    from dorsi.sources.movella import AxisMap

    if args.axes and args.axes != "auto":
        AxisMap.parse(args.axes)  # a bad map is reported before any reading
    routine = load_routine(args.routine) if args.routine else None
    return load_session(args.input, kind=args.format, samples=args.samples, exercise=args.exercise,
                        axes=args.axes, routine=routine, segments=args.segments)
