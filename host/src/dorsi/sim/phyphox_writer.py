"""Write a shin sensor's samples as the phyphox phone app exports them.

What a phone in an armband on the front of the shin (screen out, top toward the
knee) running a phyphox experiment with the accelerometer and gyroscope would
export in place of the dorsi board: the phone's own axes (Android's convention,
as phyphox gives on both platforms); the gyroscope at the samples' times and the
accelerometer at times of its own (as two sensors on a phone are read apart),
each set with its own ``Time (s)`` column; numbers as phyphox's Android version
writes them (``0.000000000E0``) in any of its five CSV variants; the sets as a
zip (one ``<set>.csv`` each, ``meta/device.csv`` and ``meta/time.csv``), an
unzipped folder, or one CSV with the sets one after another. The sets are those
of an experiment file (:func:`export_sets`), by default those of dorsi's
experiment and of phyphox's "simple experiment" (``Accelerometer`` and
``Gyroscope``). Read back with :func:`dorsi.sources.phyphox.read_phyphox`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from dorsi.samples import SampleBatch
from dorsi.sim.sensor_logger_writer import EPOCH_START_S, phone_streams
from dorsi.sources.axes import AxisMap
from dorsi.sources.phyphox import PHONE_SHIN_AXES

#: phyphox's CSV export variants (its menu's numbering; 0 is Excel): (separator, decimal mark).
CSV_VARIANTS = {1: (",", "."), 2: ("\t", "."), 3: (";", "."), 4: ("\t", ","), 5: (";", ",")}
LAYOUTS = ("zip", "folder", "single")
#: Export sets as (set name, [(column name, (sensor type, output component))]).
ExportSets = list[tuple[str, list[tuple[str, tuple[str, str]]]]]
DEFAULT_SETS: ExportSets = [
    ("Accelerometer", [("Time (s)", ("accelerometer", "t"))]
     + [(f"Acceleration {c} (m/s^2)", ("accelerometer", c)) for c in "xyz"]),
    ("Gyroscope", [("Time (s)", ("gyroscope", "t"))] + [(f"Gyroscope {c} (rad/s)", ("gyroscope", c)) for c in "xyz"]),
]


def export_sets(experiment_xml: str) -> ExportSets:
    """The export sets of a phyphox experiment file, each column traced to the sensor output
    that fills its buffer (``("accelerometer", "x")`` ...); columns of other buffers are
    ``("", buffer)``."""
    root = ET.fromstring(experiment_xml)
    source: dict[str, tuple[str, str]] = {}
    for sensor in root.iterfind("./input/sensor"):
        for output in sensor.iterfind("output"):
            source[(output.text or "").strip()] = (sensor.get("type", ""), output.get("component", "x"))
    sets: ExportSets = []
    for s in root.iterfind("./export/set"):
        columns = [(d.get("name", ""), source.get((d.text or "").strip(), ("", (d.text or "").strip())))
                   for d in s.iterfind("data")]
        sets.append((s.get("name", ""), columns))
    return sets


def _numbers(values: np.ndarray, decimal: str) -> np.ndarray:
    """phyphox's Android number format: 10 significant digits, ``E`` and the bare exponent."""
    text = np.char.mod("%.9E", values)
    joined = "\x00".join(text.tolist())
    joined = re.sub(r"E\+?(-?)0*(\d)", r"E\1\2", joined).replace("NAN", "NaN")
    if decimal != ".":
        joined = joined.replace(".", decimal)
    return np.array(joined.split("\x00"), dtype=object)


def _set_csv(columns: list[tuple[str, np.ndarray]], separator: str, decimal: str, missing: str) -> str:
    """One set as phyphox writes it: quoted names, rows as long as its longest column."""
    n = max(len(v) for _, v in columns)
    cells = []
    for _, v in columns:
        col = np.full(n, missing, dtype=object)
        col[: len(v)] = _numbers(np.asarray(v, dtype=float), decimal)
        cells.append(col)
    lines = [separator.join(f'"{name}"' for name, _ in columns)]
    lines += [separator.join(row) for row in zip(*cells)] if cells else []
    return "\n".join(lines) + "\n"


