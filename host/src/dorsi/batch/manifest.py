"""A study's manifest: which files to analyse, each with how to read it.

``dorsi batch study.csv`` takes, instead of a folder, a CSV with one row per
session to analyse: a column ``file`` (a path, relative to the manifest's folder
unless absolute) and, as a study's records give them, any of

* ``label`` - carried into the results table (participant, visit ...);
* ``exercise`` - the exercise of an input without markers;
* ``segments`` - a segments file (which exercise ran when), or ``auto`` to find the routine's
  exercises in an unmarked whole routine;
* ``between`` - ``START,END`` on an Axivity logger's clock: the part of a day or
  a week of wear to read (quote it: it holds a comma);
* ``side`` - ``left`` or ``right``;
* ``axes`` - the sensor's axis map.

Other columns are ignored (a study's own notes may stay in the file). A value
that cannot be right (an unknown exercise, a side that is neither, a window or
axis map that does not parse, a missing ``file``) is reported with its line
before any analysis runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from dorsi.routine.exercises import EXERCISE_IDS

#: The manifest's columns dorsi reads (``file`` is required).
FIELDS = ("file", "label", "exercise", "segments", "between", "side", "axes")


class ManifestError(ValueError):
    """A manifest that cannot be used (message: one line naming the file and line)."""


@dataclass(frozen=True)
class BatchEntry:
    """One session of a manifest: the input and how to read it (None: the batch's own options)."""

    file: str
    label: str | None = None
    exercise: str | None = None
    segments: str | None = None
    between: str | None = None
    side: str | None = None
    axes: str | None = None


def is_manifest(path: str | Path) -> bool:
    """Whether ``path`` is a CSV file whose header names a ``file`` column."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return "file" in [h.strip().lower() for h in header]


def read_manifest(path: str | Path) -> list[BatchEntry]:
    """The manifest's entries, paths resolved against its folder; :class:`ManifestError` otherwise."""
    from dorsi.sources.axes import AxisMap
    from dorsi.sources.axivity import parse_window

    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{path}: not a CSV manifest ({' '.join(str(exc).split())[:80]})") from None
    if not rows:
        raise ManifestError(f"{path}: empty: a manifest starts with a header naming a 'file' column")
    header = [h.strip().lower() for h in rows[0]]
    if "file" not in header:
        raise ManifestError(f"{path}: line 1: no 'file' column (columns dorsi reads: {', '.join(FIELDS)})")
    at = {name: header.index(name) for name in FIELDS if name in header}
    entries = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {name: (row[i].strip() if i < len(row) else "") or None for name, i in at.items()}
        where = f"{path}: line {line}"
        if values["file"] is None:
            raise ManifestError(f"{where}: no file")
        if values.get("exercise") and values["exercise"] not in EXERCISE_IDS:
            raise ManifestError(f"{where}: unknown exercise {values['exercise']!r} (one of {', '.join(EXERCISE_IDS)})")
        if values.get("exercise") and values.get("segments"):
            raise ManifestError(f"{where}: an exercise (the whole input is one exercise) or segments, not both")
        if values.get("side") and values["side"] not in ("left", "right"):
            raise ManifestError(f"{where}: side {values['side']!r} is neither left nor right")
        try:
            if values.get("between"):
                parse_window(str(values["between"]))
            if values.get("axes") and values["axes"] != "auto":
                AxisMap.parse(str(values["axes"]))
        except ValueError as exc:
            raise ManifestError(f"{where}: {exc}") from None
        for key in ("file", "segments"):
            if values.get(key) and not (key == "segments" and values[key] == "auto"):
                values[key] = str(path.parent / str(values[key]))  # an absolute path stays as it is
        entries.append(BatchEntry(**values))  # type: ignore[arg-type]
    if not entries:
        raise ManifestError(f"{path}: no sessions listed")
    return entries
