"""Valid inputs to start fuzzing from: a recording, a generic IMU CSV, a Movella DOT export, a Sensor
Logger and a phyphox phone export, an Axivity AX6 recording."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from dorsi.emulator import analytic_motion
from dorsi.protocol import Status, encode_stream
from dorsi.protocol.spec import Role
from dorsi.recording import RecordingWriter
from dorsi.sim.axivity_writer import write_cwa
from dorsi.sim.csv_writer import write_imu_csv
from dorsi.sim.phyphox_writer import write_phyphox
from dorsi.sim.sensor_logger_writer import write_sensor_logger

HEADER = {
    "software": "dorsi fuzz",
    "started_at": "2026-01-01T00:00:00+0000",
    "profile": {"side": "right", "shank_length_m": 0.42},
    "devices": [{"slot": 0, "role": "shin"}, {"slot": 1, "role": "foot"}],
}


@lru_cache(maxsize=None)
def recording_bytes() -> bytes:
    """A small but complete two-sensor recording, as the session writes it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "seed.dorsi"
        with RecordingWriter(path, HEADER) as writer:
            writer.marker("device", slot=0, role="shin", address="F0:D0:51:00:00:01", t=0.0)
            writer.marker("exercise_start", exercise="seated_df_hold", t=0.1)
            for slot, role, mtu in ((0, "shin", 247), (1, "foot", 23)):  # the foot link fragments
                for i, payload in enumerate(encode_stream(analytic_motion(role, 1.0), mtu=mtu)):
                    writer.notification(slot, 0.2 + 0.01 * i, payload)
                    if i % 10 == 0:
                        writer.tick(0.2 + 0.01 * i)
                status = Status(Role.SHIN if slot == 0 else Role.FOOT, 3, 2, 4, 100, 1, 0, 1, 90, 1, 0, 0, 0, 0, 100)
                writer.status(slot, 1.5, status.pack())
            writer.gap(0, 50, 3, reason="lost", epoch=0, t=1.0)
            writer.marker("exercise_end", exercise="seated_df_hold", t=2.0)
        return path.read_bytes()


@lru_cache(maxsize=None)
def imu_csv_text() -> str:
    """A generic IMU CSV (comments, seq, time, acc, gyr, quaternion) of 0.5 s at 100 Hz."""
    batch = analytic_motion("shin", 0.5)
    with tempfile.TemporaryDirectory() as tmp:
        return write_imu_csv(batch, Path(tmp) / "shin.csv").read_text()


@lru_cache(maxsize=None)
def movella_csv_text() -> str:
    """A Movella DOT export (header lines, PacketCounter, SampleTimeFine, Quat, Acc, Gyr) of 0.5 s."""
    batch = analytic_motion("shin", 0.5)
    stf = (4_294_000_000 + np.rint(batch.t * 1e6).astype(np.int64)) % (1 << 32)  # wraps inside the file
    lines = ["DeviceTag:,0", "FirmwareVersion:,2.6.0", "OutputRate:,100Hz",
             "PacketCounter,SampleTimeFine,Quat_W,Quat_X,Quat_Y,Quat_Z,Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z"]
    for k in range(len(batch)):
        values = [*batch.quat[k], *batch.acc[k], *np.degrees(batch.gyr[k])]
        lines.append(f"{k},{stf[k]}," + ",".join(f"{v:.7g}" for v in values))
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=None)
def sensor_logger_zip() -> bytes:
    """A Sensor Logger zip export (iOS: Accelerometer, Gravity, Gyroscope, Metadata, Annotation) of 0.5 s."""
    batch = analytic_motion("shin", 0.5)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_sensor_logger(batch, Path(tmp) / "phone.zip", "ios", [("seated_df_hold", 0.05, 0.4)])
        return path.read_bytes()


@lru_cache(maxsize=None)
def sensor_logger_json() -> bytes:
    """The same export as the app's JSON export: one array of records, values as strings."""
    import csv
    import io
    import json
    import zipfile

    records = []
    with zipfile.ZipFile(io.BytesIO(sensor_logger_zip())) as z:
        for member in z.namelist():
            sensor = member.rsplit("/", 1)[-1][:-4]
            records += [{"sensor": sensor, **row} for row in csv.DictReader(io.StringIO(z.read(member).decode()))]
    return json.dumps(records, indent=1).encode()


@lru_cache(maxsize=None)
def phyphox_zip(variant: int = 5) -> bytes:
    """A phyphox zip export (Accelerometer and Gyroscope sets, meta/device.csv and meta/time.csv with a
    pause) of 0.6 s, in CSV variant ``variant`` (5: semicolons, decimal commas)."""
    batch = analytic_motion("shin", 0.6)
    with tempfile.TemporaryDirectory() as tmp:
        return write_phyphox(batch, Path(tmp) / "phyphox.zip", variant, pause=(0.3, 0.1)).read_bytes()


@lru_cache(maxsize=None)
def phyphox_csv() -> str:
    """The same as phyphox's single-file export (the sets one after another), tab-separated."""
    batch = analytic_motion("shin", 0.5)
    with tempfile.TemporaryDirectory() as tmp:
        return write_phyphox(batch, Path(tmp) / "phyphox.csv", 2, layout="single").read_text()


@lru_cache(maxsize=None)
def axivity_cwa() -> bytes:
    """An AX6 recording of 1.4 s at 100 Hz with a 0.2 s pause: four blocks (the last part-filled, one
    flagged as resumed logging) after the header, with user metadata."""
    batch = analytic_motion("shin", 1.6)
    keep = np.ones(len(batch), bool)
    keep[60:80] = False
    batch = batch.__class__("shin", batch.seq[keep], batch.t[keep], batch.acc[keep], batch.gyr[keep])
    with tempfile.TemporaryDirectory() as tmp:
        return write_cwa(batch, Path(tmp) / "shin.cwa", metadata={"_p": "Right shin", "_sc": "F01"}).read_bytes()
