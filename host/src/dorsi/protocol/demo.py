"""Interim main job: stream an analytic lunge motion through protocol v1 and back.

Replaced by the emulated-device session once the BLE emulator lands; kept as
``dorsi demo --protocol`` because it shows the wire format at a glance.
"""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table

from ..samples import SampleBatch
from . import StreamDecoder, encode_stream


def lunge_motion(seconds: float = 10.0, rate_hz: float = 100.0) -> SampleBatch:
    """A shin sensor tilting forward 30 deg once a second (rotation about -y... as worn)."""
    n = int(seconds * rate_hz)
    t = np.arange(n) / rate_hz
    angle = np.deg2rad(15.0) * (1 - np.cos(2 * np.pi * t))
    rate = np.deg2rad(15.0) * 2 * np.pi * np.sin(2 * np.pi * t)
    g = 9.80665
    acc = np.stack([g * np.cos(angle), np.zeros(n), g * np.sin(angle)], axis=1)
    gyr = np.stack([np.zeros(n), -rate, np.zeros(n)], axis=1)
    quat = np.stack([np.cos(angle / 2), np.zeros(n), np.sin(angle / 2), np.zeros(n)], axis=1)
    return SampleBatch("shin", np.arange(n), t, acc, gyr, quat)


def main() -> int:
    console = Console()
    batch = lunge_motion()
    table = Table(title="protocol v1: 10 s of lunges at 100 Hz, encoded and decoded")
    for col in ("ATT MTU", "notifications", "bytes/sample", "samples", "max acc error (m/s^2)"):
        table.add_column(col, justify="right")
    for mtu in (23, 185, 247):
        notes = encode_stream(batch, mtu=mtu)
        out = StreamDecoder(errors="raise").feed(notes)
        if out is None:
            raise RuntimeError(f"MTU {mtu}: nothing decoded")
        table.add_row(str(mtu), str(len(notes)), f"{sum(map(len, notes)) / len(batch):.1f}",
                      str(len(out)), f"{np.abs(out.acc - batch.acc).max():.4f}")
    console.print(table)
    return 0
