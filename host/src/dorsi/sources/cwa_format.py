"""The Axivity CWA file format: its header and data blocks, decoded into timed samples.

As Open Movement documents it (``ax3-technical.md``) for the AX3 and AX6 loggers:
a 1024-byte header (``"MD"``: device and session ids, rate code, gyroscope range,
URL-encoded user metadata), then 512-byte data blocks (``"AX"``: sequence number,
a timestamp for one of its samples, scales, a sample count, up to 40 samples of
``gx gy gz ax ay az`` in 16 bits, a checksum). Everything here works on all the
blocks at once, as one numpy structured array; :mod:`dorsi.sources.axivity` reads
files with it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote_plus

import numpy as np

from dorsi.sources import SourceError

G = 9.80665
HEADER_TAG = b"MD"
BLOCK_TAG = b"AX"
BLOCK_SIZE = 512
BLOCK_LENGTH = BLOCK_SIZE - 4  # the packetLength field counts the block less its tag and length
DATA_BYTES = 480
#: Hardware types in the header: 0x64 is the AX6; 0x00, 0x17 and 0xff are AX3s.
AX6 = 0x64
#: A block's time step may differ from its samples' nominal duration by this fraction and still
#: belong to the same run of logging (a crystal is off by parts per million, not per cent).
RUN_RATE_TOLERANCE = 0.05

#: One data block (Open Movement's ``OM_READER_DATA_PACKET``, little-endian, tightly packed).
BLOCK_DTYPE = np.dtype([
    ("tag", "S2"), ("length", "<u2"), ("device_fractional", "<u2"), ("session", "<u4"), ("sequence", "<u4"),
    ("timestamp", "<u4"), ("light_scale", "<u2"), ("temperature", "<u2"), ("events", "u1"), ("battery", "u1"),
    ("rate", "u1"), ("axes_bps", "u1"), ("offset", "<i2"), ("count", "<u2"), ("data", "V480"), ("checksum", "<u2"),
])
assert BLOCK_DTYPE.itemsize == BLOCK_SIZE

#: Short names Open Movement's tools write into the header metadata.
METADATA_NAMES = {
    "_c": "Study Centre", "_s": "Study Code", "_i": "Investigator", "_x": "Exercise Code", "_v": "Volunteer Num",
    "_p": "Body Location", "_so": "Setup Operator", "_n": "Notes", "_b": "Start time", "_e": "End time",
    "_ro": "Recovery Operator", "_r": "Retrieval Time", "_co": "Comments", "_sc": "Subject Code", "_se": "Sex",
    "_h": "Height", "_w": "Weight", "_ha": "Handedness",
}


def header_size(path: Path) -> int:
    """The header's length (1024 bytes in every version; its length field says so), checked."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head[:2] != HEADER_TAG:
        raise SourceError(f"{path}: not an Axivity CWA file (it does not start with the 'MD' header)")
    if len(head) < 4:
        raise SourceError(f"{path}: cut short inside its header")
    length = int.from_bytes(head[2:4], "little") + 4
    if length not in (BLOCK_SIZE, 2 * BLOCK_SIZE):
        length = 2 * BLOCK_SIZE  # a damaged length field: the header is 1024 bytes in every version
    if size < length:
        raise SourceError(f"{path}: cut short inside its header ({size} of {length} bytes)")
    return length


def parse_header(head: bytes) -> dict:
    """What the header says: device, session, rates, gyroscope range, user metadata."""
    hardware = head[4]
    device = int.from_bytes(head[5:7], "little")
    upper = int.from_bytes(head[11:13], "little")
    if upper != 0xFFFF:
        device |= upper << 16
    sensor_config = head[35]
    gyro_code = sensor_config & 0x0F if sensor_config not in (0x00, 0xFF) else 0
    return {
        "hardware": "AX6" if hardware == AX6 else "AX3",
        "device_id": device,
        "session_id": int.from_bytes(head[7:11], "little"),
        "firmware": int(head[41]),
        "gyro_range_dps": 8000.0 / (1 << gyro_code) if gyro_code else 2000.0,
        "metadata": _metadata(head[64:512]),
    }


def _metadata(text: bytes) -> dict[str, str]:
    """The header's user metadata: URL-encoded name=value pairs joined by ``&``."""
    decoded = text.rstrip(b"\x20\x00\xff").decode("latin-1")
    out: dict[str, str] = {}
    for pair in decoded.split("&"):
        name, _, value = pair.partition("=")
        name = unquote_plus(name, errors="replace").strip()
        if name:
            out[METADATA_NAMES.get(name, name)] = unquote_plus(value, errors="replace")
    return out


