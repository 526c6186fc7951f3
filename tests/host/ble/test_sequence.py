"""SequenceTracker: every seq delivered once and in order, trims overlaps, names gaps."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.ble.sequence import SequenceTracker
from dorsi.protocol import spec

PERIOD_US = 10_000


def sample_bytes(seq: int) -> bytes:
    """A recognisable 20-byte sample for ``seq``."""
    return struct.pack(spec.SAMPLE_FORMAT, seq % 30000, seq // 30000, 0, 0, 1, 2, 3, 4, 5, 6)


def packet(start: int, count: int) -> bytes:
    header = struct.pack(
        spec.HEADER_FORMAT, 1, 0, 0, count, PERIOD_US, start, (start * PERIOD_US) % spec.TIMESTAMP_WRAP_US
    )
    return header + b"".join(sample_bytes(s) for s in range(start, start + count))


windows = st.lists(
    st.tuples(st.integers(0, 400), st.integers(1, spec.MAX_SAMPLES_PER_PACKET)), min_size=1, max_size=60
)


@settings(max_examples=150, deadline=None)
@given(windows)
def test_delivery_is_once_in_order_and_gaps_cover_the_rest(arrivals: list[tuple[int, int]]) -> None:
    tracker = SequenceTracker()
    delivered: list[int] = []
    gaps: list[tuple[int, int]] = []
    for start, count in arrivals:
        accepted = tracker.accept(packet(start, count))
        if accepted.gap_first is not None:
            gaps.append((accepted.gap_first, accepted.gap_count))
        if accepted.packet is None:
            continue
        _, _, _, n, period, seq, t0 = struct.unpack_from(spec.HEADER_FORMAT, accepted.packet)
        assert (seq, n) == (accepted.seq, accepted.count)
        assert t0 == (seq * period) % spec.TIMESTAMP_WRAP_US  # trimmed headers keep the clock right
        body = accepted.packet[spec.HEADER_SIZE :]
        assert body == b"".join(sample_bytes(s) for s in range(seq, seq + n))  # the right samples survive
        delivered.extend(range(seq, seq + n))

    seqs = np.array(delivered)
    assert np.all(np.diff(seqs) > 0)  # in order, never twice
    # the specification: a window contributes exactly its samples not yet passed
    passed, expected = None, []
    for start, count in arrivals:
        floor = start if passed is None else passed
        expected.extend(range(max(start, floor), start + count))
        passed = max(floor, start + count)
    assert delivered == expected
    lost = [s for first, n in gaps for s in range(first, first + n)]
    assert sorted(lost + delivered) == list(range(arrivals[0][0], seqs[-1] + 1))
    assert tracker.delivered_ == len(delivered) and tracker.lost_ == len(lost)


def test_reset_starts_a_new_sequence() -> None:
    tracker = SequenceTracker()
    tracker.accept(packet(100, 5))
    tracker.reset()
    accepted = tracker.accept(packet(0, 5))
    assert accepted.gap_first is None and accepted.seq == 0 and tracker.next_seq == 5


def test_truncated_packet_is_rejected() -> None:
    with pytest.raises(ValueError, match="header"):
        SequenceTracker().accept(b"\x01\x00\x00")
