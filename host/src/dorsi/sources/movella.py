"""Reader for the CSV export of Movella DOT (formerly Xsens DOT) sensors.

The Movella DOT app and SDK write a few ``Key:,value`` header lines (device tag,
firmware, output rate, filter profile ...) and then a column row starting with
``PacketCounter,SampleTimeFine``. The columns used here:

* ``SampleTimeFine``: sample time in microseconds, an unsigned 32-bit counter
  that wraps at 2^32 (about every 71.6 minutes);
* ``Acc_X..Z``: specific force in m/s^2 (sensor frame);
* ``Gyr_X..Z``: angular rate in deg/s (converted to rad/s here);
* ``Quat_W..Z`` (optional): orientation, sensor frame to an earth frame whose
  +Z is up (ENU), the same convention as dorsi's.

The DOT's axes are not dorsi's axes as worn, so every vector (and the
quaternion) is re-expressed through an :class:`AxisMap`; the default,
:data:`DOT_STRAP_AXES`, is the mapping for a DOT in its strap on the front of
the shin with its +y toward the knee and its top face (+z) pointing out of the
shin (see ``docs/interchange.md``).
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np

from dorsi.samples import ROLES, SampleBatch
from dorsi.sources import SourceError
from dorsi.sources.axes import AUTO, AxisMap
from dorsi.sources.csv_source import RATE_RANGE_HZ
from dorsi.sources.units import G_UNITS_NORM, SI_NORM

TIME_COLUMN = "SampleTimeFine"
COUNTER_COLUMN = "PacketCounter"
ACC = ("Acc_X", "Acc_Y", "Acc_Z")
GYR = ("Gyr_X", "Gyr_Y", "Gyr_Z")
QUAT = ("Quat_W", "Quat_X", "Quat_Y", "Quat_Z")
#: SampleTimeFine is an unsigned 32-bit microsecond counter.
TIME_WRAP = 1 << 32
#: Header lines searched for the column row.
MAX_PREAMBLE_LINES = 64
#: Above this (deg/s) no MEMS gyroscope of a DOT measures: the file is not in deg/s.
MAX_GYR_DEG_S = 2100.0


#: A DOT strapped on the front of the shin, +y toward the knee, top face (+z) outward.
DOT_STRAP_AXES = AxisMap.parse("y,-x,z")


def is_movella_csv(path: str | Path) -> bool:
    """Whether ``path`` looks like a Movella DOT CSV export (column row found in the header)."""
    try:
        with Path(path).open("r", encoding="utf-8-sig", newline="") as fh:
            for _, line in zip(range(MAX_PREAMBLE_LINES), fh):
                if _is_column_row(line):
                    return True
    except (OSError, UnicodeDecodeError):
        return False
    return False


def _is_column_row(line: str) -> bool:
    cells = [c.strip() for c in line.split(",")]
    return COUNTER_COLUMN in cells and TIME_COLUMN in cells


def read_movella_csv(path: str | Path, role: str = "shin", axes: AxisMap | str = DOT_STRAP_AXES) -> SampleBatch:
    """Read a Movella DOT CSV export as a dorsi :class:`SampleBatch`.

    Parameters
    ----------
    path : str or Path
        The exported file.
    role : {"shin", "foot"}
        Which segment the sensor was on.
    axes : AxisMap or str
        Mapping from DOT axes to dorsi axes as worn (default
        :data:`DOT_STRAP_AXES`); a string is parsed with :meth:`AxisMap.parse`,
        ``"auto"`` detects it from the data (:meth:`AxisMap.detect`).

    Returns
    -------
    SampleBatch
        SI units (m/s^2, rad/s, s from the first sample), ``seq`` counted in
        whole sample periods from the sample times, so lost samples show up as
        gaps; ``quat`` when the
        file has ``Quat_*`` columns. ``meta`` keeps the header lines.

    Raises
    ------
    SourceError
        No column row, missing columns, non-numeric cells, time that does not
        advance, or values in the wrong units: one line naming the file.
    """
    path = Path(path)
    if role not in ROLES:
        raise SourceError(f"{path}: role must be one of {ROLES}, got {role!r}")
    if isinstance(axes, str) and axes != AUTO:
        try:
            axes = AxisMap.parse(axes)
        except ValueError as exc:
            raise SourceError(f"{path}: {exc}") from None
    meta, columns, n_before = _read_header(path)
    for name in (TIME_COLUMN, *ACC, *GYR):
        if name not in columns:
            raise SourceError(f"{path}: line {n_before}: missing column {name!r} (is the DOT export set to "
                              "'Custom mode' with calibrated acceleration and angular velocity?)")
    has_quat = [c in columns for c in QUAT]
    if any(has_quat) and not all(has_quat):
        raise SourceError(f"{path}: line {n_before}: quaternion needs all of {list(QUAT)}")
    wanted = [TIME_COLUMN, *ACC, *GYR, *(QUAT if all(has_quat) else ())]
    data = _load_columns(path, n_before, [columns.index(c) for c in wanted], wanted)
    stf = data[:, 0]
    t = _unwrap_time(path, stf, n_before)
    rate = float(1.0 / np.median(np.diff(t)))
    lo, hi = RATE_RANGE_HZ
    if not lo <= rate <= hi:
        raise SourceError(f"{path}: sample rate {rate:.4g} Hz outside the supported {lo:g}-{hi:g} Hz "
                          "(export the DOT at 30, 60 or 120 Hz)")
    # each step counts whole sample periods (at least one): a longer step is a gap of lost samples
    steps = np.maximum(1, np.rint(np.diff(t) * rate)).astype(np.int64)
    seq = np.concatenate([[0], np.cumsum(steps)])
    acc = data[:, 1:4]
    gyr_deg = data[:, 4:7]
    _check_units(path, acc, gyr_deg)
    if isinstance(axes, str):
        try:
            axes = AxisMap.detect(acc)
        except ValueError as exc:
            raise SourceError(f"{path}: axes auto: {exc}") from None
    quat = None
    if all(has_quat):
        q = data[:, 7:11]
        norm = np.linalg.norm(q, axis=1)
        if np.any(np.abs(norm - 1.0) > 0.05):
            row = int(np.flatnonzero(np.abs(norm - 1.0) > 0.05)[0])
            raise SourceError(f"{path}: line {n_before + 1 + row}: quaternion norm {norm[row]:.4g}, expected 1")
        quat = axes.quaternions(q / norm[:, None])
    meta = dict(meta, source="movella_dot", path=str(path), sample_rate_hz=rate, axes=str(axes),
                time_origin_us=int(stf[0]))
    return SampleBatch(role, seq, t, axes.vectors(acc), axes.vectors(np.radians(gyr_deg)), quat, meta)


def _read_header(path: Path) -> tuple[dict, list[str], int]:
    """``Key:,value`` header lines, the column names, and the column row's line number."""
    meta: dict[str, str] = {}
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            for lineno, line in enumerate(fh, start=1):
                if lineno > MAX_PREAMBLE_LINES:
                    break
                if _is_column_row(line):
                    columns = [c.strip() for c in next(csv.reader([line]))]
                    return meta, columns, lineno
                cells = [c.strip() for c in line.split(",")]
                if cells and cells[0].endswith(":"):
                    meta[cells[0][:-1].strip()] = ",".join(c for c in cells[1:] if c)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not a text (UTF-8) file") from None
    raise SourceError(f"{path}: no '{COUNTER_COLUMN},{TIME_COLUMN},...' column row in the first "
                      f"{MAX_PREAMBLE_LINES} lines: not a Movella DOT export")


