"""Write a session's tables (and its analysis JSON) as CSV or Parquet files."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from dorsi.export.session import Session
from dorsi.private_files import open_private, private_dir
from dorsi.export.tables import events_table, samples_table, trace_table

FORMATS = ("csv", "parquet")


def write_table(table: pa.Table, path: Path) -> Path:
    """Write one table, format from the suffix (``.csv`` or ``.parquet``), mode 0600."""
    path = Path(path)
    with open_private(path, "wb") as fh:
        if path.suffix == ".parquet":
            pq.write_table(table, fh)
        elif path.suffix == ".csv":
            pa_csv.write_csv(table, fh, pa_csv.WriteOptions(quoting_style="needed"))
        else:
            raise ValueError(f"{path}: table files end in .csv or .parquet")
    return path


def session_stem(path: Path) -> str:
    """A name for a session's output files: the file stem, or the folder for ``shin.csv``."""
    if path.is_dir():
        return path.name
    if path.stem in ("shin", "foot") and path.parent.name:
        return path.parent.name
    return path.stem


class SessionExporter:
    """Write samples, angle trace, events and the analysis JSON of a session.

    Parameters
    ----------
    fmt : {"csv", "parquet"}
        Table format.

    Attributes
    ----------
    files_ : list of Path
        The files written by :meth:`export`.
    """

    def __init__(self, fmt: str = "csv") -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
        self.fmt = fmt

    def export(self, session: Session, out_dir: str | Path) -> "SessionExporter":
        """Write ``<stem>.shin.<fmt>`` [``.foot``], ``.trace``, ``.events``, ``.analysis.json`` and,
        where an exercise was analysed, ``.shin.segments.csv``."""
        out = Path(out_dir)
        private_dir(out)
        stem = session_stem(session.path)
        ext = "." + self.fmt
        files = []
        for batch in (session.shin, session.foot):
            if batch is not None:
                files.append(write_table(samples_table(batch), out / f"{stem}.{batch.role}{ext}"))
        files.append(write_table(trace_table(session.trace), out / f"{stem}.trace{ext}"))
        files.append(write_table(events_table(session.analysis), out / f"{stem}.events{ext}"))
        if session.analysis.get("exercises"):  # (a segments file must list one)
            from dorsi.batch.discover import SEGMENTS_SUFFIX  # the name batch looks for beside an input

            files.append(write_segments(session.analysis, out / f"{stem}.shin{SEGMENTS_SUFFIX}"))
        json_path = out / f"{stem}.analysis.json"
        with open_private(json_path, "w", "utf-8") as fh:
            json.dump(session.analysis, fh, indent=1)
        files.append(json_path)
        self.files_ = files
        return self


def write_segments(analysis: dict, path: Path) -> Path:
    """The analysis's exercise segments as a segments file (``exercise,start_s,end_s``), the one
    ``--segments`` reads: to correct a time (of segments found with ``--segments auto``, say) and
    analyse again. Named ``NAME.shin.segments.csv`` beside the export's ``NAME.shin.csv``, ``dorsi
    batch`` reads it with it."""
    rows = "".join(f"{e['exercise']},{e['start_s']:.3f},{e['end_s']:.3f}\n" for e in analysis.get("exercises", []))
    with open_private(path, "w", "utf-8") as fh:
        fh.write("# which exercise ran when: correct a time and give this file back with --segments\n"
                 "exercise,start_s,end_s\n" + rows)
    return path
