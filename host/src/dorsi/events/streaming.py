"""Live (chunked) event detection that reproduces the batch result.

The wrapper keeps a buffer of the trace, re-runs the batch detector on it as
chunks arrive and emits an event once no later data can change it: its end is
older than the detector's support (filter half-windows) and the excursion it
belongs to has closed. The buffer is cut only in quiet stretches (outside every
excursion and event, with a margin larger than any filter window), and the
baselines are fixed from the first seconds exactly as the batch call fixes them,
so every detector sees identical numbers around every event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.exercise import ExerciseEventDetector
from dorsi.events.results import HeelLift, Hold, Rep

_KINDS = ("reps_", "holds_", "heel_lifts_")


@dataclass
class StreamUpdate:
    """Events that became final with one chunk, plus the running hold timer."""

    reps: list[Rep] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    heel_lifts: list[HeelLift] = field(default_factory=list)
    open_hold: tuple[float, float] | None = None


def _concat(traces: list[AngleTrace]) -> AngleTrace:
    first = traces[0]
    cat = lambda name: np.concatenate([getattr(tr, name) for tr in traces])  # noqa: E731
    return AngleTrace(cat("t"), cat("angle_deg"), cat("frontal_deg"), cat("heel_lift"),
                      cat("knee_swing_deg"), cat("valid"), first.source, first.baseline_deg, dict(first.meta))


class StreamingEventDetector:
    """Feed an :class:`ExerciseEventDetector` chunk by chunk.

    Parameters
    ----------
    detector : ExerciseEventDetector
        Configured (not yet run) detector; it is re-run on the buffer.
    baseline_window_s : float
        Seconds of still start used for the baselines (as in the batch call).
    keep_s : float
        The buffer is never cut closer than this to its newest sample.
    context_s : float
        The cut stays this far before every excursion or event; must exceed the
        detectors' look-back (onset search, filter half-windows).
    after_s : float
        The cut stays this far after every excursion or event, and this much
        data is kept before the cut (filter half-windows, heel-lift merging).

    Attributes
    ----------
    reps_, holds_, heel_lifts_ : lists
        Every event emitted so far, in emission order.
    open_hold_ : tuple (start_s, elapsed_s) or None
        The running hold timer after the last update.
    """

    def __init__(self, detector: ExerciseEventDetector, baseline_window_s: float = 2.0,
                 keep_s: float = 4.0, context_s: float = 1.5, after_s: float = 0.5) -> None:
        self.detector = detector
        self.baseline_window_s = baseline_window_s
        self.keep_s = keep_s
        self.context_s = context_s
        self.after_s = after_s
        self.reps_: list[Rep] = []
        self.holds_: list[Hold] = []
        self.heel_lifts_: list[HeelLift] = []
        self.open_hold_: tuple[float, float] | None = None
        self._buffer: AngleTrace | None = None
        self._t0: float | None = None
        self._baselines: dict | None = None
        self._last_start = {kind: -np.inf for kind in _KINDS}
        self._support_s: float | None = None

    def update(self, chunk: AngleTrace) -> StreamUpdate:
        """Add a chunk (time-ordered, after the previous one); return newly final events."""
        if len(chunk) == 0:
            return StreamUpdate(open_hold=self.open_hold_)
        if self._buffer is not None and chunk.t[0] <= self._buffer.t[-1]:
            raise ValueError("chunks must arrive in time order without overlap")
        self._buffer = chunk if self._buffer is None else _concat([self._buffer, chunk])
        if self._t0 is None:
            self._t0 = float(chunk.t[0])
        t_last = float(self._buffer.t[-1])
        if self._baselines is None:
            if t_last < self._t0 + self.baseline_window_s + 1.0 or np.count_nonzero(self._buffer.valid) < 2:
                return StreamUpdate()
            self._baselines = self.detector.detect(self._buffer).baselines_
        self.detector.detect(self._buffer, self._baselines)
        if self._support_s is None:
            self._support_s = self.detector.support_s
        horizon = t_last - self._support_s
        update = self._emit(lambda ev: self._is_final(ev, horizon))
        self.open_hold_ = update.open_hold = self.detector.open_hold_
        self._trim(t_last)
        return update

    def finish(self) -> StreamUpdate:
        """End of stream: emit everything still pending."""
        if self._buffer is None or len(self._buffer) < 2:
            return StreamUpdate()
        if self._baselines is None:
            self._baselines = self.detector.detect(self._buffer).baselines_
        self.detector.detect(self._buffer, self._baselines)
        update = self._emit(lambda ev: True)
        self.open_hold_ = None
        return update

    def _is_final(self, event, horizon: float) -> bool:
        if event.end_s > horizon:
            return False
        return all(e <= horizon for s, e in self.detector.active_ if s <= event.end_s and e >= event.start_s)

    def _emit(self, final) -> StreamUpdate:
        update = StreamUpdate()
        for kind, out in zip(_KINDS, (update.reps, update.holds, update.heel_lifts)):
            for ev in getattr(self.detector, kind):
                if ev.start_s > self._last_start[kind] and final(ev):
                    out.append(ev)
                    self._last_start[kind] = ev.start_s
            getattr(self, kind).extend(out)
        return update

    def _trim(self, t_last: float) -> None:
        """Cut the buffer in a quiet stretch at least ``keep_s`` old.

        The cut point must lie ``context_s`` before the start and ``after_s``
        after the end of every event or excursion still in the buffer; the
        buffer then keeps ``after_s`` before it, enough for the filter windows.
        """
        intervals = sorted(self.detector.active_, key=lambda se: se[1], reverse=True)
        cut = t_last - self.keep_s
        for s, e in intervals:
            if s - self.context_s <= cut <= e + self.after_s:
                cut = s - self.context_s
        buf = self._buffer
        cut -= self.after_s
        if cut <= buf.t[0] + self.after_s:
            return
        i = int(np.searchsorted(buf.t, cut))
        self._buffer = AngleTrace(buf.t[i:], buf.angle_deg[i:], buf.frontal_deg[i:], buf.heel_lift[i:],
                                  buf.knee_swing_deg[i:], buf.valid[i:], buf.source, buf.baseline_deg,
                                  buf.meta)
