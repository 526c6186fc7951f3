"""Command-line options shared by the commands that read one session input.

Light to import (every command registers its parser on each ``dorsi`` call):
the analysis stack is imported when a command runs, not here.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from dorsi.routine.exercises import EXERCISE_IDS

if TYPE_CHECKING:
    from dorsi.export.session import Session

#: The input kinds ``dorsi.export.session.load_session`` reads (its ``INPUT_KINDS``; a test keeps
#: the two equal without importing the analysis stack here).
INPUT_KINDS = ("auto", "recording", "csv", "movella", "sensor_logger", "phyphox", "axivity", "analysis")


def add_input_arguments(p: argparse.ArgumentParser, history: bool = False) -> None:
    """``FILE`` plus ``--format``, ``--samples``, ``--exercise``, ``--segments``, ``--side``, ``--axes``, ``--routine``
    (``history``: FILE may also name a kept session, see :func:`resolve_input`)."""
    p.add_argument("input", metavar="FILE",
                   help="a recording (*.dorsi), an IMU CSV (generic or Movella DOT export), a folder with "
                        "shin.csv, a phone's Sensor Logger export (zip, folder or JSON) or phyphox export (zip, "
                        "folder or CSV), an Axivity AX6 recording (*.cwa; a foot.cwa beside a shin.cwa is picked "
                        "up), or an analysis JSON (with its samples)"
                        + ("; or a session from 'dorsi history' by its id (or the start of it), or 'latest'"
                           if history else ""))
    p.add_argument("--format", choices=INPUT_KINDS, default="auto", help="input kind (default: detected)")
    p.add_argument("--samples", metavar="FILE", help="the samples of an analysis JSON (default: found beside it)")
    p.add_argument("--exercise", choices=EXERCISE_IDS, metavar="NAME",
                   help="exercise of an input without exercise markers (default: classified)")
    add_analysis_options(p)


def add_analysis_options(p: argparse.ArgumentParser) -> None:
    """``--segments``, ``--side``, ``--axes``, ``--between``, ``--routine``: how an input is read and judged
    (also ``dorsi analyze``'s)."""
    p.add_argument("--segments", metavar="FILE|auto",
                   help="which exercise ran when, for an input without markers (or to replace them): a CSV "
                        "with columns exercise,start_s,end_s, or JSON (a list of such objects, the simulator's "
                        "truth.json, or an earlier 'dorsi analyze --json' result); times in the input's own "
                        "time base; or 'auto' to find the routine's exercises in a whole routine recorded "
                        "without markers (in the routine's order; any may be left out); see docs/interchange.md")
    p.add_argument("--side", choices=("left", "right"),
                   help="the leg, where the input does not say (Movella exports, CSVs without '# side:'); "
                        "it sets which way the knee drifting in reads (default: the input's, else right)")
    p.add_argument("--axes", metavar="MAP",
                   help="the sensor's axes as dorsi axes, e.g. 'y,-x,z' (dorsi's +x is the sensor's +y ...), "
                        "or 'auto' to detect them from the data: for a Movella DOT export (default: DOT "
                        "strapped with +y toward the knee, top face out), an Axivity AX6 recording (default: arrow "
                        "toward the knee, etched face out), a Sensor Logger or phyphox export "
                        "(default: phone screen out, top toward the knee) or a generic IMU CSV's shin sensor "
                        "(default: the file's '# axes:' comment, else dorsi's own); see docs/interchange.md")
    p.add_argument("--between", metavar="START,END",
                   help="an Axivity recording of a day or a week of wear: read only this time on the logger's "
                        "clock (its local time), e.g. 2026-11-27T18:00,2026-11-27T18:45 (either may be empty)")
    p.add_argument("--routine", metavar="TOML",
                   help="routine file with targets (default: a recording's own routine, the one it was run with; "
                        "else the packaged routine)")


def session_from_args(args: argparse.Namespace) -> Session:
    """Load the session named by :func:`add_input_arguments` options (raises ``ValueError`` subclasses)."""
    from dorsi.export.session import load_session
    from dorsi.routine import load_routine
    from dorsi.sources.axes import AxisMap

    if args.axes and args.axes != "auto":
        AxisMap.parse(args.axes)  # a bad map is reported before any reading
    routine = load_routine(args.routine) if args.routine else None
    return load_session(args.input, kind=args.format, samples=args.samples, exercise=args.exercise,
                        axes=args.axes, routine=routine, segments=args.segments, side=args.side,
                        between=args.between)


def resolve_input(name: str, home: str | None) -> str:
    """``name`` as given when it is a file; else the recording of the kept session it names (an id
    from ``dorsi history``, the start of one, or ``latest``), when there is exactly one."""
    from pathlib import Path

    from dorsi.history.store import History

    if Path(name).exists() or not History.exists(home):
        return name
    with History(home) as h:
        sessions = h.sessions()
        if name == "latest":
            match = sessions[-1:]
        else:
            match = [s for s in sessions if s.id == name] or [s for s in sessions if s.id.startswith(name)]
        if len(match) != 1:
            if len(match) > 1:
                raise ValueError(f"{name!r} matches {len(match)} kept sessions: give more of the id")
            return name
        return str(h.recording_path(match[0].id))
