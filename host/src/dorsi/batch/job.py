"""The batch map: one input file -> rows of the results table (one per exercise).

A top-level function of plain arguments, so it pickles for a process pool and
for Dask workers alike. A file that cannot be analysed gives one row with its
``error`` set instead of stopping the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from dorsi.batch.manifest import BatchEntry
from dorsi.routine.model import Routine

#: The results table: one row per (file, exercise).
COLUMNS: dict[str, pa.DataType] = {
    "file": pa.string(),
    "label": pa.string(),
    "kind": pa.string(),
    "started_at": pa.timestamp("us", tz="UTC"),
    "side": pa.string(),
    "duration_s": pa.float64(),
    "sample_rate_hz": pa.float64(),
    "source": pa.string(),
    "session_score": pa.int32(),
    "samples_lost": pa.int64(),
    "exercise": pa.string(),
    "start_s": pa.float64(),
    "end_s": pa.float64(),
    "reps_target": pa.int32(),
    "reps_done": pa.int32(),
    "circles_outward": pa.int32(),
    "circles_inward": pa.int32(),
    "heel_free_reps": pa.int32(),
    "holds_target": pa.int32(),
    "holds_met": pa.int32(),
    "peak_angle_deg": pa.float64(),
    "lowering_mean_s": pa.float64(),
    "knee_to_wall_deg": pa.float64(),
    "knee_to_wall_cm": pa.float64(),
    "score": pa.int32(),
    "pain_reports": pa.int32(),
    "pain_worst": pa.int32(),
    "error": pa.string(),
}
SCHEMA = pa.schema(list(COLUMNS.items()))


@dataclass(frozen=True)
class JobOptions:
    """Options applied to every file of a batch."""

    exercise: str | None = None
    axes: str | None = None
    routine: str | None = None  # a routine TOML's path (each worker reads it)


def _row(**values) -> dict:
    return {name: values.get(name) for name in COLUMNS}


def analyse_file(item: str | BatchEntry, options: JobOptions = JobOptions()) -> list[dict]:
    """Analyse one input (a path, or a manifest's entry with its own options); rows of
    :data:`COLUMNS` (one per exercise, or one error row)."""
    from dorsi.batch.discover import segments_beside
    from dorsi.events.pain import entries, rated
    from dorsi.export.session import SessionInputError, load_session
    from dorsi.views.report.summary import knee_to_wall_result, summarise_exercise

    entry = item if isinstance(item, BatchEntry) else BatchEntry(str(item))
    path = entry.file
    try:
        segments = entry.segments or segments_beside(Path(path))
        routine = _routine(options.routine) if options.routine else None
        # a segments file (the entry's, or beside the input) says which exercise ran when: the
        # exercise option is for inputs that say nothing
        session = load_session(path, exercise=None if segments else entry.exercise or options.exercise,
                               axes=entry.axes or options.axes, routine=routine, segments=segments,
                               side=entry.side, between=entry.between)
    except (SessionInputError, ValueError, OSError) as exc:
        return [_row(file=str(path), label=entry.label, error=" ".join(str(exc).split()) or type(exc).__name__)]
    a = session.analysis
    common = dict(file=str(path), label=entry.label, kind=session.kind, started_at=session.started_at, side=session.side,
                  duration_s=a["duration_s"], sample_rate_hz=a["sample_rate_hz"], source=a.get("source"),
                  session_score=a["quality"]["score"],
                  samples_lost=sum(int(g["samples_lost"]) for g in a.get("gaps", [])))
    if not a["exercises"]:
        return [_row(**common, error="no exercise could be analysed")]
    ktw = knee_to_wall_result(a)
    rows = []
    for ex in a["exercises"]:
        s = summarise_exercise(ex)
        # the exercise's pain reports (an old analysis has none: 0, as a session without any)
        hurt = entries(ex.get("pain"))
        levels = rated(hurt)
        is_ktw = ktw is not None and s.exercise == "knee_to_wall"
        rows.append(_row(**common, exercise=s.exercise, start_s=s.start_s, end_s=s.end_s,
                         reps_target=s.reps_target, reps_done=s.reps_done, heel_free_reps=s.heel_free_reps,
                         circles_outward=s.circles_each_way[0] if s.circles_each_way else None,
                         circles_inward=s.circles_each_way[1] if s.circles_each_way else None,
                         holds_target=s.holds_target, holds_met=s.holds_met, peak_angle_deg=s.peak_angle_deg,
                         lowering_mean_s=s.lowering_mean_s,
                         knee_to_wall_deg=ktw.best_deg if is_ktw and ktw is not None else None,
                         knee_to_wall_cm=ktw.best_cm if is_ktw and ktw is not None else None, score=s.score,
                         pain_reports=len(hurt), pain_worst=max(levels) if levels else None))
    return rows


@lru_cache(maxsize=4)
def _routine(path: str) -> Routine:
    from dorsi.routine import load_routine

    return load_routine(path)


def rows_to_table(rows: list[dict]) -> pa.Table:
    """Rows of :data:`COLUMNS` as a table with the fixed schema (sorted by file, then start)."""
    rows = sorted(rows, key=lambda r: (r["file"], r["start_s"] if r["start_s"] is not None else -1.0))
    return pa.Table.from_pylist(rows, schema=SCHEMA)
