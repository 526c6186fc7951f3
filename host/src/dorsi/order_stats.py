"""``np.median`` of a 1-D float array, bit for bit, without its overhead.

``np.median`` partitions a copy of the whole array (with three ``kth``: the
middle pair and the maximum, for its NaN check) and spends ~10 us in dispatch
around it. On the tiny arrays of the event detectors (a 2 s baseline) the
dispatch dominates; on a long array (the sample interval of an hour's stream)
the partition does. :func:`median` returns the same float: the middle order
statistics are the same numbers, averaged by ``np.mean`` as ``np.median`` does.
"""

from __future__ import annotations

import numpy as np

_BAND_MIN_SIZE = 4096  # below this a plain partition is as fast as narrowing to a band first
_SAMPLE_SIZE = 2048    # every step-th value, sorted, to choose the band around the middle
_BAND_SAMPLES = 64     # the band reaches this many sample ranks either side of the middle


def median(x: np.ndarray) -> float:
    """``float(np.median(x))`` for a non-empty 1-D float array (NaN when ``x`` holds NaN).

    Long arrays are narrowed first: the values between two order statistics of
    a strided sample that bracket the middle (counted against the whole array)
    are partitioned instead of the whole array. When the band misses the
    middle (an adversarial order), ``np.median`` itself runs.
    """
    x = np.asarray(x)
    n = len(x)
    if x.ndim != 1 or n == 0 or x.dtype.kind != "f":
        return float(np.median(x))
    k0, k1 = (n - 1) // 2, n // 2
    if n < _BAND_MIN_SIZE:
        part = np.partition(x, (k0, k1, n - 1))
        if np.isnan(part[-1]):
            return float(np.median(x))
        return _middle(part, k0, k1)
    sample = np.sort(x[:: max(1, n // _SAMPLE_SIZE)])
    mid = len(sample) // 2
    lo = sample[max(0, mid - _BAND_SAMPLES)]
    hi = sample[min(len(sample) - 1, mid + _BAND_SAMPLES)]
    below = int(np.count_nonzero(x < lo))
    above = int(np.count_nonzero(x > hi))
    band = x[(x >= lo) & (x <= hi)]
    # every value is below, inside or above the band unless one is NaN
    if below + len(band) + above != n or not below <= k0 <= k1 < below + len(band):
        return float(np.median(x))
    part = np.partition(band, (k0 - below, k1 - below))
    return _middle(part, k0 - below, k1 - below)


def _middle(part: np.ndarray, k0: int, k1: int) -> float:
    """The mean of the middle order statistics, as ``np.median`` takes it."""
    return float(np.mean(part[k0:k1 + 1]))
