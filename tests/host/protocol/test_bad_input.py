"""Any byte string either decodes or raises ProtocolError: nothing else escapes."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dorsi.protocol import (
    ProtocolError,
    Reassembler,
    Status,
    StreamDecoder,
    decode_packets,
    encode_command,
    parse_command,
)
from dorsi.protocol.spec import Command, Result


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
@example(b"")
@example(b"\x01" + b"\x00" * 13)
@example(struct.pack("<BBBBHII", 1, 0, 0x10, 1, 10000, 0, 0) + b"\x00" * 20)
def test_decoder_only_raises_protocol_error(data):
    try:
        d = decode_packets([data])
    except ProtocolError as exc:
        assert str(exc).startswith("packet 0:")
    else:
        assert d.n_samples >= 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=30))
def test_stream_decoder_survives_garbage(notifications):
    decoder = StreamDecoder(errors="skip")
    decoder.feed(notifications)  # must not raise
    strict = StreamDecoder(errors="raise")
    try:
        strict.feed(notifications)
    except ProtocolError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_status_and_commands_never_crash(data):
    try:
        Status.unpack(data)
    except ProtocolError:
        pass
    opcode, arg, result = parse_command(data)
    assert isinstance(result, Result)


def test_batch_error_names_the_bad_packet():
    good = struct.pack("<BBBBHII", 1, 0, 0x12, 1, 10000, 5, 0) + struct.pack("<10h", 16384, *[0] * 9)
    bad = b"\x02" + good[1:]
    with pytest.raises(ProtocolError, match="packet 1: unsupported protocol version"):
        decode_packets([good, bad])
    with pytest.raises(ProtocolError, match="length does not match"):
        decode_packets([good[:-1]])
    with pytest.raises(ProtocolError, match="not a unit quaternion"):
        decode_packets([struct.pack("<BBBBHII", 1, 0, 0x12, 1, 10000, 5, 0) + b"\x00" * 20])


def test_live_decoder_skips_corrupt_notification_and_keeps_the_rest():
    head = struct.pack("<BBBBHII", 1, 0, 0x12, 1, 10000, 0, 0)
    sample = struct.pack("<10h", 16384, 0, 0, 0, 4096, 0, 0, 0, 0, 0)
    pk0 = head + sample
    pk2 = struct.pack("<BBBBHII", 1, 0, 0x12, 1, 10000, 2, 20000) + sample
    decoder = StreamDecoder()
    out = decoder.feed([pk0, b"\x01garbage", pk2])
    assert list(out.seq) == [0, 2]
    assert len(decoder.stats.rejected) == 1
    assert decoder.stats.gaps == [(1, 1)]
    np.testing.assert_allclose(out.acc[:, 0], 4096 * 8 / 32768 * 9.80665)


def test_command_encoding_bounds():
    assert encode_command(Command.START) == b"\x01"
    assert encode_command(Command.SET_RATE, 100) == b"\x03\x64\x00"
    assert encode_command(Command.BACKLOG) == b"\x06\xff\xff\xff\xff"
    with pytest.raises(ProtocolError, match="out of range"):
        encode_command(Command.SET_RATE, 500)
    with pytest.raises(ProtocolError, match="takes no argument"):
        encode_command(Command.STOP, 1)
    with pytest.raises(ProtocolError, match="out of range"):
        encode_command(Command.IDENTIFY, 0)


def test_interleaved_fragment_sets_are_dropped_not_mixed():
    r = Reassembler()
    assert r.feed(bytes([0x81, 0x02, 7]) + b"abc") == []
    assert r.feed(bytes([0x81, 0x02, 8]) + b"xyz") == []  # tag 7 never completed
    assert r.feed(bytes([0x81, 0x12, 8]) + b"uvw") == [b"xyzuvw"]
    assert r.dropped_fragments == 1
    with pytest.raises(ProtocolError):
        r.feed(bytes([0x81, 0x22, 8]) + b"x")
