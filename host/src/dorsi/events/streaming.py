"""Live (chunked) event detection that reproduces the batch result.

The wrapper keeps a buffer of the trace, re-runs the batch detector on it as
chunks arrive and emits an event once no later data can change it: its end is
older than the detector's support (filter half-windows) and the excursion it
belongs to has closed. The buffer's start is dropped only where no later
detection reads it (outside every excursion's look-back and every event's
filter margin), and the baselines are fixed from the first seconds exactly as
the batch call fixes them, so every detector sees identical numbers around every
event, and the buffer stays a few seconds long however long the exercise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import channel_values, remember_grid
from dorsi.events.circle_direction import CircleDirection
from dorsi.events.exercise import ExerciseEventDetector
from dorsi.events.grid import remember_filtered
from dorsi.events.grid_stream import GridStream
from dorsi.events.rest_level import RestLevel
from dorsi.events.results import HeelLift, Hold, Rep

_KINDS = ("reps_", "holds_", "heel_lifts_")


@dataclass
class StreamUpdate:
    """Events that became final with one chunk, plus the running hold timer."""

    reps: list[Rep] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    heel_lifts: list[HeelLift] = field(default_factory=list)
    open_hold: tuple[float, float] | None = None
    pending_reps: list[Rep] = field(default_factory=list)


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
    still_deg, recheck_s : float
        While a hold runs and nothing else is pending, a chunk whose angle
        stays within ``still_deg`` (the previous sample included) and brings no
        heel flag cannot end the hold: the detector is not re-run for it (the
        timer just runs on), but at least every ``recheck_s`` of data. Likewise
        at rest, while nothing is under way and the angle stays within the
        detector's quiet band of the baseline. Skipping only delays work; the
        events reported are the same.

    Attributes
    ----------
    reps_, holds_, heel_lifts_ : lists
        Every event emitted so far, in emission order.
    open_hold_ : tuple (start_s, elapsed_s) or None
        The running hold timer after the last update.
    pending_reps_ : list of Rep
        Ankle circles found but not final yet (a run of circles is reported
        once it has ended), with their direction: what a live counter shows
        meanwhile. Empty for other exercises (a rep in progress is not shown).
    buffer_s_ : float
        Seconds of trace held after the last update (what each update re-reads).
    runs_ : int
        How many times the detector has been run (updates skipped while a hold
        keeps still do not run it).
    """

    def __init__(self, detector: ExerciseEventDetector, baseline_window_s: float = 2.0,
                 keep_s: float = 4.0, still_deg: float = 1.0, recheck_s: float = 1.0) -> None:
        self.detector = detector
        self.baseline_window_s = baseline_window_s
        self.keep_s = keep_s
        self.still_deg = still_deg
        self.recheck_s = recheck_s
        self.reps_: list[Rep] = []
        self.holds_: list[Hold] = []
        self.heel_lifts_: list[HeelLift] = []
        self.open_hold_: tuple[float, float] | None = None
        self.pending_reps_: list[Rep] = []
        self._pending_ways: dict[tuple[float, float], str | None] = {}
        self.buffer_s_ = 0.0
        self.runs_ = 0
        self._buffer: AngleTrace | None = None
        self._t0: float | None = None
        self._baselines: dict | None = None
        self._last_start = {kind: -np.inf for kind in _KINDS}
        self._support_s: float | None = None
        self._hold_memo: dict = {}
        self._grid: GridStream | None = None
        self._rest: RestLevel | None = None  # the resting level, followed grid point by grid point
        self._rest_fed_s = -np.inf
        self._resting_since: float | None = None
        self._running: tuple[float, float, float] | None = None  # (hold start, elapsed, at data time)
        self._last_value: float | None = None
        # fixed by the detector's parameters, asked once the first data is in
        self._lookback_s = self._margin_s = 0.0
        self._single_polarity = True
        self._channel = "angle"
        self._quiet_band: float | None = None

    @property
    def _buf(self) -> AngleTrace:
        if self._buffer is None:
            raise RuntimeError("no data yet")
        return self._buffer

    @property
    def baselines_(self) -> dict | None:
        """The resting values the detector judges by (``{"main": deg, "frontal": deg}``), fixed once
        the first seconds have been seen; None before."""
        return self._baselines

    def update(self, chunk: AngleTrace) -> StreamUpdate:
        """Add a chunk (time-ordered, after the previous one); return newly final events."""
        if len(chunk) == 0:
            return StreamUpdate(open_hold=self.open_hold_)
        if self._buffer is not None and chunk.t[0] <= self._buffer.t[-1]:
            raise ValueError("chunks must arrive in time order without overlap")
        self._buffer = chunk if self._buffer is None else AngleTrace.concatenate([self._buffer, chunk])
        if self._grid is not None:
            self._grid.extend(chunk.t, channel_values(chunk, self._channel), chunk.channel_valid(self._channel))
        if self._t0 is None:
            self._t0 = float(chunk.t[0])
        t_last = float(self._buffer.t[-1])
        if self._baselines is None:
            # the baselines are medians over the first seconds of the grid, which ends at the last
            # valid sample: wait until valid data runs past that window (lost samples there
            # would otherwise cut it short)
            valid = self._buffer.channel_valid(self.detector.channel)
            if np.count_nonzero(valid) < 2 or self._buffer.t[valid][-1] < self._t0 + self.baseline_window_s + 1.0:
                return StreamUpdate()
            self._baselines = self.detector.detect(self._buffer).baselines_
        if self._support_s is None:  # fixed by the detector's parameters: asked once
            det = self.detector
            self._support_s = det.support_s
            self._lookback_s, self._margin_s = det.lookback_s, det.margin_s
            self._single_polarity, self._channel = det.single_polarity, det.channel
            self._quiet_band = det.quiet_band_deg
            rate_hz, max_gap_s, filters = det.main_filters
            self._grid = GridStream(rate_hz, max_gap_s, filters)
            buf = self._buffer
            self._grid.extend(buf.t, channel_values(buf, self._channel), buf.channel_valid(self._channel))
            self._rest = det.rest_level(self._baselines["main"])
        if self._still_in_hold(chunk) and self._running is not None:
            start, elapsed, at = self._running
            self.open_hold_ = (start, elapsed + float(chunk.t[chunk.channel_valid(self._channel)][-1]) - at)
            self.buffer_s_ = float(t_last - self._buffer.t[0])
            return StreamUpdate(open_hold=self.open_hold_, pending_reps=self.pending_reps_)
        if self._still_at_rest(chunk):
            self.buffer_s_ = float(t_last - self._buffer.t[0])
            return StreamUpdate(pending_reps=self.pending_reps_)
        self._share_grid()
        self._feed_rest()
        self.detector.detect(self._buffer, self._baselines, *self._reported_ends(), annotate=False,
                             hold_memo=self._hold_memo, earlier_reps=self.reps_, rest=self._rest)
        self.runs_ += 1
        # finality needs real data after an event: samples that arrived flagged invalid (the foot
        # sensor's gap, for the ankle angle) do not count, or a hold would look ended where the
        # data merely stops
        valid_t = self._buffer.t[self._buffer.channel_valid(self._channel)]
        horizon = float(valid_t[-1]) - self._support_s
        update = self._emit(lambda ev: self._is_final(ev, horizon))
        self.open_hold_ = update.open_hold = self.detector.open_hold_
        update.pending_reps = self.pending_reps_ = self._pending_circles()
        pending = self._pending_besides_open_hold()
        still_hold = self.open_hold_ is not None and not pending
        self._running = None
        if still_hold and self.open_hold_ is not None:
            self._running = (self.open_hold_[0], self.open_hold_[1], float(valid_t[-1]))
        at_rest = (self.open_hold_ is None and not pending and self._quiet_band is not None
                   and all(e < horizon for _, e in self.detector.active_))
        self._resting_since = float(valid_t[-1]) if at_rest else None
        if t_last - float(self._buffer.t[0]) > self.keep_s + 1.0:  # else nothing could be cut
            self._trim(float(valid_t[-1]))
        self.buffer_s_ = float(self._buffer.t[-1] - self._buffer.t[0])
        return update

    def _feed_rest(self) -> None:
        """Bring the resting level up to the grid's last point (each grid point is final once made:
        it lies between two samples received). Done before each detection pass, not per chunk:
        the passes skipped (a still hold, quiet rest) only read its latest level, and the grid is
        trimmed only after a pass."""
        if self._rest is None or self._grid is None or not len(self._grid):
            return
        sig = self._grid.signal()
        i = int(np.searchsorted(sig.t, self._rest_fed_s, side="right"))
        if i < len(sig.t):
            self._rest.extend(sig.t[i:], sig.x[i:], sig.valid[i:])
            self._rest_fed_s = float(sig.t[-1])

    def _share_grid(self) -> None:
        """Give the detectors the buffer's grid and filters, kept up to date chunk by chunk."""
        grid = self._grid
        if grid is None or len(grid) < 2:
            return
        sig = grid.signal()
        remember_grid(self._buf, self._channel, grid.rate_hz, grid.max_gap_s, sig)
        for window_s, deriv in grid.filters:
            remember_filtered(sig, window_s, deriv, grid.output(window_s, deriv))

    def _pending_besides_open_hold(self) -> bool:
        """Events found but not yet reported, other than the hold still running and the rep
        under way around it (an eccentric drop's rep spans its hold: while the hold keeps still,
        that rep cannot end either)."""
        det, running = self.detector, self.open_hold_[0] if self.open_hold_ else None
        # an open rep ends at the last grid point (its return is not in the data yet)
        open_end = self._grid.end_s if running is not None and self._grid is not None and len(self._grid) else np.inf
        for kind in _KINDS:
            for ev in getattr(det, kind):
                if ev.start_s <= self._last_start[kind]:
                    continue
                if kind == "holds_" and ev.start_s == running:
                    continue
                if kind == "reps_" and running is not None and ev.start_s <= running and ev.end_s >= open_end:
                    continue
                return True
        return False

    def _still_in_hold(self, chunk: AngleTrace) -> bool:
        """A hold runs, nothing else is pending, and this chunk keeps still (see ``still_deg``).

        Also records the chunk's last value, the reference for the next chunk.
        """
        valid = chunk.channel_valid(self._channel)
        values = channel_values(chunk, self._channel)[valid]
        previous, self._last_value = self._last_value, (float(values[-1]) if len(values) else self._last_value)
        if self._running is None or previous is None or not len(values) or chunk.heel_lift.any():
            return False
        if float(chunk.t[valid][-1]) - self._running[2] >= self.recheck_s:
            return False
        lo, hi = min(float(values.min()), previous), max(float(values.max()), previous)
        return hi - lo < self.still_deg

    def _still_at_rest(self, chunk: AngleTrace) -> bool:
        """Nothing is under way or pending, and this chunk stays within the quiet band of the
        baseline: nothing can start, so the detector need not run (at least every ``recheck_s``)."""
        if self._resting_since is None or self._baselines is None or self._quiet_band is None \
                or chunk.heel_lift.any():
            return False
        valid = chunk.channel_valid(self._channel)
        if not valid.any() or float(chunk.t[valid][-1]) - self._resting_since >= self.recheck_s:
            return False
        values = channel_values(chunk, self._channel)[valid]
        level = self._rest.level_ if self._rest is not None else self._baselines["main"]
        return bool(np.all(np.abs(values - level) < self._quiet_band))

    def finish(self) -> StreamUpdate:
        """End of stream: emit everything still pending."""
        if self._buffer is None or np.count_nonzero(self._buffer.channel_valid(self._channel)) < 2:
            return StreamUpdate()  # nothing usable came (as the batch analysis skips such a segment)
        if self._baselines is None:
            self._baselines = self.detector.detect(self._buffer).baselines_
        self._feed_rest()
        self.detector.detect(self._buffer, self._baselines, *self._reported_ends(), annotate=False,
                             hold_memo=self._hold_memo, earlier_reps=self.reps_, rest=self._rest)
        update = self._emit(lambda ev: True)
        self.open_hold_ = None
        self.pending_reps_ = []
        return update

    def _pending_circles(self) -> list[Rep]:
        """Circles found but not reported yet, with their direction (worked out once each)."""
        det = self.detector
        if not det.cyclic:
            return []
        pending = [r for r in det.reps_ if r.start_s > self._last_start["reps_"]]
        known = self._pending_ways
        new = [r for r in pending if (r.start_s, r.end_s) not in known]
        if new:
            ways = CircleDirection().detect(self._buf, np.array([r.start_s for r in new]),
                                            np.array([r.end_s for r in new])).directions_
            known.update({(r.start_s, r.end_s): w for r, w in zip(new, ways)})
        # keep only the circles still pending (a circle's end moves until the next peak is seen)
        self._pending_ways = {(r.start_s, r.end_s): known[(r.start_s, r.end_s)] for r in pending}
        return [replace(r, direction=self._pending_ways[(r.start_s, r.end_s)]) for r in pending]

    def _reported_ends(self) -> tuple[float | dict | None, float | None]:
        """Ends of the last rep (each way, for reps both ways) and hold emitted: the detector
        does not search for them again."""
        rep_end: float | dict | None = None
        if self.reps_:
            if self._single_polarity:
                rep_end = self.reps_[-1].end_s
            else:
                rep_end = {}
                for r in reversed(self.reps_):
                    rep_end.setdefault(1.0 if r.peak_angle_deg >= r.baseline_deg else -1.0, r.end_s)
                    if len(rep_end) == 2:
                        break
        return rep_end, (self.holds_[-1].end_s if self.holds_ else None)

    def _is_final(self, event, horizon: float) -> bool:
        """Final: its end is past the detectors' support and nothing still under way touches it
        (what begins right at a cut that ends it, the next rep after a deep valley, cannot move it)."""
        if event.end_s > horizon:
            return False
        det = self.detector
        at_cut = any(c1 == event.end_s for _, c1 in det.cuts_)
        return all(e <= horizon for s, e in det.active_
                   if (s < event.end_s if at_cut else s <= event.end_s) and e >= event.start_s)

    def _emit(self, final) -> StreamUpdate:
        """Report the events that became final, annotated (only those: annotation costs)."""
        det = self.detector
        new = {kind: [ev for ev in getattr(det, kind) if ev.start_s > self._last_start[kind] and final(ev)]
               for kind in _KINDS}
        reps, holds = det.annotate(self._buf, new["reps_"], new["holds_"])
        update = StreamUpdate(reps, holds, new["heel_lifts_"])
        emitted: tuple[list[Any], ...] = (update.reps, update.holds, update.heel_lifts)
        for kind, out in zip(_KINDS, emitted):
            if out:
                self._last_start[kind] = out[-1].start_s
                getattr(self, kind).extend(out)
        return update

    def _trim(self, t_last: float) -> None:
        """Drop the buffer's start where no later detection can read it.

        The new start ``b`` must lie outside every zone where data still
        counts: from ``lookback_s`` before each excursion (the onset search and
        the filters reach that far back) to ``margin_s`` after it; around each
        heel lift and hold by ``margin_s``; and not inside a rep (the next
        rep's onset search stops at the previous rep's end, so a start inside
        it would move that search). Events before ``b`` are final and emitted
        by then (``keep_s`` exceeds the support), so they are not seen again.
        """
        det = self.detector
        look, margin = self._lookback_s, self._margin_s
        first = float(self._buf.t[0])
        reported_reps = [r for r in self.reps_[-4:] if r.end_s >= first]
        reported_holds = [h for h in self.holds_[-4:] if h.end_s >= first]
        ends = np.array(sorted(r.end_s for r in (*self.reps_[-4:], *det.reps_)))
        zones = []
        for s, e in det.excursions_:
            # the onset search starts at the previous rep's end when that is closer
            k = int(np.searchsorted(ends, s, side="right"))
            start = s - look if k == 0 or not self._single_polarity else max(s - look, ends[k - 1] - margin)
            zones.append((start, e + margin))
        spans: list[Any] = [*det.heel_lifts_, *det.holds_, *reported_holds]
        zones += [(h.start_s - margin, h.end_s + margin) for h in spans]
        zones += [(r.start_s - margin, r.end_s - margin) for r in (*det.reps_, *reported_reps)]
        if det.restore_reach_s and self.reps_:  # a gap after the last reported rep may hide one
            for way in (1.0, -1.0):
                last = [r.peak_s for r in self.reps_[-4:] if way * r.excursion_deg > 0]
                if last:
                    zones.append((last[-1] - margin, last[-1] + det.restore_reach_s))
        b = t_last - self.keep_s
        for lo, hi in sorted(zones, key=lambda z: z[1], reverse=True):
            if lo < b < hi:
                b = lo
        # start on a valid sample: the grid bridges a gap from the sample before it, so a start
        # inside a gap would change the bridge (and the filtered values after it); valid for
        # every channel (``valid`` implies ``shin_valid``), as the other channels are regridded
        buf = self._buf
        valid_t = buf.t[buf.valid]
        j = int(np.searchsorted(valid_t, b, side="right")) - 1
        if j < 0 or valid_t[j] <= buf.t[0] or any(lo < valid_t[j] < hi for lo, hi in zones):
            return
        i = int(np.searchsorted(buf.t, valid_t[j]))
        self._hold_memo = {k: v for k, v in self._hold_memo.items() if k[2] >= valid_t[j]}
        if self._rest is not None:
            self._rest.forget_before(float(valid_t[j]))
        if self._grid is not None:
            self._grid.drop_before(float(valid_t[j]))
        self._buffer = buf.slice(i, len(buf))
