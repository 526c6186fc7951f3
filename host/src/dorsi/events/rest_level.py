"""The resting level the rep and hold thresholds are measured from, followed from rest to rest.

A person's resting posture wanders: weight shifts between reps, the stance
settles, a seated knee slides. Measured from the still start alone, a rest
3 deg lower later on leaves a small rep under its threshold, and a rest that
crept up towards the release level keeps an excursion from ever closing. So
the level is re-read on every half second the channel keeps still, and taken up
when it lies on the resting side of the current level (any distance: nothing
of the exercise happens there) or less than the release level towards the
movement (a rest that crept up; a position held further out is an excursion), or less than
the release level towards the movement from the still start's level (a rest by the start's measure
stays one after the level went down a long way and the posture came back up).

A reading holds from the first point of its half second: the rest began there (an
excursion read open over it against the old level ends where the rest began).
So the level at a grid point depends on the points up to half a second after
it. Live, fed the grid point by point, the level of the last half second is the
old one until the reading comes; over a still stretch the channel stays within a
degree of the level taken up (2 deg/s at most for half a second), inside every
release level it is followed for (2 deg or more), so a reading can only close
an excursion left open at the end of the data, never open one: nothing final changes, and the
events reported live are the batch run's. See ``docs/algorithms-events.md``,
"Rest level".
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided
from scipy.ndimage import maximum_filter1d, minimum_filter1d

from dorsi.events.channel import POLARITIES


class RestLevel:
    """Follow the resting level of the main channel (causal, chunk by chunk).

    Parameters
    ----------
    baseline_deg : float
        The level at the start (the still start's median).
    toward_deg : float
        A rest this far or further towards the movement (``polarity``), from the
        current level and from ``baseline_deg`` alike, is not taken up: it is a
        position held, not a rest (the release level).
    polarity : {"positive", "negative", "both"}
        The way the exercise's excursions go; ``"both"``: rests are taken up
        within ``toward_deg`` either way.
    rate_hz : float
        Rate of the grid fed to :meth:`extend`.
    still_deg : float
        Still: the channel spans less than this over ``still_window_s``.
    still_window_s : float
        See ``still_deg`` (0.4 deg over 0.2 s: slower than 2 deg/s).
    rest_s : float
        Each ``rest_s`` of one still stretch, its median over that time is a
        new rest reading (half a second: a band-lunge set rests about a second
        between lunges, and a second-long reading missed the rest before a
        small lunge whose rest had moved, seed 263015).

    Attributes
    ----------
    level_ : float
        The current level.
    """

    def __init__(self, baseline_deg: float, toward_deg: float, polarity: str, rate_hz: float,
                 still_deg: float = 0.4, still_window_s: float = 0.2, rest_s: float = 0.5) -> None:
        if polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {tuple(POLARITIES)}, got {polarity!r}")
        self.toward_deg = float(toward_deg)
        self.polarity = polarity
        self.rate_hz = float(rate_hz)
        self.still_deg = float(still_deg)
        self._m = max(1, int(round(still_window_s * rate_hz)))   # still test span (grid steps)
        self._n = max(2, int(round(rest_s * rate_hz)))           # points per rest reading
        self._keep = max(self._m, self._n - 1)                   # history carried between chunks
        self._x = np.zeros(0)
        self._t = np.zeros(0)
        self._ok = np.zeros(0, dtype=bool)
        self._run = 0                                            # still points in a row so far
        self._times = [-np.inf]                                  # level i holds from _times[i] on
        self._levels = [float(baseline_deg)]
        self.level_ = float(baseline_deg)
        self._start = float(baseline_deg)

    def extend(self, t: np.ndarray, x: np.ndarray, valid: np.ndarray) -> "RestLevel":
        """Take the next grid points (after every earlier one); returns ``self``."""
        k = len(x)
        if k == 0:
            return self
        xa = np.concatenate([self._x, np.asarray(x, dtype=np.float64)])
        ta = np.concatenate([self._t, np.asarray(t, dtype=np.float64)])
        oka = np.concatenate([self._ok, np.asarray(valid, dtype=bool)])
        h, m = len(self._x), self._m
        still = np.zeros(k, dtype=bool)
        first = max(0, m - h)  # the new points with m points of history (none before the stream's m-th)
        if first < k:
            seg = xa[h + first - m:]
            # span of each window of m + 1 points ending at a new point (sliding max / min in C)
            c = (m + 1) // 2
            span = maximum_filter1d(seg, m + 1)[c:c + k - first] - minimum_filter1d(seg, m + 1)[c:c + k - first]
            lost = np.concatenate([[0], np.cumsum(~oka[h + first - m:])])  # windows with no lost point
            still[first:] = (lost[m + 1:] == lost[:-(m + 1)]) & (span < self.still_deg)
        idx = np.arange(k)
        reset = np.maximum.accumulate(np.where(still, -1, idx))
        length = np.where(still, np.where(reset >= 0, idx - reset, idx + 1 + self._run), 0)
        n = self._n
        ends = np.flatnonzero(still & (length % n == 0)) + h  # the last point of each reading
        if len(ends):
            step = xa.strides[0]
            windows = as_strided(xa[ends[0] - n + 1:], shape=(int(ends[-1] - ends[0]) + 1, n), strides=(step, step),
                                 writeable=False)  # row r: the n points ending at ends[0] + r
            for level, first_t in zip(np.median(windows[ends - ends[0]], axis=1).tolist(), ta[ends - n + 1].tolist()):
                if self._takes(level):
                    self.level_ = level
                    self._times.append(first_t)
                    self._levels.append(level)
        self._run = int(length[-1])
        self._x, self._ok, self._t = xa[-self._keep:], oka[-self._keep:], ta[-self._keep:]
        return self

    def _takes(self, level: float) -> bool:
        """A rest reading at ``level`` is taken up (see the module docstring): it is a rest next to
        the current level, or next to the still start's (a rest there is one from the start too,
        however far the level has gone the other way since)."""
        return self._near(level - self.level_) or self._near(level - self._start)

    def _near(self, d: float) -> bool:
        if self.polarity == "both":
            return abs(d) < self.toward_deg
        return (d if self.polarity == "positive" else -d) < self.toward_deg

    def at(self, t: np.ndarray) -> np.ndarray:
        """The level at each time ``t`` (a reading holds from the first point of its stretch on)."""
        t = np.asarray(t, dtype=np.float64)
        if len(self._levels) == 1:
            return np.full(len(t), self._levels[0])
        i = np.searchsorted(np.asarray(self._times), t, side="right") - 1
        return np.asarray(self._levels)[i]

    def forget_before(self, t0: float) -> None:
        """Drop the readings superseded before ``t0`` (the live buffer no longer reaches them)."""
        j = int(np.searchsorted(np.asarray(self._times), t0, side="right")) - 1
        if j > 0:
            del self._times[1:j + 1]
            del self._levels[:j]
            # the first level now holds from -inf: it was the one in force at t0