def _load_columns(path: Path, n_before: int, usecols: list[int], names: list[str]) -> np.ndarray:
    try:
        with warnings.catch_warnings():  # no data rows at all: reported below, in our words
            warnings.filterwarnings("ignore", message=".*[Ee]mpty input", category=UserWarning)
            data = np.genfromtxt(path, delimiter=",", skip_header=n_before, usecols=usecols, dtype=np.float64,
                                 encoding="utf-8-sig", invalid_raise=True, ndmin=2)
    except ValueError as exc:
        raise SourceError(f"{path}: malformed data row ({' '.join(str(exc).split())[:120]})") from None
    if data.size == 0 or data.shape[0] < 2:
        raise SourceError(f"{path}: fewer than two data rows")
    bad = ~np.isfinite(data)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise SourceError(f"{path}: line {n_before + 1 + int(row)}: column {names[col]!r} is empty or not a number")
    return data


def _unwrap_time(path: Path, stf: np.ndarray, n_before: int) -> np.ndarray:
    """Seconds from the first sample, undoing the 2^32 microsecond wrap."""
    if np.any(stf < 0) or np.any(stf >= TIME_WRAP) or np.any(stf != np.floor(stf)):
        row = int(np.flatnonzero((stf < 0) | (stf >= TIME_WRAP) | (stf != np.floor(stf)))[0])
        raise SourceError(f"{path}: line {n_before + 1 + row}: {TIME_COLUMN} {float(stf[row]):g} is not an "
                          "unsigned 32-bit microsecond count")
    step = np.mod(np.diff(stf.astype(np.int64)), TIME_WRAP)
    # a step beyond half the wrap is a sample out of order, not a 35-minute gap
    bad = np.flatnonzero((step == 0) | (step > TIME_WRAP // 2))
    if bad.size:
        row = int(bad[0]) + 1
        raise SourceError(f"{path}: line {n_before + 1 + row}: {TIME_COLUMN} does not advance")
    return np.concatenate([[0.0], np.cumsum(step)]) * 1e-6


def _check_units(path: Path, acc: np.ndarray, gyr_deg: np.ndarray) -> None:
    norm = float(np.median(np.linalg.norm(acc, axis=1)))
    if G_UNITS_NORM[0] <= norm <= G_UNITS_NORM[1]:
        raise SourceError(f"{path}: Acc median norm {norm:.3g}: looks like g, the DOT exports m/s^2")
    if not SI_NORM[0] <= norm <= SI_NORM[1]:
        raise SourceError(f"{path}: Acc median norm {norm:.3g}, expected about 9.81 m/s^2 "
                          "(export calibrated acceleration Acc, not free acceleration FreeAcc)")
    if np.abs(gyr_deg).max() > MAX_GYR_DEG_S:
        raise SourceError(f"{path}: Gyr beyond {MAX_GYR_DEG_S:g} deg/s: not angular velocity in deg/s")
