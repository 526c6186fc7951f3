"""Reader for phyphox exports: a phone on the shin recorded with the phyphox app.

phyphox (RWTH Aachen, https://phyphox.org; Android and iOS, free) records a
phone's sensors in "experiments" and exports an experiment's data sets as CSV in
one of five variants: "CSV (Comma, decimal point)", "(Tabulator, decimal point)",
"(Semicolon, decimal point)", "(Tabulator, decimal comma)", "(Semicolon, decimal
comma)". The export is a zip holding one ``<set name>.csv`` per data set (newer
versions add ``meta/device.csv`` and ``meta/time.csv``), or a single CSV holding
the sets one after another. A set's first line names its columns in double
quotes; values are in scientific notation (``7.366958618E0``); a cell a shorter
column lacks is ``NaN`` (older iOS versions: empty).

Read here: the accelerometer *with* gravity (columns ``Acceleration x (m/s^2)``,
y, z: sensor type ``accelerometer``, "Acceleration with g") and the gyroscope
(``Gyroscope x (rad/s)``, y, z), each with the time column nearest to its left in
its set (``Time (s)``: seconds since the experiment started, pauses left out).
That is what dorsi's experiment (:func:`experiment_file`, ``dorsi/data/dorsi-shin.phyphox``) exports (sets
``Accelerometer`` and ``Gyroscope``), as does a phyphox "simple experiment" with
the accelerometer and gyroscope ticked. phyphox gives both in Android's sensor
convention (x to the phone's right, y to its top, z out of the screen; the
specific force: +9.81 m/s^2 on z lying flat), so the phone worn as for Sensor
Logger (:data:`PHONE_SHIN_AXES`: screen out, top toward the knee) reads with the
same axes; a phone that reads upside down for them is refused with the fix.

``meta/time.csv`` gives the start (``START``'s system time) and pauses: phyphox
leaves a pause's time out of the experiment time, so the samples after it are
moved on by the pause's length here, and the pause reaches the pipeline as a gap
(lost samples) rather than as a jump from one posture to another. Both sensors
are interpolated onto one uniform grid at the gyroscope's mean rate
(:func:`dorsi.sources.resample.common_grid`). phyphox has no notes: which
exercise ran when comes from ``--exercise``, a segments file or the classifier.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from dorsi.samples import SampleBatch
from dorsi.sources import SourceError
from dorsi.sources.axes import AUTO, AxisMap
from dorsi.sources.export_files import ExportFiles
from dorsi.sources.phone_samples import PHONE_SHIN_AXES, lost_note, phone_shin_samples
from dorsi.sources.units import MAX_SPAN_S, check_si_units

#: The phyphox experiment dorsi provides (package data: an installed dorsi has it too).
EXPERIMENT_FILE = "data/dorsi-shin.phyphox"
META_FOLDER = "meta"

_ACC = re.compile(r"^acceleration\s*([xyz])\s*\(m/s\^?2\)$")
_LINEAR = re.compile(r"^linear\s+acceleration\s*([xyz])\b")
_GYR = re.compile(r"^gyroscope\s*([xyz])\s*\(rad/s\)$")
_GYR_DEG = re.compile(r"^gyroscope\s*([xyz])\s*\(deg/s\)$")
_TIME = re.compile(r"^(t|time|.*\btime)\s*\(s\)$")
#: A header line: a non-empty quoted name (data lines hold numbers, ``NaN`` or ``""``).
_HEADER = re.compile(r'^\s*(\'|")[^"]*[^"\s\d.eE+\-,;]')
_SEPARATORS = (",", "\t", ";")


@dataclass
class PhyphoxExport:
    """One phyphox recording read as dorsi samples.

    Attributes
    ----------
    shin : SampleBatch
        The phone's samples in dorsi's shin axes, SI units, on a uniform grid;
        ``t`` is phyphox's experiment time (s), pauses restored.
    started_at : datetime or None
        When the experiment started (UTC), from ``meta/time.csv``.
    meta : dict
        What the reader found and decided: ``source``, ``path``, ``sample_rate_hz``,
        ``axes``, ``csv_variant``, ``device`` and ``phyphox_version`` (from
        ``meta/device.csv``), ``pauses``.
    problems : list of str
        What was read past, one line each (a last line cut short, gaps, pauses).
    """

    shin: SampleBatch
    started_at: datetime | None
    meta: dict
    problems: list[str] = field(default_factory=list)


@dataclass
class _Set:
    """One data set: its column names and values (rows x columns; NaN where a cell is empty)."""

    label: str
    names: list[str]
    values: np.ndarray
    separator: str
    decimal: str


def experiment_file() -> Path:
    """Where dorsi's phyphox experiment file is (to copy to the phone and open in phyphox)."""
    from importlib import resources

    return Path(str(resources.files("dorsi").joinpath(EXPERIMENT_FILE)))


