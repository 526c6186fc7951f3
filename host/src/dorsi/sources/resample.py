"""Irregular sample times onto the uniform grid the pipeline reads.

Phones and many loggers stamp each sample with the moment it was taken, at
intervals that wander (an Android phone delivers sensor events early or late by
a good part of a period) or from a clock that runs a fraction of a percent fast
or slow against the rate the file states. The pipeline counts time in whole
sample periods (``seq``: the filters take ``dt`` from it), so such data is
interpolated onto a grid at the nominal rate first: linearly for the
accelerometer and gyroscope, normalised-linearly (sign-continuous) for
quaternions. A step longer than ``max_step_periods`` is a gap: no grid point
inside it is made up (a point within half a period of a real sample is read on
that sample and its neighbour on the same side), so it reaches the pipeline as
lost samples, as a lost BLE packet does.
"""

from __future__ import annotations

import numpy as np

#: Sample times further than this from the nominal grid (in periods) need resampling: within it
#: they are the device's own sampling instants read with a little timestamp jitter (the
#: simulator's and a BLE sensor's), and each sample keeps its own values.
MAX_GRID_OFFSET_PERIODS = 0.25


def grid_index(t: np.ndarray, rate_hz: float,
               tolerance_periods: float = MAX_GRID_OFFSET_PERIODS) -> np.ndarray | None:
    """Each time's index (from 0) on the uniform ``rate_hz`` grid that fits ``t`` best (its phase
    the median offset, so a late first sample does not shift it); None when a time strays from
    that grid by more than ``tolerance_periods`` or two fall on one grid point."""
    x = (t - t[0]) * rate_hz
    phase = float(np.median(x - np.rint(x)))
    k = np.rint(x - phase)
    if np.max(np.abs(x - phase - k), initial=0.0) > tolerance_periods or np.any(np.diff(k) <= 0):
        return None
    return (k - k[0]).astype(np.int64)


def off_grid(t: np.ndarray, rate_hz: float, tolerance_periods: float = MAX_GRID_OFFSET_PERIODS) -> bool:
    """Whether sample times ``t`` stray from a uniform ``rate_hz`` grid (see :func:`grid_index`)."""
    return grid_index(t, rate_hz, tolerance_periods) is None


