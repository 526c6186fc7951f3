"""Reader for Axivity AX6 recordings (``.cwa``): a research logger strapped on the shin.

The AX6 (Open Movement, Newcastle University; open hardware, firmware and file
format, widely used in clinical and movement research) logs its accelerometer
and, when set up with a gyroscope range, its gyroscope to a ``.cwa`` file on the
device (the format: :mod:`dorsi.sources.cwa_format`). Read here as dorsi's shin
(and foot) sensor, in dorsi's axes and SI units, a foot logger's file paired
with the shin's, a part of a long recording by its time (``--between``), and
a part cut out as a file of its own (:func:`cut_cwa`).

Sample times are interpolated between the blocks' timestamps (the sensor's own
clock between the logger's), so a drifting sensor clock reads as the rate it ran. A
block that fails its checksum, or is not a data block, is left out: its samples
become a gap (lost samples), never made up, and the file is still read. A file
cut inside a block (a logger unplugged while writing) loses that block only.
AX3 files and AX6 recordings without the gyroscope are refused: dorsi needs the
rotation rate.

Axes: dorsi's shin axes are +x up the shin toward the knee, +z out of the front
of the shin. The AX's +X follows the arrow etched on its face, +Y lies in the
face 90 deg clockwise from it, +Z points away through the etched face. Worn on
the front of the shin with the arrow toward the knee and the etched face out,
dorsi's x is +X, z is -Z and y = z x x is -Y: :data:`AX_SHIN_AXES` ``"x,-y,-z"``
(on the foot, arrow toward the toes and face up: the same map). A foot sensor
is a second file: ``foot.cwa`` beside ``shin.cwa``, or ``NAME.foot.cwa`` beside
``NAME.shin.cwa``; both loggers' clocks give the common time base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from dorsi.samples import SampleBatch
from dorsi.sources import SourceError
from dorsi.sources import cwa_format
from dorsi.sources.cwa_format import BLOCK_LENGTH, BLOCK_SIZE, BLOCK_TAG, HEADER_TAG
from dorsi.sources.axes import AUTO, AxisMap
from dorsi.sources.csv_source import RATE_RANGE_HZ
from dorsi.sources.csv_source import foot_partner as paired_foot_file
from dorsi.sources.units import MAX_SPAN_S, check_si_units

#: An AX6 worn on the front of the shin (or the foot's dorsum), arrow toward the knee (toes), etched face out.
AX_SHIN_AXES = AxisMap.parse("x,-y,-z")
#: A time window: from, to (the logger's clock, naive local time; None: open).
Window = tuple[datetime | None, datetime | None]



@dataclass
class AxivityRecording:
    """One AX6 recording (with the foot's, where there is one) read as dorsi samples.

    Attributes
    ----------
    shin : SampleBatch
        The shin logger's samples in dorsi's axes, SI units; ``t`` in seconds from its first sample.
    foot : SampleBatch or None
        The foot logger's, on the same time base (its clock against the shin's).
    started_at : datetime or None
        The shin's first sample, in the logger's clock (set to the computer's local time when it
        was set up), as an aware local time.
    meta : dict
        ``source``, ``path`` (and ``foot_path``), ``device_id``, ``session_id``, ``hardware``,
        ``firmware``, ``sample_rate_hz`` (as the sensor ran), ``nominal_rate_hz`` (as set up),
        ``gyro_range_dps``, ``axes``, and the header's user
        metadata under ``metadata`` (``Body Location``, ``Subject Code`` ...).
    problems : list of str
        What was read past, one line each (damaged blocks, a cut end, gaps).
    side : str or None
        ``"left"`` or ``"right"`` where the body location in the metadata says so.
    """

    shin: SampleBatch
    foot: SampleBatch | None
    started_at: datetime | None
    meta: dict
    problems: list[str] = field(default_factory=list)
    side: str | None = None


@dataclass
class _Logged:
    """One file's samples in the logger's axes: times (s since 1970 in its clock), g and deg/s."""

    t: np.ndarray
    acc_g: np.ndarray
    gyr_dps: np.ndarray
    rate_hz: float
    meta: dict
    problems: list[str]


def is_cwa(path: str | Path) -> bool:
    """Whether ``path`` is a ``.cwa`` file starting with the header tag."""
    path = Path(path)
    if path.suffix.lower() != ".cwa" or not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            return fh.read(2) == HEADER_TAG
    except OSError:
        return False


def foot_partner(path: str | Path) -> Path | None:
    """The foot logger's file that goes with a shin file: ``foot.cwa`` beside ``shin.cwa``, or
    ``NAME.foot.cwa`` beside ``NAME.shin.cwa``; else None."""
    return paired_foot_file(path, ".cwa")


def read_cwa(path: str | Path, axes: AxisMap | str = AX_SHIN_AXES, foot_path: str | Path | None = None,
             foot_axes: AxisMap | str = AX_SHIN_AXES, between: Window | None = None) -> AxivityRecording:
    """Read an AX6 ``.cwa`` recording of the shin (and the foot's, given or found beside it).

    Parameters
    ----------
    path : str or Path
        The shin logger's file, or a folder holding ``shin.cwa``.
    axes, foot_axes : AxisMap or str
        The loggers' axes as dorsi's (default :data:`AX_SHIN_AXES`, arrow toward the knee or toes and
        etched face out); a string is parsed, ``"auto"`` detects the shin's from the data.
    foot_path : str or Path, optional
        The foot logger's file (default: :func:`foot_partner`).
    between : (datetime or None, datetime or None), optional
        Read only the samples from the first to the second time (the logger's clock: local time;
        None: from the start, to the end), e.g. the routine within a day or a week of wear
        (:func:`parse_window`). Only the blocks of that time are decoded.

    Raises
    ------
    SourceError
        Not a CWA file, no gyroscope, no data (in the window), a rate out of range, a clock that
        goes back, or a span beyond :data:`MAX_SPAN_S`: one line naming the file (and the block).
    """
    path = Path(path)
    if path.is_dir():
        if not (path / "shin.cwa").is_file():
            raise SourceError(f"{path}: a folder without shin.cwa")
        path = path / "shin.cwa"
    shin_map = _axis_map(path, axes)
    foot_path = Path(foot_path) if foot_path is not None else foot_partner(path)
    window = _epoch_window(between)
    shin_log = _read_logged(path, window)
    shin = _batch("shin", shin_log, shin_log.t[0], shin_map, str(path))
    problems = list(shin_log.problems)
    meta = dict(shin.meta, source="axivity", path=str(path))
    foot = None
    if foot_path is not None:
        foot_log = _read_logged(foot_path, window)
        problems += foot_log.problems
        foot_log = _overlap(foot_log, float(shin_log.t[0]), float(shin_log.t[-1]), str(foot_path))
        foot = _batch("foot", foot_log, shin_log.t[0], _axis_map(foot_path, foot_axes), str(foot_path))
        meta["foot_path"] = str(foot_path)
    location = str(shin_log.meta["metadata"].get("Body Location") or "")
    words = set(re.findall(r"[a-z]+", location.lower()))
    side = next((s for s in ("left", "right") if s in words), None)
    if words & {"wrist", "arm", "hand", "waist", "hip", "back", "chest", "thigh"}:
        problems.append(f"{path}: the file's body location is {location!r}: dorsi reads it as a shin sensor")
    if side is not None:  # the leg, as a CSV's '# side:' gives it
        for batch in (shin, foot):
            if batch is not None:
                batch.meta["side"] = side
    return AxivityRecording(shin, foot, _local_time(float(shin_log.t[0])), meta, problems, side)


def parse_window(text: str) -> Window:
    """``"START,END"`` (ISO 8601 date-times on the logger's clock, e.g. ``2026-11-27T18:00``; either
    may be left empty) as a window for :func:`read_cwa`; ``ValueError`` with the fix otherwise."""
    if text.count(",") != 1:
        raise ValueError(f"--between {text!r}: expected START,END such as 2026-11-27T18:00,2026-11-27T18:45 "
                         "(either may be empty)")
    ends: list[datetime | None] = []
    for part in text.split(","):
        part = part.strip()
        try:
            ends.append(_naive_local(datetime.fromisoformat(part)) if part else None)
        except ValueError:
            raise ValueError(f"--between: {part!r} is not a date and time such as 2026-11-27T18:00") from None
    start, end = ends
    if start is not None and end is not None and end <= start:
        raise ValueError(f"--between {text!r}: the end is not after the start")
    return start, end


def _naive_local(when: datetime) -> datetime:
    """A time as the logger's clock reads it: local wall time without a zone."""
    return when.astimezone().replace(tzinfo=None) if when.tzinfo is not None else when


def _epoch_window(between: Window | None) -> tuple[float, float] | None:
    """The window as seconds since 1970 on the logger's clock (open ends infinite)."""
    if between is None or between == (None, None):
        return None
    start, end = (None if w is None else (_naive_local(w) - datetime(1970, 1, 1)).total_seconds() for w in between)
    return (-np.inf if start is None else start, np.inf if end is None else end)


def cut_cwa(path: str | Path, target: str | Path, between: Window) -> Path:
    """Write the part of a recording within ``between`` as a ``.cwa`` of its own: the header and the
    blocks from the first to the last stamped inside the window, byte for byte (checksums intact),
    as Open Movement's tools cut a time range. A foot logger's file beside it (:func:`foot_partner`) is
    cut alike beside ``target``, which must then end in ``shin.cwa`` (``ValueError`` otherwise)."""
    path, target = Path(path), Path(target)
    window = _epoch_window(between)
    if window is None:
        raise ValueError("cut_cwa needs a window with a start or an end")
    pairs = [(path, target)]
    partner = foot_partner(path)
    if partner is not None:
        if not target.name.lower().endswith("shin.cwa"):
            raise ValueError(f"{target}: name it NAME.shin.cwa (or shin.cwa), so that the foot logger's cut "
                             "beside it is read with it")
        pairs.append((partner, target.with_name(target.name[: -len("shin.cwa")] + "foot.cwa")))
    for src, dst in pairs:
        head_size = cwa_format.header_size(src)
        mapped = cwa_format.mapped_blocks(src, head_size)
        inside = _blocks_in(src, mapped, window)
        del mapped
        with src.open("rb") as fh:
            header = fh.read(head_size)
            fh.seek(head_size + int(inside[0]) * BLOCK_SIZE)
            body = fh.read((int(inside[-1]) - int(inside[0]) + 1) * BLOCK_SIZE)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(header + body)
    return target


def _axis_map(path: Path, axes: AxisMap | str) -> AxisMap | str:
    if isinstance(axes, str) and axes != AUTO:
        try:
            return AxisMap.parse(axes)
        except ValueError as exc:
            raise SourceError(f"{path}: {exc}") from None
    return axes


def _batch(role: str, log: _Logged, origin: float, axes: AxisMap | str, label: str) -> SampleBatch:
    """The logger's samples as a dorsi batch: dorsi's axes, SI units, ``seq`` in whole periods."""
    acc = log.acc_g * cwa_format.G
    gyr = np.radians(log.gyr_dps)
    check_si_units(acc, gyr, label, label)
    if isinstance(axes, str):
        try:
            axes = AxisMap.detect(acc)
        except ValueError as exc:
            raise SourceError(f"{label}: axes auto: {exc}") from None
    t = log.t - origin
    # the rate the sensor ran at (its clock is off the nominal by up to a few per cent): each step
    # counts whole periods of it (at least one), a longer step is a gap of lost samples
    rate = float(1.0 / np.median(np.diff(t)))
    steps = np.maximum(1, np.rint(np.diff(t) * rate)).astype(np.int64)
    seq = np.concatenate([[0], np.cumsum(steps)])
    meta = dict(log.meta, sample_rate_hz=rate, nominal_rate_hz=log.rate_hz, axes=str(axes))
    return SampleBatch(role, seq, t, axes.vectors(acc), axes.vectors(gyr), None, meta)


def _overlap(log: _Logged, start: float, end: float, label: str) -> _Logged:
    """The foot logger's samples within the shin's span (the loggers start and stop apart)."""
    keep = (log.t >= start) & (log.t <= end)
    if np.count_nonzero(keep) < 2:
        raise SourceError(f"{label}: the foot logger's recording does not overlap the shin's in time "
                          "(are both clocks set, and are they the same session?)")
    return _Logged(log.t[keep], log.acc_g[keep], log.gyr_dps[keep], log.rate_hz, log.meta, log.problems)


def _local_time(epoch_s: float) -> datetime | None:
    """The logger's clock reading (local wall time, kept as seconds since 1970 here) as aware local time."""
    try:
        return (datetime(1970, 1, 1) + timedelta(seconds=epoch_s)).astimezone()  # naive: this computer's zone
    except (OverflowError, OSError, ValueError):
        return None


def _read_logged(path: Path, window: tuple[float, float] | None = None) -> _Logged:
    """Header, blocks and samples of one file (within ``window``, seconds since 1970 on its clock),
    in the logger's own axes and units. The blocks are mapped, not read: a week of wear is
    hundreds of megabytes, of which a window decodes only its own."""
    header_size = cwa_format.header_size(path)
    size = path.stat().st_size
    with path.open("rb") as fh:
        meta = cwa_format.parse_header(fh.read(header_size))
    problems: list[str] = []
    tail = (size - header_size) % BLOCK_SIZE
    if tail:
        problems.append(f"{path}: the file ends {tail} bytes into a block (cut short while writing): "
                        "that block is left out")
    mapped = cwa_format.mapped_blocks(path, header_size)
    index = np.arange(len(mapped)) if window is None else _blocks_in(path, mapped, window)
    blocks = np.array(mapped[index])  # in memory: only the blocks read
    del mapped
    usable = cwa_format.usable_blocks(path, blocks, meta, problems)
    blocks = blocks[usable]
    first = index[usable]
    counts = blocks["count"].astype(np.int64)
    rate_hz = cwa_format.rate_hz(int(blocks["rate"][0]))
    lo, hi = RATE_RANGE_HZ
    if not lo <= rate_hz <= hi:
        raise SourceError(f"{path}: the logger's rate {rate_hz:g} Hz is outside the supported {lo:g}-{hi:g} Hz "
                          "(set it up at 50, 100 or 200 Hz)")
    stamp = cwa_format.block_times(path, blocks, first)
    span = float(stamp.max() - stamp.min())
    if span > MAX_SPAN_S:  # told from the blocks, before a week of samples is decoded
        raise SourceError(f"{path}: the recording spans {span / 3600:.4g} h ({_clock(stamp.min())} to "
                          f"{_clock(stamp.max())}), more than {MAX_SPAN_S / 3600:g} h: give the session's time "
                          "with --between START,END")
    t = cwa_format.sample_times(path, blocks, first, counts, rate_hz, stamp)
    acc_g, gyr_dps, gyro_range = cwa_format.scaled_values(blocks, counts, float(meta["gyro_range_dps"]))
    meta.update(sample_rate_hz=rate_hz, gyro_range_dps=gyro_range)
    if window is not None:
        keep = (t >= window[0]) & (t <= window[1])
        if np.count_nonzero(keep) < 2:
            raise SourceError(f"{path}: fewer than two samples between {_clock(window[0])} and {_clock(window[1])}")
        t, acc_g, gyr_dps = t[keep], acc_g[keep], gyr_dps[keep]
    return _Logged(t, acc_g, gyr_dps, rate_hz, meta, problems)


#: Blocks whose stamps are decoded at a time when a window is looked for (a week at 100 Hz is
#: 1.5 million blocks: all at once, the date arithmetic's arrays took ~180 MB).
WINDOW_SCAN_BLOCKS = 1 << 17


def _blocks_in(path: Path, blocks: np.ndarray, window: tuple[float, float]) -> np.ndarray:
    """Indices of the data blocks stamped within ``window`` (a second's margin each side: a block's
    stamp names one of its samples)."""
    found: list[np.ndarray] = []
    first = last = None
    for lo in range(0, len(blocks), WINDOW_SCAN_BLOCKS):
        part = blocks[lo:lo + WINDOW_SCAN_BLOCKS]  # a view of the mapped file
        tagged = np.flatnonzero((part["tag"] == BLOCK_TAG) & (part["length"] == BLOCK_LENGTH))
        # the two fields alone: indexing the blocks themselves would copy them whole
        stamp, bad = cwa_format.decode_times(part["timestamp"][tagged], part["device_fractional"][tagged])
        good, stamp = tagged[~bad] + lo, stamp[~bad]
        if len(stamp):
            first = stamp.min() if first is None else min(first, stamp.min())
            last = stamp.max() if last is None else max(last, stamp.max())
        found.append(good[(stamp >= window[0] - 1.0) & (stamp <= window[1] + 1.0)])
    inside = np.concatenate(found)
    if not len(inside):
        runs = f" (it runs from {_clock(first)} to {_clock(last)})" if first is not None and last is not None else ""
        raise SourceError(f"{path}: nothing recorded between {_clock(window[0])} and {_clock(window[1])}{runs}")
    return inside


def _clock(epoch_s: float) -> str:
    """Seconds since 1970 on the logger's clock as its wall time (``"start"``/``"end"`` for open ends)."""
    if not np.isfinite(epoch_s):
        return "the start" if epoch_s < 0 else "the end"
    return (datetime(1970, 1, 1) + timedelta(seconds=float(epoch_s))).isoformat(sep=" ", timespec="seconds")


