"""``dorsi batch DIR --out table.parquet``: analyse every recording/CSV under a folder, in parallel."""

from __future__ import annotations

import argparse
import sys

from dorsi.routine.exercises import EXERCISE_IDS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="analyse many recordings/CSVs into one table (local cores or Dask)",
                       description="Analyse every session input under DIR (recordings, CSVs, phone exports, "
                                   "Axivity .cwa); one row per file and exercise. A NAME.segments.csv beside "
                                   "NAME.csv (or segments.csv beside a shin.csv) says which exercise ran when. Or "
                                   "give a study's manifest: a CSV with a 'file' column and, per row, any of label, "
                                   "exercise, segments, between, side, axes (docs/interchange.md).")
    p.add_argument("dir", metavar="DIR", help="folder searched recursively, or a manifest CSV")
    p.add_argument("--out", metavar="FILE", required=True, help="results table (.parquet or .csv)")
    p.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: CPU count)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask cluster (scheduler address, e.g. tcp://10.0.0.5:8786); the workers "
                        "must see the same paths (shared filesystem)")
    p.add_argument("--exercise", choices=EXERCISE_IDS, metavar="NAME", help="exercise of marker-less inputs")
    p.add_argument("--axes", metavar="MAP",
                   help="axis map for Movella DOT exports and generic IMU CSVs (see dorsi report --help)")
    p.add_argument("--routine", metavar="TOML",
                   help="routine file with targets (default: each recording's own routine; else the packaged one)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dorsi.batch import BatchRunner, JobOptions, find_inputs, is_manifest, read_manifest
    from dorsi.export.writer import write_table
    from dorsi.private_files import private_dir
    from dorsi.routine import RoutineError, load_routine
    from dorsi.sources.axes import AxisMap

    try:
        if args.axes and args.axes != "auto":
            AxisMap.parse(args.axes)
        if args.routine:
            load_routine(args.routine)  # a bad file is reported once, before any work
        out = Path(args.out)
        if out.suffix not in (".parquet", ".csv"):
            raise ValueError(f"{out}: the table must end in .parquet or .csv")
        files: list = read_manifest(args.dir) if is_manifest(args.dir) else find_inputs(args.dir)
        if not files:
            raise ValueError(f"{args.dir}: no session inputs found (recordings, CSVs, phone exports, .cwa)")
        routine = str(Path(args.routine).resolve()) if args.routine else None  # as every worker will see it
        if not private_dir(out.parent).is_dir():  # before the work: a table that cannot be written is said at once
            raise ValueError(f"{out.parent}: not a folder")
        runner = BatchRunner(args.workers, args.dask, JobOptions(args.exercise, args.axes, routine)).run(files)
        write_table(runner.table_, out)
    except (ValueError, OSError, RoutineError) as exc:
        print(f"dorsi batch: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    print(f"{out}: {runner.table_.num_rows} rows from {len(files)} files ({runner.failed_} could not be analysed)")
    return 1 if runner.failed_ == len(files) else 0
