"""Write a sample batch as a generic IMU CSV file.

Format: leading ``# key: value`` comments (``sample_rate_hz``, ``placement``,
``side``, ``source``), then the header
``seq,time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z[,quat_w,quat_x,quat_y,quat_z]``
and one row per sample; SI units (m/s^2, rad/s, s), sensor axes as worn. A batch
whose times wander freely (``meta["timing"] == "free"``: the simulator's phone-like
timing) is written without ``seq``, as such a logger would.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dorsi.samples import SampleBatch

COLUMNS = ("seq", "time_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
QUAT_COLUMNS = ("quat_w", "quat_x", "quat_y", "quat_z")
COMMENT_KEYS = ("sample_rate_hz", "placement", "side", "source", "seed")


def write_imu_csv(batch: SampleBatch, path: str | Path) -> Path:
    """Write ``batch`` to ``path``; returns the path."""
    path = Path(path)
    meta = {"placement": batch.role, **batch.meta}
    meta["placement"] = batch.role
    header = [f"# {k}: {meta[k]}" for k in COMMENT_KEYS if k in meta]
    columns = list(COLUMNS) + (list(QUAT_COLUMNS) if batch.quat is not None else [])
    parts = [batch.seq[:, None].astype(float), batch.t[:, None], batch.acc, batch.gyr]
    if batch.quat is not None:
        parts.append(batch.quat)
    data = np.hstack(parts)
    fmt = ["%d", "%.6f"] + ["%.6f"] * 6 + (["%.7f"] * 4 if batch.quat is not None else [])
    if meta.get("timing") == "free":  # a phone's or logger's file: times only, no sample counter
        columns, data, fmt = columns[1:], data[:, 1:], fmt[1:]
    with path.open("w", newline="") as fh:
        for line in header:
            fh.write(line + "\n")
        fh.write(",".join(columns) + "\n")
        np.savetxt(fh, data, fmt=fmt, delimiter=",")
    return path