def mapped_blocks(path: Path, header_size: int) -> np.ndarray:
    """The file's whole data blocks, mapped (read from disk as they are touched)."""
    n_blocks = (path.stat().st_size - header_size) // BLOCK_SIZE
    if n_blocks == 0:
        raise SourceError(f"{path}: no intact data blocks: the logger recorded nothing")
    return np.memmap(path, dtype=BLOCK_DTYPE, mode="r", offset=header_size, shape=(n_blocks,))


def usable_blocks(path: Path, blocks: np.ndarray, meta: dict, problems: list[str]) -> np.ndarray:
    """The data blocks to read: tagged, checksummed, of the recording's layout; noted otherwise."""
    tagged = (blocks["tag"] == BLOCK_TAG) & (blocks["length"] == BLOCK_LENGTH)
    words = blocks.view("<u2").reshape(len(blocks), BLOCK_SIZE // 2)
    summed = (words.sum(axis=1, dtype=np.uint64) & 0xFFFF) == 0
    good = tagged & summed
    if not good.any():
        raise SourceError(f"{path}: no intact data blocks: the logger recorded nothing"
                          + (f" ({int(tagged.sum())} damaged)" if tagged.any() else ""))
    layout = blocks["axes_bps"][good][0], blocks["rate"][good][0]
    channels = layout[0] >> 4
    if channels < 6 or layout[0] & 0x0F != 2:
        raise SourceError(f"{path}: an {meta['hardware']} recording of the accelerometer alone: dorsi needs the "
                          "gyroscope too (set the AX6 up with a gyroscope range, e.g. 100 Hz and 2000 dps)")
    same = (blocks["axes_bps"] == layout[0]) & (blocks["rate"] == layout[1])
    per_block = DATA_BYTES // (2 * int(channels))
    sane = (blocks["count"] >= 1) & (blocks["count"] <= per_block)
    usable = good & same & sane
    if not usable.any():  # the one checksummed block holds no samples, say
        raise SourceError(f"{path}: no intact data blocks: the logger recorded nothing ({int(tagged.sum())} damaged)")
    damaged = int(np.count_nonzero(tagged & ~usable))
    foreign = int(np.count_nonzero(~tagged & ~_blank(blocks)))
    if damaged or foreign:
        problems.append(f"{path}: {damaged + foreign} of {len(blocks)} blocks damaged (checksum, layout or "
                        "sample count): left out, their samples read as lost")
    return usable


def _blank(blocks: np.ndarray) -> np.ndarray:
    """Blocks never written (all 0x00 or all 0xFF): unused space at the end of a file."""
    words = blocks.view("<u2").reshape(len(blocks), BLOCK_SIZE // 2)
    return (words == 0).all(axis=1) | (words == 0xFFFF).all(axis=1)


def decode_times(timestamp: np.ndarray, device_fractional: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Blocks' timestamps (their ``timestamp`` and ``device_fractional`` fields) in seconds since 1970
    (the logger's clock), fraction included, and whether each is not a date at all."""
    v = timestamp.astype(np.int64)
    year, month, day = ((v >> 26) & 0x3F) + 2000, (v >> 22) & 0x0F, (v >> 17) & 0x1F
    hours, minutes, seconds = (v >> 12) & 0x1F, (v >> 6) & 0x3F, v & 0x3F
    bad = (month < 1) | (month > 12) | (day < 1) | (hours > 23) | (minutes > 59) | (seconds > 59)
    months = np.where(bad, 0, (year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(bad, 0, day - 1)
    bad |= days.astype("datetime64[M]") != months  # a day past the month's end
    whole = days.astype(np.int64) * 86400 + hours * 3600 + minutes * 60 + seconds
    fractional = device_fractional.astype(np.int64)
    has_fraction = (fractional & 0x8000) != 0
    return whole + np.where(has_fraction, ((fractional & 0x7FFF) << 1) / 65536.0, 0.0), bad


def block_times(path: Path, blocks: np.ndarray, index: np.ndarray) -> np.ndarray:
    """:func:`decode_times`, refusing a block (named by its place in the file) whose stamp is no date."""
    stamp, bad = decode_times(blocks["timestamp"], blocks["device_fractional"])
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise SourceError(f"{path}: block {int(index[k])}: timestamp 0x{int(blocks['timestamp'][k]):08x} is not a date")
    return stamp


def sample_times(path: Path, blocks: np.ndarray, index: np.ndarray, counts: np.ndarray,
                  rate_hz: float, stamp: np.ndarray) -> np.ndarray:
    """Every sample's time: interpolated between block timestamps within each run of logging.

    A block's timestamp belongs to sample ``offset`` of it (Open Movement's readers: with a
    fraction, the stored offset was moved to the nearest whole second assuming the nominal
    rate, which is undone here). A run ends where the sequence number skips, the logger
    resumed, or the step between timestamps does not fit the samples between them. ``stamp``:
    the blocks' timestamps (:func:`block_times`); ``index``: the blocks' places in the file.
    """
    fractional = blocks["device_fractional"].astype(np.int64)
    offset = blocks["offset"].astype(np.int64)
    offset = np.where(fractional & 0x8000, offset + ((((fractional & 0x7FFF) << 1) * int(rate_hz)) >> 16), offset)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    anchor = (start + offset).astype(np.float64)
    sequence = blocks["sequence"].astype(np.int64)
    d_anchor, d_stamp = np.diff(anchor), np.diff(stamp)
    # without a fraction, blocks often name the same second at (within rounding, one sample of) the
    # same sample: both are right
    fits = (d_anchor > 0) & (np.abs(d_stamp * rate_hz - d_anchor) <= RUN_RATE_TOLERANCE * d_anchor + 1.0)
    same = (np.abs(d_anchor) <= 1) & (d_stamp == 0)
    breaks = (np.diff(sequence) != 1) | ((blocks["events"][1:] & 0x01) != 0) | ~(fits | same)
    bounds = np.concatenate([[0], np.flatnonzero(breaks) + 1, [len(blocks)]])
    n = int(counts.sum())
    t = np.empty(n)
    for a, b in zip(bounds[:-1], bounds[1:]):
        lo, hi = int(start[a]), int(start[b - 1] + counts[b - 1])
        idx = np.arange(lo, hi, dtype=np.float64)
        ya, which = np.unique(stamp[a:b], return_inverse=True)  # a second named twice: its mean sample
        xa = np.bincount(which, anchor[a:b]) / np.bincount(which)
        rate = rate_hz if len(xa) < 2 else (xa[-1] - xa[0]) / (ya[-1] - ya[0])
        inside = np.interp(idx, xa, ya)
        t[lo:hi] = np.where(idx < xa[0], ya[0] + (idx - xa[0]) / rate,
                            np.where(idx > xa[-1], ya[-1] + (idx - xa[-1]) / rate, inside))
    back = np.flatnonzero(~(np.diff(t) > 0))  # NaN included
    if back.size:
        k = int(np.searchsorted(start, back[0] + 1, side="right")) - 1
        raise SourceError(f"{path}: block {int(index[k])}: the logger's clock goes back "
                          f"{float(t[back[0]] - t[back[0] + 1]):.3g} s (was it reset during the recording?)")
    return t


def rate_hz(code: int) -> float:
    """The sample rate a rate code sets: 3200 / 2^(15 - its low nibble) Hz."""
    return 3200.0 / (1 << (15 - (code & 0x0F)))


def scaled_values(blocks: np.ndarray, counts: np.ndarray, header_gyro_dps: float) -> tuple[np.ndarray, np.ndarray,
                                                                                           float]:
    """The blocks' samples (``counts`` each) as accelerometer g and gyroscope deg/s, each block by its
    own scales (``lightScale``: accelerometer 1/2^(8+n) g in its top three bits, gyroscope range
    8000/2^n deg/s in bits 10-12; a range of 0 is the header's), and the first block's range."""
    values = block_values(blocks, counts, int(blocks["axes_bps"][0]) >> 4)
    light = blocks["light_scale"].astype(np.int64)
    acc_scale = np.repeat(1.0 / (1 << (8 + ((light >> 13) & 0x07))), counts)
    gyr_code = (light >> 10) & 0x07
    gyr_range = np.where(gyr_code > 0, 8000.0 / (1 << gyr_code), header_gyro_dps)
    gyr_scale = np.repeat(gyr_range / 32768.0, counts)
    return values[:, 3:6] * acc_scale[:, None], values[:, 0:3] * gyr_scale[:, None], float(gyr_range[0])


def block_values(blocks: np.ndarray, counts: np.ndarray, channels: int) -> np.ndarray:
    """The blocks' samples (rows) as floats, ``channels`` 16-bit values each (gyro x, y, z, accel x, y, z ...)."""
    per_block = DATA_BYTES // (2 * channels)
    data = blocks["data"].tobytes()
    words = np.frombuffer(data, dtype="<i2").reshape(len(blocks), DATA_BYTES // 2)
    samples = words[:, : per_block * channels].reshape(len(blocks), per_block, channels)
    taken = np.arange(per_block)[None, :] < counts[:, None]
    return samples[taken][:, :6].astype(np.float64)
