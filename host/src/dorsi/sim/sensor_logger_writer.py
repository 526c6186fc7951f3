"""Write a shin sensor's samples as the Sensor Logger phone app exports (a zip) or pushes them.

What a phone in an armband on the front of the shin (screen out, top toward the
knee) would have logged in place of the dorsi board: the phone's own axes;
``Gyroscope.csv`` at the samples' times and the accelerometer's files at times
of their own (``acc_offset_periods`` later, as two sensors on a phone are read
apart); ``Accelerometer.csv`` without gravity plus ``Gravity.csv`` (and on
Android ``TotalAcceleration.csv``); iOS acceleration negated, as the app writes
it unless its units are standardised; ``Metadata.csv``; and, given segments, an
``Annotation.csv`` note at each exercise's start and an ``end`` at its end. Read
back with :func:`dorsi.sources.sensor_logger.read_sensor_logger`.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from scipy.ndimage import uniform_filter1d

from dorsi.samples import SampleBatch
from dorsi.sources.axes import AxisMap
from dorsi.sources.phone_samples import PHONE_SHIN_AXES

G = 9.80665
PLATFORMS = ("android", "ios")
#: Export file of each reading.
FILE_NAMES = {"gyroscope": "Gyroscope.csv", "accelerometer": "Accelerometer.csv", "gravity": "Gravity.csv",
              "totalacceleration": "TotalAcceleration.csv"}
#: The recording's start, s since the epoch (2026-01-01 UTC): times are written in ns from it.
EPOCH_START_S = 1_767_225_600.0


def _csv(header: str, t: np.ndarray, xyz: np.ndarray) -> bytes:
    ns = np.rint((EPOCH_START_S + t) * 1e9).astype(np.int64)
    buf = io.StringIO()
    buf.write(header + "\n")
    for a, b, (x, y, z) in zip(ns, t, xyz):
        buf.write(f"{a},{b:.6f},{z:.6f},{y:.6f},{x:.6f}\n")
    return buf.getvalue().encode()


def phone_streams(batch: SampleBatch, platform: str = "android", standardised: bool = False,
                  acc_offset_periods: float = 0.37,
                  axes: AxisMap = PHONE_SHIN_AXES) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """What the phone's sensors report for ``batch`` (dorsi shin axes, raw): reading name (as a push
    names it) -> (times s, (N, 3) x/y/z in the phone's axes and the platform's sign)."""
    if platform not in PLATFORMS:
        raise ValueError(f"platform must be one of {PLATFORMS}, got {platform!r}")
    if batch.role != "shin":
        raise ValueError("a phone export holds one sensor: the shin's")
    to_phone = axes.matrix.T  # v_phone = M^T v_dorsi
    t = batch.t.astype(float)
    gyr = batch.gyr @ to_phone.T
    period = 1.0 / float(batch.meta.get("sample_rate_hz") or 1.0 / np.median(np.diff(t)))
    if acc_offset_periods:
        t_acc = t[:-1] + acc_offset_periods * period * np.minimum(1.0, np.diff(t) / period)
        force = np.column_stack([np.interp(t_acc, t, batch.acc[:, j]) for j in range(3)]) @ to_phone.T
    else:  # read with the gyroscope (iOS gives both from one motion update)
        t_acc, force = t, batch.acc @ to_phone.T
    width = max(3, int(round(1.0 / period)))
    smooth = uniform_filter1d(force, width, axis=0)
    gravity = G * smooth / np.linalg.norm(smooth, axis=1, keepdims=True)
    sign = -1.0 if platform == "ios" and not standardised else 1.0
    out = {"gyroscope": (t, gyr), "accelerometer": (t_acc, sign * (force - gravity)),
           "gravity": (t_acc, sign * gravity)}
    if platform == "android":
        out["totalacceleration"] = (t_acc, force)
    return out


def write_sensor_logger(batch: SampleBatch, path: str | Path, platform: str = "android",
                        segments: list[tuple[str, float, float]] | None = None, standardised: bool = False,
                        acc_offset_periods: float = 0.37, axes: AxisMap = PHONE_SHIN_AXES) -> Path:
    """Write ``batch`` (dorsi shin axes, raw) as a Sensor Logger zip export at ``path``; returns it.

    ``axes``: how the phone was worn (its axes as dorsi's, default screen out, top toward the knee).
    """
    streams = phone_streams(batch, platform, standardised, acc_offset_periods, axes)
    files = {FILE_NAMES[name]: _csv("time,seconds_elapsed,z,y,x", t, v) for name, (t, v) in streams.items()}
    files["Metadata.csv"] = ("version,device name,recording time,platform,appVersion,standardisation\n"
                             f"3,dorsi simulator,{int(EPOCH_START_S * 1000)},{platform},1.0,"
                             f"{'true' if standardised else 'false'}\n").encode()
    if segments:
        rows = ["time,seconds_elapsed,text,millisecond_press_duration"]
        for exercise, start, end in segments:
            for when, text in ((start, exercise), (end, "end")):
                rows.append(f"{int(round((EPOCH_START_S + when) * 1e9))},{when:.3f},{text},120")
        files["Annotation.csv"] = ("\n".join(rows) + "\n").encode()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = path.stem
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"{folder}/{name}", data)
    return path


def push_items(name: str, t: np.ndarray, xyz: np.ndarray) -> list[dict]:
    """One sensor's readings (times s, (N, 3) values) as items of a push message's payload."""
    return [{"name": name, "time": int(round((EPOCH_START_S + ti) * 1e9)),
             "values": {"x": float(x), "y": float(y), "z": float(z)}} for ti, (x, y, z) in zip(t, xyz)]


def push_messages(batch: SampleBatch, platform: str = "android", period_s: float = 0.2,
                  axes: AxisMap = PHONE_SHIN_AXES, standardised: bool = False) -> list[tuple[float, dict]]:
    """``batch`` as Sensor Logger's HTTP push would send it: (send time s, message) every ``period_s``,
    each holding the readings taken since the last (sensors in turn, as the app batches them)."""
    streams = phone_streams(batch, platform, standardised, axes=axes)
    t_end = float(batch.t[-1])
    sends = np.arange(float(batch.t[0]) + period_s, t_end + period_s, period_s)
    cut = {name: np.searchsorted(t, sends, side="right") for name, (t, _) in streams.items()}
    out, start = [], dict.fromkeys(streams, 0)
    for j, when in enumerate(sends):
        payload = []
        for name, (t, v) in streams.items():
            a, b = start[name], int(cut[name][j])
            payload += push_items(name, t[a:b], v[a:b])
            start[name] = b
        out.append((float(when), {"messageId": j, "sessionId": "sim", "deviceId": "dorsi-sim", "payload": payload}))
    return out
