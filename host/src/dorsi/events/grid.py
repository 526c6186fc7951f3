"""Resampling of a trace channel onto a fixed, absolute time grid.

Detectors work on samples at ``t = k / rate_hz`` (integer ``k``), whatever the
input rate or gaps. Because the grid is anchored at absolute times and linear
interpolation is local, a chunked (live) run sees exactly the same grid values
as the batch run, which is what makes streaming and batch results identical.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.ndimage import correlate1d
from scipy.signal import savgol_coeffs

from dorsi.events.runs import fill_intervals


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
    k0 = math.ceil(t_first * rate_hz - 1e-6)
    k1 = math.floor(t_last * rate_hz + 1e-6)
    return np.arange(k0, k1 + 1, dtype=np.float64) / rate_hz


def usable_samples(t: np.ndarray, x: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(tv, xv, steps)``: the valid, finite samples :func:`to_grid` interpolates, and the steps
    between their times (raises as :func:`to_grid` does)."""
    t = np.asarray(t, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    valid = np.asarray(valid, dtype=bool)
    if t.shape != x.shape or t.shape != valid.shape or t.ndim != 1:
        raise ValueError("t, x and valid must be 1-D arrays of one length")
    finite = np.isfinite(x)
    if not finite.all():
        valid = valid & finite
    if valid.all():
        tv, xv = t, x
    else:
        tv, xv = t[valid], x[valid]
    if len(tv) < 2:
        raise ValueError("need at least two valid samples")
    steps = tv[1:] - tv[:-1]
    if not (steps > 0).all():
        raise ValueError("sample times must be strictly increasing")
    return tv, xv, steps


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
    tv, xv, steps = usable_samples(t, x, valid)
    tg = grid_times(tv[0], tv[-1], rate_hz)
    xg = np.interp(tg, tv, xv)
    long = (steps > max_gap_s).nonzero()[0]
    if len(long) == 0:  # no stretch longer than max_gap_s: every grid point is bridged briefly
        ok = np.ones(len(tg), dtype=bool)
    else:
        # grid points strictly inside a long step are invalid unless they sit on a sample time
        # (the same closeness test as np.isclose with its default tolerances)
        lo = np.searchsorted(tg, tv[long], side="right")
        hi = np.searchsorted(tg, tv[long + 1], side="left")
        ok = ~fill_intervals(len(tg), lo, hi)
        bad = np.flatnonzero(~ok)
        if len(bad):
            j = np.clip(np.searchsorted(tv, tg[bad], side="right"), 1, len(tv) - 1)
            near = _close(tg[bad], tv[j - 1]) | _close(tg[bad], tv[j])
            ok[bad[near]] = True
    return GridSignal(tg, xg, ok, float(rate_hz))


def coarsened(fine: GridSignal, t_first: float, t_last: float, rate_hz: float) -> GridSignal | None:
    """The grid :func:`to_grid` would build at ``rate_hz`` from the samples that gave ``fine``
    (valid from ``t_first`` to ``t_last``), read off ``fine`` instead; None where it cannot be.

    Each grid value and validity of :func:`to_grid` depends on its grid time
    alone (linear interpolation and the long-step test are pointwise), so where
    every coarse grid time is also one of ``fine``'s (``k / r == m k / (m r)``
    exactly), the coarse grid is every ``m``-th point of the fine one. Only
    then (the times are compared) is it returned.
    """
    step = fine.rate_hz / rate_hz
    if step < 2 or step != int(step):
        return None
    tg = grid_times(t_first, t_last, rate_hz)
    if len(tg) == 0:
        return None
    j0 = int(np.searchsorted(fine.t, tg[0]))
    picked = slice(j0, j0 + int(step) * (len(tg) - 1) + 1, int(step))
    if not np.array_equal(fine.t[picked], tg):
        return None
    return GridSignal(tg, fine.x[picked].copy(), fine.valid[picked].copy(), float(rate_hz))


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.isclose(a, b)`` with its default tolerances (rtol 1e-5, atol 1e-8)."""
    return np.abs(a - b) <= 1e-8 + 1e-5 * np.abs(b)


def odd_window(seconds: float, rate_hz: float, minimum: int = 5) -> int:
    """An odd window length in samples covering about ``seconds``."""
    n = max(minimum, int(round(seconds * rate_hz)))
    return n if n % 2 else n + 1


def filter_spec(window_s: float, rate_hz: float, deriv: int) -> tuple[int, int, float]:
    """``(window, polyorder, delta)`` of :func:`smooth` (``deriv=0``) or :func:`derivative` (``deriv=1``)."""
    polyorder = 3 if deriv == 0 else 2
    return odd_window(window_s, rate_hz, polyorder + 2), polyorder, (1.0 if deriv == 0 else 1.0 / rate_hz)


def smooth(x: np.ndarray, rate_hz: float, window_s: float, polyorder: int = 3) -> np.ndarray:
    """Savitzky-Golay smoothing (local: each output uses only its window)."""
    n = odd_window(window_s, rate_hz, polyorder + 2)
    if len(x) < n:
        return np.asarray(x, dtype=np.float64).copy()
    return savgol(x, n, polyorder)


def derivative(x: np.ndarray, rate_hz: float, window_s: float, polyorder: int = 2) -> np.ndarray:
    """Savitzky-Golay first derivative in units of ``x`` per second."""
    n = odd_window(window_s, rate_hz, polyorder + 2)
    if len(x) < n:
        return np.gradient(np.asarray(x, dtype=np.float64)) * rate_hz if len(x) > 1 else np.zeros(len(x))
    return savgol(x, n, polyorder, deriv=1, delta=1.0 / rate_hz)


_FILTERED: OrderedDict = OrderedDict()
_FILTERED_SIZE = 8


def filtered(sig: GridSignal, window_s: float, deriv: int = 0) -> np.ndarray:
    """:func:`smooth` (``deriv=0``) or :func:`derivative` (``deriv=1``) of a grid signal, shared.

    The rep and hold detectors of one exercise filter the same grid with the
    same windows; the last few results are kept (keyed by the signal's array,
    returned read-only), so each is computed once per detection.
    """
    key = (id(sig.x), float(window_s), int(deriv))
    hit = _FILTERED.get(key)
    if hit is not None and hit[0] is sig.x:
        _FILTERED.move_to_end(key)
        return hit[1]
    out = smooth(sig.x, sig.rate_hz, window_s) if deriv == 0 else derivative(sig.x, sig.rate_hz, window_s)
    out.setflags(write=False)
    _FILTERED[key] = (sig.x, out)
    while len(_FILTERED) > _FILTERED_SIZE:
        _FILTERED.popitem(last=False)
    return out


def remember_filtered(sig: GridSignal, window_s: float, deriv: int, out: np.ndarray) -> None:
    """Hand :func:`filtered` a result computed elsewhere (the live wrapper's incremental grid)."""
    out.setflags(write=False)
    _FILTERED[(id(sig.x), float(window_s), int(deriv))] = (sig.x, out)
    while len(_FILTERED) > _FILTERED_SIZE:
        _FILTERED.popitem(last=False)


@lru_cache(maxsize=64)
def _savgol_operators(window: int, polyorder: int, deriv: int, delta: float) -> tuple[np.ndarray, ...]:
    """Interior weights and the two edge matrices of a Savitzky-Golay filter.

    The weights are the convolution coefficients reversed, for a correlation
    (``convolve1d(x, c)`` is ``correlate1d(x, c[::-1])`` for odd lengths). The edges follow ``scipy.signal.savgol_filter(mode="interp")``: the first
    and last ``window // 2`` outputs are the polynomial fitted to the first /
    last ``window`` samples (or its derivative), a fixed linear map of them.
    """
    coeffs = savgol_coeffs(window, polyorder, deriv=deriv, delta=delta)
    half = window // 2
    pos = np.arange(window, dtype=np.float64)
    vander = pos[:, None] ** np.arange(polyorder + 1)[None, :]
    fit = np.linalg.pinv(vander)                                  # samples -> polynomial coefficients
    powers = np.arange(polyorder + 1)
    factor = np.ones(polyorder + 1)
    for d in range(deriv):                                        # d^deriv/dx^deriv of x^k
        factor *= np.maximum(powers - d, 0)
    expo = np.maximum(powers - deriv, 0)

    def rows(at: np.ndarray) -> np.ndarray:
        return (factor[None, :] * at[:, None] ** expo[None, :]) @ fit / delta ** deriv

    return np.ascontiguousarray(coeffs[::-1]), rows(pos[:half]), rows(pos[window - half:])


def savgol(x: np.ndarray, window: int, polyorder: int, deriv: int = 0, delta: float = 1.0) -> np.ndarray:
    """``savgol_filter(x, window, polyorder, deriv, delta, mode="interp")`` with cached operators.

    The interior is the same correlation as scipy's; the edge fits are
    precomputed matrices instead of a least-squares fit per call (equal to
    rounding), which matters for the short buffers of the live path.
    """
    x = np.asarray(x, dtype=np.float64)
    weights, left, right = _savgol_operators(int(window), int(polyorder), int(deriv), float(delta))
    # (an output array given: scipy then skips looking up the input's dtype name, ~10 us a call)
    y = correlate1d(x, weights, mode="constant", output=np.empty(len(x)))
    half = window // 2
    if half:
        y[:half] = left @ x[:window]
        y[-half:] = right @ x[-window:]
    return y
