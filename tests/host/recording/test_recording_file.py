"""Recordings are append-only, survive a kill at any byte and say what they lost."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.protocol import encode_stream
from dorsi.recording import RecordingError, RecordingWriter, read_recording
from dorsi.samples import SampleBatch
from dorsi.sources.recording_source import load_recording

HEADER = {"devices": [{"slot": 0, "role": "shin", "name": "dorsi-S1"}], "profile": {"side": "right"}}


def _batch(n, role="shin", t0=0.0, rate=100.0):
    t = t0 + np.arange(n) / rate
    ang = 0.3 * np.sin(t)
    q = np.stack([np.cos(ang / 2), 0 * t, np.sin(ang / 2), 0 * t], 1)
    acc = np.stack([9.81 * np.cos(ang), 0 * t, 9.81 * np.sin(ang)], 1)
    return SampleBatch(role, np.arange(n), t, acc, np.zeros((n, 3)), q)


def _write(path, notes, host_t0=100.0):
    with RecordingWriter(path, HEADER) as w:
        w.marker("exercise_start", exercise="band_lunge", t=host_t0)
        for i, note in enumerate(notes):
            w.notification(0, host_t0 + 0.1 * i + 0.02, note)
        w.marker("exercise_end", exercise="band_lunge", t=host_t0 + 0.1 * len(notes))
    return path


def test_roundtrip_keeps_every_notification_and_marker(tmp_path):
    notes = encode_stream(_batch(500))
    path = _write(tmp_path / "s.dorsi", notes)
    rec = read_recording(path)
    assert rec.complete and rec.problems() == []
    assert rec.slots[0].payloads == notes
    assert rec.segments() == [("band_lunge", 100.0, pytest.approx(100.0 + 0.1 * len(notes)))]
    session = load_recording(path)
    assert len(session.shin) == 500 and session.stats["shin"].gaps == []


def test_file_is_private_and_never_overwritten(tmp_path):
    path = _write(tmp_path / "s.dorsi", encode_stream(_batch(20)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        RecordingWriter(path, HEADER)


def test_truncation_at_every_byte_keeps_all_complete_records(tmp_path):
    notes = encode_stream(_batch(60), mtu=60)
    full = _write(tmp_path / "full.dorsi", notes).read_bytes()
    header_end = None
    for cut in range(len(full)):
        p = tmp_path / "cut.dorsi"
        p.write_bytes(full[:cut])
        try:
            rec = read_recording(p)
        except RecordingError:
            assert header_end is None  # only before the header record is complete
            continue
        header_end = header_end or cut
        got = rec.slots.get(0)
        n = len(got.payloads) if got else 0
        assert (got.payloads if got else []) == notes[:n]
        assert not rec.complete
    assert read_recording(tmp_path / "full.dorsi").complete


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.binary(min_size=1, max_size=40))
def test_corruption_in_the_middle_is_skipped_and_reported(tmp_path_factory, where, junk):
    tmp = tmp_path_factory.mktemp("c")
    notes = encode_stream(_batch(200))
    data = bytearray(_write(tmp / "a.dorsi", notes).read_bytes())
    pos = 60 + where % (len(data) - 80)
    data[pos : pos + len(junk)] = junk
    (tmp / "b.dorsi").write_bytes(bytes(data))
    try:
        rec = read_recording(tmp / "b.dorsi")
    except RecordingError:
        return  # the header record itself was hit
    kept = rec.slots[0].payloads if 0 in rec.slots else []
    assert set(kept) <= set(notes)  # nothing invented
    assert len(kept) >= len(notes) - 3 - len(junk) // 20  # at most the damaged records lost


def test_not_a_recording(tmp_path):
    p = tmp_path / "x.dorsi"
    p.write_text("time_s,acc_x\n")
    with pytest.raises(RecordingError, match="not a dorsi recording"):
        read_recording(p)


WRITER = textwrap.dedent(
    """
    import sys, time
    from dorsi.recording import RecordingWriter
    payload = bytes(range(200))
    with RecordingWriter(sys.argv[1], {"devices": []}, flush_interval_s=0.2) as w:
        i = 0
        while True:
            w.notification(0, time.time(), payload)
            i += 1
            if i % 50 == 0:
                print(time.time(), i, flush=True)
            time.sleep(0.001)
    """
)


@pytest.mark.parametrize("trial", range(5))
def test_sigkill_loses_at_most_the_last_second(tmp_path, trial):
    path = tmp_path / "k.dorsi"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    last = tuple(float(x) for x in proc.stdout.readline().split())  # writing has begun
    deadline = time.time() + 0.3 + 0.25 * trial
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line:
            last = tuple(float(x) for x in line.split())
    killed_at = time.time()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rec = read_recording(path)
    times = rec.slots[0].host_time
    assert last[1] > 0
    # everything written more than a second before the kill is on disk
    assert times[-1] >= killed_at - 1.0
    assert rec.end is None and "did not close cleanly" in rec.problems()[-1]
    assert all(p == bytes(range(200)) for p in rec.slots[0].payloads)
