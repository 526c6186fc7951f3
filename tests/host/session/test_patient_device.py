"""The emulated patient's sensor plays each movement sample for sample, as an IMU's clock would.

The simulator's timestamps jitter (``SimOptions.jitter_s``) about the device's sampling
instants; the device takes the nearest source sample at each of its instants, and a movement
performed at any moment starts on the device's sample grid, so no sample of it is repeated or
skipped (a repeated sample reads as a spike of angular acceleration: the live lever-arm fit
on the emulated calibration came out 20 % short).
"""

from __future__ import annotations

import numpy as np

from dorsi.session.patient import PatientDevice
from dorsi.sim import SimOptions, simulate, simulate_rest


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _device(first, idle) -> tuple[PatientDevice, _Clock]:
    clock = _Clock()
    dev = PatientDevice(first, idle, speed=1.0)
    dev._wall = clock  # type: ignore[method-assign]
    dev._boot_wall = 0.0
    return dev, clock


def _held_gyr(dev: PatientDevice, start: int, n: int) -> np.ndarray:
    ring = dev._ring
    assert ring.oldest <= start and start + n <= ring.head
    return ring.gyr[ring.slots(start, n)]


def test_the_first_movement_is_replayed_sample_for_sample() -> None:
    opts = SimOptions(rate_hz=100.0, quaternions=True)
    first = simulate("band_lunge", seed=4, options=opts, reps=3).shin
    assert np.ptp(np.diff(first.t)) > 1e-3  # the timestamps jitter
    dev, clock = _device(first, simulate_rest("standing", seed=4, options=opts, duration_s=30.0).shin)
    clock.now = first.t[-1] - first.t[0] + 0.5
    dev.produce()
    np.testing.assert_array_equal(_held_gyr(dev, 0, len(first)), first.gyr)


def test_a_movement_performed_between_samples_starts_on_the_sample_grid() -> None:
    opts = SimOptions(rate_hz=100.0, quaternions=True)
    first = simulate("band_lunge", seed=5, options=opts, reps=1).shin
    idle = simulate_rest("standing", seed=5, options=opts, duration_s=60.0).shin
    move = simulate("knee_to_wall", seed=5, options=opts, reps=1).shin
    dev, clock = _device(first, idle)
    clock.now = 12.3437  # between two sampling instants
    dev.produce()
    start = dev.perform(move, idle)
    k0 = int(round(start * 100.0))
    assert start >= 12.3437 and np.isclose(start * 100.0, k0)
    clock.now = start + move.t[-1] - move.t[0] + 1.0
    dev.produce()
    np.testing.assert_array_equal(_held_gyr(dev, k0, len(move)), move.gyr)
