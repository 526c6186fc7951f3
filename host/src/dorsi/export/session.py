"""One analysed session from any input: a recording, a CSV (generic or Movella
DOT), a phone's Sensor Logger or phyphox export, an Axivity AX6 recording, or an analysis
JSON plus its samples.

Report, export, history and batch all start from :func:`load_session`, so the
same file gives the same numbers everywhere: the samples go through the one
analysis path (``dorsi.pipeline``); an analysis JSON given with its samples is
taken as it is and only the angle trace is recomputed for the plots.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.pain import PainReport
from dorsi.pipeline.gaps import data_losses
from dorsi.routine.model import Routine
from dorsi.samples import SampleBatch

SCHEMA = "dorsi.analysis.v1"
INPUT_KINDS = ("auto", "recording", "csv", "movella", "sensor_logger", "phyphox", "axivity", "analysis")


class SessionInputError(ValueError):
    """The input cannot be loaded or analysed (message: one line naming the file)."""


@dataclass
class Session:
    """Samples, angle trace and analysis of one session.

    Attributes
    ----------
    path : Path
        The input file.
    kind : str
        ``"recording"``, ``"csv"``, ``"movella"``, ``"sensor_logger"``, ``"phyphox"``, ``"axivity"`` or
        ``"analysis"``.
    shin, foot : SampleBatch or None
        The samples (``foot`` only with a foot sensor).
    trace : AngleTrace
        The ankle-angle trace of the whole session.
    analysis : dict
        The ``dorsi.analysis.v1`` object.
    profile : dict
        Body profile (``side``, lengths) where known.
    started_at : datetime
        Session start (UTC): recording header, CSV comment, or file time.
    problems : list of str
        What is known to be wrong with the input (truncated recording ...).
    samples_path : Path or None
        The file holding the samples (the input itself, ``shin.csv`` of a
        folder, or the samples of an analysis JSON).
    routine : Routine or None
        The routine the analysis was judged by, where not the packaged one
        (named with ``routine``, or a recording's own).
    """

    path: Path
    kind: str
    shin: SampleBatch | None
    foot: SampleBatch | None
    trace: AngleTrace
    analysis: dict
    profile: dict = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    problems: list[str] = field(default_factory=list)
    samples_path: Path | None = None
    routine: Routine | None = None

    @property
    def side(self) -> str | None:
        side = self.profile.get("side")
        return side if side in ("left", "right") else None


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime (naive times are taken as UTC)."""
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _file_time(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)


def detect_kind(path: Path) -> str:
    """Input kind from the name and, for CSVs, folders and zips, what they hold."""
    from dorsi.sources.movella import is_movella_csv
    from dorsi.sources.phyphox import is_phyphox
    from dorsi.sources.sensor_logger import is_sensor_logger

    if path.is_dir():
        if (path / "shin.cwa").is_file() and not (path / "shin.csv").is_file():
            return "axivity"
        return "sensor_logger" if is_sensor_logger(path) else "phyphox" if is_phyphox(path) else "csv"
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "sensor_logger" if is_sensor_logger(path) else "analysis"
    if suffix == ".cwa":
        return "axivity"
    if suffix in (".csv", ".txt"):
        return "movella" if is_movella_csv(path) else "phyphox" if is_phyphox(path) else "csv"
    if suffix == ".zip":
        if is_sensor_logger(path):
            return "sensor_logger"
        if is_phyphox(path):
            return "phyphox"
        raise SessionInputError(f"{path}: a zip holding neither Sensor Logger's Gyroscope.csv and acceleration nor "
                                "phyphox's acceleration or gyroscope sets: not a phone export dorsi reads")
    with path.open("rb") as fh:
        if fh.read(8) == b"DORSIREC":
            return "recording"
    raise SessionInputError(f"{path}: not a recording, CSV, Sensor Logger or phyphox export, Axivity .cwa "
                            "or analysis JSON")


@dataclass
class Samples:
    """One input's samples and what it says about itself (:func:`read_samples`)."""

    path: Path
    shin: SampleBatch
    foot: SampleBatch | None
    segments: list | None
    profile: dict
    started_at: datetime
    problems: list[str]
    kind: str
    routine: Routine | None = None  # a recording's own routine (the targets the user saw)
    pain: list[PainReport] = field(default_factory=list)  # pain the user reported (markers, notes)


def read_samples(path: Path, kind: str, axes: str | None, between: str | None = None) -> Samples:
    """The samples of one input of ``kind`` (``"recording"``, ``"csv"``, ``"movella"``, ``"sensor_logger"``,
    ``"phyphox"``, ``"axivity"``), with
    what it says about itself (segments, profile, start time, routine) and what was wrong with it
    but read past; ``SessionInputError`` (one line) for what cannot be read. ``between``
    (``"START,END"``) reads a part of an Axivity recording."""
    from dorsi.recording import RecordingError
    from dorsi.sources import SourceError

    if between and kind != "axivity":
        raise SessionInputError(f"{path}: --between reads a part of an Axivity recording (.cwa); a {kind} input "
                                "is read whole (give its exercises' times with --segments)")
    try:
        if kind == "recording":
            from dorsi.sources.recording_source import load_recording

            rec = load_recording(path)
            if rec.shin is None:
                raise SessionInputError(f"{path}: the recording holds no shin-sensor samples")
            header = rec.recording.header
            return Samples(path, rec.shin, rec.foot, rec.segments or None, rec.profile,
                            parse_time(header.get("started_at")) or _file_time(path),
                            [f"{path}: {p}" for p in rec.recording.problems()], kind, rec.routine, rec.pain)
        if kind == "movella":
            from dorsi.sources.movella import DOT_STRAP_AXES, read_movella_csv

            shin = read_movella_csv(path, "shin", axes or DOT_STRAP_AXES)
            started = parse_time(shin.meta.get("StartTime") or shin.meta.get("started_at")) or _file_time(path)
            return Samples(path, shin, None, None, {}, started, [], kind)
        if kind == "sensor_logger":
            from dorsi.sources.sensor_logger import PHONE_SHIN_AXES, read_sensor_logger

            phone = read_sensor_logger(path, axes or PHONE_SHIN_AXES)
            side = {"side": phone.meta["side"]} if phone.meta.get("side") else {}  # from a note
            return Samples(path, phone.shin, None, phone.segments, side, phone.started_at or _file_time(path),
                           list(phone.problems), kind, pain=list(phone.pain))
        if kind == "phyphox":
            from dorsi.sources.phyphox import PHONE_SHIN_AXES as PHYPHOX_AXES
            from dorsi.sources.phyphox import read_phyphox

            export = read_phyphox(path, axes or PHYPHOX_AXES)
            return Samples(path, export.shin, None, None, {}, export.started_at or _file_time(path),
                           list(export.problems), kind)
        if kind == "axivity":
            from dorsi.sources.axivity import AX_SHIN_AXES, read_cwa

            from dorsi.sources.axivity import parse_window

            try:
                window = parse_window(between) if between else None
            except ValueError as exc:
                raise SessionInputError(str(exc)) from None
            logged = read_cwa(path, axes or AX_SHIN_AXES, between=window)
            side = {"side": logged.side} if logged.side else {}  # from the body location
            shin_path = Path(logged.meta["path"])  # a folder's shin.cwa
            return Samples(shin_path, logged.shin, logged.foot, None, side, logged.started_at or _file_time(shin_path),
                           list(logged.problems), kind)
        if kind == "csv":
            from dorsi.sources.csv_source import read_imu_csv

            csv_rec = read_imu_csv(path, axes=axes or None)
            profile = {k: csv_rec.meta[k] for k in ("side",) if csv_rec.meta.get(k)}
            for key in ("shank_length_m", "foot_length_m", "sensor_height_m"):
                if key in csv_rec.meta:
                    try:
                        profile[key] = float(csv_rec.meta[key])
                    except ValueError:
                        raise SessionInputError(f"{path}: comment {key} is not a number") from None
            started = parse_time(csv_rec.meta.get("started_at")) or _file_time(Path(csv_rec.meta["path"]))
            return Samples(Path(csv_rec.meta["path"]), csv_rec.shin, csv_rec.foot, None, profile, started,
                            list(csv_rec.problems), kind)
    except (SourceError, RecordingError) as exc:
        raise SessionInputError(" ".join(str(exc).split())) from None
    raise SessionInputError(f"{path}: unknown input kind {kind!r}")


def _find_samples(json_path: Path) -> Path:
    """The samples beside an analysis JSON: same stem ``.dorsi``/``.csv``, or ``shin.csv``."""
    stem = json_path.name
    for suffix in (".analysis.json", ".json"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    for candidate in (json_path.with_name(stem + ".dorsi"), json_path.with_name(stem + ".csv"),
                      json_path.with_name("shin.csv")):
        if candidate.exists():
            return candidate
    raise SessionInputError(f"{json_path}: an analysis JSON needs its samples: pass --samples FILE "
                            f"(looked for {stem}.dorsi, {stem}.csv, shin.csv beside it)")


def read_analysis_json(path: Path) -> dict:
    """Read and check an analysis JSON (``dorsi.analysis.v1``)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SessionInputError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise SessionInputError(f"{path}: not JSON ({exc})") from None
    check_analysis(doc, str(path))
    return doc


def check_analysis(doc: object, origin: str = "analysis") -> None:
    """Raise :class:`SessionInputError` unless ``doc`` has the ``dorsi.analysis.v1`` essentials."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise SessionInputError(f"{origin}: not a {SCHEMA} object")
    for key in ("sample_rate_hz", "duration_s", "exercises", "quality"):
        if key not in doc:
            raise SessionInputError(f"{origin}: missing {key!r}")
    for ex in doc["exercises"]:
        for key in ("exercise", "start_s", "end_s", "target", "reps", "holds", "heel_lifts", "quality"):
            if key not in ex:
                raise SessionInputError(f"{origin}: exercise entry without {key!r}")


def load_session(path: str | os.PathLike, *, kind: str = "auto", samples: str | Path | None = None,
                 exercise: str | None = None, axes: str | None = None, routine=None,
                 segments: str | Path | None = None, side: str | None = None,
                 between: str | None = None) -> Session:
    """Load and analyse one session.

    Parameters
    ----------
    path : str or Path
        A recording (``*.dorsi``), a generic IMU CSV (or a directory holding
        ``shin.csv``), a Movella DOT CSV export, a Sensor Logger export (zip or
        folder; its exercise notes give the segments), or an analysis JSON.
    kind : str
        One of :data:`INPUT_KINDS` (default: detected).
    samples : str or Path, optional
        The samples of an analysis JSON (default: found beside it).
    exercise : str, optional
        Exercise of a marker-less input (default: classified).
    axes : str, optional
        Axis map of a Movella DOT export, a phone's Sensor Logger export or a generic IMU CSV's shin sensor
        (``AxisMap.parse`` syntax, or ``"auto"``).
    routine : Routine, optional
        Targets (default: a recording's own routine, kept in its header, else the packaged one).
    segments : str or Path, optional
        A segments file (``dorsi.sources.segments_file``): which exercise ran
        when, in place of the input's markers; or ``"auto"``: the routine's
        exercises found in the input (:mod:`dorsi.pipeline.auto_segments`).
    side : {"left", "right"}, optional
        The leg, where the input does not say (a Movella export, a CSV without
        a ``# side:`` comment) or says it wrong; it sets which way the knee
        drifting in reads.
    between : str, optional
        ``"START,END"``: the part of an Axivity recording to read (``dorsi.sources.axivity.parse_window``).

    Raises
    ------
    SessionInputError
        Anything that keeps the input from being analysed, as one line.
    """
    from dorsi.pipeline import analyze_trace, estimate_trace
    from dorsi.pipeline.auto_segments import found_segments, is_auto

    path = Path(path)
    if not path.exists():
        raise SessionInputError(f"{path}: no such file or directory")
    if kind not in INPUT_KINDS:
        raise SessionInputError(f"{path}: kind must be one of {INPUT_KINDS}")
    kind = detect_kind(path) if kind == "auto" else kind
    if segments is not None and exercise is not None:
        raise SessionInputError("give an exercise (the whole input is one exercise) or segments, not both")
    if segments is not None and kind == "analysis":
        raise SessionInputError(f"{path}: an analysis JSON keeps its own segments")
    chosen: list | None = None
    auto = is_auto(segments)
    if segments is not None and not auto:
        from dorsi.sources.segments_file import read_segments

        try:
            chosen = read_segments(segments)
        except ValueError as exc:
            raise SessionInputError(str(exc)) from None
    analysis = None
    if kind == "analysis":
        analysis = read_analysis_json(path)
        sample_path = Path(samples) if samples is not None else _find_samples(path)
        if not sample_path.exists():
            raise SessionInputError(f"{sample_path}: no such file or directory")
        data = read_samples(sample_path, detect_kind(sample_path), axes, between)
    else:
        data = read_samples(path, kind, axes, between)
    if len(data.shin) < 2:
        raise SessionInputError(f"{path}: fewer than two samples")
    if side is not None:
        if side not in ("left", "right"):
            raise SessionInputError(f"side must be left or right, got {side!r}")
        data.profile = dict(data.profile, side=side)
    try:
        if analysis is not None:  # its own segments say which exercise ran when
            chosen = [(e["exercise"], e["start_s"], e["end_s"]) for e in analysis.get("exercises", [])]
        notes = list(data.problems)
        if auto:
            trace, chosen, found = found_segments(data.shin, data.foot, data.profile or None,
                                                  routine or data.routine)
            notes.append(found)
        else:
            trace = estimate_trace(data.shin, data.foot, data.profile or None, segments=chosen or data.segments,
                                   exercise=exercise)
        if analysis is None:
            losses = data_losses(data.shin, data.foot)
            losses["notes"] = notes + losses["notes"]
            result = analyze_trace(trace, chosen or data.segments, exercise, routine or data.routine,
                                   data.profile or None, sample_rate_hz=data.shin.rate_hz, pain=data.pain,
                                   **losses)
            analysis = result.to_json()
    except (ValueError, KeyError) as exc:
        raise SessionInputError(f"{path}: cannot analyse: {' '.join(str(exc).split())}") from None
    return Session(path=path, kind=data.kind if kind != "analysis" else "analysis", shin=data.shin,
                   foot=data.foot, trace=trace, analysis=analysis, profile=dict(data.profile),
                   started_at=data.started_at, problems=list(data.problems), samples_path=data.path,
                   routine=routine or data.routine)


def finite_or_none(value: float | None) -> float | None:
    """``None`` for missing or non-finite values (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None
