"""Exercise segments from a file, for inputs that carry no markers of their own.

A whole session recorded by another sensor (or exported as CSV) is one stream;
which exercise ran when is known to whoever recorded it. These files say so, in
the input's own time base (seconds):

* CSV: a header row naming ``exercise``, ``start_s`` and ``end_s`` (other
  columns are ignored, ``#`` lines are comments), one segment per row;
* JSON: a list of objects with those three keys, or an object holding such a
  list under ``segments`` (the simulator's ``truth.json``) or ``exercises``
  (a ``dorsi.analysis.v1`` result, to analyse the same segments again).

Exercise names are checked here, so a typo names its line; whether a segment
lies inside the data is checked by the pipeline, which knows the data.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from dorsi.routine.exercises import EXERCISE_IDS
from dorsi.sources import SourceError

COLUMNS = ("exercise", "start_s", "end_s")


def read_segments(path: str | Path) -> list[tuple[str, float, float]]:
    """``(exercise, start_s, end_s)`` per segment of a CSV or JSON segments file, in file order.

    Raises
    ------
    SourceError
        The file cannot be read, has no segments, or a segment is malformed
        (the message names the file and, for a CSV, the line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not a text file (expected a segments CSV or JSON)") from None
    body = text.lstrip()
    segments = _from_json(path, body) if body[:1] in ("[", "{") else _from_csv(path, text)
    if not segments:
        raise SourceError(f"{path}: no segments (expected rows of {','.join(COLUMNS)})")
    return segments


def _from_csv(path: Path, text: str) -> list[tuple[str, float, float]]:
    rows = [(n, row) for n, row in enumerate(csv.reader(text.splitlines()), start=1)
            if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")]
    if not rows:
        return []
    header_line, header = rows[0]
    names = [c.strip() for c in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise SourceError(f"{path}: line {header_line}: missing column(s) {', '.join(missing)} "
                          f"(header: {','.join(names)})")
    idx = [names.index(c) for c in COLUMNS]
    out = []
    for line, row in rows[1:]:
        if len(row) != len(names):
            raise SourceError(f"{path}: line {line}: {len(row)} values, header has {len(names)} columns")
        out.append(_segment(path, f"line {line}", *(row[i].strip() for i in idx)))
    return out


def _from_json(path: Path, body: str) -> list[tuple[str, float, float]]:
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(doc, dict):
        key = next((k for k in ("segments", "exercises") if isinstance(doc.get(k), list)), None)
        if key is None:
            raise SourceError(f"{path}: a JSON object needs a 'segments' (or 'exercises') list")
        doc = doc[key]
    if not isinstance(doc, list):
        raise SourceError(f"{path}: expected a list of segments")
    out = []
    for i, item in enumerate(doc):
        where = f"segment {i + 1}"
        if not isinstance(item, dict) or any(k not in item for k in COLUMNS):
            raise SourceError(f"{path}: {where}: needs the keys {', '.join(COLUMNS)}")
        out.append(_segment(path, where, *(item[k] for k in COLUMNS)))
    return out


def _segment(path: Path, where: str, name: object, start: object, end: object) -> tuple[str, float, float]:
    if name not in EXERCISE_IDS:
        raise SourceError(f"{path}: {where}: unknown exercise {name!r} (one of {', '.join(EXERCISE_IDS)})")
    times = []
    for label, value in (("start_s", start), ("end_s", end)):
        try:
            if isinstance(value, bool):
                raise TypeError
            x = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise SourceError(f"{path}: {where}: {label} {value!r} is not a number") from None
        if not math.isfinite(x):
            raise SourceError(f"{path}: {where}: {label} {value!r} is not a finite number")
        times.append(x)
    if not times[1] > times[0]:
        raise SourceError(f"{path}: {where}: end_s {times[1]:g} is not after start_s {times[0]:g}")
    return str(name), times[0], times[1]
