"""Host-side stream encoder: sample batches to protocol v1 packets.

The firmware has its own allocation-free encoder (``firmware/protocol.py``);
this one serves the simulator, the emulated device and the tests, and is
vectorised with numpy.
"""

from __future__ import annotations

import numpy as np

from ..samples import ROLES, SampleBatch
from .fragments import fragment
from .packets import HEADER_DTYPE
from .spec import (
    ACC_FULL_SCALE_G,
    ATT_NOTIFY_OVERHEAD,
    GYR_FULL_SCALE_DPS,
    HEADER_SIZE,
    PROTOCOL_VERSION,
    QUAT_SCALE,
    SAMPLE_SIZE,
    STANDARD_GRAVITY,
    TIMESTAMP_WRAP_US,
    samples_per_notification,
)

DEFAULT_ACC_CODE = 2  # +-8 g
DEFAULT_GYR_CODE = 4  # +-2000 deg/s


def quantise(batch: SampleBatch, acc_code: int = DEFAULT_ACC_CODE, gyr_code: int = DEFAULT_GYR_CODE) -> np.ndarray:
    """The (N, 10) int16 wire values of a batch (saturating at full scale)."""
    if batch.quat is None:
        raise ValueError("protocol v1 packets carry a quaternion: the batch has none")
    acc_counts = batch.acc / STANDARD_GRAVITY / (ACC_FULL_SCALE_G[acc_code] / 32768.0)
    gyr_counts = np.rad2deg(batch.gyr) / (GYR_FULL_SCALE_DPS[gyr_code] / 32768.0)
    values = np.hstack([batch.quat * QUAT_SCALE, acc_counts, gyr_counts])
    return np.clip(np.rint(values), -32768, 32767).astype("<i2")


def _runs(seq: np.ndarray, per_packet: int) -> np.ndarray:
    """Start index of every packet: consecutive seq only, at most ``per_packet``."""
    breaks = np.flatnonzero(np.diff(seq) != 1) + 1
    bounds = np.concatenate(([0], breaks, [len(seq)]))
    starts = [np.arange(a, b, per_packet) for a, b in zip(bounds[:-1], bounds[1:])]
    return np.concatenate(starts) if starts else np.zeros(0, np.int64)


def encode_packets(
    batch: SampleBatch,
    mtu: int = 247,
    acc_code: int = DEFAULT_ACC_CODE,
    gyr_code: int = DEFAULT_GYR_CODE,
    period_us: int | None = None,
    flags: int = 0,
    samples_per_packet: int | None = None,
) -> list[bytes]:
    """Encode a batch into whole packets sized for ``mtu`` (not fragmented)."""
    n = len(batch)
    if n == 0:
        return []
    per = samples_per_packet or samples_per_notification(mtu)
    if period_us is None:
        period_us = int(round(1e6 / batch.rate_hz)) if n > 1 else 10_000
    starts = _runs(batch.seq, per)
    ends = np.append(starts[1:], n)
    counts = ends - starts
    header = np.zeros(len(starts), dtype=HEADER_DTYPE)
    header["version"] = PROTOCOL_VERSION
    header["flags"] = (ROLES.index(batch.role) & 0x03) | (flags & 0x0C)
    header["ranges"] = acc_code | (gyr_code << 2)
    header["count"] = counts
    header["period_us"] = period_us
    header["seq"] = batch.seq[starts] % (1 << 32)
    header["t0_us"] = np.rint(batch.t[starts] * 1e6).astype(np.int64) % TIMESTAMP_WRAP_US
    wire = quantise(batch, acc_code, gyr_code).tobytes()
    head = header.tobytes()
    return [
        head[i * HEADER_SIZE : (i + 1) * HEADER_SIZE] + wire[s * SAMPLE_SIZE : e * SAMPLE_SIZE]
        for i, (s, e) in enumerate(zip(starts, ends))
    ]


def encode_stream(batch: SampleBatch, mtu: int = 247, **kwargs) -> list[bytes]:
    """Encode a batch into notification payloads for ``mtu``, fragmenting when needed."""
    out: list[bytes] = []
    for tag, packet in enumerate(encode_packets(batch, mtu=mtu, **kwargs)):
        if len(packet) + ATT_NOTIFY_OVERHEAD <= mtu:
            out.append(packet)
        else:
            out.extend(fragment(packet, mtu, tag & 0xFF))
    return out
