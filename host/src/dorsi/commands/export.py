"""``dorsi export FILE --csv|--parquet``: samples, angle trace, events and the analysis JSON as files."""

from __future__ import annotations

import argparse
import sys

from dorsi.commands.inputs import add_input_arguments


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export samples, angle trace and events as CSV or Parquet",
                       description="Write <name>.shin/.foot (samples, SI units, dorsi axes), .trace (ankle angle), "
                                   ".events (reps, holds, heel lifts, gaps) and .analysis.json.")
    add_input_arguments(p)
    fmt = p.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", dest="fmt", action="store_const", const="csv", help="CSV tables")
    fmt.add_argument("--parquet", dest="fmt", action="store_const", const="parquet", help="Parquet tables")
    p.add_argument("--out", metavar="DIR", default=".", help="output folder (default: current folder)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dorsi.export import SessionExporter
    from dorsi.commands.inputs import session_from_args
    from dorsi.export.session import SessionInputError
    from dorsi.routine import RoutineError

    try:
        session = session_from_args(args)
        files = SessionExporter(args.fmt).export(session, args.out).files_
    except (SessionInputError, RoutineError, ValueError, OSError) as exc:
        print(f"dorsi export: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    for f in files:
        print(f)
    return 0
