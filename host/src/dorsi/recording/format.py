"""The recording file format: an append-only log of framed, checksummed records.

A recording (``*.dorsi``) starts with an 8-byte magic and a format version,
then records, each

    u32 length | u8 kind | payload (length bytes) | u32 crc32(kind + payload)

all little-endian. Kinds:

* ``HEADER`` (JSON): devices, firmware version, scales, user profile;
* ``NOTIFY``: u8 sensor slot, u16 device boot epoch (increments when the
  sensor rebooted and restarted its sample index), f64 host receive time (s),
  then the stream packet exactly as received;
* ``STATUS``: u8 slot, u16 epoch, f64 host time, a raw status record;
* ``MARKER`` (JSON): exercise start/end and other session events;
* ``GAP`` (JSON): samples known lost and not recoverable;
* ``END`` (JSON): a clean close with summary counts;
* ``TICK``: f64 host time at which the live pipeline processed everything
  recorded before it (replay repeats exactly these steps).

Records are only ever appended, so a writer killed at any byte leaves a file
whose every complete record is intact; the reader stops at a truncated tail and
reports it. A corrupt record in the middle (checksum mismatch) is skipped by
re-synchronising on the next valid frame, and reported.
"""

from __future__ import annotations

import struct
import zlib
from enum import IntEnum

MAGIC = b"DORSIREC"
FORMAT_VERSION = 1
FILE_HEADER = struct.Struct("<8sH")
FRAME_HEAD = struct.Struct("<IB")
FRAME_CRC = struct.Struct("<I")
NOTIFY_HEAD = struct.Struct("<BHd")  # slot, device boot epoch, host time
MAX_RECORD = 1 << 20  # no legitimate record is larger; bigger lengths mean corruption
MAX_PACKET_RECORD = 11 + 1024  # slot, epoch, host time + one notification (ATT payloads are < 512 bytes)
SUFFIX = ".dorsi"


def max_payload(kind: int) -> int:
    """The largest payload a record of ``kind`` can legitimately have."""
    if kind in (Kind.NOTIFY, Kind.STATUS):
        return MAX_PACKET_RECORD
    if kind == Kind.TICK:
        return 8
    return MAX_RECORD


class Kind(IntEnum):
    HEADER = 1
    NOTIFY = 2
    STATUS = 3
    MARKER = 4
    GAP = 5
    END = 6
    TICK = 7


def frame(kind: Kind, payload: bytes) -> bytes:
    """One record, ready to append."""
    body = bytes([kind]) + payload
    return struct.pack("<I", len(payload)) + body + FRAME_CRC.pack(zlib.crc32(body))


class RecordingError(ValueError):
    """A file that is not a dorsi recording, or one with nothing readable."""
