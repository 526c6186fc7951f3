"""Write a sensor's samples as an Axivity AX6 logger records them (``.cwa``).

What an AX6 strapped where the dorsi board would be (on the front of the shin,
arrow toward the knee, etched face out; on the foot, arrow toward the toes)
would log with its gyroscope on: the logger's own axes; the accelerometer at
+-8 g in 1/4096 g and the gyroscope at 2000 deg/s full scale, both as 16-bit
counts; 40 samples a 512-byte block with its sequence number, timestamp (a
packed date-time plus a 1/32768 s fraction, or, as the oldest firmware wrote
it, the whole second and the index of the sample where it began), scales and
checksum; after a 1024-byte header with the device and session ids, the rate
code, the gyroscope range and URL-encoded user metadata. A gap in the samples
(``seq`` skipping) starts a new block flagged as resumed logging, as the
logger does after a pause. Read back with :func:`dorsi.sources.axivity.read_cwa`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote_plus

import numpy as np

from dorsi.samples import SampleBatch
from dorsi.sources.axes import AxisMap
from dorsi.sources.axivity import AX_SHIN_AXES
from dorsi.sources.cwa_format import AX6, BLOCK_DTYPE, BLOCK_LENGTH, BLOCK_SIZE, G

SAMPLES_PER_BLOCK = 40
ACCEL_RANGE_G_CODE = 64  # +-8 g: the rate code's range bits (16 >> (code >> 6))
ACCEL_COUNTS_PER_G = 4096  # 1/2^(8+4) g: scale code 4
GYRO_RANGE_DPS = 2000  # 8000/2^2: code 2
HEADER_SIZE = 1024
METADATA_SIZE = 448
#: 2026-11-27 10:00:00.25 on the logger's clock: the time of the samples' t = 0 by default.
DEFAULT_START = datetime(2026, 11, 27, 10, 0, 0, 250000)


def write_cwa(batch: SampleBatch, path: str | Path, start: datetime = DEFAULT_START,
              axes: AxisMap = AX_SHIN_AXES, fractional: bool = True, device_id: int = 41234,
              session_id: int = 7, metadata: dict[str, str] | None = None) -> Path:
    """Write ``batch`` (dorsi's axes, SI units) as the ``.cwa`` file of an AX6 worn as ``axes`` says.

    Parameters
    ----------
    batch : SampleBatch
        The samples; their rate must be one the AX6 runs at (25, 50, 100, 200, 400 Hz ...) within 2 %
        (the logger's crystal is off its nominal rate too).
    path : str or Path
        The file to write.
    start : datetime
        The logger's clock reading (naive local time) at ``t = 0``.
    axes : AxisMap
        The logger's axes as dorsi's (as the reader is given them).
    fractional : bool
        Timestamps with their 1/32768 s fraction (every firmware since 2011); False writes the
        oldest form (whole seconds, the offset of the sample where the second began).
    device_id, session_id : int
        Written in the header and (without fraction) the blocks.
    metadata : dict, optional
        User metadata for the header (names such as ``"Body Location"``, or Open Movement's short
        ``"_p"``).
    """
    path = Path(path)
    code = int(round(15 - np.log2(3200.0 / batch.rate_hz)))
    rate = 3200.0 / (1 << (15 - code)) if 6 <= code <= 15 else 0.0
    if abs(batch.rate_hz / rate - 1.0) > 0.02 if rate else True:
        raise ValueError(f"the AX6 samples at 3200/2^k Hz (25, 50, 100, 200 ...), not {batch.rate_hz:g} Hz")
    rate_code = ACCEL_RANGE_G_CODE | code
    origin = (start - datetime(1970, 1, 1)).total_seconds()
    times = origin + batch.t
    src = axes.matrix  # v_dorsi = M v_logger, so v_logger = M^T v_dorsi (row vectors: v @ M)
    acc = np.clip(np.rint(batch.acc @ src / G * ACCEL_COUNTS_PER_G), -32768, 32767)
    gyr = np.clip(np.rint(np.degrees(batch.gyr @ src) * 32768 / GYRO_RANGE_DPS), -32768, 32767)
    values = np.concatenate([gyr, acc], axis=1).astype("<i2")
    firsts, counts, resumed = _blocks(batch.seq)
    blocks = np.zeros(len(firsts), dtype=BLOCK_DTYPE)
    blocks["tag"], blocks["length"], blocks["session"] = b"AX", BLOCK_LENGTH, session_id
    blocks["sequence"] = np.arange(len(firsts))
    blocks["light_scale"] = (4 << 13) | (2 << 10) | 320
    blocks["temperature"], blocks["battery"], blocks["rate"], blocks["axes_bps"] = 280, 200, rate_code, 0x62
    blocks["events"] = resumed.astype(np.uint8)
    blocks["count"] = counts
    _stamp(blocks, times, firsts, counts, rate, fractional, device_id)
    data = np.zeros((len(firsts), SAMPLES_PER_BLOCK, 6), dtype="<i2")
    taken = np.arange(SAMPLES_PER_BLOCK)[None, :] < counts[:, None]
    data[taken] = values
    blocks["data"] = data.reshape(len(firsts), -1).view("V480")[:, 0]
    words = blocks.view("<u2").reshape(len(blocks), BLOCK_SIZE // 2)
    blocks["checksum"] = (-words[:, :-1].sum(axis=1, dtype=np.int64)) & 0xFFFF
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(_header(device_id, session_id, rate_code, start, metadata or {}))
        fh.write(blocks.tobytes())
    return path


def _blocks(seq: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First sample, sample count and resumed flag of each block: runs of consecutive ``seq`` in
    blocks of :data:`SAMPLES_PER_BLOCK` (a block never spans a gap)."""
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(seq) != 1) + 1, [len(seq)]])
    firsts, ends = [], []
    for a, b in zip(cuts[:-1], cuts[1:]):
        run = np.arange(a, b, SAMPLES_PER_BLOCK)
        firsts.append(run)
        ends.append(np.minimum(run + SAMPLES_PER_BLOCK, b))
    first, end = np.concatenate(firsts), np.concatenate(ends)
    return first, end - first, np.isin(first, cuts[1:-1])


