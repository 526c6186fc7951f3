"""Reader for the generic IMU CSV format (data from other sensors, validation).

Format (see ``docs/algorithms-angle.md``): optional leading comment lines
``# key: value`` (``sample_rate_hz``, ``placement`` = shin|foot,
``side`` = left|right, ``axes`` / ``foot_axes`` = the sensor's axes as dorsi's),
then a header row with ``time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z``,
optionally ``quat_w,quat_x,quat_y,quat_z`` and a leading ``seq``; the same
columns prefixed ``foot_`` may carry a foot sensor. SI units, sensor axes as
worn (dorsi's, or mapped by ``axes``); times that wander off a uniform grid are
resampled onto it. The whole file is parsed or a ``SourceError`` names the
file and line: nothing is dropped silently.
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dorsi.samples import SampleBatch
from dorsi.sources import SourceError
from dorsi.sources.axes import AUTO, AxisMap
from dorsi.sources.resample import UniformResampler, grid_index
from dorsi.sources.units import G_UNITS_NORM, MAX_GYR_RAD_S, MAX_SPAN_S, SI_NORM

TIME = "time_s"
ACC = ("acc_x", "acc_y", "acc_z")
GYR = ("gyr_x", "gyr_y", "gyr_z")
QUAT = ("quat_w", "quat_x", "quat_y", "quat_z")
FOOT_PREFIX = "foot_"
META_KEYS = ("sample_rate_hz", "placement", "side", "axes", "foot_axes")

#: Accepted nominal sample rates (Hz), with a margin around the 25-400 Hz spec.
RATE_RANGE_HZ = (20.0, 500.0)


@dataclass(frozen=True)
class CsvRecording:
    """What a generic IMU CSV holds.

    Attributes
    ----------
    shin : SampleBatch
        The shin sensor (role ``"shin"``).
    foot : SampleBatch or None
        The foot sensor, from ``foot_`` columns or a second file.
    meta : dict
        The ``# key: value`` comments (``sample_rate_hz`` as float), plus
        ``path`` (and ``foot_path``).
    problems : list of str
        What was wrong with the files but did not stop the reading (a last
        line cut off mid-write, left out), one line each naming the file.
    """

    shin: SampleBatch
    foot: SampleBatch | None
    meta: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_imu_csv(path: str | Path, foot_path: str | Path | None = None, axes: str | None = None) -> CsvRecording:
    """Read a generic IMU CSV file (and optionally the foot sensor's file).

    Parameters
    ----------
    path : str or Path
        The shin sensor's CSV, or a directory holding ``shin.csv`` (and
        ``foot.csv``). A file named ``shin.csv`` with a ``foot.csv`` beside it
        picks that file up as the foot sensor, and so does ``NAME.shin.csv``
        with ``NAME.foot.csv`` (what ``dorsi export`` writes).
    foot_path : str or Path, optional
        The foot sensor's CSV (``placement: foot``; foot axes: +x toward the
        toes, +z up out of the dorsum).
    axes : str, optional
        The shin sensor's axes as dorsi's (``"y,-x,z"``: dorsi +x is the
        sensor's +y ...; ``"auto"``: detected from the data), replacing the
        file's ``# axes:`` comment. Without either the columns are taken to be
        in dorsi's axes already. Foot columns (``foot_``) take ``# foot_axes:``,
        a separate foot file its own ``# axes:``.

    Returns
    -------
    CsvRecording

    Raises
    ------
    SourceError
        Missing columns, non-numeric cells, non-monotonic time, values that
        are not SI units (acceleration in g, gyroscope in deg/s), an
        unsupported sample rate: one line naming the file and line. A last
        line with fewer values than the header (a logger stopped while
        writing it) is not an error: it is left out and named in
        ``problems``. Sample times that wander off a uniform grid (a phone's
        sensor events, a clock running off its stated rate) are resampled
        onto it (:mod:`dorsi.sources.resample`) and the note says so in
        ``problems``; with a ``seq`` column the times are taken as they are.
    """
    path = Path(path)
    if path.is_dir():
        folder = path
        path = folder / "shin.csv"
        if foot_path is None and (folder / "foot.csv").exists():
            foot_path = folder / "foot.csv"
    elif foot_path is None:
        foot_path = foot_partner(path)
    table = _CsvTable.load(path)
    if axes is not None:
        table.meta = _parse_meta(path, dict(table.meta, axes=axes))
    placement = table.meta.get("placement", "shin")
    if placement != "shin":
        raise SourceError(f"{path}: placement is {placement!r}; pass a shin file (a foot file goes in foot_path)")
    shin = table.batch("shin", "")
    foot = table.batch("foot", FOOT_PREFIX) if table.has_prefix(FOOT_PREFIX) else None
    meta = dict(table.meta, path=str(path))
    if foot_path is not None:
        if foot is not None:
            raise SourceError(f"{path}: has foot_ columns and a separate foot file {foot_path} was also given")
        foot_table = _CsvTable.load(Path(foot_path))
        foot_placement = foot_table.meta.get("placement", "foot")
        if foot_placement != "foot":
            raise SourceError(f"{foot_path}: placement is {foot_placement!r}, expected 'foot'")
        foot = foot_table.batch("foot", "")
        meta["foot_path"] = str(foot_path)
        problems = table.problems + foot_table.problems
    else:
        problems = table.problems
    return CsvRecording(shin=shin, foot=foot, meta=meta, problems=problems)


def foot_partner(path: str | Path, extension: str = ".csv") -> Path | None:
    """The foot sensor's file that goes with a shin file: ``foot.csv`` beside ``shin.csv`` (the
    simulator's folders), ``NAME.foot.csv`` beside ``NAME.shin.csv`` (``dorsi export``); else None.
    ``extension`` names other files paired the same way (``".cwa"``)."""
    path = Path(path)
    shin = "shin" + extension
    if not path.name.lower().endswith(shin):
        return None
    prefix = path.name[: -len(shin)]
    partner = path.with_name(prefix + "foot" + extension)
    return partner if (prefix == "" or prefix.endswith(".")) and partner.is_file() else None


class _CsvTable:
    """One parsed file: comment metadata, column names and the numeric table."""

    def __init__(self, path: Path, meta: dict, columns: list[str], data: np.ndarray, first_line: int,
                 problems: list[str] | None = None) -> None:
        self.path = path
        self.meta = meta
        self.columns = columns
        self.data = data
        self.first_line = first_line  # 1-based file line of the first data row
        self.problems = problems or []

    @classmethod
    def load(cls, path: Path) -> "_CsvTable":
        try:
            return cls._load(path)
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not a text (UTF-8) file") from None
        except csv.Error as exc:
            raise SourceError(f"{path}: not a readable CSV ({exc})") from None

    @classmethod
    def _load(cls, path: Path) -> "_CsvTable":
        try:
            with path.open("r", encoding="utf-8", newline="") as fh:
                meta, header, n_before = _read_preamble(path, fh)
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not a text (UTF-8) file") from None
        columns = [c.strip() for c in header]
        _check_header(path, columns, n_before)
        problems: list[str] = []
        try:
            data = _load_rows(path, n_before)
        except UnicodeDecodeError:
            raise
        except ValueError:
            cut = _cut_off_last_line(path, n_before, len(columns))
            if cut is None:
                _raise_first_bad_line(path, n_before, len(columns))
                raise SourceError(f"{path}: malformed data") from None  # pragma: no cover - scan always finds it
            line, rows_before, n_values = cut
            try:
                data = _load_rows(path, n_before, rows_before)
            except ValueError:  # a bad line before it too: that one is the error
                _raise_first_bad_line(path, n_before, len(columns))
                raise SourceError(f"{path}: malformed data") from None  # pragma: no cover
            problems.append(f"{path}: line {line}: the last line has {n_values} of {len(columns)} values (the "
                            "file was cut off while being written); left out, every line before it read")
        if data.shape[0] == 0:
            raise SourceError(f"{path}: header but no data rows")
        if data.shape[1] != len(columns):
            raise SourceError(f"{path}: line {n_before + 1}: {data.shape[1]} values, header has {len(columns)} columns")
        bad = ~np.isfinite(data)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            line = _data_line_number(path, n_before, int(row))
            raise SourceError(f"{path}: line {line}: column {columns[col]!r} is not a finite number")
        return cls(path, meta, columns, data, n_before + 1, problems)

    def has_prefix(self, prefix: str) -> bool:
        return any(c.startswith(prefix) for c in self.columns)

    def column(self, name: str) -> np.ndarray:
        return self.data[:, self.columns.index(name)]

    def batch(self, role: str, prefix: str) -> SampleBatch:
        path = self.path
        names = self.columns
        for name in (*ACC, *GYR):
            if prefix + name not in names:
                raise SourceError(f"{path}: line {self.first_line - 1}: missing column {prefix + name!r}")
        t = self.column(TIME).copy()
        acc = np.column_stack([self.column(prefix + c) for c in ACC])
        gyr = np.column_stack([self.column(prefix + c) for c in GYR])
        has_quat = [prefix + c in names for c in QUAT]
        if any(has_quat) and not all(has_quat):
            needed = ",".join(prefix + c for c in QUAT)
            raise SourceError(f"{path}: line {self.first_line - 1}: a quaternion needs all of {needed}")
        quat = np.column_stack([self.column(prefix + c) for c in QUAT]) if all(has_quat) else None
        self._check_time(t)
        seq_col = self._seq_column()
        rate = self._rate(t, seq_col)
        self._check_units(acc, gyr, quat, prefix)
        meta = {"source": "csv", **self.meta, "sample_rate_hz": rate, "path": str(path)}
        on_grid = grid_index(t, rate) if seq_col is None else None
        if seq_col is not None:
            seq = seq_col
        elif on_grid is None:
            t, seq, acc, gyr, quat = self._resampled(t, acc, gyr, quat, rate, prefix)
            meta["resampled"] = True
        else:
            seq = on_grid
        axes = self._axes(prefix, acc)
        meta = {k: v for k, v in meta.items() if k not in ("axes", "foot_axes")}  # this batch's own, below
        if axes is not None:
            acc, gyr = axes.vectors(acc), axes.vectors(gyr)
            quat = None if quat is None else axes.quaternions(quat)
            meta["axes"] = str(axes)
        return SampleBatch(role, seq, t, acc, gyr, quat, meta)

    def _resampled(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, quat: np.ndarray | None, rate: float,
                   prefix: str) -> tuple:
        """The samples on a uniform ``rate`` grid, with a note in ``problems`` saying so."""
        r = UniformResampler(rate).resample(t, acc, gyr, quat)
        lo, hi = r.step_ms_
        gaps = f"; {r.gaps_} longer step(s) kept as lost samples" if r.gaps_ else ""
        what = f"{prefix}samples" if prefix else "samples"
        self.problems.append(f"{self.path}: time_s steps wander ({lo:.3g}-{hi:.3g} ms, 5-95 %) off a uniform "
                             f"{rate:g} Hz grid: {what} resampled onto it by interpolation{gaps}")
        return r.t_, r.seq_, r.acc_, r.gyr_, r.quat_

    def _axes(self, prefix: str, acc: np.ndarray) -> AxisMap | None:
        """The ``# axes:`` (``# foot_axes:`` for ``foot_`` columns) map of this file, None if not given."""
        spec = self.meta.get("foot_axes" if prefix == FOOT_PREFIX else "axes")
        if spec is None:
            return None
        if spec != AUTO:
            return AxisMap.parse(spec)  # checked when the comments were read
        try:
            return AxisMap.detect(acc)
        except ValueError as exc:
            raise SourceError(f"{self.path}: axes auto: {exc}") from None

    def _line(self, row: int) -> int:
        return _data_line_number(self.path, self.first_line - 1, row)

    def _check_time(self, t: np.ndarray) -> None:
        if len(t) < 2:
            raise SourceError(f"{self.path}: only {len(t)} sample; need at least 2")
        bad = np.flatnonzero(np.diff(t) <= 0)
        if bad.size:
            row = int(bad[0]) + 1
            raise SourceError(f"{self.path}: line {self._line(row)}: time_s {float(t[row])!r} does not increase "
                              f"(previous {float(t[row - 1])!r})")
        span = float(t[-1] - t[0])
        if span > MAX_SPAN_S:  # a damaged time would make the grid of a span no session has
            row = int(np.argmax(np.diff(t))) + 1
            raise SourceError(f"{self.path}: line {self._line(row)}: time_s {float(t[row])!r} makes the file span "
                              f"{span:.4g} s, more than {MAX_SPAN_S / 3600:g} h: a time is damaged")

    def _rate(self, t: np.ndarray, seq: np.ndarray | None) -> float:
        steps = np.ones(len(t) - 1) if seq is None else np.diff(seq).astype(float)
        measured = float(1.0 / np.median(np.diff(t) / steps))
        declared = self.meta.get("sample_rate_hz")
        rate = measured if declared is None else float(declared)
        if declared is not None and abs(measured - rate) > 0.15 * rate and len(t) > 10:
            raise SourceError(f"{self.path}: sample_rate_hz says {rate:g} Hz but time_s steps give {measured:.4g} Hz")
        lo, hi = RATE_RANGE_HZ
        if not lo <= rate <= hi:
            raise SourceError(f"{self.path}: sample rate {rate:.4g} Hz outside the supported 25-400 Hz "
                              "(is time_s in seconds?)")
        return rate

    def _seq_column(self) -> np.ndarray | None:
        if "seq" in self.columns:
            seq_f = self.column("seq")
            seq = seq_f.astype(np.int64)
            if np.any(seq != seq_f):
                row = int(np.flatnonzero(seq != seq_f)[0])
                raise SourceError(f"{self.path}: line {self._line(row)}: seq is not an integer")
            bad = np.flatnonzero(np.diff(seq) <= 0)
            if bad.size:
                row = int(bad[0]) + 1
                raise SourceError(f"{self.path}: line {self._line(row)}: seq {seq[row]} does not increase")
            return seq
        return None

    def _check_units(self, acc: np.ndarray, gyr: np.ndarray, quat: np.ndarray | None, prefix: str) -> None:
        norm = float(np.median(np.linalg.norm(acc, axis=1)))
        if G_UNITS_NORM[0] <= norm <= G_UNITS_NORM[1]:
            raise SourceError(f"{self.path}: {prefix}acc median norm is {norm:.3g}: looks like g, expected m/s^2")
        if not SI_NORM[0] <= norm <= SI_NORM[1]:
            raise SourceError(f"{self.path}: {prefix}acc median norm is {norm:.3g}, expected about 9.81 m/s^2")
        peak = np.abs(gyr).max(axis=1)
        over = np.flatnonzero(peak > MAX_GYR_RAD_S)
        if over.size:
            row = int(over[0])
            raise SourceError(f"{self.path}: line {self._line(row)}: {prefix}gyr {peak[row]:.4g} is beyond any "
                              "gyroscope range in rad/s: looks like deg/s")
        if quat is not None:
            qn = np.linalg.norm(quat, axis=1)
            off = np.flatnonzero(np.abs(qn - 1.0) > 0.05)
            if off.size:
                row = int(off[0])
                raise SourceError(f"{self.path}: line {self._line(row)}: {prefix}quat norm {qn[row]:.4g}, "
                                  "expected a unit quaternion")


def _read_preamble(path: Path, fh) -> tuple[dict, list[str], int]:
    """Comment metadata, header cells and the number of lines up to the header."""
    meta: dict = {}
    n = 0
    for raw in fh:
        n += 1
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep:
                meta[key.strip()] = value.strip()
            continue
        header = next(csv.reader([line]))
        return _parse_meta(path, meta), header, n
    raise SourceError(f"{path}: no header row (expected {TIME},{','.join(ACC + GYR)})")


def _parse_meta(path: Path, meta: dict) -> dict:
    if "sample_rate_hz" in meta:
        try:
            meta["sample_rate_hz"] = float(meta["sample_rate_hz"])
        except ValueError:
            raise SourceError(f"{path}: comment sample_rate_hz {meta['sample_rate_hz']!r} is not a number") from None
    if meta.get("placement", "shin") not in ("shin", "foot"):
        raise SourceError(f"{path}: comment placement {meta['placement']!r} must be shin or foot")
    if meta.get("side", "right") not in ("left", "right"):
        raise SourceError(f"{path}: comment side {meta['side']!r} must be left or right")
    for key in ("axes", "foot_axes"):
        if key not in meta:
            continue
        if meta[key].strip().lower() == AUTO:
            if key == "foot_axes" or meta.get("placement") == "foot":
                raise SourceError(f"{path}: comment {key}: auto detects a shin sensor's axes only; "
                                  "give the foot sensor's map (e.g. 'y,-x,z')")
            meta[key] = AUTO
            continue
        try:
            meta[key] = str(AxisMap.parse(meta[key]))
        except ValueError as exc:
            raise SourceError(f"{path}: comment {key}: {exc}") from None
    return meta


def _check_header(path: Path, columns: list[str], header_line: int) -> None:
    if TIME not in columns:
        raise SourceError(f"{path}: line {header_line}: missing column {TIME!r} (header: {','.join(columns)})")
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        raise SourceError(f"{path}: line {header_line}: duplicate column(s) {dup}")
    for name in (*ACC, *GYR):
        if name not in columns:
            raise SourceError(f"{path}: line {header_line}: missing column {name!r}")


def _load_rows(path: Path, n_before: int, max_rows: int | None = None) -> np.ndarray:
    """The numeric rows after the header (``max_rows``: only that many)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "input contained no data": reported by the caller
        return np.loadtxt(path, delimiter=",", skiprows=n_before, comments=None, dtype=np.float64, ndmin=2,
                          encoding="utf-8", max_rows=max_rows)


def _cut_off_last_line(path: Path, n_before: int, n_columns: int) -> tuple[int, int, int] | None:
    """``(line, data rows before it, values on it)`` when the bad line is the file's last
    non-empty one, with at least two data rows before it, and holds fewer values than the
    header, each a number except perhaps the last (a row cut off mid-write: ``0.51,9.8,0.0``
    or ``0.51,9.8,0.``); else None."""
    rows_before, last = 0, None
    with path.open("r", encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh), start=1):
            if lineno <= n_before or not row:
                continue
            if last is not None:
                rows_before += 1
            last = (lineno, row)
    if last is None or rows_before < 2:  # too little before it to read anyway: report the line
        return None
    lineno, row = last
    if not 0 < len(row) < n_columns:
        return None
    try:
        for cell in row[:-1]:
            float(cell)
    except ValueError:
        return None
    return lineno, rows_before, len(row)


def _raise_first_bad_line(path: Path, n_before: int, n_columns: int) -> None:
    """Slow path after a fast-parse failure: find and report the first bad line."""
    with path.open("r", encoding="utf-8", newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh), start=1):
            if lineno <= n_before or not row:
                continue
            if len(row) != n_columns:
                raise SourceError(f"{path}: line {lineno}: {len(row)} values, header has {n_columns} columns")
            for cell in row:
                try:
                    float(cell)
                except ValueError:
                    raise SourceError(f"{path}: line {lineno}: {cell.strip()!r} is not a number") from None


def _data_line_number(path: Path, n_before: int, row: int) -> int:
    """1-based file line of data row ``row`` (blank lines are skipped by the parser)."""
    with path.open("r", encoding="utf-8", newline="") as fh:
        seen = -1
        for lineno, raw in enumerate(fh, start=1):
            if lineno <= n_before or not raw.strip():
                continue
            seen += 1
            if seen == row:
                return lineno
    return n_before + row + 1  # pragma: no cover
