"""Sequence and clock handling of the live stream decoder."""

from __future__ import annotations

import numpy as np

from dorsi.protocol import StreamDecoder, TimestampUnwrapper, encode_stream
from dorsi.samples import SampleBatch


def _batch(seq, period=0.01, t0=0.0):
    seq = np.asarray(seq)
    n = len(seq)
    q = np.tile([1.0, 0, 0, 0], (n, 1))
    acc = np.tile([9.80665, 0, 0], (n, 1))
    return SampleBatch("shin", seq, t0 + (seq - seq[0]) * period, acc, np.zeros((n, 3)), q)


def test_duplicates_from_an_overlapping_backlog_are_dropped_once():
    decoder = StreamDecoder(errors="raise")
    first = decoder.feed(encode_stream(_batch(np.arange(0, 40))))
    again = decoder.feed(encode_stream(_batch(np.arange(30, 60), t0=0.3)))
    assert list(first.seq) == list(range(40))
    assert list(again.seq) == list(range(40, 60))
    assert decoder.stats.duplicates == 10
    assert decoder.stats.gaps == []


def test_gap_is_reported_not_filled():
    decoder = StreamDecoder(errors="raise")
    decoder.feed(encode_stream(_batch(np.arange(0, 20))))
    out = decoder.feed(encode_stream(_batch(np.arange(35, 50), t0=0.35)))
    assert out.seq[0] == 35
    assert decoder.stats.gaps == [(20, 15)]
    assert decoder.stats.lost_samples == 15


def test_unwrapper_crosses_many_wraps_in_chunks():
    unwrap = TimestampUnwrapper()
    truth = np.arange(0, 3 * 2**30, 7_000_000, dtype=np.int64) + 123
    chunks = np.array_split(truth, 9)
    got = np.concatenate([unwrap.unwrap(c % 2**30) for c in chunks])
    np.testing.assert_array_equal(got - got[0], truth - truth[0])


def test_small_mtu_stream_reassembles():
    decoder = StreamDecoder(errors="raise")
    notes = encode_stream(_batch(np.arange(10)), mtu=23)
    assert len(notes) == 20
    out = decoder.feed(notes[:7])  # a fragment set split across two callbacks
    out2 = decoder.feed(notes[7:])
    assert list(out.seq) + list(out2.seq) == list(range(10))
