"""Movement boundaries from the shape of a smooth (minimum-jerk) move.

A human point-to-point movement of amplitude ``A`` and duration ``T`` has a
bell-shaped speed profile; for the minimum-jerk model
``x(u) = A (10u^3 - 15u^4 + 6u^5)``, ``u = (t - t_start) / T``, the peak speed is
``v = 1.875 A / T`` and it occurs at the half-way crossing ``t50``. So

    t_start = t50 - T/2 = t50 - 0.9375 A / v,    t_end = t50 + 0.9375 A / v.

``T`` itself is best taken from level crossings too: the move passes 25 % and
75 % of ``A`` at ``u = 0.3614`` and ``u = 0.6386``, so ``T = (t75 - t25) / 0.2772``
(the peak-speed form is the fallback). Level crossings are robust to noise and
sway, unlike a speed threshold, which cuts the slow tails of a movement short
by an amount that depends on its speed.
"""

from __future__ import annotations

import numpy as np

HALF_DURATION_PER_AMP_SPEED = 0.9375  # (T/2) / (A/v) for minimum jerk
QUARTILE_SPAN = 0.2772  # minimum jerk: time from 25 % to 75 % of the move, as a fraction of T


def crossing_time(t: np.ndarray, y: np.ndarray, i: int, level: float) -> float:
    """Time where ``y`` crosses ``level`` between samples ``i`` and ``i + 1`` (linear)."""
    y0, y1 = float(y[i]), float(y[i + 1])
    frac = 0.0 if y1 == y0 else min(max((level - y0) / (y1 - y0), 0.0), 1.0)
    t0 = float(t[i])
    return t0 + frac * (float(t[i + 1]) - t0)


def _crossing(y: np.ndarray, lo: int, hi: int, level: float, rising: bool, last: bool) -> int | None:
    """The first (``last``: the last) ``i`` in ``[lo, hi - 1)`` where ``y`` crosses ``level``
    between ``i`` and ``i + 1``, rising (to at least ``level``) or falling; None if there is none."""
    above = y[lo:hi] >= level
    hit = above[1:] > above[:-1] if rising else above[:-1] > above[1:]
    if len(hit) == 0:
        return None
    i = len(hit) - 1 - int(hit[::-1].argmax()) if last else int(hit.argmax())
    return lo + i if hit[i] else None


def _duration(t: np.ndarray, y: np.ndarray, vs: np.ndarray, lo: int, hi: int, k50: int, amp: float,
              rising: bool) -> float | None:
    """Duration ``T`` of the move through ``k50``: from its 25-75 % crossing times
    (``T = span / 0.2772``), else from its peak speed (``T = 1.875 A / v``)."""
    if rising:  # the last 25 % crossing before the half-way one, the first 75 % crossing after it
        k25 = _crossing(y, lo, k50 + 1, 0.25 * amp, True, last=True)
        k75 = _crossing(y, k50, hi, 0.75 * amp, True, last=False)
    else:
        k75 = _crossing(y, lo, k50 + 1, 0.75 * amp, False, last=True)
        k25 = _crossing(y, k50, hi, 0.25 * amp, False, last=False)
    if k25 is not None and k75 is not None:
        span = abs(crossing_time(t, y, int(k75), 0.75 * amp) - crossing_time(t, y, int(k25), 0.25 * amp))
        if span > 0:
            return span / QUARTILE_SPAN
    v = float(vs[lo:hi].max()) if rising else float(-vs[lo:hi].min())
    if v <= 0:
        return None
    return 2.0 * HALF_DURATION_PER_AMP_SPEED * amp / v


_U = np.linspace(0.0, 1.0, 401)
_X = 10 * _U**3 - 15 * _U**4 + 6 * _U**5  # minimum-jerk position at u (for its inverse)


def fitted_timing(t: np.ndarray, y: np.ndarray, valid: np.ndarray, lo: int, hi: int, amp: float,
                  rising: bool, last: bool, min_points: int = 5) -> tuple[float, float] | None:
    """``(t50, T)`` of the move through ``amp/2`` (first or ``last`` crossing in ``[lo, hi)``)
    fitted to its received samples alone, for a move whose crossings fell into lost samples.

    Each received sample between 10 % and 90 % of the move gives its phase ``u`` by inverting
    the minimum-jerk position, and ``t = t_start + u T``: a straight line, fitted by least
    squares. Needs ``min_points`` samples spanning at least a third of the move.
    """
    if amp <= 0 or hi - lo < 2:
        return None
    k50 = _crossing(y, lo, hi, 0.5 * amp, rising, last)
    if k50 is None:
        return None
    frac = (y[lo:hi] / amp) if rising else (1.0 - y[lo:hi] / amp)
    inside = (frac > 0.1) & (frac < 0.9)
    # the run of samples inside the move's 10-90 % band around the half-way crossing
    k = k50 - lo
    if not inside[k]:  # the crossing's first sample sits just outside the band: the next one
        k += 1
        if k >= len(inside) or not inside[k]:
            return None
    outside = np.flatnonzero(~inside)
    j = int(np.searchsorted(outside, k))  # the first sample outside the band after k
    a = int(outside[j - 1]) + 1 if j else 0
    b = int(outside[j]) if j < len(outside) else len(inside)
    line = _phase_line(t, frac, valid, lo, a, b, min_points, 1.0 / 3.0)
    return None if line is None else (line[0] + 0.5 * line[1], line[1])