def grid_weights(t: np.ndarray, grid: np.ndarray, rate_hz: float,
                 max_step_periods: float = 2.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How to read samples taken at increasing times ``t`` at the times ``grid`` (within ``t``'s span).

    Returns ``(i, w, keep)``: grid point ``j`` is ``v[i[j]] + (v[i[j] + 1] - v[i[j]]) * w[j]``
    (:func:`interpolate`); ``keep`` is False where it falls inside a step longer than
    ``max_step_periods`` periods (a gap) and not within half a period of a real sample. A point
    that close to the sample at a gap's edge is read on that sample and its neighbour on the same
    side, extrapolated the fraction of a period to the point's time (``w`` below 0 or above 1),
    never blended across the gap. Taking the sample's values whole there put them up to half a
    period off their time: in a fast swing that halved the angular acceleration read at the edge,
    and the angle after a gap came out 12 deg high (phone timing, seed 281011).
    """
    period = 1.0 / rate_hz
    i = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, len(t) - 2)
    step = t[i + 1] - t[i]
    w = np.clip((grid - t[i]) / step, 0.0, 1.0)
    gap = step > max_step_periods * period
    near = np.minimum(grid - t[i], t[i + 1] - grid) <= 0.5 * period
    keep = ~gap | near
    edge = np.flatnonzero(gap & near)
    if len(edge):
        before = grid[edge] - t[i[edge]] <= t[i[edge] + 1] - grid[edge]  # beside the sample before the gap
        a = np.where(before, i[edge] - 1, i[edge] + 1)  # the step on that side: samples a, a + 1
        inside = (a >= 0) & (a <= len(t) - 2)
        a = np.clip(a, 0, len(t) - 2)
        side = t[a + 1] - t[a]
        ok = inside & (side <= max_step_periods * period)
        i[edge] = np.where(ok, a, i[edge])
        # where that side has no regular step (two gaps in a row, the file's ends): the sample whole
        w[edge] = np.where(ok, (grid[edge] - t[a]) / side, np.rint(w[edge]))
    return i, w, keep


def interpolate(v: np.ndarray, i: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Rows of ``v`` read at the weights of :func:`grid_weights`."""
    return v[i] + (v[i + 1] - v[i]) * w[:, None]


def streams_on_grid(streams: list[tuple[np.ndarray, np.ndarray]], grid: np.ndarray, rate_hz: float,
                    max_step_periods: float = 2.5) -> tuple[list[np.ndarray], np.ndarray]:
    """Several sensors sampled at their own increasing times (``(t, values)`` each, at least two
    samples) read at the times ``grid`` (within every stream's span): the values at the grid
    points no stream has a gap at, and the mask of those points (:func:`grid_weights`)."""
    weights = [grid_weights(t, grid, rate_hz, max_step_periods) for t, _ in streams]
    keep = np.logical_and.reduce([ok for _, _, ok in weights])
    return [interpolate(v, i[keep], w[keep]) for (_, v), (i, w, _) in zip(streams, weights)], keep


def common_grid(streams: list[tuple[np.ndarray, np.ndarray]], rate_hz: float,
                max_step_periods: float = 2.5) -> tuple[float, np.ndarray, list[np.ndarray], int]:
    """Sensors sampled at their own increasing times (``(t, values)`` each, two samples at least)
    on one uniform ``rate_hz`` grid over the span they all cover.

    Returns ``(start, k, values, n_grid)``: the grid's first time, the index of each point kept
    (from 0; the indices left out fell in a gap of some stream: lost samples), each stream's values
    there (:func:`streams_on_grid`) and the number of grid points, kept or not. ``k`` is empty when
    the streams do not overlap in time.
    """
    start = max(float(t[0]) for t, _ in streams)
    end = min(float(t[-1]) for t, _ in streams)
    if end - start < 1.0 / rate_hz:
        return start, np.zeros(0, np.int64), [np.zeros((0,) + v.shape[1:]) for _, v in streams], 0
    k_all = np.arange(int(np.floor((end - start) * rate_hz + 1e-9)) + 1)
    values, keep = streams_on_grid(streams, start + k_all / rate_hz, rate_hz, max_step_periods)
    return start, k_all[keep].astype(np.int64), values, len(k_all)


def mean_rate(t: np.ndarray, max_step_periods: float = 2.5) -> float:
    """The mean sampling rate of times ``t`` over its steps that are not gaps (the median step alone
    is off by a percent when the intervals wander, as a phone's do)."""
    steps = np.diff(t)
    regular = steps[steps < max_step_periods * np.median(steps)]
    return float(1.0 / np.mean(regular))


class UniformResampler:
    """Resample irregularly timed samples onto a uniform grid.

    Parameters
    ----------
    rate_hz : float
        The grid's rate (the file's stated or median rate).
    max_step_periods : float
        Steps up to this many periods are interpolated across; longer ones are
        gaps (lost samples).

    Attributes
    ----------
    t_ : (M,) array
        Grid times kept (``t[0] + seq_ / rate_hz``).
    seq_ : (M,) int64 array
        Grid index of each kept point; skipped indices are the gaps.
    acc_, gyr_ : (M, 3) arrays
    quat_ : (M, 4) array or None
    gaps_ : int
        Steps treated as gaps.
    step_ms_ : (float, float)
        5th and 95th percentile of the source's steps (ms), for the note.
    """

    def __init__(self, rate_hz: float, max_step_periods: float = 2.5) -> None:
        if rate_hz <= 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz}")
        self.rate_hz = rate_hz
        self.max_step_periods = max_step_periods

    def resample(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray,
                 quat: np.ndarray | None = None) -> "UniformResampler":
        """Interpolate ``acc``, ``gyr`` (and ``quat``) sampled at increasing ``t``; returns self."""
        t = np.asarray(t, dtype=float)
        if len(t) < 2 or np.any(np.diff(t) <= 0):
            raise ValueError("resampling needs at least two strictly increasing sample times")
        period = 1.0 / self.rate_hz
        k_all = np.arange(int(np.floor((t[-1] - t[0]) * self.rate_hz + 1e-9)) + 1)
        i, w, keep = grid_weights(t, t[0] + k_all * period, self.rate_hz, self.max_step_periods)
        i, w, k = i[keep], w[keep], k_all[keep]
        self.t_ = t[0] + k * period
        self.seq_ = k.astype(np.int64)
        self.acc_ = interpolate(np.asarray(acc, dtype=float), i, w)
        self.gyr_ = interpolate(np.asarray(gyr, dtype=float), i, w)
        self.quat_ = None
        if quat is not None:
            q = np.asarray(quat, dtype=float).copy()
            # q and -q are one orientation: make neighbours agree before blending
            flip = np.cumsum(np.einsum("ij,ij->i", q[1:], q[:-1]) < 0) % 2 == 1
            q[1:][flip] *= -1.0
            blended = interpolate(q, i, w)
            self.quat_ = blended / np.linalg.norm(blended, axis=1, keepdims=True)
        self.gaps_ = int(np.count_nonzero(np.diff(t) > self.max_step_periods * period))
        steps_ms = np.diff(t) * 1e3
        self.step_ms_ = (float(np.percentile(steps_ms, 5)), float(np.percentile(steps_ms, 95)))
        return self

