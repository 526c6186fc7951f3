"""The store-and-forward ring: the last N samples of a sensor, addressed by ``seq``.

Sample ``seq`` lives in slot ``seq % capacity``; the ring holds
``[max(0, head - capacity), head)``. Appending more than fits overwrites the
oldest samples (the device's overflow); reads address absolute ``seq``.
"""

from __future__ import annotations

import numpy as np


class SampleRing:
    """Fixed-capacity sample history.

    Parameters
    ----------
    capacity : int
        Samples held (e.g. 3000 for 30 s at 100 Hz).

    Attributes
    ----------
    head : int
        ``seq`` of the next sample to be appended (= samples appended since clear).
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.capacity = int(capacity)
        self.t = np.zeros(self.capacity)
        self.acc = np.zeros((self.capacity, 3))
        self.gyr = np.zeros((self.capacity, 3))
        self.quat = np.zeros((self.capacity, 4))
        self.period_us = np.zeros(self.capacity, dtype=np.int64)
        self.head = 0

    def clear(self) -> None:
        """Forget everything; the next sample appended gets ``seq`` 0."""
        self.head = 0

    @property
    def oldest(self) -> int:
        """``seq`` of the oldest sample still held."""
        return max(0, self.head - self.capacity)

    @property
    def held(self) -> int:
        return self.head - self.oldest

    def append(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray, quat: np.ndarray, period_us: int) -> None:
        """Append samples in order (vectorised); only the last ``capacity`` are kept."""
        n = len(t)
        if not (acc.shape == gyr.shape == (n, 3) and quat.shape == (n, 4)):
            raise ValueError("t, acc (n,3), gyr (n,3) and quat (n,4) must describe the same n samples")
        keep = slice(max(0, n - self.capacity), n)
        seq = np.arange(self.head, self.head + n)[keep]
        slots = seq % self.capacity
        self.t[slots] = t[keep]
        self.acc[slots] = acc[keep]
        self.gyr[slots] = gyr[keep]
        self.quat[slots] = quat[keep]
        self.period_us[slots] = period_us
        self.head += n

    def slots(self, start: int, n: int) -> np.ndarray:
        """Slot indices of samples ``start .. start+n-1``; raises if any is not held."""
        if n < 0 or start < self.oldest or start + n > self.head:
            raise IndexError(f"samples [{start}, {start + n}) not held (ring holds [{self.oldest}, {self.head}))")
        return np.arange(start, start + n) % self.capacity

    def same_period_run(self, start: int, n: int) -> int:
        """How many of the ``n`` samples from ``start`` share the first one's period."""
        periods = self.period_us[self.slots(start, n)]
        change = np.flatnonzero(periods != periods[0])
        return int(change[0]) if change.size else n
