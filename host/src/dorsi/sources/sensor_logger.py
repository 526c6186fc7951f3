"""Reader for the export of the Sensor Logger phone app (a ``.zip`` or its unzipped folder).

A phone in a sports armband on the front of the shin is a usable shin sensor;
Sensor Logger (iOS and Android) is a common free logger for it. Its zip export
holds one CSV per sensor, each ``time`` (ns since the epoch, UTC),
``seconds_elapsed`` (s since the recording started), then ``z, y, x``:

* ``Gyroscope.csv``: rad/s, right-handed about the phone's axes, the same on both
  platforms;
* ``TotalAcceleration.csv`` (Android): acceleration with gravity, m/s^2; else
  ``Accelerometer.csv`` (acceleration *without* gravity) plus ``Gravity.csv``,
  whose sum is the same;
* ``Metadata.csv``: ``platform`` (iOS or Android) and ``standardisation``.
  Android reports the specific force (a phone flat on a table reads +9.81 on z),
  as dorsi's sensor does; iOS reports its negative unless "Standardise Units &
  Frames" was on, so iOS acceleration is negated here;
* ``Annotation.csv`` (optional): notes the user tapped in while recording. A note
  naming an exercise (its id, ``band_lunge``, or its title, "Band dorsiflexion
  lunges") starts that exercise; it runs to the next note, and a note ``end``,
  ``stop``, ``done`` or ``rest`` ends it. A note ``left`` or ``right leg`` says the leg;
  a note ``pain`` (``pain 6``, ``hurts 4/10``) reports pain (:mod:`dorsi.events.pain`).

The accelerometer and gyroscope are separate streams with their own times, at
intervals that wander; both are interpolated onto one uniform grid at the
gyroscope's mean rate (:mod:`dorsi.sources.resample`), a step longer than 2.5
periods in either being a gap (lost samples). ``Orientation.csv`` is not used:
its frame conventions differ between the platforms, and the host fuses the raw
data itself as for any raw-only sensor.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from dorsi.events.pain import PainReport
from dorsi.events.pain import from_note as pain_note
from dorsi.routine.exercises import EXERCISE_IDS
from dorsi.samples import SampleBatch
from dorsi.sources import SourceError
from dorsi.sources.axes import AUTO, AxisMap
from dorsi.sources.export_files import ExportFiles
from dorsi.sources.phone_samples import PHONE_SHIN_AXES, lost_note, phone_shin_samples
from dorsi.sources.units import check_si_units

GYROSCOPE = "gyroscope.csv"
TOTAL = "totalacceleration.csv"
LINEAR = "accelerometer.csv"
GRAVITY = "gravity.csv"
METADATA = "metadata.csv"
ANNOTATION = "annotation.csv"
#: Notes that end the running exercise.
END_WORDS = ("end", "stop", "done", "rest", "pause", "finish", "finished")
#: Notes naming the leg the phone is on (normalised text -> side).
SIDE_NOTES = {f"{side}{suffix}": side for side in ("left", "right") for suffix in ("", "_leg", "_side", "_shin")}
@dataclass
class SensorLoggerExport:
    """One Sensor Logger recording read as dorsi samples.

    Attributes
    ----------
    shin : SampleBatch
        The phone's samples in dorsi's shin axes, SI units, on a uniform grid;
        ``t`` is ``seconds_elapsed`` (the app's own time base).
    segments : list of (exercise, start_s, end_s) or None
        From ``Annotation.csv`` notes naming exercises; None without any.
    started_at : datetime or None
        When the recording started (UTC), from the samples' ``time`` column.
    meta : dict
        ``Metadata.csv`` fields and what the reader decided (``platform``,
        ``acc_sign``, ``axes``, ``sample_rate_hz``).
    problems : list of str
        What was read past, one line each (notes naming no exercise, gaps).
    pain : list of PainReport
        Notes reporting pain ("pain", "pain 6", "hurts 4/10"), on ``t``'s time base.
    """

    shin: SampleBatch
    segments: list[tuple[str, float, float]] | None
    started_at: datetime | None
    meta: dict
    problems: list[str] = field(default_factory=list)
    pain: list[PainReport] = field(default_factory=list)


#: The JSON export: an array of records, each ``{"sensor": ..., "time": ..., "seconds_elapsed": ...}``.
_JSON_HEAD = re.compile(rb'^\s*\[\s*\{[^{}]*"sensor"\s*:')
#: Largest JSON export read (bytes): about an hour of the three motion sensors at 100 Hz.
MAX_JSON_BYTES = 400_000_000


def _json_tables(path: Path) -> dict[str, bytes]:
    """The JSON export's records as one CSV table per sensor (``gyroscope.csv`` ...), columns in
    the order of each sensor's first record."""
    import csv
    import json

    try:
        size = path.stat().st_size
        if size > MAX_JSON_BYTES:
            raise SourceError(f"{path}: {size} bytes is over the {MAX_JSON_BYTES} read from a JSON export: "
                              "export the recording as a zip")
        records = json.loads(path.read_bytes())
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"{path}: not JSON ({' '.join(str(exc).split())[:100]})") from None
    if not isinstance(records, list):
        raise SourceError(f"{path}: not a Sensor Logger JSON export (an array of records)")
    groups: dict[str, list[dict]] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or not isinstance(rec.get("sensor"), str):
            raise SourceError(f"{path}: record {i} has no 'sensor' name")
        groups.setdefault(rec["sensor"].lower(), []).append(rec)
    tables = {}
    for sensor, recs in groups.items():
        columns = [k for k in recs[0] if k != "sensor"]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([r.get(c, "") for c in columns] for r in recs)
        tables[f"{sensor}.csv"] = buf.getvalue().encode()
    return tables


