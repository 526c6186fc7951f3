"""``dorsi analyze INPUT``: reps, holds, heel lifts and scores of a recorded session.

``--json`` prints one ``dorsi.analysis.v1`` object on stdout. Bad input exits
with status 2 and a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dorsi.commands.inputs import add_analysis_options
from dorsi.routine.exercises import EXERCISE_IDS

if TYPE_CHECKING:
    from dorsi.export.session import Samples

FORMATS = ("auto", "csv", "recording", "movella", "sensor_logger", "phyphox", "axivity")


class InputError(Exception):
    """The input cannot be analysed (message is the one-line reason)."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="analyse a recorded session (CSV or recording)",
                       description="Detect reps, holds and heel lifts and score a session.")
    p.add_argument("input", metavar="INPUT",
                   help="IMU CSV (a foot.csv beside a shin.csv is picked up), a directory holding shin.csv, "
                        "a Movella DOT CSV export, a phone's Sensor Logger export (zip, folder or JSON; its exercise "
                        "notes give the segments), a phone's phyphox export (zip, folder or CSV), an Axivity AX6 "
                        "recording (*.cwa; a foot.cwa beside a shin.cwa is picked up), or a dorsi "
                        "recording (*.dorsi; its exercise markers give the segments)")
    p.add_argument("--exercise", choices=EXERCISE_IDS, metavar="NAME",
                   help="exercise of a marker-less input (default: classified from the data)")
    p.add_argument("--format", choices=FORMATS, default="auto", help="input format (default: auto)")
    add_analysis_options(p)
    p.add_argument("--shank-length", type=float, metavar="M", help="shank length in metres")
    p.add_argument("--foot-length", type=float, metavar="M", help="foot length in metres")
    p.add_argument("--json", action="store_true", help="print one JSON object (schema dorsi.analysis.v1)")
    p.set_defaults(func=run)


def _resolve_format(path: Path, fmt: str) -> str:
    from dorsi.export.session import SessionInputError, detect_kind

    if fmt != "auto":
        return fmt
    try:
        kind = detect_kind(path)
    except SessionInputError as exc:
        raise InputError(f"{exc} (use --format)") from None
    if kind == "analysis":
        raise InputError(f"{path}: an analysis JSON is a result, not samples to analyse (use --format)")
    return kind


def _load(path: Path, fmt: str, axes: str | None = None, between: str | None = None) -> Samples:
    """The samples of a CSV (file or directory), a Movella DOT export or a recording, read as
    ``report`` and ``export`` read them (``dorsi.export.session.read_samples``)."""
    from dorsi.export.session import read_samples

    try:
        return read_samples(path, fmt, axes, between)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _load_segments(path: Path) -> list[tuple[str, float, float]]:
    from dorsi.sources import SourceError
    from dorsi.sources.segments_file import read_segments

    try:
        return read_segments(path)
    except SourceError as exc:
        raise InputError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from dorsi.pipeline import analyze
    from dorsi.routine import RoutineError, load_routine

    path = Path(args.input)
    try:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if args.exercise and args.segments:
            raise InputError("give --exercise (the whole input is one exercise) or --segments, not both")
        data = _load(path, _resolve_format(path, args.format), args.axes, args.between)
        segments: list | str | None = data.segments
        if args.exercise:
            segments = None  # an explicit exercise overrides markers: the whole input is that exercise
        if args.segments:
            segments = "auto" if args.segments == "auto" else _load_segments(Path(args.segments))
        # a recording is judged by the routine it was run with unless another is named
        routine = load_routine(args.routine) if args.routine else data.routine
        profile = {k: data.profile[k] for k in ("side", "shank_length_m", "foot_length_m", "sensor_height_m")
                   if data.profile.get(k)}
        if args.side:
            profile["side"] = args.side
        if args.shank_length:
            profile["shank_length_m"] = args.shank_length
        if args.foot_length:
            profile["foot_length_m"] = args.foot_length
        result = analyze(data.shin, data.foot, segments=segments, exercise=args.exercise, routine=routine,
                         profile=profile or None, notes=data.problems, pain=data.pain)
    except (InputError, RoutineError, ValueError) as exc:
        print(f"dorsi analyze: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    if args.json:
        print(result.dumps())
    else:
        _print_summary(result)
    return 0


def _print_summary(result) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    scored = any(ex.quality.score is not None for ex in result.exercises)
    overall = f"[bold]{result.quality.score}[/bold]/100" if scored else "not scored (no exercise could be scored)"
    console.print(f"[bold]dorsi analysis[/bold]: {result.duration_s:.1f} s at {result.sample_rate_hz:.0f} Hz "
                  f"({result.source}), overall quality {overall}")
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    for ex in result.exercises:
        shown = "not scored" if ex.quality.score is None else f"{ex.quality.score}/100"
        table = Table(title=f"{ex.exercise} {ex.start_s:.1f}-{ex.end_s:.1f} s  quality {shown}")
        table.add_column("event")
        table.add_column("start s", justify="right")
        table.add_column("end s", justify="right")
        table.add_column("angle deg", justify="right")
        table.add_column("notes")
        for i, r in enumerate(ex.reps, 1):
            notes = ", ".join(n for n, on in (("heel lift", r.heel_lift), ("foot rolls in", r.foot_roll_in),
                                              ("peak lost in a data gap, counted from the rhythm", r.inferred)) if on)
            if r.lowering_s is not None:
                notes = ", ".join(filter(None, [notes, f"lowering {r.lowering_s:.1f} s"]))
            if r.direction is not None:
                notes = ", ".join(filter(None, [f"{r.direction} circle", notes]))
            table.add_row(f"rep {i}", f"{r.start_s:.2f}", f"{r.end_s:.2f}", f"{r.peak_angle_deg:.1f}", notes)
        for i, h in enumerate(ex.holds, 1):
            met = "met" if h.met else "short"
            table.add_row(f"hold {i}", f"{h.start_s:.2f}", f"{h.end_s:.2f}", f"{h.mean_angle_deg:.1f}",
                          f"{h.duration_s:.1f} s ({met})")
        for p in ex.pain:  # where it hurt: the deepest angle just before the report
            table.add_row("[red]pain[/red]", f"{p.t_s:.2f}", "", "" if p.angle_deg is None else f"{p.angle_deg:.1f}",
                          f"reported {p.label}")
        console.print(table)
        for note in ex.notes:
            console.print(f"[yellow]note:[/yellow] {note}")
