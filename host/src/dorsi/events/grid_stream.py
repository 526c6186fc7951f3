"""One channel on the detection grid, with its filters, extended chunk by chunk.

The live wrapper re-runs the detectors on a buffer that grows by a few samples
per notification. Gridding and filtering the whole buffer each time costs in
proportion to its length (a 30 s hold is 3000 grid points). Both are local:
a grid point depends only on the two valid samples around it, a filter output
only on the samples within its half-window (or, within a half-window of an
end, on the window at that end). So :class:`GridStream` extends the grid by the
new points and recomputes only the filter outputs near the ends, and gives
exactly the arrays that :func:`dorsi.events.grid.to_grid` and
:func:`dorsi.events.grid.filtered` give on the whole buffer (tested equal).
The filters are brought up to date when an output is asked for, not on every
extension: the live wrapper skips the detectors on most notifications (a hold
keeping still, quiet rest), and one pass over the new tail costs less than one
per chunk.
"""

from __future__ import annotations

import numpy as np

from dorsi.events.grid import GridSignal, derivative, filter_spec, savgol, smooth, to_grid


class GridStream:
    """The grid of one channel and some of its filters, kept in step with a growing buffer.

    Parameters
    ----------
    rate_hz, max_gap_s : float
        As for :func:`dorsi.events.grid.to_grid`.
    filters : iterable of (window_s, deriv)
        The :func:`dorsi.events.grid.filtered` outputs to keep.
    """

    def __init__(self, rate_hz: float, max_gap_s: float, filters) -> None:
        self.rate_hz = float(rate_hz)
        self.max_gap_s = float(max_gap_s)
        self.filters = sorted({(float(w), int(d)) for w, d in filters})
        self._t = np.zeros(0)
        self._x = np.zeros(0)
        self._ok = np.zeros(0, dtype=bool)
        self._last: tuple[float, float] | None = None  # last valid sample (t, x) seen
        self._out: dict[tuple[float, int], np.ndarray] = {}
        self._stale_from: int | None = None  # grid length when the outputs were last brought up to date

    def __len__(self) -> int:
        return len(self._t)

    def extend(self, t: np.ndarray, x: np.ndarray, valid: np.ndarray) -> None:
        """Append the next samples of the buffer (times after every earlier one)."""
        keep = np.asarray(valid, dtype=bool) & np.isfinite(x)
        tv, xv = np.asarray(t, dtype=np.float64)[keep], np.asarray(x, dtype=np.float64)[keep]
        if len(tv) == 0:
            return
        if self._last is not None:  # the bridge from the last valid sample belongs to the new points
            tv, xv = np.concatenate([[self._last[0]], tv]), np.concatenate([[self._last[1]], xv])
        self._last = (float(tv[-1]), float(xv[-1]))
        if len(tv) < 2:
            return
        new = to_grid(tv, xv, np.ones(len(tv), dtype=bool), self.rate_hz, self.max_gap_s)
        fresh = new.t > self._t[-1] if len(self._t) else np.ones(len(new.t), dtype=bool)
        n_old = len(self._t)
        self._t = np.concatenate([self._t, new.t[fresh]])
        self._x = np.concatenate([self._x, new.x[fresh]])
        self._ok = np.concatenate([self._ok, new.valid[fresh]])
        if self._stale_from is None:
            self._stale_from = n_old

    def drop_before(self, t0: float) -> None:
        """Forget the grid before the buffer's new first valid sample at ``t0``."""
        k0 = int(np.ceil(t0 * self.rate_hz - 1e-6))
        i = int(np.searchsorted(self._t, k0 / self.rate_hz - 0.5 / self.rate_hz))
        if i == 0:
            return
        self._bring_up_to_date()
        self._t, self._x, self._ok = self._t[i:], self._x[i:], self._ok[i:]
        for key in self.filters:
            self._out[key] = self._refilter(key, self._out[key][i:], len(self._t), at_start=True)

    @property
    def end_s(self) -> float:
        """Time of the last grid point (``nan`` while the grid is empty)."""
        return float(self._t[-1]) if len(self._t) else float("nan")

    def signal(self) -> GridSignal:
        """The grid as :func:`~dorsi.events.grid.to_grid` gives it for the whole buffer."""
        return GridSignal(self._t, self._x, self._ok, self.rate_hz)

    def output(self, window_s: float, deriv: int) -> np.ndarray:
        self._bring_up_to_date()
        return self._out[(float(window_s), int(deriv))]

    def _bring_up_to_date(self) -> None:
        """Recompute the filter outputs changed by the extensions since the last time."""
        if self._stale_from is None:
            return
        for key in self.filters:
            self._out[key] = self._refilter(key, self._out.get(key), self._stale_from, at_start=False)
        self._stale_from = None

    def _refilter(self, key: tuple[float, int], old: np.ndarray | None, n_old: int, at_start: bool) -> np.ndarray:
        """Filter outputs for the current grid, recomputing only those near a changed end."""
        window, polyorder, delta = filter_spec(key[0], self.rate_hz, key[1])
        n, half = len(self._x), window // 2
        reach = window + half  # outputs this far from an end may be edge-fitted or read the new points
        if old is None or n < 2 * window + reach or n_old < 2 * window + reach:
            return _full(self._x, key, self.rate_hz)
        if at_start:  # the first outputs are now an edge fit on the new first window
            head = savgol(self._x[:window + reach], window, polyorder, key[1], delta)
            out = old.copy()
            out[:reach] = head[:reach]
            return out
        start = n_old - reach  # from here on, outputs change (edge fit before, interior or new now)
        tail = savgol(self._x[start - reach:], window, polyorder, key[1], delta)
        return np.concatenate([old[:start], tail[reach:]])


def _full(x: np.ndarray, key: tuple[float, int], rate_hz: float) -> np.ndarray:
    return smooth(x, rate_hz, key[0]) if key[1] == 0 else derivative(x, rate_hz, key[0])
