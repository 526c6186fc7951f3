"""Stream packet decoding, vectorised over a batch of packets.

All packets of a batch are joined into one byte array; headers and samples are
gathered with index arithmetic and read through numpy structured views, so the
cost per sample is a few numpy operations amortised over the batch, not a
Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import ProtocolError
from .spec import (
    ACC_FULL_SCALE_G,
    FLAG_RESERVED_MASK,
    GYR_FULL_SCALE_DPS,
    HEADER_SIZE,
    MAX_SAMPLES_PER_PACKET,
    PROTOCOL_VERSION,
    QUAT_SCALE,
    RANGES_RESERVED_MASK,
    SAMPLE_SIZE,
)

HEADER_DTYPE = np.dtype(
    [
        ("version", "u1"),
        ("flags", "u1"),
        ("ranges", "u1"),
        ("count", "u1"),
        ("period_us", "<u2"),
        ("seq", "<u4"),
        ("t0_us", "<u4"),
    ]
)
assert HEADER_DTYPE.itemsize == HEADER_SIZE

_ACC_LSB_G = np.array(ACC_FULL_SCALE_G, dtype=np.float64) / 32768.0
_GYR_LSB_DPS = np.array(GYR_FULL_SCALE_DPS + (0, 0, 0), dtype=np.float64) / 32768.0
QUAT_NORM_TOLERANCE = 0.05


@dataclass(frozen=True)
class DecodedPackets:
    """A batch of decoded packets.

    Per packet (length P): ``role``, ``flags``, ``seq`` (first sample index),
    ``t0_us`` (device time of the first sample, modulo 2**30), ``period_us``,
    ``count``, ``acc_code``, ``gyr_code``. Per sample (length S = sum of
    counts): ``packet`` (index of its packet), ``sample_seq``, ``quat`` (S, 4),
    ``acc_g`` (S, 3) and ``gyr_dps`` (S, 3) in physical units.
    """

    role: np.ndarray
    flags: np.ndarray
    seq: np.ndarray
    t0_us: np.ndarray
    period_us: np.ndarray
    count: np.ndarray
    acc_code: np.ndarray
    gyr_code: np.ndarray
    packet: np.ndarray
    sample_seq: np.ndarray
    quat: np.ndarray
    acc_g: np.ndarray
    gyr_dps: np.ndarray
    raw: np.ndarray  # (S, 10) int16 as on the wire

    @property
    def n_packets(self) -> int:
        return len(self.seq)

    @property
    def n_samples(self) -> int:
        return len(self.sample_seq)

    def sample_offset_us(self) -> np.ndarray:
        """Per-sample time since its packet's ``t0_us`` (microseconds)."""
        first = np.repeat(np.cumsum(self.count) - self.count, self.count)
        k = np.arange(self.n_samples) - first
        return k * self.period_us[self.packet].astype(np.int64)


def _check(condition: np.ndarray, payload_index: np.ndarray, message: str) -> None:
    bad = np.flatnonzero(~condition)
    if bad.size:
        raise ProtocolError(f"packet {int(payload_index[bad[0]])}: {message}")


def decode_packets(payloads: Sequence[bytes]) -> DecodedPackets:
    """Decode whole stream packets (not fragments; see ``Reassembler``).

    Raises ``ProtocolError`` naming the first offending packet for anything
    that is not a valid protocol v1 packet.
    """
    if isinstance(payloads, (bytes, bytearray, memoryview)):
        raise TypeError("decode_packets takes a sequence of packets; wrap a single one in a list")
    lengths = np.fromiter((len(p) for p in payloads), dtype=np.int64, count=len(payloads))
    index = np.arange(len(lengths))
    _check(lengths >= HEADER_SIZE, index, f"shorter than the {HEADER_SIZE}-byte header")
    data = np.frombuffer(b"".join(payloads), dtype=np.uint8)
    starts = np.cumsum(lengths) - lengths

    header_bytes = data[starts[:, None] + np.arange(HEADER_SIZE)]
    h = np.ascontiguousarray(header_bytes).view(HEADER_DTYPE).reshape(-1)
    _check(h["version"] == PROTOCOL_VERSION, index, "unsupported protocol version")
    _check((h["flags"] & FLAG_RESERVED_MASK) == 0, index, "reserved flag bits set")
    _check((h["flags"] & 0x03) <= 1, index, "unknown sensor role")
    _check((h["ranges"] & RANGES_RESERVED_MASK) == 0, index, "reserved range bits set")
    gyr_code = (h["ranges"] >> 2) & 0x07
    _check(gyr_code < len(GYR_FULL_SCALE_DPS), index, "unknown gyroscope full-scale code")
    count = h["count"].astype(np.int64)
    _check((count >= 1) & (count <= MAX_SAMPLES_PER_PACKET), index, "sample count out of range")
    _check(h["period_us"] > 0, index, "zero sample period")
    _check(lengths == HEADER_SIZE + count * SAMPLE_SIZE, index, "length does not match the sample count")

    total = int(count.sum())
    packet_of_sample = np.repeat(np.arange(len(count)), count)
    first = np.cumsum(count) - count
    k = np.arange(total) - first[packet_of_sample]
    sample_start = starts[packet_of_sample] + HEADER_SIZE + k * SAMPLE_SIZE
    raw = np.ascontiguousarray(data[sample_start[:, None] + np.arange(SAMPLE_SIZE)]).view("<i2").reshape(total, 10)

    quat = raw[:, 0:4] / QUAT_SCALE
    norm = np.sqrt(np.einsum("ij,ij->i", quat, quat))
    ok_norm = np.abs(norm - 1.0) <= QUAT_NORM_TOLERANCE
    if not ok_norm.all():
        _check(np.zeros(1, bool), packet_of_sample[~ok_norm][:1], "quaternion is not a unit quaternion")
    acc_code = (h["ranges"] & 0x03).astype(np.int64)
    gyr_code = gyr_code.astype(np.int64)
    acc_g = raw[:, 4:7] * _ACC_LSB_G[acc_code][packet_of_sample, None]
    gyr_dps = raw[:, 7:10] * _GYR_LSB_DPS[gyr_code][packet_of_sample, None]
    seq = h["seq"].astype(np.int64)
    return DecodedPackets(
        role=(h["flags"] & 0x03).astype(np.int64),
        flags=h["flags"].astype(np.int64),
        seq=seq,
        t0_us=h["t0_us"].astype(np.int64),
        period_us=h["period_us"].astype(np.int64),
        count=count,
        acc_code=acc_code,
        gyr_code=gyr_code,
        packet=packet_of_sample,
        sample_seq=seq[packet_of_sample] + k,
        quat=quat,
        acc_g=acc_g,
        gyr_dps=gyr_dps,
        raw=raw,
    )