def write_phyphox(batch: SampleBatch, path: str | Path, variant: int = 1, layout: str = "zip",
                  sets: ExportSets | None = None, meta: bool = True, pause: tuple[float, float] | None = None,
                  missing: str = "NaN", acc_offset_periods: float = 0.37,
                  axes: AxisMap = PHONE_SHIN_AXES) -> Path:
    """Write ``batch`` (dorsi shin axes, raw) as a phyphox export at ``path``; returns it.

    Parameters
    ----------
    variant : int
        The CSV variant, 1-5 (:data:`CSV_VARIANTS`).
    layout : {"zip", "folder", "single"}
        A zip (``path``), the folder it unzips to (``path``), or one CSV with the sets one
        after another (phyphox's single-file export on Android).
    sets : list, optional
        The experiment's export sets (:func:`export_sets`); default :data:`DEFAULT_SETS`.
    meta : bool
        Write ``meta/device.csv`` and ``meta/time.csv`` (newer phyphox versions; zip and folder).
    pause : (at_s, length_s), optional
        The experiment paused at ``at_s`` (time from the start) for ``length_s``: the samples
        then are not recorded and the later ones' experiment time leaves the pause out.
    missing : str
        What a cell a shorter column lacks holds (``NaN``; older iOS versions wrote ``""``).
    """
    if variant not in CSV_VARIANTS:
        raise ValueError(f"variant must be one of {sorted(CSV_VARIANTS)}, got {variant!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    separator, decimal = CSV_VARIANTS[variant]
    streams = phone_streams(batch, "android", acc_offset_periods=acc_offset_periods, axes=axes)
    t0 = float(batch.t[0])
    data = {"accelerometer": streams["totalacceleration"], "gyroscope": streams["gyroscope"]}
    buffers: dict[tuple[str, str], np.ndarray] = {}
    for sensor, (t, v) in data.items():
        t = t - t0
        if pause is not None:
            at, length = pause
            inside = (t >= at) & (t < at + length)
            t, v = t[~inside], v[~inside]
            t = np.where(t >= at + length, t - length, t)
        buffers[(sensor, "t")] = t
        for j, c in enumerate("xyz"):
            buffers[(sensor, c)] = v[:, j]
        buffers[(sensor, "abs")] = np.linalg.norm(v, axis=1)
    files: dict[str, str] = {}
    for name, columns in sets or DEFAULT_SETS:
        files[f"{name}.csv"] = _set_csv([(label, buffers.get(src, np.zeros(0))) for label, src in columns],
                                        separator, decimal, missing)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if layout == "single":
        path.write_text("".join(files.values()), encoding="utf-8")
        return path
    if meta:
        files["meta/device.csv"] = _device_csv(separator)
        files["meta/time.csv"] = _time_csv(separator, decimal, pause)
    if layout == "folder":
        for name, text in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text, encoding="utf-8")
        return path
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def _device_csv(separator: str) -> str:
    rows = [("property", "value"), ("version", "1.2.0"), ("build", "1020099"), ("fileFormat", "1.19"),
            ("deviceModel", "dorsi simulator"), ("deviceBrand", "dorsi"), ("deviceManufacturer", "dorsi"),
            ("deviceRelease", "14"), ("accelerometer Name", "simulated accelerometer"),
            ("gyroscope Name", "simulated gyroscope")]
    return "".join(separator.join(f'"{c}"' for c in row) + "\n" for row in rows)


def _time_csv(separator: str, decimal: str, pause: tuple[float, float] | None) -> str:
    events = [("START", 0.0, EPOCH_START_S)]
    if pause is not None:
        at, length = pause
        events += [("PAUSE", at, EPOCH_START_S + at), ("START", at, EPOCH_START_S + at + length)]
    lines = [separator.join(f'"{c}"' for c in ("event", "experiment time", "system time", "system time text"))]
    for event, exp_t, sys_t in events:
        when = datetime.fromtimestamp(sys_t, tz=timezone.utc)
        text = when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d} UTC Z"
        lines.append(separator.join([f'"{event}"', _numbers(np.array([exp_t]), decimal)[0],
                                     f"{sys_t:.3f}".replace(".", decimal), f'"{text}"']))
    return "\n".join(lines) + "\n"
