"""Resampling of a trace channel onto a fixed, absolute time grid.

Detectors work on samples at ``t = k / rate_hz`` (integer ``k``), whatever the
input rate or gaps. Because the grid is anchored at absolute times and linear
interpolation is local, a chunked (live) run sees exactly the same grid values
as the batch run, which is what makes streaming and batch results identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import savgol_filter


@dataclass(frozen=True)
class GridSignal:
    """A channel on the uniform grid.

    Attributes
    ----------
    t : (M,) float64
        Grid times ``k / rate_hz``.
    x : (M,) float64
        Linearly interpolated values (gaps bridged).
    valid : (M,) bool
        False inside gaps longer than ``max_gap_s`` (values there are a bridge).
    rate_hz : float
        Grid rate.
    """

    t: np.ndarray
    x: np.ndarray
    valid: np.ndarray
    rate_hz: float

    def __len__(self) -> int:
        return len(self.t)


def grid_times(t_first: float, t_last: float, rate_hz: float) -> np.ndarray:
    """Grid instants ``k / rate_hz`` inside ``[t_first, t_last]``."""
    k0 = int(np.ceil(t_first * rate_hz - 1e-6))
    k1 = int(np.floor(t_last * rate_hz + 1e-6))
    return np.arange(k0, k1 + 1, dtype=np.float64) / rate_hz


def to_grid(t: np.ndarray, x: np.ndarray, valid: np.ndarray, rate_hz: float = 100.0,
            max_gap_s: float = 0.5) -> GridSignal:
    """Resample the valid samples of ``x(t)`` onto the absolute grid.

    Parameters
    ----------
    t, x, valid : (N,) arrays
        Sample times (strictly increasing), values and validity.
    rate_hz : float
        Grid rate.
    max_gap_s : float
        Grid points bridging a longer stretch without valid samples are marked invalid.

    Raises
    ------
    ValueError
        When fewer than two valid samples exist or times are not increasing.
    """
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    valid = np.asarray(valid, dtype=bool) & np.isfinite(x)
    if t.shape != x.shape or t.shape != valid.shape or t.ndim != 1:
        raise ValueError("t, x and valid must be 1-D arrays of one length")
    tv, xv = t[valid], x[valid]
    if len(tv) < 2:
        raise ValueError("need at least two valid samples")
    if np.any(np.diff(tv) <= 0):
        raise ValueError("sample times must be strictly increasing")
    tg = grid_times(tv[0], tv[-1], rate_hz)
    xg = np.interp(tg, tv, xv)
    j = np.clip(np.searchsorted(tv, tg, side="right"), 1, len(tv) - 1)
    ok = (tv[j] - tv[j - 1] <= max_gap_s) | np.isclose(tg, tv[j - 1]) | np.isclose(tg, tv[j])
    return GridSignal(tg, xg, ok, float(rate_hz))


def odd_window(seconds: float, rate_hz: float, minimum: int = 5) -> int:
    """An odd window length in samples covering about ``seconds``."""
    n = max(minimum, int(round(seconds * rate_hz)))
    return n if n % 2 else n + 1


def smooth(x: np.ndarray, rate_hz: float, window_s: float, polyorder: int = 3) -> np.ndarray:
    """Savitzky-Golay smoothing (local: each output uses only its window)."""
    n = odd_window(window_s, rate_hz, polyorder + 2)
    if len(x) < n:
        return np.asarray(x, dtype=np.float64).copy()
    return savgol_filter(x, n, polyorder, mode="interp")


def derivative(x: np.ndarray, rate_hz: float, window_s: float, polyorder: int = 2) -> np.ndarray:
    """Savitzky-Golay first derivative in units of ``x`` per second."""
    n = odd_window(window_s, rate_hz, polyorder + 2)
    if len(x) < n:
        return np.gradient(np.asarray(x, dtype=np.float64)) * rate_hz if len(x) > 1 else np.zeros(len(x))
    return savgol_filter(x, n, polyorder, deriv=1, delta=1.0 / rate_hz, mode="interp")
