"""Repetition detection: hysteresis on the excursion from the baseline.

See ``docs/algorithms-events.md`` for the method. Every operation is local in
time (Savitzky-Golay windows, threshold runs, peak search inside a run), so a
streaming wrapper reproduces the batch result exactly.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import HEEL_LIFT, channel_grid, polarity_signs, start_baseline
from dorsi.events.cycles import bridged_base, cycle_widths, direction_change, hidden_cycles
from dorsi.events.gap_edges import MOVING_DEG_S, edge_speeds
from dorsi.events.grid import filtered
from dorsi.events.holds import LONG_GAP_S
from dorsi.events.profile import move_in_end, move_in_start, move_out_end, move_out_start
from dorsi.events.rest_level import RestLevel
from dorsi.events.results import Rep
from dorsi.events.rhythm import BEAT_MEMORY, with_rhythm
from dorsi.events.runs import excursion_times, fill_intervals, runs, runs_containing
from dorsi.events.valleys import deep_valleys, valley_floor


class RepDetector:
    """Detect repetitions as excursions away from a resting baseline.

    Parameters
    ----------
    threshold_deg : float
        A movement counts as a rep when its smoothed excursion from the baseline
        exceeds this.
    release_deg : float
        Hysteresis: the rep's core lasts while the excursion stays above this.
    polarity : {"positive", "negative", "both"}
        Direction(s) of excursion that count.
    channel : {"angle", "knee_swing"}
        Trace channel carrying the movement.
    split_prominence_deg : float or None
        Peaks within one core separated by a dip at least this deep are separate
        reps (reps that do not return to the baseline). Default: ``threshold_deg``.
    split_fraction : float
        ... and the dip must also go down by this fraction of the lower peak's
        excursion (a shallow dip, e.g. the ankle angle during a heel lift, does
        not split a rep).
    min_duration_s : float
        Shorter movements are fidgets, not reps.
    smooth_s : float
        Savitzky-Golay (cubic) window for the angle used for thresholds and peaks.
    speed_window_s : float
        Window of the Savitzky-Golay derivative used to find onset and return.
    onset_speed_deg_s : float
        The rep starts where the speed away from the baseline last rose above this
        before the core, and ends where the speed back first falls below it after.
    max_onset_s : float
        How far before / after the core the onset / return is searched.
    baseline_deg : float or None
        Resting angle; ``None``: median over the first ``baseline_window_s``.
    baseline_window_s : float
        Window for the automatic baseline.
    grid_hz : float
        Rate of the absolute resampling grid.
    max_gap_s : float
        Gaps longer than this are flagged invalid.
    cycle_prominence_deg : float or None
        Cyclic movements (ankle circles), whose centre is not the resting angle:
        every peak of at least this prominence is one rep, bounded by the
        troughs on either side (at most ``max_onset_s`` beyond the first and
        last peak). Thresholds and baseline then only report, not decide.
    max_cycle_width_s : float
        Cyclic mode: peaks wider than this at half prominence (a pause) are not reps.
    restore_hidden : bool
        Count back a rep a data gap hid whole, and split two reps a gap ran
        together, from the steady beat of the reps before them
        (:func:`dorsi.events.rhythm.with_rhythm`; nerve flossing).
    max_bridged_s : float or None
        A core longer than this is cut in the middle of every data gap of
        ``LONG_GAP_S`` or more inside it (with a rep's height on both sides):
        two reps ran together unseen (eccentric drops: a 5 s hold, then the
        lowering, the rest and the next lift inside a long dropout), as the
        hold detector's parameter of that name cuts their holds.

    Attributes
    ----------
    reps_ : list of Rep
        Detected reps, in time order.
    baseline_deg_ : float
        Baseline used.
    open_ : bool
        The last rep was still under way at the end of the trace.
    excursions_ : list of (start_s, end_s)
        Every stretch above ``release_deg`` (reps or not).
    cuts_ : list of (end_s, start_s)
        Where a stretch was cut between two reps (a deep valley, or a data gap
        hiding a return to rest): the last grid time before the cut and the
        first after it. What follows a cut does not move the rep before it.
    signal_ : GridSignal
        The gridded channel the detection ran on.
    """

    def __init__(self, threshold_deg: float = 5.0, release_deg: float = 2.0, polarity: str = "positive",
                 channel: str = "angle", split_prominence_deg: float | None = None,
                 split_fraction: float = 0.6, min_duration_s: float = 0.3, smooth_s: float = 0.15, speed_window_s: float = 0.2,
                 onset_speed_deg_s: float = 3.0, max_onset_s: float = 1.0,
                 baseline_deg: float | None = None, baseline_window_s: float = 2.0,
                 grid_hz: float = 100.0, max_gap_s: float = 0.5,
                 cycle_prominence_deg: float | None = None, max_cycle_width_s: float = 1.4,
                 restore_hidden: bool = False, max_bridged_s: float | None = None) -> None:
        self.restore_hidden = restore_hidden
        self.max_bridged_s = max_bridged_s
        self.cycle_prominence_deg = cycle_prominence_deg
        self.max_cycle_width_s = max_cycle_width_s
        self.threshold_deg = threshold_deg
        self.release_deg = release_deg
        self.polarity = polarity
        self.channel = channel
        self.split_prominence_deg = split_prominence_deg
        self.split_fraction = split_fraction
        self.min_duration_s = min_duration_s
        self.smooth_s = smooth_s
        self.speed_window_s = speed_window_s
        self.onset_speed_deg_s = onset_speed_deg_s
        self.max_onset_s = max_onset_s
        self.baseline_deg = baseline_deg
        self.baseline_window_s = baseline_window_s
        self.grid_hz = grid_hz
        self.max_gap_s = max_gap_s

    @property
    def support_s(self) -> float:
        """Data needed after a rep's end before it is final (streaming latency)."""
        return 0.5 * max(self.smooth_s, self.speed_window_s) + (self.max_onset_s if self.cycle_prominence_deg else 0.0) + 3.0 / self.grid_hz

    @property
    def lookback_s(self) -> float:
        """How far before an excursion's start detection reads data: the onset search
        (``max_onset_s``) plus the filters' half-window and a grid step."""
        return self.max_onset_s + 0.5 * max(self.smooth_s, self.speed_window_s) + 2.0 / self.grid_hz

    def _check(self) -> None:
        if not 0 <= self.release_deg <= self.threshold_deg:
            raise ValueError("need 0 <= release_deg <= threshold_deg")
        polarity_signs(self.polarity)

    def detect(self, trace: AngleTrace, baseline_deg: float | None = None,
               previous_end_s: float | dict | None = None, earlier: list[Rep] | None = None,
               rest: RestLevel | None = None) -> "RepDetector":
        """Find the reps in ``trace``.

        Parameters
        ----------
        trace : AngleTrace
            Angle trace (any rate; gaps allowed).
        baseline_deg : float, optional
            Overrides the ``baseline_deg`` parameter.
        previous_end_s : float or dict, optional
            End of the last rep already reported earlier in the same stream
            (live use): reps whose core ends by then are not searched again,
            and the next rep's onset is not searched before it (as in a batch
            run, where each onset search stops at the previous rep's end). For
            ``polarity="both"`` a mapping ``{+1.0: end, -1.0: end}`` (reps each
            way are searched separately); a single time is then ignored.
        earlier : list of Rep, optional
            Live continuation: the reps already reported (``restore_hidden``
            reads the set's beat on them).
        rest : RestLevel, optional
            The resting level followed through the trace: thresholds are
            measured from it (the reps still report the baseline).

        Returns
        -------
        self
        """
        self._check()
        sig = channel_grid(trace, self.channel, self.grid_hz, self.max_gap_s)
        base = baseline_deg if baseline_deg is not None else self.baseline_deg
        self.baseline_deg_ = float(base) if base is not None else start_baseline(sig, self.baseline_window_s)
        self.signal_ = sig
        xs = filtered(sig, self.smooth_s)
        v = filtered(sig, self.speed_window_s, deriv=1)
        reps: list[Rep] = []
        self.open_ = False
        min_len = self.min_duration_s * sig.rate_hz
        self.excursions_: list[tuple[float, float]] = []
        self.cuts_: list[tuple[float, float]] = []
        if self.cycle_prominence_deg is not None:
            self.reps_ = self._cycles(sig, xs, trace)
            return self
        lifted = self._heel_up(trace, len(sig))
        level = rest.at(sig.t) if rest is not None else self.baseline_deg_
        for sign in polarity_signs(self.polarity):
            y = sign * (xs - level)
            above = y > self.release_deg
            if lifted is not None and sign > 0 and trace.source == "ankle" and self.channel == "angle":
                # (live: a dip still under way with the heel up keeps the run open)
                above = _heel_up_dips_filled(above, lifted & self._shank_forward(trace, len(sig)))
            self.excursions_ += excursion_times(sig.t, above)
            prev_end = 0
            reported = previous_end_s.get(sign) if isinstance(previous_end_s, dict) else (
                previous_end_s if self.polarity != "both" else None)
            if reported is not None:
                prev_end = int(np.searchsorted(sig.t, reported))
            done = prev_end  # cores ending by then belong to reps already reported
            raw = sign * (sig.x - level)
            found: list[Rep] = []
            # the movements: stretches above the release level that reach the threshold (a rep's
            # return ends before the next one begins)
            movements = runs_containing(above, y > self.threshold_deg)
            rises = movements[0]
            for a, e, cut_left, cut_right in self._segments(y, movements, done, lifted, raw, sig.valid):
                if cut_left:
                    self.cuts_.append((float(sig.t[a - 1]), float(sig.t[a])))
                if e <= done:
                    continue
                k = int(np.searchsorted(rises, e))
                next_rise = int(rises[k]) if k < len(rises) else len(y)
                start, end = self._bounds(y, sign * v, a, e, cut_left, cut_right, prev_end, sig.t, sig.valid,
                                          next_rise)
                if end - start < min_len:
                    continue
                prev_end = end
                peak = _peak_index(y, sig.valid, a, e)
                found.append(Rep(
                    start_s=float(sig.t[start]), end_s=float(sig.t[end]), peak_s=float(sig.t[peak]),
                    peak_angle_deg=float(xs[peak]), baseline_deg=self.baseline_deg_,
                ))
                self.open_ |= e == len(y)
            if self.restore_hidden:
                same_way = [r for r in earlier or [] if sign * r.excursion_deg > 0]
                same_way = same_way[-BEAT_MEMORY:]
                found, spans = with_rhythm(found, same_way, sig.t, sig.valid, y, xs, self.threshold_deg)
                self.excursions_ += spans  # a rep counted back is final with the rep after the gap
            reps += found
        reps.sort(key=lambda r: r.start_s)
        self.reps_ = reps
        return self

    def _cycles(self, sig, xs: np.ndarray, trace: AngleTrace) -> list[Rep]:
        """One rep per prominent peak, from trough to trough."""
        reps: list[Rep] = []
        self.open_ = False
        reach = int(round(self.max_onset_s * sig.rate_hz))
        for sign in polarity_signs(self.polarity):
            y = sign * xs
            # a pause at rest between circles is a broad "peak": cycles are narrow
            peaks, props = find_peaks(y, prominence=self.cycle_prominence_deg, width=(None, None))
            narrow = cycle_widths(peaks, props, sig.valid) <= self.max_cycle_width_s * sig.rate_hz
            peaks, props = peaks[narrow], {k: v[narrow] for k, v in props.items()}
            if len(peaks) == 0:
                continue
            # which candidates count depends on the typical circle, which later circles still
            # change: live, the data around every candidate is kept until its run has closed
            first, last = int(peaks[0]), int(peaks[-1])
            # a pause between the two directions can look like a low, shallow peak: a cycle's
            # peak is not far below the typical one and nearly as prominent
            # (a trough lost in a data gap is bridged above its true depth: the prominence of a
            # peak next to it is a lower bound, so it is not held against the typical one)
            prom = props["prominences"]
            typical = float(np.median(y[peaks])) - 0.5 * float(np.median(prom))
            bridged = bridged_base(peaks, props, sig.valid, y)
            keep = (y[peaks] >= typical) & ((prom >= 0.6 * float(np.median(prom))) | bridged)
            peaks = peaks[keep]
            # a circle whose peak fell into a data gap is counted from the rhythm either side
            # (not across a change of direction: the gap then hides the pause for turning)
            turn = direction_change(trace, sig.t, peaks)
            peaks, hidden = hidden_cycles(peaks, y, sig.valid, prom[keep], self.max_cycle_width_s * sig.rate_hz,
                                           turn, sign * sig.x, sig.rate_hz)
            # consecutive circles share the trough between their peaks; across a pause (peaks more
            # than a circle apart), as before the first and after the last circle, a circle starts
            # or ends at the lowest point within max_onset_s of its peak
            circle = int(round(2 * self.max_cycle_width_s * sig.rate_hz))
            lefts, rights = [], []
            for i, p in enumerate(peaks.tolist()):
                prev = int(peaks[i - 1]) if i else p - circle - 1
                nxt = int(peaks[i + 1]) if i + 1 < len(peaks) else p + circle + 1
                lo = max(0, prev if p - prev <= circle else p - reach)
                hi = min(len(y), nxt if nxt - p <= circle else p + reach)
                lefts.append(lo + int(np.argmin(y[lo:p + 1])))
                rights.append(p + int(np.argmin(y[p:hi])))
            # the last circle's trough is only known once the next peak is seen: until the data
            # runs a circle and a half (three times the widest half-width) past the last peak, the
            # run counts as open (the next peak is only a peak once the descent after it is seen)
            # (received data only: a gap may hide the next peak, which the rhythm then restores)
            still_open = np.count_nonzero(sig.valid[last + 1:]) < 3 * self.max_cycle_width_s * sig.rate_hz
            run_start = min([max(0, first - reach)] + lefts[:1])
            run_end = len(y) - 1 if still_open else max([min(len(y) - 1, last + reach)] + rights[-1:])
            self.excursions_ += [(float(sig.t[run_start]), float(sig.t[run_end]))]
            for p, lft, rgt, inferred in zip(peaks.tolist(), lefts, rights, hidden.tolist()):
                reps.append(Rep(start_s=float(sig.t[lft]), end_s=float(sig.t[rgt]), peak_s=float(sig.t[p]),
                                peak_angle_deg=float(xs[p]), baseline_deg=self.baseline_deg_, inferred=inferred))
        return sorted(reps, key=lambda r: r.start_s)

    def _heel_up(self, trace: AngleTrace, n: int) -> np.ndarray | None:
        """Grid points where the trace flags the heel up (None when it never does)."""
        if not trace.heel_lift.any():
            return None
        sig = channel_grid(trace, HEEL_LIFT, self.grid_hz, self.max_gap_s)
        return sig.x > 0.5 if len(sig) == n else None

    def _shank_forward(self, trace: AngleTrace, n: int) -> np.ndarray:
        """Grid points where the shank leans forward of its resting inclination by more than
        ``threshold_deg`` (``knee_swing_deg`` is minus that change: the shin's own channel)."""
        sig = channel_grid(trace, "knee_swing", self.grid_hz, self.max_gap_s)
        if len(sig) != n:
            return np.zeros(n, bool)
        return -sig.x > self.threshold_deg

    def _segments(self, y: np.ndarray, movements: tuple[np.ndarray, np.ndarray], skip_to: int = 0,
                  lifted: np.ndarray | None = None, raw: np.ndarray | None = None,
                  valid: np.ndarray | None = None) -> list[tuple[int, int, bool, bool]]:
        """Cores ``[a, e)`` of the reps: the hysteresis runs ``movements`` (starts, ends: the
        stretches above the release level that reach the threshold, with heel-up dips filled; see
        :func:`_heel_up_dips_filled`), split at deep valleys and at data gaps that hide a return
        to rest.

        Each item is ``(a, e, cut_left, cut_right)``; a cut side is a valley
        between two reps (no return to the baseline) rather than a release.
        Runs ending by ``skip_to`` are left out. No valley splits a rep while
        the heel is up (``lifted``): with the foot sensor the ankle angle drops
        as the heel rises though the knee keeps going, a dip inside one lunge.
        ``raw`` is the unsmoothed excursion on the grid and ``valid`` its
        validity (``False`` on the bridge across a gap): with them a gap whose
        edges show a hidden return to rest (:func:`_hidden_rest`) splits the
        core in the middle of the gap.
        """
        starts, ends = movements
        if skip_to:
            keep = ends > skip_to
            starts, ends = starts[keep], ends[keep]
        prominence = self.split_prominence_deg or self.threshold_deg
        out: list[tuple[int, int, bool, bool]] = []
        for a, e in zip(starts.tolist(), ends.tolist()):  # one iteration per movement
            seg = y[a:e]
            valleys = [a + v for v in deep_valleys(seg, self.threshold_deg, prominence, self.split_fraction)]
            if lifted is not None:
                valleys = [v for v in valleys if not lifted[v]]
            if valid is not None and raw is not None and not valid[a:e].all():
                valleys = self._gap_cuts(y, raw, valid, a, e, valleys, lifted, prominence)
            cuts = [a] + valleys + [e]
            last = len(cuts) - 2
            for i in range(len(cuts) - 1):
                out.append((cuts[i], cuts[i + 1], i > 0, i < last))
        return out

    def _gap_cuts(self, y: np.ndarray, raw: np.ndarray, valid: np.ndarray, a: int, e: int, valleys: list[int],
                  lifted: np.ndarray | None, depth: float) -> list[int]:
        """``valleys`` with a cut added in the middle of each gap inside the core ``[a, e)`` that
        hides a return to rest (:func:`_hidden_rest`) and has a rep's height (``y`` above the
        threshold) on both sides, between it and the neighbouring cuts. A core longer than
        ``max_bridged_s`` is cut so at every gap of ``LONG_GAP_S`` or more, whatever its edges."""
        rate_hz = self.signal_.rate_hz
        starts, ends = runs(~valid[a:e])
        cuts = sorted(valleys)
        too_long = self.max_bridged_s is not None and (e - a) / rate_hz > self.max_bridged_s
        for g0, g1 in zip((starts + a).tolist(), (ends + a).tolist()):
            i_s, i_e = g0 - 1, g1  # the last sample before the gap, the first after it
            long_gap = too_long and g0 > a and g1 < e and (i_e - i_s) / rate_hz >= LONG_GAP_S
            speeds = edge_speeds(raw, valid, i_s, i_e, rate_hz) if g0 > a and g1 < e else None
            if speeds is None and not long_gap:
                continue
            if lifted is not None and (lifted[i_s] or lifted[i_e]):
                continue  # the ankle angle dips while the heel is up (see above)
            if any(g0 <= c < g1 for c in cuts):
                continue  # a valley already splits the core here
            mid = (g0 + g1) // 2
            before = max([a] + [c for c in cuts if c < g0])
            after = min([e] + [c for c in cuts if c >= g1])
            # (a valley right at the gap's end leaves nothing after it: nothing to cut off)
            if (y[before:g0].max(initial=-np.inf) <= self.threshold_deg
                    or y[g1:after].max(initial=-np.inf) <= self.threshold_deg):
                continue
            if long_gap or (speeds is not None and _hidden_rest(raw[i_s], raw[i_e], *speeds, (i_e - i_s) / rate_hz,
                                                                depth)):
                cuts = sorted(cuts + [mid])
        return cuts

    def return_end(self, t_from: float, t_cut: float, sign: float = 1.0) -> float:
        """End of the move back that leaves the position at ``t_from`` and is cut at ``t_cut`` (a
        deep valley; see ``cuts_``), from the last :meth:`detect`: the rep there ends at the cut,
        the valley's lowest point, somewhere in the rest after the move; the move itself ends
        where its minimum-jerk shape, taken down to the valley's level, says. ``sign``: the rep's
        direction (-1 for a negative excursion)."""
        sig = self.signal_
        y = sign * (filtered(sig, self.smooth_s) - self.baseline_deg_)
        i0, iv = np.searchsorted(sig.t, [t_from, t_cut])
        iv = min(int(iv), len(y) - 1)
        if not i0 < iv:
            return t_cut
        yl = y - y[iv]
        t_end = move_out_end(sig.t, yl, sign * filtered(sig, self.speed_window_s, deriv=1), int(i0), iv + 1,
                             float(yl[i0]))
        return t_cut if t_end is None else min(max(t_end, t_from), t_cut)

    def _came_back(self, y: np.ndarray, peak: int) -> int | None:
        """Where, after ``peak``, the excursion first fell as far as a deep valley does (most of
        the way back, to a rest off the baseline: a rep still open at the end of the data whose
        return is seen); None if it has not."""
        depth = self.split_prominence_deg or self.threshold_deg
        low = np.flatnonzero(y[peak:] < valley_floor(float(y[peak]), depth, self.split_fraction))
        return peak + int(low[0]) if len(low) else None

    def _bounds(self, y: np.ndarray, vs: np.ndarray, a: int, e: int, cut_left: bool, cut_right: bool,
                prev_end: int, t: np.ndarray, valid: np.ndarray, next_rise: int | None = None) -> tuple[int, int]:
        """Onset and return indices around the core ``[a, e)``.

        ``vs`` is the velocity signed so that positive = away from the baseline.
        Boundaries come from the minimum-jerk shape of the moves out and back
        (:mod:`dorsi.events.profile`), falling back to a speed threshold.
        ``next_rise``: where the next movement (a run above the release level
        that reaches the threshold) begins after the core. A return fitted
        across a data gap that hid it can reach past that, into the next rep
        (which then seems to start too late to count); the return is then
        read from the speed, and ends before the next movement.
        """
        n = len(y)
        rate_hz = 1.0 / float(t[1] - t[0])
        reach = int(round(self.max_onset_s * rate_hz))
        peak = _peak_index(y, valid, a, e)
        near = int(round(0.5 * rate_hz))
        if cut_left:
            start = a
        else:
            lo = max(prev_end, a - reach, 0)
            found: int | None = None
            t_reach = move_in_end(t, y, vs, lo, peak + 1, float(y[peak]))
            if t_reach is not None:
                j = min(max(int(np.searchsorted(t, t_reach)), lo), peak)
                amp = float(y[max(lo, j - near // 5):min(peak, j + near) + 1].max())
                t_start = move_in_start(t, y, vs, lo, peak + 1, amp)
                if t_start is not None:
                    found = min(max(int(np.searchsorted(t, t_start)), lo), a)
            if found is None:
                before = np.flatnonzero(vs[lo:a] <= self.onset_speed_deg_s)
                found = lo + int(before[-1]) if len(before) else lo
            start = found
        back = self._came_back(y, peak) if e >= n and not cut_right else None
        if cut_right:
            end = e
        elif e >= n and back is None:
            end = n - 1
        else:
            if back is not None:  # open, but back most of the way: the return is read as at a core's end
                e = back
            hi = min(n, e + reach)
            found = None
            core_end = min(n, e + 1)  # the fall crosses half height inside the core
            t_leave = move_out_start(t, y, vs, peak, core_end, float(y[peak]))
            if t_leave is not None:
                j = min(max(int(np.searchsorted(t, t_leave)), peak), core_end - 1)
                amp = float(y[max(peak, j - near):min(core_end, j + near // 5) + 1].max())
                t_end = move_out_end(t, y, vs, max(peak, j - near), core_end, amp)
                if t_end is not None:
                    found = min(max(int(np.searchsorted(t, t_end)), e - 1), hi - 1)
            if (next_rise is not None and found is not None and found >= next_rise
                    and not valid[peak:found + 1].all()):
                hi, found = min(hi, next_rise), None
            if found is None:
                after = np.flatnonzero(vs[e:hi] >= -self.onset_speed_deg_s)
                found = e + int(after[0]) if len(after) else hi - 1
            end = found
        return start, end


def _hidden_rest(y_in: float, y_out: float, v_in: float, v_out: float, gap_s: float, depth: float) -> bool:
    """Does a data gap hide a return to rest between two reps?

    ``y_in``, ``v_in``: excursion and its speed (positive = away from rest) as the data stops;
    ``y_out``, ``v_out`` as it resumes, ``gap_s`` later. The grid bridges the gap with a straight
    line, which keeps the two reps either side in one core. But the reps of these exercises are
    out-and-back moves between rest and end range, each close to minimum jerk: a move back under
    way goes on to rest, and a move out under way began there. So the gap hides a rest when the
    edges cannot belong to one move:

    * the data goes into the gap moving back and comes out of it moving out, both faster than
      ``MOVING_DEG_S`` (it turned round in the gap), or
    * it moves the same way at both edges (both faster than ``MOVING_DEG_S``) but the level has
      got less than half the slower speed times ``gap_s`` further: a minimum-jerk move's speed
      rises and falls once, so between two moments of one move it never drops below the slower
      of the two (a move back that passes the same level twice, or a move out that does), or
    * only one edge is moving: into the gap moving back and out of it at least ``depth`` (the
      split depth) higher, or out of it moving out and into it at least ``depth`` higher. The
      angle turned round in the gap by more than a split's depth.

    None of these when the way back to rest and out again could not fit in the gap at the speeds
    the edges show (see the first test below).
    """
    v = MOVING_DEG_S
    # a rest in the gap means going back to it and out again, ``y_in + y_out`` of travel: not when
    # that would take an average speed over the gap above the faster edge's speed times 1.875 (a
    # minimum-jerk move's peak over its average speed), far faster than the data either side
    # moves (a lunge that pauses half-way with the pause lost reads as two reps otherwise).
    # Development seeds 13000-13399: the 111 true cuts need at most 1.3 times, the 4 false ones 2.3-9.3
    if y_in + y_out > 1.875 * max(abs(v_in), abs(v_out)) * gap_s:
        return False
    if v_in < -v and v_out > v:
        return True
    if v_in < -v and v_out < -v:
        return y_in - y_out < 0.5 * min(-v_in, -v_out) * gap_s
    if v_in > v and v_out > v:
        return y_out - y_in < 0.5 * min(v_in, v_out) * gap_s
    if v_in < -v:
        return y_out - y_in >= depth
    if v_out > v:
        return y_in - y_out >= depth
    return False


def _heel_up_dips_filled(above: np.ndarray, lifted: np.ndarray) -> np.ndarray:
    """``above`` with its dips (False runs after a True one) filled where ``lifted`` holds all
    through them: the heel is flagged up and the shank leans forward. The ankle angle is the
    shank's inclination minus the foot's pitch; a return to rest brings the shank back upright
    with the heel down, while in a heel lift the foot pitches toes-down (12-17 deg for a 4-6 cm
    lift) and can take the ankle angle back to its resting value with the knee still forward: a
    dip inside one lunge, not a return. (The shank's lean is asked for as well as the heel flag,
    which can run on past a lift's end at a data gap, into the rest.) A dip that reaches the end
    of the data so is filled too: live, the rep stays open until it ends either way."""
    starts, ends = runs(~above)
    if len(starts) == 0:
        return above
    inner = starts > 0
    up = np.concatenate(([0], np.cumsum(lifted, dtype=np.int64)))
    fill = inner & (up[ends] - up[starts] == ends - starts)
    if not fill.any():
        return above
    return above | fill_intervals(len(above), starts[fill], ends[fill])


def _peak_index(y: np.ndarray, valid: np.ndarray, a: int, e: int) -> int:
    """The highest received sample of the core ``[a, e)`` (the highest sample if none is).

    A straight bridge over lost samples peaks at one of its ends; inside a core it can still rise
    above every received sample where it climbs toward the next rep's data (a gap hiding one rep's
    return and the next one's rise).
    """
    seg = y[a:e]
    ok = valid[a:e]
    if ok.all() or not ok.any():
        return a + int(np.argmax(seg))
    return a + int(np.argmax(np.where(ok, seg, -np.inf)))