def is_sensor_logger(path: str | Path) -> bool:
    """Whether ``path`` is a Sensor Logger export: a zip or folder holding ``Gyroscope.csv``
    and acceleration (``TotalAcceleration.csv`` or ``Accelerometer.csv``), or its JSON export
    (an array of ``sensor`` records). A phyphox export may hold files of the same names (its
    "simple experiment" names its sets after the sensors): their quoted header tells it apart."""
    path = Path(path)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            with path.open("rb") as fh:
                return _JSON_HEAD.match(fh.read(4096)) is not None
        except OSError:
            return False
    if not (path.is_dir() or (path.suffix.lower() == ".zip" and zipfile.is_zipfile(path))):
        return False
    try:
        files = ExportFiles(path)
    except (SourceError, OSError):
        return False
    try:
        if not (GYROSCOPE in files and (TOTAL in files or LINEAR in files)):
            return False
        try:
            head = files.read(GYROSCOPE)[:256].lstrip(b"\xef\xbb\xbf")
        except SourceError:
            return True  # damaged: the reader says what is wrong with it
        return not head.startswith((b'"', b"'"))  # phyphox quotes its column names; Sensor Logger does not
    finally:
        files.close()


def read_sensor_logger(path: str | Path, axes: AxisMap | str = PHONE_SHIN_AXES) -> SensorLoggerExport:
    """Read a Sensor Logger export (zip, folder or JSON) as the shin sensor's samples.

    Parameters
    ----------
    path : str or Path
        The ``.zip`` the app exported, the folder it unzips to, or its ``.json`` export.
    axes : AxisMap or str
        The phone's axes as dorsi's (default :data:`PHONE_SHIN_AXES`: screen
        out, top toward the knee); a string is parsed, ``"auto"`` detects it
        (:meth:`AxisMap.detect`; needs ``Metadata.csv`` to name the platform).

    Raises
    ------
    SourceError
        Missing files or columns, unreadable rows, wrong units, no common time
        span, a phone upside down for ``axes``: one line naming the file.
    """
    path = Path(path)
    if isinstance(axes, str) and axes != AUTO:
        try:
            axes = AxisMap.parse(axes)
        except ValueError as exc:
            raise SourceError(f"{path}: {exc}") from None
    files = ExportFiles(path, _json_tables(path) if path.suffix.lower() == ".json" and path.is_file() else None)
    try:
        return _read(path, files, axes)
    finally:
        files.close()


def _read(path: Path, files: ExportFiles, axes: AxisMap | str) -> SensorLoggerExport:
    if GYROSCOPE not in files:
        raise SourceError(f"{path}: no Gyroscope.csv: not a Sensor Logger export, or the gyroscope was off "
                          "(turn on Accelerometer, Gravity and Gyroscope in the app)")
    meta = _metadata(files)
    problems: list[str] = []
    t_gyr, gyr, time0 = _vectors(files, GYROSCOPE)
    t_acc, acc = _acceleration(files, path)
    _check_units(files, acc, gyr)
    sign, how = _acc_sign(meta, axes, acc, path)
    phone = phone_shin_samples(str(path), t_acc, sign * acc, t_gyr, gyr, axes,
                               "set Sensor Logger's sampling rate to 50-100 Hz")
    if phone.lost:
        problems.append(lost_note(str(path), phone.lost))
    started = datetime.fromtimestamp(time0, tz=timezone.utc) if time0 is not None else None
    meta = dict(meta, source="sensor_logger", path=str(path), sample_rate_hz=phone.rate_hz, axes=str(phone.axes),
                acc_sign=int(sign), acc_sign_from=how)
    shin = SampleBatch("shin", phone.seq, phone.t, phone.acc, phone.gyr, None, meta)
    pain: list[PainReport] = []
    segments = _annotations(files, float(shin.t[-1]), problems, meta, pain) if ANNOTATION in files else None
    return SensorLoggerExport(shin, segments, started, meta, problems, pain)


