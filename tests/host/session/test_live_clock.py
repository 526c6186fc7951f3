"""Live clock mapping: monotonic, and two sensors on one time base within a sample period."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.session.live_clock import LiveClock


def _map(physical_last: np.ndarray, device_offset: float, drift: float, latency: np.ndarray) -> np.ndarray:
    """Offsets a LiveClock applies to packets whose newest sample was taken at ``physical_last``."""
    clock = LiveClock()
    device = physical_last * (1 + drift) + device_offset
    host = physical_last + latency
    offsets = np.array([clock.observe(d, h) for d, h in zip(device, host)])
    return device + offsets  # mapped host time of each packet's newest sample


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(1, 1000), st.floats(-50e-6, 50e-6), st.floats(0.001, 0.05))
def test_mapped_times_never_run_backwards(seed, device_offset, drift, mean_latency):
    rng = np.random.default_rng(seed)
    physical = np.arange(1, 600) * 0.11  # a packet of 11 samples every 110 ms
    mapped = _map(physical, device_offset, drift, rng.exponential(mean_latency, physical.size))
    # consecutive packets: the newest sample of the next is at least one sample period (10 ms) later
    assert np.all(np.diff(mapped) > 0.11 - 0.01)


def test_two_sensors_align_within_one_sample_period():
    rng = np.random.default_rng(3)
    physical = np.arange(1, 2000) * 0.11
    shin = _map(physical, 12.0, 30e-6, 0.004 + rng.exponential(0.01, physical.size))
    foot = _map(physical + 0.005, 700.0, -25e-6, 0.004 + rng.exponential(0.02, physical.size)) - 0.005
    settled = physical > 5.0  # after the envelope has seen a few seconds of packets
    assert np.max(np.abs(shin[settled] - foot[settled])) < 0.01


def test_a_backlog_does_not_move_the_time_base():
    """The link (or the host) falls 25 s behind for a minute, then catches up: the delayed samples,
    and those after them, keep the times they were taken at (as the recording's fit has them),
    within a sample period, and never run backwards."""
    rng = np.random.default_rng(5)
    physical = np.arange(1, 3000) * 0.11
    latency = 0.004 + rng.exponential(0.01, physical.size)
    behind = (physical > 60.0) & (physical < 120.0)
    latency[behind] += np.minimum(physical[behind] - 60.0, 25.0)  # delivered up to 25 s late
    mapped = _map(physical, 40.0, 20e-6, latency)
    truth = physical  # host time at which each newest sample was taken (device offset removed)
    settled = physical > 5.0
    assert np.max(np.abs(mapped[settled] - truth[settled])) < 0.02  # it used to follow the delay: 25 s off
    assert np.all(np.diff(mapped) > 0.11 - 0.01)


def test_a_link_drop_longer_than_the_window_keeps_the_time_base():
    """A minute without the link, then the sensor's backlog comes in at once: its samples map to
    when they were taken. The envelope, left with nothing but the backlog, used to jump by the
    whole drop (60 s) and fall back at 5 ms per second: an hour to recover."""
    physical = np.arange(1, 3000) * 0.11
    host = physical + 0.01
    dropped = (physical > 60.0) & (physical < 120.0)
    host[dropped] = 120.0 + (physical[dropped] - 60.0) * 0.02  # the backlog, sent fast on reconnection
    order = np.argsort(host, kind="stable")
    clock = LiveClock()
    offsets = np.array([clock.observe(d, h) for d, h in zip(physical[order], host[order])])
    assert np.max(np.abs(offsets)) < 0.03  # its 10 ms latency and the capped rise