def is_phyphox(path: str | Path) -> bool:
    """Whether ``path`` is a phyphox export with acceleration or gyroscope data.

    A single CSV: its first line names phyphox's quoted columns (a time and a sensor's). A
    zip or folder: one set names the accelerometer and another the gyroscope, or its
    ``meta/`` files sit beside a set naming either (a folder of several single-file
    exports is not one export: each of them is).
    """
    path = Path(path)
    try:
        if path.is_file() and path.suffix.lower() in (".csv", ".txt"):
            with path.open("rb") as fh:
                return bool(_sensors_named(fh.readline(4096)))
        if not (path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip")):
            return False
        files = ExportFiles(path, subfolders=(META_FOLDER,))
    except (OSError, SourceError):
        return False
    try:
        sets = [n for n in files.members if n.endswith(".csv") and not _in_meta(files, n)]
        named = set().union(*(_sensors_named(files.read(n)[:4096].split(b"\n", 1)[0]) for n in sets[:32]))
        has_meta = any(_in_meta(files, n) for n in ("time.csv", "device.csv"))
        return named == {"acc", "gyr"} or bool(named and has_meta)
    except SourceError:
        return False
    finally:
        files.close()


def _in_meta(files: ExportFiles, name: str) -> bool:
    return name in files and files.folders[name].rpartition("/")[2] == META_FOLDER


def _sensors_named(first_line: bytes) -> set[str]:
    """Which sensors (``acc``, ``gyr``) a phyphox header line names with a time column."""
    text = first_line.decode("utf-8-sig", "replace").strip()
    if not text.startswith(('"', "'")):
        return set()
    names = [_name(n) for n in re.findall(r'"([^"]*)"', text)]
    if not any(_TIME.match(n) for n in names):
        return set()
    return {sensor for sensor, pattern in (("acc", _ACC), ("gyr", _GYR)) if any(pattern.match(n) for n in names)}


def _name(raw: str) -> str:
    # newer versions put a ' before a name starting with = + - @ (spreadsheet formula guard)
    return " ".join(raw.strip().lstrip("'").split()).lower()


def read_phyphox(path: str | Path, axes: AxisMap | str = PHONE_SHIN_AXES) -> PhyphoxExport:
    """Read a phyphox export (zip, its folder, or a single CSV) as the shin sensor's samples.

    Parameters
    ----------
    path : str or Path
        The ``.zip`` phyphox exported, the folder it unzips to, or a single ``.csv``.
    axes : AxisMap or str
        The phone's axes as dorsi's (default :data:`PHONE_SHIN_AXES`: screen out,
        top toward the knee); a string is parsed, ``"auto"`` detects it.

    Raises
    ------
    SourceError
        No accelerometer or gyroscope columns, acceleration without gravity, wrong
        units, unreadable rows, no common time span, a phone upside down for ``axes``:
        one line naming the file.
    """
    path = Path(path)
    if isinstance(axes, str) and axes != AUTO:
        try:
            axes = AxisMap.parse(axes)
        except ValueError as exc:
            raise SourceError(f"{path}: {exc}") from None
    problems: list[str] = []
    meta: dict = {"source": "phyphox", "path": str(path)}
    if path.is_file() and path.suffix.lower() in (".csv", ".txt"):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
        sets = _sets(str(path), raw, problems)
        events: list[tuple[str, float, float]] = []
    else:
        files = ExportFiles(path, subfolders=(META_FOLDER,))
        try:
            sets = [s for n in files.members if n.endswith(".csv") and not _in_meta(files, n)
                    for s in _sets(files.label(n), files.read(n), problems)]
            try:  # the data does not depend on the meta files: damaged ones are noted and read past
                events = _time_events(files, problems)
            except SourceError as exc:
                events = []
                problems.append(f"{exc}: the start and pauses are not known")
            try:
                meta.update(_device(files))
            except SourceError as exc:
                problems.append(f"{exc}: the phone's model is not known")
        finally:
            files.close()
    return _export(path, sets, events, axes, meta, problems)


def _export(path: Path, sets: list[_Set], events: list[tuple[str, float, float]], axes: AxisMap | str,
            meta: dict, problems: list[str]) -> PhyphoxExport:
    acc_found = _sensor(sets, _ACC)
    gyr_found = _sensor(sets, _GYR)
    if gyr_found is None:
        if _sensor(sets, _GYR_DEG) is not None:
            raise SourceError(f"{path}: the gyroscope is in deg/s: export it in rad/s (phyphox's own unit)")
        raise SourceError(f"{path}: no gyroscope columns ('Gyroscope x (rad/s)' ...): record with dorsi's experiment "
                          f"({experiment_file()}) or a simple experiment with the accelerometer and gyroscope; "
                          "phyphox's built-in 'Acceleration with g' records the accelerometer alone")
    if acc_found is None:
        linear = " (its 'Linear Acceleration' is without gravity)" if _sensor(sets, _LINEAR) is not None else ""
        raise SourceError(f"{path}: no accelerometer columns ('Acceleration x (m/s^2)' ...){linear}: record with "
                          f"dorsi's experiment ({experiment_file()}) or a simple experiment with the accelerometer "
                          "(with g) and gyroscope")
    (t_acc, acc, acc_label), (t_gyr, gyr, gyr_label) = acc_found, gyr_found
    pauses = _pauses(events, problems, str(path))
    if pauses:
        t_acc, t_gyr = _restore_pauses(t_acc, pauses), _restore_pauses(t_gyr, pauses)
        meta["pauses"] = [(round(at, 3), round(length, 3)) for at, length in pauses]
        problems.append(f"{path}: the experiment was paused {len(pauses)} time(s) "
                        f"({', '.join(f'{length:.1f} s at {at:.1f} s' for at, length in pauses)}): "
                        "each pause is kept as lost samples")
    check_si_units(acc, gyr, acc_label, gyr_label,
                   g_hint="phyphox writes m/s^2: was the file converted?",
                   no_gravity_hint="record the accelerometer 'with g', not 'Acceleration (without g)'")
    phone = phone_shin_samples(str(path), t_acc, acc, t_gyr, gyr, axes,
                               "set the sensors' rate to 100 Hz in the experiment, as dorsi's experiment does")
    if phone.lost:
        problems.append(lost_note(str(path), phone.lost, " (or in pauses)"))
    started = _started_at(events, problems, str(path))
    variant = sets[0]
    meta.update(sample_rate_hz=phone.rate_hz, axes=str(phone.axes),
                csv_variant={"separator": {",": "comma", "\t": "tabulator", ";": "semicolon"}[variant.separator],
                             "decimal": "comma" if variant.decimal == "," else "point"})
    shin = SampleBatch("shin", phone.seq, phone.t, phone.acc, phone.gyr, None, meta)
    return PhyphoxExport(shin, started, meta, problems)


def _sets(label: str, raw: bytes, problems: list[str]) -> list[_Set]:
    """The data sets of one CSV file (one, or several one after another: a single-file export)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{label}: not a text (UTF-8) file") from None
    lines = text.split("\n")
    heads = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    if not heads or any(line.strip() for line in lines[: heads[0]]):
        raise SourceError(f"{label}: line 1: not a phyphox export (its first line names the columns in quotes)")
    out = []
    for j, head in enumerate(heads):
        end = heads[j + 1] if j + 1 < len(heads) else len(lines)
        out.append(_parse_set(label, lines, head, end, problems))
    return out


def _parse_set(label: str, lines: list[str], head: int, end: int, problems: list[str]) -> _Set:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = lines[head].rstrip("\r")
    sep = next((s for s in _SEPARATORS if f'"{s}"' in header or f"\"{s}'" in header), ",")
    names = [_name(n) for n in _split_header(header, sep)]
    body = [line.rstrip("\r") for line in lines[head + 1:end]]
    while body and not body[-1].strip():
        body.pop()
    first_data = head + 2  # 1-based line number of body[0]
    if body and len(body[-1].split(sep)) < len(names):
        # a file cut while it was written (or copied) ends in part of a line: read without it
        problems.append(f"{label}: line {first_data + len(body) - 1}: cut short ({len(body[-1].split(sep))} of "
                        f"{len(names)} values): left out")
        body.pop()
    decimal = "," if sep != "," and any("," in line for line in body[:50]) else "."
    columns = [f"c{i}" for i in range(len(names))]
    if not body:
        return _Set(label, names, np.zeros((0, len(names))), sep, decimal)
    try:
        table = pacsv.read_csv(
            io.BytesIO("\n".join(body).encode()),
            read_options=pacsv.ReadOptions(column_names=columns),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.float64() for c in columns},
                                                 decimal_point=decimal, null_values=["", "NaN", "nan", "null"],
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise SourceError(f"{label}: {_bad_line(body, sep, decimal, len(names), first_data, str(exc))}") from None
    values = np.column_stack([table.column(c).to_numpy(zero_copy_only=False).astype(float) for c in columns])
    return _Set(label, names, values, sep, decimal)


def _split_header(header: str, sep: str) -> list[str]:
    """The names of a header line: each quoted (phyphox does not escape quotes inside a name)."""
    return [cell.strip().strip('"') for cell in header.split(sep)]


def _bad_line(body: list[str], sep: str, decimal: str, n_columns: int, first_line: int, arrow_message: str) -> str:
    """Where and why the set's rows do not parse (pyarrow names no row for a bad value)."""
    for i, line in enumerate(body):
        cells = line.split(sep)
        where = f"line {first_line + i}: "
        if len(cells) != n_columns:
            return f"{where}{len(cells)} values, the header names {n_columns}"
        for cell in cells:
            text = cell.strip()
            if text in ("", '""', "NaN", "nan", "null"):
                continue
            try:
                float(text.replace(decimal, ".") if decimal != "." else text)
            except ValueError:
                return f"{where}a value that is not a number ({text[:40]!r})"
    return f"malformed ({' '.join(arrow_message.split())[:160]})"


def _sensor(sets: list[_Set], pattern: re.Pattern) -> tuple[np.ndarray, np.ndarray, str] | None:
    """The first set with x, y and z columns matching ``pattern``: (times, (N, 3) values, label), rows
    with any cell empty dropped, sorted by time, repeated times dropped."""
    for s in sets:
        axis_col = {}
        for i, name in enumerate(s.names):
            m = pattern.match(name)
            if m and m.group(1) not in axis_col:
                axis_col[m.group(1)] = i
        if set(axis_col) != {"x", "y", "z"}:
            continue
        first = min(axis_col.values())
        times = [i for i, name in enumerate(s.names[:first]) if _TIME.match(name)]
        if not times:
            raise SourceError(f"{s.label}: no time column ('Time (s)') before {s.names[first]!r}")
        cols = [times[-1], axis_col["x"], axis_col["y"], axis_col["z"]]
        v = s.values[:, cols]
        v = v[np.all(np.isfinite(v), axis=1)]
        v = v[np.argsort(v[:, 0], kind="stable")]
        v = v[np.diff(v[:, 0], prepend=-np.inf) > 0]  # phyphox clamps times before the start to 0
        if len(v) < 2:
            raise SourceError(f"{s.label}: fewer than two readings of {s.names[first]!r}")
        return v[:, 0], v[:, 1:], s.label
    return None


def _time_events(files: ExportFiles, problems: list[str]) -> list[tuple[str, float, float]]:
    """``meta/time.csv``: (event, experiment time s, system time s since the epoch), in order."""
    name = "time.csv"
    if not _in_meta(files, name):
        return []
    rows = _meta_rows(files, name)
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) < 3:
            continue
        try:
            out.append((row[0].strip().upper(), _number(row[1]), _number(row[2])))
        except ValueError:
            problems.append(f"{files.label(name)}: line {line}: not an event, experiment time and system time: "
                            "ignored")
    return sorted(out, key=lambda e: (e[1], e[2]))