def _table(files: ExportFiles, name: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Named numeric columns of one CSV, sorted by ``seconds_elapsed``, duplicate times dropped."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    label = files.label(name)
    raw = files.read(name)
    try:
        header = raw.split(b"\n", 1)[0].decode("utf-8-sig").strip().split(",")
    except UnicodeDecodeError:
        raise SourceError(f"{label}: not a text (UTF-8) file") from None
    names = [h.strip().strip('"') for h in header]
    missing = [c for c in columns if c not in names]
    if missing:
        raise SourceError(f"{label}: line 1: missing column(s) {', '.join(repr(c) for c in missing)} "
                          f"(has {', '.join(names)})")
    try:
        table = pacsv.read_csv(io.BytesIO(raw), convert_options=pacsv.ConvertOptions(
            include_columns=list(columns), column_types={c: pa.float64() for c in columns}))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise SourceError(f"{label}: malformed row ({' '.join(str(exc).split())[:160]})") from None
    data = {c: table.column(c).to_numpy(zero_copy_only=False).astype(float) for c in columns}
    t = data["seconds_elapsed"]
    bad = ~np.all(np.isfinite(np.column_stack(list(data.values()))), axis=1) if len(t) else np.zeros(0, bool)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SourceError(f"{label}: line {row + 2}: an empty or non-numeric value")
    order = np.argsort(t, kind="stable")
    t = t[order]
    first = np.concatenate([[True], np.diff(t) > 0])  # the app can log one reading twice
    return {c: v[order][first] for c, v in data.items()}


def _vectors(files: ExportFiles, name: str) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Times, (N, 3) x/y/z values and the recording's start (s since the epoch) of one sensor file."""
    cols = _table(files, name, ("time", "seconds_elapsed", "x", "y", "z"))
    t = cols["seconds_elapsed"]
    if len(t) < 2:
        raise SourceError(f"{files.label(name)}: fewer than two readings")
    # 'time' is ns since the epoch for the same reading: the start is the first, less its elapsed time
    time0 = float(cols["time"][0]) * 1e-9 - float(t[0])
    return t, np.column_stack([cols["x"], cols["y"], cols["z"]]), time0 if time0 > 0 else None


def _acceleration(files: ExportFiles, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Times and acceleration *with* gravity, in the platform's own sign."""
    if TOTAL in files:
        t, acc, _ = _vectors(files, TOTAL)
        return t, acc
    if LINEAR not in files:
        raise SourceError(f"{path}: no TotalAcceleration.csv or Accelerometer.csv (turn on the accelerometer)")
    if GRAVITY not in files:
        raise SourceError(f"{files.label(LINEAR)}: holds acceleration without gravity and the export has no "
                          "Gravity.csv or TotalAcceleration.csv to add it back: turn on Gravity in Sensor Logger")
    t, lin, _ = _vectors(files, LINEAR)
    tg, grav, _ = _vectors(files, GRAVITY)
    # the two come from one motion update on iOS; interpolating covers loggers that stamp them apart
    g_at = np.column_stack([np.interp(t, tg, grav[:, j]) for j in range(3)])
    inside = (t >= tg[0] - 0.05) & (t <= tg[-1] + 0.05)
    if np.count_nonzero(inside) < 2:
        raise SourceError(f"{files.label(GRAVITY)}: does not cover the accelerometer's time span")
    return t[inside], (lin + g_at)[inside]


def _metadata(files: ExportFiles) -> dict:
    """``Metadata.csv``'s one data row, keys lower-case (empty without the file)."""
    if METADATA not in files:
        return {}
    rows = _csv_rows(files, METADATA)
    if len(rows) < 2:
        return {}
    return {k.strip().lower(): v.strip() for k, v in zip(rows[0], rows[1])}


def _csv_rows(files: ExportFiles, name: str) -> list[list[str]]:
    """The rows of a small CSV (metadata, notes)."""
    import csv

    label = files.label(name)
    try:
        return list(csv.reader(io.StringIO(files.read(name).decode("utf-8-sig"), newline="")))
    except UnicodeDecodeError:
        raise SourceError(f"{label}: not a text (UTF-8) file") from None
    except csv.Error as exc:
        raise SourceError(f"{label}: malformed ({' '.join(str(exc).split())})") from None


def _acc_sign(meta: dict, axes: AxisMap | str, acc: np.ndarray, path: Path) -> tuple[float, str]:
    """+1 where the file holds the specific force (Android, or iOS standardised), -1 for iOS as is."""
    platform = meta.get("platform", "").lower()
    standardised = meta.get("standardisation", "").lower() in ("true", "1", "yes", "on")
    if platform == "android" or (platform == "ios" and standardised):
        return 1.0, f"Metadata.csv: {meta['platform']}" + (", standardised" if standardised else "")
    if platform == "ios":
        return -1.0, "Metadata.csv: iOS (acceleration negated to the specific force)"
    if isinstance(axes, str):
        raise SourceError(f"{path}: Metadata.csv does not name the phone's platform (iOS or Android), so "
                          "--axes auto cannot tell which way the acceleration points: give the axes "
                          f"(default {PHONE_SHIN_AXES})")
    # without the platform: the sign that puts the phone upright as the axes map says it was worn
    up = float(np.median(axes.vectors(acc)[:, 0]))
    return (1.0 if up >= 0 else -1.0), "the phone worn upright as its axes say (Metadata.csv names no platform)"


def _check_units(files: ExportFiles, acc: np.ndarray, gyr: np.ndarray) -> None:
    check_si_units(acc, gyr, files.label(TOTAL if TOTAL in files else LINEAR), files.label(GYROSCOPE),
                   g_hint="turn on 'Standardise Units & Frames', or export calibrated acceleration")


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def exercise_named(text: str) -> str | None:
    """The exercise an annotation names, else None: its id, or its title in the default routine
    ("Knee-to-wall test (weight-bearing lunge)": the whole title, the part before the brackets or
    the part in them), case and punctuation free."""
    from dorsi.routine.loader import default_routine

    key = _key(text)
    if key in EXERCISE_IDS:
        return key
    for spec in default_routine().exercises:
        head, _, rest = spec.title.partition("(")
        if key in (_key(spec.title), _key(head), _key(rest)):
            return spec.id
    return None


def _annotations(files: ExportFiles, t_end: float, problems: list[str], meta: dict,
                 pain: list[PainReport]) -> list[tuple[str, float, float]] | None:
    """Segments from the notes: each naming an exercise starts it, the next note ends it; a note
    naming the leg (``left``, ``right leg``) goes into ``meta["side"]``, one reporting pain
    ("pain 6") into ``pain`` (neither ends the exercise under way)."""
    cols_needed = ("seconds_elapsed", "text")
    label = files.label(ANNOTATION)
    table = _csv_rows(files, ANNOTATION)
    if not table:
        return None
    header = [h.strip() for h in table[0]]
    if any(c not in header for c in cols_needed):
        raise SourceError(f"{label}: line 1: needs columns seconds_elapsed and text")
    at, what = header.index("seconds_elapsed"), header.index("text")
    notes: list[tuple[float, str, int]] = []
    for line, row in enumerate(table[1:], start=2):
        if not row:
            continue
        try:
            t = float(row[at])
        except (IndexError, ValueError):
            raise SourceError(f"{label}: line {line}: seconds_elapsed is not a number") from None
        if not np.isfinite(t):
            raise SourceError(f"{label}: line {line}: seconds_elapsed is not a number")
        notes.append((t, row[what].strip() if what < len(row) else "", line))
    notes.sort(key=lambda n: n[0])
    segments: list[tuple[str, float, float]] = []
    running: tuple[str, float] | None = None
    for t, text, line in notes:
        side = SIDE_NOTES.get(_key(text))
        if side is not None:
            if meta.setdefault("side", side) != side:
                problems.append(f"{label}: line {line}: note {text!r} names the other leg than an earlier note: "
                                f"{meta['side']} kept")
            continue
        reports_pain, level = pain_note(text)
        if reports_pain:
            pain.append(PainReport(t, level))
            continue
        exercise = exercise_named(text)
        ends = text.lower().strip(" .!") in END_WORDS
        if exercise is None and not ends:
            problems.append(f"{label}: line {line}: note {text!r} at {t:.1f} s names no exercise "
                            f"(one of {', '.join(EXERCISE_IDS)}, 'end', or 'pain N'): ignored")
            continue
        if running is not None and t > running[1]:
            segments.append((running[0], running[1], min(t, t_end)))
        running = (exercise, t) if exercise is not None else None
    if running is not None and running[1] < t_end:
        segments.append((running[0], running[1], t_end))
    return segments or None
