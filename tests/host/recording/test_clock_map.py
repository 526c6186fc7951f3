"""Device clocks map to host time with drift; two sensors align within a sample."""

from __future__ import annotations

import numpy as np

from dorsi.protocol import encode_stream
from dorsi.recording import RecordingWriter
from dorsi.samples import SampleBatch
from dorsi.sources.clock import ClockMap
from dorsi.sources.recording_source import load_recording


def test_fit_recovers_offset_and_drift_under_latency_jitter():
    rng = np.random.default_rng(0)
    dev = np.arange(0, 600, 0.11)
    host = dev * (1 + 40e-6) + 1234.5 + rng.exponential(0.015, dev.size) + 0.007
    cm = ClockMap().fit(dev, host)
    assert abs(cm.drift_ - 40e-6) < 3e-6
    assert abs(cm.to_host(300.0) - (300 * (1 + 40e-6) + 1234.5 + 0.007)) < 0.003


def _batch(role, dev_t0, n=3000, rate=100.0):
    t = dev_t0 + np.arange(n) / rate
    q = np.tile([1.0, 0, 0, 0], (n, 1))
    acc = np.tile([9.81, 0, 0], (n, 1))
    return SampleBatch(role, np.arange(n), t, acc, np.zeros((n, 3)), q)


def test_two_sensors_with_unrelated_clocks_align_within_one_sample(tmp_path):
    rng = np.random.default_rng(1)
    host_start = 5000.0
    path = tmp_path / "two.dorsi"
    with RecordingWriter(path, {"devices": [{"slot": 0, "role": "shin"}, {"slot": 1, "role": "foot"}]}) as w:
        for slot, role, dev_t0, drift in ((0, "shin", 12.0, 30e-6), (1, "foot", 700.0, -25e-6)):
            notes = encode_stream(_batch(role, dev_t0))
            for i, note in enumerate(notes):
                dev_last = dev_t0 + (11 * i + 10) / 100.0
                host = host_start + (dev_last - dev_t0) * (1 + drift) + 0.01 + rng.exponential(0.01)
                w.notification(slot, host, note)
    session = load_recording(path)
    # the same physical instant (sample k on both) lands on the same host time
    err = np.abs(session.shin.t - session.foot.t)
    assert err.max() < 0.01  # one sample period at 100 Hz
