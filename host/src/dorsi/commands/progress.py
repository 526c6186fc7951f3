"""``dorsi progress``: knee-to-wall and peak dorsiflexion per side over weeks, adherence, asymmetry,
pain reported lately."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("progress", help="progress over weeks (changes beyond measurement error only)",
                       description="Weekly knee-to-wall and peak dorsiflexion per side, sessions per week and "
                                   "left/right asymmetry; a change counts only when it exceeds the minimal "
                                   "detectable change.")
    p.add_argument("--home", metavar="DIR", help="data folder (default: $DORSI_HOME or ~/.local/share/dorsi)")
    p.add_argument("--png", nargs="?", const="progress.png", metavar="PATH",
                   help="also write the progress figure (default name progress.png)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from dorsi.history import History, HistoryError, ProgressAnalyzer
    from dorsi.history.pain_trend import pain_statement
    from dorsi.history.plot import ProgressFigure
    from dorsi.history.progress import METRICS, SIDES, UNSPECIFIED

    try:
        with History(args.home) as h:
            sessions = h.sessions()
            cals = {side: h.calibration(side if side in SIDES else None) for side in (*SIDES, UNSPECIFIED)}
            pain = pain_statement(h)
        if not sessions:
            raise HistoryError("no sessions in the history yet: add one with 'dorsi history add FILE'")
        progress = ProgressAnalyzer(calibrations=cals).fit(sessions)
        out = None
        if args.png:
            from dorsi.views.report.report import _write_private

            out = _write_private(Path(args.png), ProgressFigure().draw(progress).png())
    except (HistoryError, ValueError, OSError) as exc:
        print(f"dorsi progress: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    console = Console()
    table = Table(title="Weekly progress (week value = mean of its sessions)")
    for col in ("week of", "sessions", "side", "knee-to-wall", "distance", "peak DF"):
        table.add_column(col, justify="left" if col in ("week of", "side") else "right")
    for w in progress.weeks_:
        first = True
        for side in progress.sides_:
            vals = [w.value(side, m) for m in METRICS]
            if all(v is None for v in vals) and not (first and side == progress.sides_[-1]):
                continue
            cells = ["\u2013" if v is None else f"{v:.1f}{unit}" for v, (_, unit) in zip(vals, METRICS.values())]
            table.add_row(f"{w.start:%Y-%m-%d}" if first else "", str(w.sessions) if first else "", side, *cells)
            first = False
    console.print(table)
    for side in progress.sides_:
        for unit in ("deg", "cm"):
            m = progress.mdc_[(side, unit)]
            console.print(f"MDC95 {side} knee-to-wall: {m.mdc_:.1f} {unit}, {m.describe()}")
    for line in progress.statements():
        console.print(line)
    console.print(pain, highlight=False)
    if out is not None:
        console.print(f"figure: {out}")
    return 0
