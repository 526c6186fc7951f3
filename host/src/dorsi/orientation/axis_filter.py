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

After a long gap (``reanchor``) the rotation during the gap is unknown, so the
increment there is the change of the reference: its error carries over, it does
not grow. That is right for a reference error that persists (an accelerometer
offset, a slow lean), not for a movement's transient: if the filter and its
reference disagreed by more than ``restart_deviation_rad`` just before the gap
(a fast ankle circle or leg lift: several degrees, changing sign within the
movement), the filter instead restarts from the reference and averages the
references that follow, each carried forward by the gyroscope: the reference's
gain is ``1/n`` at the ``n``-th sample since the restart until that falls to
the steady ``1 - a`` (about ``tau`` later). With ``y = n x`` this is a running
sum, ``y[k] = y[k-1] + (n - 1) dG[k] + r[k]``, so it is a ``cumsum``.
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
    restart_deviation_rad : float
        After a long gap, restart from the reference when the filter and the
        reference differed by more than this on any axis just before it
        (default: never; the increment is the reference's change).

    Attributes
    ----------
    angle_ : (N, K) array
        Filtered angles (radians), continuous (unwrapped).
    """

    def __init__(self, time_constant_s: float = 1.0, restart_deviation_rad: float = np.inf) -> None:
        if time_constant_s <= 0:
            raise ValueError("time_constant_s must be positive")
        self.time_constant_s = time_constant_s
        self.restart_deviation_rad = restart_deviation_rad
        self.reset()

    def reset(self) -> "AxisAngleFilter":
        """Forget the state: the next call starts from its first reference."""
        self._state: np.ndarray | None = None   # last output per channel
        self._last_rate: np.ndarray | None = None
        self._last_ref: np.ndarray | None = None
        self._avg_n = 0                          # samples since a restart while its average runs
        self._avg_sum: np.ndarray | None = None  # that average's running sum (n x); None: none runs
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
            the integrated rate, or the filter restarts from the reference
            (see the module docstring).
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
        return self.filter_increments(reference, increments, nominal_dt, reanchor)

    def filter_increments(self, reference: np.ndarray, increments: np.ndarray,
                          nominal_dt: float, reanchor: np.ndarray | None = None) -> "AxisAngleFilter":
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
        reanchor : (N,) bool array, optional
            Samples after a long gap, where the filter may restart (see ``filter``).
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
        gap = np.zeros(n, dtype=bool) if reanchor is None else np.asarray(reanchor, dtype=bool)
        marks = np.flatnonzero(gap)
        if not len(marks) and self._avg_sum is None:  # the common case: one steady run
            x = self._steady(a * increments + (1.0 - a) * ref, a, prev_x)
        else:  # pieces between long gaps, each starting with the restart decision
            x = np.empty((n, k))
            starts = marks if len(marks) and marks[0] == 0 else np.r_[0, marks]
            for lo, hi in zip(starts, np.r_[starts[1:], n]):
                before = (ref[lo - 1] if lo else self._last_ref) if gap[lo] else None
                if before is not None and np.max(np.abs(prev_x - before)) > self.restart_deviation_rad:
                    self._avg_n, self._avg_sum = 0, np.zeros(k)  # restart: the average begins here
                x[lo:hi] = self._piece(ref[lo:hi], increments[lo:hi], a, prev_x)
                prev_x = x[hi - 1]
        self._state = x[-1].copy()
        self._last_ref = ref[-1].copy()
        self.angle_ = x
        return self

    def _piece(self, ref: np.ndarray, increments: np.ndarray, a: float, prev_x: np.ndarray) -> np.ndarray:
        """A run without restart decisions: the running average (if one runs), then the steady filter."""
        n = len(ref)
        m = 0
        total = self._avg_sum
        if total is not None:  # numbers of the samples since the restart
            count = self._avg_n + 1 + np.arange(n)
            m = int(np.searchsorted(count, 1.0 / (1.0 - a)))  # averaging while 1/count > 1 - a
            if m:
                terms = (count[:m] - 1.0)[:, None] * increments[:m] + ref[:m]
                y = np.cumsum(np.concatenate([total[None, :], terms]), axis=0)[1:]
                self._avg_n, self._avg_sum = int(count[m - 1]), y[-1].copy()
                avg = y / count[:m, None]
            if m < n:  # handed over to the steady filter
                self._avg_n, self._avg_sum = 0, None
            if m == n:
                return avg
            prev_x = avg[-1] if m else prev_x
        steady = self._steady(a * increments[m:] + (1.0 - a) * ref[m:], a, prev_x)
        return np.concatenate([avg, steady]) if m else steady

    @staticmethod
    def _steady(drive: np.ndarray, a: float, prev_x: np.ndarray) -> np.ndarray:
        """The complementary filter at its constant gain from ``prev_x``."""
        if len(drive) <= SMALL_CHUNK:  # a BLE notification: the recursion itself beats lfilter's call overhead
            return _first_order(drive, a, prev_x)
        return lfilter([1.0], [1.0, -a], drive, axis=0, zi=(a * prev_x)[None, :])[0]


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