def _number(text: str) -> float:
    value = float(text.strip().replace(",", "."))
    if not np.isfinite(value):
        raise ValueError(text)
    return value


def _device(files: ExportFiles) -> dict:
    """``meta/device.csv``'s phone model and phyphox version."""
    name = "device.csv"
    if not _in_meta(files, name):
        return {}
    props = {row[0].strip(): row[1].strip() for row in _meta_rows(files, name)[1:] if len(row) >= 2}
    device = " ".join(p for p in (props.get("deviceBrand"), props.get("deviceModel")) if p and p != "null")
    out = {"device": device} if device else {}
    if props.get("version") and props["version"] != "null":
        out["phyphox_version"] = props["version"]
    return out


def _meta_rows(files: ExportFiles, name: str) -> list[list[str]]:
    import csv

    try:
        text = files.read(name).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{files.label(name)}: not a text (UTF-8) file") from None
    first = text.split("\n", 1)[0]
    sep = next((s for s in _SEPARATORS if f'"{s}"' in first), ",")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        raise SourceError(f"{files.label(name)}: malformed ({' '.join(str(exc).split())})") from None


def _pauses(events: list[tuple[str, float, float]], problems: list[str], label: str) -> list[tuple[float, float]]:
    """Each pause as (experiment time it began, its length s): a PAUSE and the START after it
    (a length beyond :data:`MAX_SPAN_S` is a damaged time: noted, and the parts joined)."""
    out = []
    paused: tuple[float, float] | None = None
    for event, exp_t, sys_t in events:
        if event == "PAUSE":
            paused = (exp_t, sys_t)
        elif event == "START" and paused is not None:
            length = (sys_t - paused[1]) - (exp_t - paused[0])
            if length > MAX_SPAN_S:
                problems.append(f"{label}: meta/time.csv: a pause of {length:.4g} s at {paused[0]:.1f} s is longer "
                                "than any session: its times are damaged; the parts are joined")
            elif length > 0:
                out.append((paused[0], length))
            paused = None
    return out


def _restore_pauses(t: np.ndarray, pauses: list[tuple[float, float]]) -> np.ndarray:
    """Experiment times as wall-clock times since the start: each pause's length added after it."""
    shift = np.zeros_like(t)
    for at, length in pauses:
        shift[t > at] += length
    return t + shift


def _started_at(events: list[tuple[str, float, float]], problems: list[str], label: str) -> datetime | None:
    """The experiment's start: the first START's system time less its experiment time."""
    start = next(((exp_t, sys_t) for event, exp_t, sys_t in events if event == "START"), None)
    if start is None:
        return None
    try:
        when = datetime.fromtimestamp(start[1] - start[0], tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        when = None
    if when is None or not 2000 <= when.year <= 2200:
        problems.append(f"{label}: meta/time.csv: the start's system time {start[1]:.6g} is not a time: "
                        "the file's own time is used")
        return None
    return when
