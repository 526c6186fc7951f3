"""``dorsi history``: list kept sessions; ``add`` a session; ``calibrate`` the knee-to-wall distance."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from dorsi.commands.inputs import add_input_arguments


def _home(p: argparse.ArgumentParser, action: bool = True) -> None:
    """``--home``, before the action (``history --home DIR add``) or after it (``history add --home DIR``):
    an action's own default must not hide the one given before it."""
    p.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS if action else None,
                   help="data folder (default: $DORSI_HOME or ~/.local/share/dorsi)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("history", help="list kept sessions, add one, calibrate knee-to-wall",
                       description="Sessions kept on this computer (a private folder of recordings plus an index).")
    _home(p, action=False)
    p.set_defaults(func=run_list)
    hsub = p.add_subparsers(dest="history_command", metavar="ACTION")
    ls = hsub.add_parser("list", help="list sessions (the default)")
    _home(ls)
    ls.set_defaults(func=run_list)
    add = hsub.add_parser("add", help="analyse a recording or CSV and keep it")
    add_input_arguments(add)
    _home(add)
    add.set_defaults(func=run_add)
    cal = hsub.add_parser("calibrate", help="fit your knee-to-wall cm from one tape-measured distance")
    cal.add_argument("--cm", type=float, required=True, help="toe-to-wall distance you measured, in cm")
    cal.add_argument("--session", metavar="ID", help="session measured (default: the latest knee-to-wall test)")
    _home(cal)
    cal.set_defaults(func=run_calibrate)
    rebuild = hsub.add_parser("rebuild", help="index the kept recordings again (after the index was damaged)")
    _home(rebuild)
    rebuild.set_defaults(func=run_rebuild)


def _fail(exc: Exception) -> int:
    print(f"dorsi history: error: {' '.join(str(exc).split())}", file=sys.stderr)
    return 2


def _errors():
    from dorsi.export.session import SessionInputError
    from dorsi.history import HistoryError
    from dorsi.routine import RoutineError

    return (SessionInputError, HistoryError, RoutineError, ValueError, OSError)


def run_list(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from dorsi.history import History, home_dir
    from dorsi.score import overall_scored

    try:
        with History(args.home) as h:
            sessions = h.sessions()
            cals = {side: h.calibration(side) for side in ("left", "right", None)}
            # a session none of whose exercises could be scored keeps 0 in the index: shown as such
            analyses = {s.id: h.analysis(s.id) for s in sessions}
            unscored = {sid for sid, analysis in analyses.items() if not overall_scored(analysis)}
    except _errors() as exc:
        return _fail(exc)
    console = Console()
    if not sessions:
        console.print(f"No sessions yet in {home_dir(args.home)}. Add one with 'dorsi history add FILE'.")
        return 0
    caption = "dorsi report ID (or latest) writes a session's report"
    if unscored:
        caption += "; score \u2013: not scored (no exercise could be with the sensors worn)"
    table = Table(title=f"{len(sessions)} session(s)", caption=caption)
    table.add_column("id", no_wrap=True, min_width=22)  # whole: it is what 'dorsi report ID' takes
    for col in ("date (UTC)", "side"):
        table.add_column(col, justify="left")
    for col in ("routine", "score", "knee-to-wall", "pain"):
        table.add_column(col, justify="right")
    for s in sessions:
        cal = cals.get(s.side)
        cm = s.ktw_cm_with(cal)
        ktw = "\u2013" if s.ktw_deg is None else f"{s.ktw_deg:.1f}\u00b0" + ("" if cm is None else f" / {cm:.1f} cm")
        table.add_row(s.id, f"{s.started_at:%Y-%m-%d %H:%M}", s.side or "?",
                      f"{s.exercises_done}/{s.exercises_total} ex, {100 * s.completion:.0f}%",
                      "\u2013" if s.id in unscored else str(s.score), ktw, _pain_cell(analyses[s.id]))
    console.print(table)
    return 0


def _pain_cell(analysis: dict) -> str:
    """``–`` when no pain was reported, else the worst rating and, if more than one, how many
    reports (``6/10 x2``; ``yes`` / ``x2`` when none was rated)."""
    from dorsi.events.pain import rated, reported

    reports = reported(analysis)
    if not reports:
        return "\u2013"
    levels = rated(reports)
    many = f"x{len(reports)}" if len(reports) > 1 else ""
    if not levels:
        return many or "yes"
    return f"{max(levels)}/10" + (f" {many}" if many else "")


def run_add(args: argparse.Namespace) -> int:
    from dorsi.commands.inputs import session_from_args
    from dorsi.history import History
    from dorsi.score import overall_scored

    try:
        with History(args.home) as h, tempfile.TemporaryDirectory() as tmp:
            session = session_from_args(args)  # the same options, read as report and export read them
            kept = session.samples_path or session.path
            if args.between and session.kind == "axivity":  # keep the part read, not a week of wear
                from dorsi.sources.axivity import cut_cwa, parse_window

                kept = cut_cwa(kept, Path(tmp) / "shin.cwa", parse_window(args.between))
            rec = h.add(kept, session.analysis, side=session.side,
                        started_at=session.started_at, profile=session.profile, routine=session.routine)
    except _errors() as exc:
        return _fail(exc)
    score = f"score {rec.score}" if overall_scored(session.analysis) else "not scored"
    print(f"{rec.id}  {score}  " + ("" if rec.ktw_deg is None else f"knee-to-wall {rec.ktw_deg:.1f} deg"))
    return 0


def run_calibrate(args: argparse.Namespace) -> int:
    from dorsi.history import History

    try:
        with History(args.home) as h:
            cal = h.calibrate(args.cm, args.session)
    except _errors() as exc:
        return _fail(exc)
    print(f"calibrated: {args.cm:.1f} cm at {cal.angle_deg_:.1f} deg; your distances are now the model's "
          f"{cal.offset_cm_:+.1f} cm (the 8 cm aim is reached at {cal.angle_for_cm(8.0):.1f} deg)")
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    from dorsi.history import History

    try:
        history, problems = History.rebuild(args.home)
        with history:
            count = len(history.sessions())
    except _errors() as exc:
        return _fail(exc)
    print(f"{count} session(s) indexed again in {history.home}" + (f"; {len(problems)} not:" if problems else ""))
    for line in problems:
        print(f"  {line}")
    print("Knee-to-wall calibrations are kept in the index only: enter yours again (dorsi history calibrate).")
    return 0 if not problems else 1
