"""Vectorised run-length helpers on boolean masks (no per-sample loops)."""

from __future__ import annotations

import numpy as np


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and end (exclusive) indices of the True runs of ``mask``."""
    m = np.asarray(mask, dtype=bool)
    n = len(m)
    if n == 0 or not m.any():
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    # run boundaries; the runs between them alternate in value, starting with m[0]
    change = (m[1:] != m[:-1]).nonzero()[0]
    bounds = np.empty(len(change) + 2, dtype=np.intp)
    bounds[0], bounds[-1] = 0, n
    np.add(change, 1, out=bounds[1:-1])
    first = 0 if m[0] else 1
    return bounds[first:-1:2], bounds[first + 1::2]


_FEW_INTERVALS = 64  # up to this many, slice assignments beat a cumulative sum over the whole mask


def fill_intervals(n: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Boolean mask of length ``n``, True on every ``[start, end)`` interval
    (``0 <= start <= end <= n``; intervals may overlap)."""
    starts, ends = np.asarray(starts), np.asarray(ends)
    if len(starts) <= _FEW_INTERVALS:  # the usual case: one or a few runs in a long mask
        out = np.zeros(n, dtype=bool)
        for a, b in zip(starts.tolist(), ends.tolist()):
            out[a:b] = True
        return out
    delta = np.zeros(n + 1, dtype=np.int64)
    np.add.at(delta, starts.astype(np.int64), 1)
    np.add.at(delta, ends.astype(np.int64), -1)
    return np.cumsum(delta[:n]) > 0


def close_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """Fill False gaps of at most ``max_gap`` samples lying between True runs."""
    out = np.asarray(mask, dtype=bool).copy()
    if max_gap <= 0 or not out.any():
        return out
    starts, ends = runs(~out)
    inner = (starts > 0) & (ends < len(out)) & (ends - starts <= max_gap)
    return out | fill_intervals(len(out), starts[inner], ends[inner])


def drop_short(mask: np.ndarray, min_len: int) -> np.ndarray:
    """Remove True runs shorter than ``min_len`` samples."""
    out = np.asarray(mask, dtype=bool)
    starts, ends = runs(out)
    short = ends - starts < min_len
    return out & ~fill_intervals(len(out), starts[short], ends[short])


def runs_containing(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of ``low`` that contain at least one True sample of ``high`` (hysteresis)."""
    starts, ends = runs(low)
    if len(starts) == 0:
        return starts, ends
    csum = np.concatenate(([0], np.cumsum(np.asarray(high, dtype=np.int64))))
    keep = csum[ends] - csum[starts] > 0
    return starts[keep], ends[keep]


def first_long_run(mask: np.ndarray, min_len: int, from_end: bool = False) -> int | None:
    """Index of the first (or, with ``from_end``, the last) sample of the first
    (last) True run of at least ``min_len`` samples; ``None`` if there is none.

    For ``from_end`` the returned index is the *last* sample of the last long run.
    """
    starts, ends = runs(mask)
    long = (ends - starts >= min_len).nonzero()[0]
    if len(long) == 0:
        return None
    if from_end:
        return int(ends[long[-1]] - 1)
    return int(starts[long[0]])


def excursion_times(t: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """``(start, end)`` times of the True runs of ``mask`` sampled at ``t``."""
    starts, ends = runs(mask)
    return list(zip(t[starts].tolist(), t[ends - 1].tolist()))