def _stamp(blocks: np.ndarray, times: np.ndarray, firsts: np.ndarray, counts: np.ndarray, rate: float,
           fractional: bool, device_id: int) -> None:
    """Timestamp, offset and fraction (or device id) of each block, as the logger writes them."""
    if fractional:
        # the logger times the sample that filled its buffer: here each block's last
        index = counts - 1
        at = times[firsts + index]
        whole = np.floor(at)
        frac16 = np.floor((at - whole) * 65536).astype(np.int64) & 0xFFFE
        blocks["device_fractional"] = 0x8000 | (frac16 >> 1)
        # stored with the offset moved to the whole second at the nominal rate (undone on reading)
        blocks["offset"] = index - ((frac16 * int(rate)) >> 16)
    else:
        first = times[firsts]
        whole = np.ceil(first)
        blocks["device_fractional"] = device_id & 0x7FFF
        blocks["offset"] = np.rint((whole - first) * rate).astype(np.int64)
    blocks["timestamp"] = packed_time(whole)


def packed_time(epoch_s: np.ndarray) -> np.ndarray:
    """Seconds since 1970 (whole) as CWA packed date-times: YYYYYYMM MMDDDDDh hhhhmmmm mmssssss."""
    s = epoch_s.astype(np.int64)
    days = (s // 86400).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    secs = s % 86400
    return (((year - 2000) << 26) | (month << 22) | (day << 17) | ((secs // 3600) << 12)
            | ((secs // 60 % 60) << 6) | (secs % 60)).astype(np.uint32)


def _header(device_id: int, session_id: int, rate_code: int, start: datetime, metadata: dict[str, str]) -> bytes:
    head = bytearray(b"\xff" * HEADER_SIZE)
    head[0:2], head[2:4], head[4] = b"MD", (HEADER_SIZE - 4).to_bytes(2, "little"), AX6
    head[5:7] = (device_id & 0xFFFF).to_bytes(2, "little")
    head[7:11] = session_id.to_bytes(4, "little")
    head[11:13] = (device_id >> 16).to_bytes(2, "little")
    head[13:17], head[17:21] = (0).to_bytes(4, "little"), (0xFFFFFFFF).to_bytes(4, "little")  # always logging
    head[21:35] = bytes(14)
    head[35], head[36] = 2, rate_code  # gyroscope 8000/2^2 = 2000 deg/s
    origin = (start - datetime(1970, 1, 1)).total_seconds()
    head[37:41] = int(packed_time(np.array([np.floor(origin)]))[0]).to_bytes(4, "little")
    head[41], head[42:44] = 52, (0xFFFF).to_bytes(2, "little")
    text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in metadata.items()).encode("ascii")
    if len(text) > METADATA_SIZE:
        raise ValueError(f"metadata takes {len(text)} bytes encoded, the header holds {METADATA_SIZE}")
    head[64:512] = text + b" " * (METADATA_SIZE - len(text))
    return bytes(head)
