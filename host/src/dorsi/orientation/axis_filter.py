"""Complementary filter for rotation angles about fixed body axes, as one linear IIR.

For a rotation angle ``x`` about a body axis, with the angular rate about that
axis ``w`` (gyroscope) and an absolute but noisy reference ``r`` (from the
accelerometer), the complementary filter

    x[k] = a * (x[k-1] + dG[k]) + (1 - a) * r[k],   dG[k] = (w[k] + w[k-1]) / 2 * dt[k]

is linear in its inputs, so it runs as ``scipy.signal.lfilter`` over the whole
array (no per-sample Python) with ``a = tau / (tau + dt)``: the gyroscope's
high-passed integral plus the reference's low-passed value. Lost samples widen
``dt[k]`` (the rate is held across the gap). The state is carried between
calls, so chunks give the same output as one call.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

#: Chunks up to this many samples run the recursion directly (same arithmetic as lfilter).
SMALL_CHUNK = 32


class AxisAngleFilter:
    """Angles about fixed body axes from rates and absolute references.

    Parameters
    ----------
    time_constant_s : float
        Crossover time constant: below ``1 / (2 pi tau)`` Hz the reference
        wins, above it the integrated gyroscope.

    Attributes
    ----------
    angle_ : (N, K) array
        Filtered angles (radians), continuous (unwrapped).
    """

    def __init__(self, time_constant_s: float = 1.0) -> None:
        if time_constant_s <= 0:
            raise ValueError("time_constant_s must be positive")
        self.time_constant_s = time_constant_s
        self.reset()

    def reset(self) -> "AxisAngleFilter":
        """Forget the state: the next call starts from its first reference."""
        self._state: np.ndarray | None = None   # last output per channel
        self._last_rate: np.ndarray | None = None
        self._last_ref: np.ndarray | None = None
        return self

    def filter(self, reference: np.ndarray, rate: np.ndarray, dt: np.ndarray,
               nominal_dt: float, reanchor: np.ndarray | None = None) -> "AxisAngleFilter":
        """Run the filter over the next chunk; returns self.

        Parameters
        ----------
        reference : (N, K) array
            Absolute angles (radians), e.g. from the accelerometer.
        rate : (N, K) array
            Angular rate about each axis (rad/s).
        dt : (N,) array
            Time since the previous sample (seconds; the first value is
            ignored at the very start of a stream).
        nominal_dt : float
            The nominal sample period, sets the filter coefficient.
        reanchor : (N,) bool array, optional
            Samples after a long gap: the rotation during the gap is unknown,
            so the increment there is the change of the reference instead of
            the integrated rate (the error then carries over, it does not grow).
        """
        rate = np.asarray(rate, dtype=float)
        dt = np.array(dt, dtype=float)
        if len(rate) == 0:
            return self.filter_increments(np.asarray(reference, dtype=float), rate, nominal_dt)
        if self._last_rate is None:
            dt[0] = 0.0
            prev_rate = rate[0]
        else:
            prev_rate = self._last_rate
        rates = np.concatenate([prev_rate[None, :], rate])
        increments = 0.5 * (rates[1:] + rates[:-1]) * dt[:, None]
        if reanchor is not None and reanchor.any():
            reference = np.asarray(reference, dtype=float)
            prev = reference[:1] if self._last_ref is None else self._last_ref[None, :]
            ref_step = np.diff(np.concatenate([prev, reference]), axis=0)
            ref_step = (ref_step + np.pi) % (2.0 * np.pi) - np.pi
            increments[reanchor] = ref_step[reanchor]
        self._last_rate = rate[-1].copy()
        return self.filter_increments(reference, increments, nominal_dt)

    def filter_increments(self, reference: np.ndarray, increments: np.ndarray,
                          nominal_dt: float) -> "AxisAngleFilter":
        """Run the filter on angle increments (e.g. from device quaternions); returns self.

        Parameters
        ----------
        reference : (N, K) array
            Absolute angles (radians).
        increments : (N, K) array
            Change of each angle since the previous sample (radians), from the
            gyroscope or from a device orientation.
        nominal_dt : float
            The nominal sample period.
        """
        reference = np.asarray(reference, dtype=float)
        increments = np.asarray(increments, dtype=float)
        n, k = reference.shape
        if n == 0:
            self.angle_ = np.empty((0, k))
            return self
        a = self.time_constant_s / (self.time_constant_s + nominal_dt)
        if self._state is None:
            ref = _unwrap(reference, None)
            prev_x = ref[0]
            increments = increments.copy()
            increments[0] = 0.0
        else:
            ref = _unwrap(reference, self._last_ref)
            prev_x = self._state
        drive = a * increments + (1.0 - a) * ref
        if n <= SMALL_CHUNK:  # a BLE notification: the recursion itself beats lfilter's call overhead
            x = _first_order(drive, a, prev_x)
        else:
            x, _ = lfilter([1.0], [1.0, -a], drive, axis=0, zi=(a * prev_x)[None, :])
        self._state = x[-1].copy()
        self._last_ref = ref[-1].copy()
        self.angle_ = x
        return self


def _first_order(drive: np.ndarray, a: float, prev: np.ndarray) -> np.ndarray:
    """``x[k] = a x[k-1] + drive[k]`` from ``x[-1] = prev``, row by row.

    The same operations in the same order as ``lfilter([1], [1, -a], zi=a*prev)``
    (direct form II transposed), so the result is identical to it.
    """
    z = (a * prev).tolist()
    rows = drive.tolist()
    for row in rows:
        for j, d in enumerate(row):
            y = d + z[j]
            row[j] = y
            z[j] = a * y
    return np.array(rows, dtype=np.float64).reshape(drive.shape)


def _unwrap(angles: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Remove 2 pi jumps along axis 0, continuing from ``previous`` (cheap when there are none)."""
    joined = angles if previous is None else np.concatenate([previous[None, :], angles])
    if len(joined) > 1 and (np.abs(joined[1:] - joined[:-1]) > np.pi).any():
        joined = np.unwrap(joined, axis=0)
    return joined if previous is None else joined[1:]
