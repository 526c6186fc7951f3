"""Sequence bookkeeping for one sensor: every ``seq`` delivered once, gaps named.

``SequenceTracker.accept(packet)`` looks at a packet's header (first sample
``s``, ``n`` samples) against ``next_seq`` (``e``, the first sample not yet
delivered):

* ``s + n <= e``: everything was delivered already: a duplicate, dropped;
* ``s < e < s + n``: overlap: the packet is trimmed to samples ``e ..``
  (header ``seq = e``, ``count = s + n - e``, ``t0_us`` advanced by
  ``(e - s) * period_us`` modulo the timestamp wrap);
* ``s > e``: samples ``e .. s-1`` are lost: a gap of ``s - e`` is reported,
  never filled.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from dorsi.protocol import spec


@dataclass(frozen=True)
class Accepted:
    """Outcome of one packet: the part to deliver (if any) and the gap before it."""

    packet: bytes | None
    seq: int
    count: int
    flags: int
    gap_first: int | None = None
    gap_count: int = 0


class SequenceTracker:
    """Per-sensor ``seq`` continuity.

    Attributes
    ----------
    next_seq : int or None
        First sample not yet delivered (``None`` before the first packet).
    delivered_ : int
        Samples delivered.
    duplicates_ : int
        Samples dropped as already delivered.
    lost_ : int
        Samples reported lost in gaps.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the sequence (a new device epoch)."""
        self.next_seq: int | None = None
        self.delivered_ = 0
        self.duplicates_ = 0
        self.lost_ = 0

    def accept(self, packet: bytes) -> Accepted:
        """Classify a whole packet; raises ``ValueError`` if it is shorter than a header."""
        if len(packet) < spec.HEADER_SIZE:
            raise ValueError(f"a {len(packet)}-byte packet has no complete header")
        version, flags, ranges, count, period_us, seq, t0_us = struct.unpack_from(spec.HEADER_FORMAT, packet)
        expected = seq if self.next_seq is None else self.next_seq
        end = seq + count
        if end <= expected:
            self.duplicates_ += count
            return Accepted(None, seq, 0, flags)
        gap_first, gap_count = None, 0
        if seq < expected:
            skip = expected - seq
            self.duplicates_ += skip
            t0 = (t0_us + skip * period_us) % spec.TIMESTAMP_WRAP_US
            header = struct.pack(spec.HEADER_FORMAT, version, flags, ranges, count - skip, period_us, expected, t0)
            packet = header + packet[spec.HEADER_SIZE + skip * spec.SAMPLE_SIZE :]
            seq, count = expected, count - skip
        elif seq > expected:
            gap_first, gap_count = expected, seq - expected
            self.lost_ += gap_count
        self.next_seq = end
        self.delivered_ += count
        return Accepted(bytes(packet), seq, count, flags, gap_first, gap_count)