def _phase_line(t: np.ndarray, frac: np.ndarray, valid: np.ndarray, lo: int, a: int, b: int,
                min_points: int, min_span: float) -> tuple[float, float] | None:
    """``(t_start, T)`` of ``t = t_start + u T`` fitted by least squares to the received samples
    ``lo + [a, b)``, whose share of the move done is ``frac`` (indexed from ``lo``), each
    giving its minimum-jerk phase ``u``; None with fewer than ``min_points`` samples, a phase
    span under ``min_span`` or time running backwards."""
    idx = np.arange(a, b)
    idx = idx[valid[lo + idx]]
    if len(idx) < min_points:
        return None
    u = np.interp(frac[idx], _X, _U)
    if float(u.max() - u.min()) < min_span:
        return None
    slope, intercept = np.polyfit(u, t[lo + idx], 1)
    if slope <= 0:
        return None
    return float(intercept), float(slope)


def fitted_start_before_gap(t: np.ndarray, y: np.ndarray, valid: np.ndarray, lo: int, hi: int, amp: float,
                            min_points: int = 5, min_span: float = 0.15) -> tuple[float, float] | None:
    """``(t_start, T)`` of a move down from ``amp`` whose data stop part-way (a gap at ``hi``),
    fitted as :func:`fitted_timing` fits a move whose half-way crossing was lost.

    The received samples in ``[lo, hi)`` from the last one inside the move's 10 % band up to
    the last one (which must be inside the 10-90 % band: the move was under way as the data
    stopped) give their phases ``u``; ``t = t_start + u T`` by least squares. Needs
    ``min_points`` samples spanning ``min_span`` of the move: the start is then a short
    extrapolation back from them, while ``T`` is only roughly known.
    """
    if amp <= 0 or hi - lo < 2:
        return None
    frac = 1.0 - y[lo:hi] / amp
    inside = (frac > 0.1) & (frac < 0.9)
    if not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    a = int(outside[-1]) + 1 if len(outside) else 0
    return _phase_line(t, frac, valid, lo, a, hi - lo, min_points, min_span)


def _move(t: np.ndarray, y: np.ndarray, vs: np.ndarray, lo: int, hi: int, amp: float, rising: bool,
          last: bool) -> tuple[float, float] | None:
    """``(t50, T)`` of the rising/falling move crossing ``amp/2`` first/last in ``[lo, hi]``."""
    if amp <= 0 or hi - lo < 2:
        return None
    k50 = _crossing(y, lo, hi, 0.5 * amp, rising, last)
    if k50 is None:
        return None
    duration = _duration(t, y, vs, lo, hi, k50, amp, rising)
    if duration is None:
        return None
    return crossing_time(t, y, k50, 0.5 * amp), duration


def move_in_timing(t: np.ndarray, y: np.ndarray, vs: np.ndarray, lo: int, hi: int,
                   amp: float) -> tuple[float, float] | None:
    """``(t50, T)`` of the move up to ``amp`` crossing ``amp/2`` first in ``[lo, hi)``
    (:func:`move_in_end` is ``t50 + T/2``)."""
    return _move(t, y, vs, lo, hi, amp, rising=True, last=False)


def move_out_timing(t: np.ndarray, y: np.ndarray, vs: np.ndarray, lo: int, hi: int,
                    amp: float) -> tuple[float, float] | None:
    """``(t50, T)`` of the move down from ``amp`` crossing ``amp/2`` last in ``[lo, hi)``
    (:func:`move_out_start` is ``t50 - T/2``)."""
    return _move(t, y, vs, lo, hi, amp, rising=False, last=True)


def move_in_start(t: np.ndarray, y: np.ndarray, vs: np.ndarray, lo: int, hi: int, amp: float) -> float | None:
    """Start of the move up to ``amp`` that crosses ``amp/2`` last in ``[lo, hi)``.

    ``y`` is the excursion (positive = away from rest), ``vs`` its velocity.
    Returns ``None`` when there is no such crossing.
    """
    m = _move(t, y, vs, lo, hi, amp, rising=True, last=True)
    return None if m is None else m[0] - 0.5 * m[1]


def move_in_end(t: np.ndarray, y: np.ndarray, vs: np.ndarray, lo: int, hi: int, amp: float) -> float | None:
    """End of the move up to ``amp`` (reaching the position), crossing ``amp/2`` first in ``[lo, hi)``."""
    m = move_in_timing(t, y, vs, lo, hi, amp)
    return None if m is None else m[0] + 0.5 * m[1]


def move_out_start(t: np.ndarray, y: np.ndarray, vs: np.ndarray, lo: int, hi: int, amp: float) -> float | None:
    """Start of the move down from ``amp`` (leaving the position), crossing ``amp/2`` last in ``[lo, hi)``."""
    m = move_out_timing(t, y, vs, lo, hi, amp)
    return None if m is None else m[0] - 0.5 * m[1]


def move_out_end(t: np.ndarray, y: np.ndarray, vs: np.ndarray, lo: int, hi: int, amp: float) -> float | None:
    """End of the move down from ``amp`` that crosses ``amp/2`` first in ``[lo, hi)``."""
    m = _move(t, y, vs, lo, hi, amp, rising=False, last=False)
    return None if m is None else m[0] + 0.5 * m[1]
