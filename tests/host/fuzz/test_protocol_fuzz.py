"""Damaged notification streams: the decoder keeps what is intact and rejects the rest.

Extends ``tests/host/protocol/test_bad_input.py`` (random byte strings) with
structure-aware damage: valid v1 packet and fragment streams with bits
flipped, bytes cut, notifications dropped, duplicated and reordered, fed to
the live path (``StreamDecoder`` with ``errors="skip"``: never raises; with
``errors="raise"``: only ``ProtocolError``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.emulator import analytic_motion
from dorsi.protocol import ProtocolError, Reassembler, Status, StreamDecoder, encode_packets, encode_stream
from dorsi.protocol.spec import Role

from .mutations import mutated

pytestmark = pytest.mark.timeout(120)

PACKETS = encode_stream(analytic_motion("shin", 0.6), mtu=247)
FRAGMENTS = encode_stream(analytic_motion("foot", 0.3), mtu=23)
N_SAMPLES = {id(PACKETS): 60, id(FRAGMENTS): 30}


@st.composite
def damaged_stream(draw: st.DrawFn) -> tuple[list[bytes], int]:
    source = draw(st.sampled_from([PACKETS, FRAGMENTS]))
    stream = list(source)
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(stream) - 1))
        op = draw(st.sampled_from(("mutate", "drop", "duplicate", "swap")))
        if op == "mutate":
            stream[i] = draw(mutated(stream[i], max_ops=3, max_chunk=8))
        elif op == "drop" and len(stream) > 1:
            del stream[i]
        elif op == "duplicate":
            stream.insert(i, stream[i])
        elif op == "swap":
            j = draw(st.integers(0, len(stream) - 1))
            stream[i], stream[j] = stream[j], stream[i]
    return stream, N_SAMPLES[id(source)]


@settings(max_examples=300, deadline=None)
@given(damaged_stream(), st.integers(1, 5))
def test_live_decoder_keeps_intact_samples_and_never_raises(case: tuple[list[bytes], int], chunks: int) -> None:
    stream, n_source = case
    decoder = StreamDecoder(errors="skip")
    parts = np.array_split(np.arange(len(stream)), chunks)  # notifications arrive in several feeds
    batches = [decoder.feed([stream[i] for i in part], [0.01 * float(i) for i in part]) for part in parts]
    batches = [b for b in batches if b is not None]
    if batches:
        seq = np.concatenate([b.seq for b in batches])
        assert np.all(np.diff(seq) > 0)  # every sample at most once, in order
        for b in batches:
            assert np.all(np.isfinite(b.acc)) and np.all(np.isfinite(b.gyr)) and np.all(np.isfinite(b.t))
            np.testing.assert_allclose(np.linalg.norm(b.quat, axis=1), 1.0, atol=0.01)
    stats = decoder.stats
    assert stats.samples == sum(len(b) for b in batches)
    strict = StreamDecoder(errors="raise")
    try:
        strict.feed(stream)
    except ProtocolError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).flatmap(
    lambda frags: st.tuples(st.just(frags), st.lists(st.integers(0, 255), max_size=5))))
def test_reassembler_outputs_only_whole_packets(case: tuple[list[bytes], list[int]]) -> None:
    fragments, tags = case
    reassembler = Reassembler()
    packets = []
    for k, frag in enumerate(fragments):
        if tags:  # re-tag some fragments so sets interleave
            frag = frag[:2] + bytes([tags[k % len(tags)]]) + frag[3:]
        try:
            packets.extend(reassembler.feed(frag))
        except ProtocolError:
            pass
    if not tags:  # fragments as sent (dropped, repeated, reordered): only original packets come out
        whole = set(encode_packets(analytic_motion("foot", 0.3), mtu=23))
        assert set(packets) <= whole
    assert all(0 < len(p) <= 15 * (23 - 3 - 3) for p in packets)  # at most 15 fragments of one MTU


@settings(max_examples=300, deadline=None)
@given(mutated(Status(Role.FOOT, 0x0F, 2, 4, 100, 3, 0, 7, 88, 1, 2, 30, 0, 0, 1234).pack(), max_ops=3, max_chunk=4))
def test_status_record_damage(data: bytes) -> None:
    try:
        status = Status.unpack(data)
    except ProtocolError as exc:
        assert str(exc)
    else:
        assert status.role in (Role.SHIN, Role.FOOT)
        assert 0 <= status.battery_percent <= 255 and status.result is not None
