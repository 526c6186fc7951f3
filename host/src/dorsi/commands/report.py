"""``dorsi report FILE``: a self-contained HTML session report (or ``--png``: the main figure)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dorsi.commands.inputs import add_input_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a session report (HTML, readable on a phone)",
                       description="Write one self-contained HTML page (plots embedded, no network) with the "
                                   "ankle-angle trace, targets vs achieved, quality score, knee-to-wall result "
                                   "and data gaps.")
    add_input_arguments(p, history=True)
    p.add_argument("--out", metavar="PATH", help="output file (default: report.html, or report.png with --png)")
    p.add_argument("--png", action="store_true", help="write the main figure alone as PNG")
    p.add_argument("--home", metavar="DIR", help="dorsi data folder holding the knee-to-wall calibration "
                                                 "(default: $DORSI_HOME or ~/.local/share/dorsi)")
    p.add_argument("--no-calibration", action="store_true", help="ignore the stored knee-to-wall calibration")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dorsi.commands.inputs import resolve_input, session_from_args
    from dorsi.export.session import SessionInputError
    from dorsi.history.store import History, HistoryError
    from dorsi.private_files import private_dir
    from dorsi.routine import RoutineError
    from dorsi.views.report import SessionReport

    try:
        args.input = resolve_input(args.input, args.home)
        session = session_from_args(args)
        calibration, progress = None, None
        if History.exists(args.home):
            with History(args.home) as h:
                if not args.no_calibration:
                    calibration = h.calibration(session.side)
                progress = _progress_lines(h)
        report = SessionReport(calibration=calibration, progress=progress)
        out = Path(args.out or ("report.png" if args.png else "report.html"))
        private_dir(out.parent)  # a folder named for the report is made, as export makes its own
        if args.png:
            report.write_figure(session, out)
        else:
            report.build(session).write(out)
    except (SessionInputError, RoutineError, HistoryError, ValueError, OSError) as exc:
        print(f"dorsi report: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    print(out)
    return 0


def _progress_lines(history) -> list[str] | None:
    """Progress statements from the history, pain over the latest sessions last (``None``
    without sessions)."""
    from dorsi.history import ProgressAnalyzer
    from dorsi.history.pain_trend import pain_statement

    sessions = history.sessions()
    if not sessions:
        return None
    cals = {side: history.calibration(None if side == "unspecified" else side)
            for side in ("left", "right", "unspecified")}
    return ProgressAnalyzer(calibrations=cals).fit(sessions).statements() + [pain_statement(history)]
