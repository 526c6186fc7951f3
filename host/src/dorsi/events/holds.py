"""Hold detection: settled stretches inside an in-position excursion.

A hold begins when the movement into position settles (speed below a threshold
for a while) and ends when the movement out begins (the last such settled
moment before leaving the position). Sway inside the hold does not matter:
only the first and the last settled stretch of the excursion are used.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.signal import find_peaks

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import channel_grid, polarity_signs, start_baseline
from dorsi.events.grid import GridSignal, filtered
from dorsi.events.profile import fitted_start_before_gap, fitted_timing, move_in_timing, move_out_timing
from dorsi.events.rest_level import RestLevel
from dorsi.events.results import Hold
from dorsi.events.runs import close_gaps, excursion_times, first_long_run, runs, runs_containing
from dorsi.events.valleys import deep_valleys, valley_floor
from dorsi.order_stats import median

STILL_AFTER_S = 0.1  # how much data after a gap shows that the position is still held
SHORT_GAP_S = 1.0  # leaving a position and coming back into it takes longer than this
LONG_GAP_S = 3.0  # ... and a whole cycle between two holds (lowering, rest, lift) no longer than this
MOVE_IN_LOOKBACK_S = 0.5  # how far before an excursion the move in's half-way crossing is searched
BOUNDARY_SPEED_WINDOW_S = 0.2  # Savitzky-Golay window of the sharper speed the move boundaries are read on
# how far after an excursion the move out's half-way crossing is searched (a hold barely above
# twice the release level crosses half-way just after it drops under that level)
MOVE_OUT_LOOKAHEAD_S = 0.3
# a move out smaller than this (a drop seen by the shin alone tilts it 2-5 deg) is too close to sway
# for the shape of its received part to place its start
PARTIAL_FIT_MIN_DEG = 10.0
# ... with received samples on both sides of the gap the fit is held at both ends: smaller moves do
ACROSS_FIT_MIN_DEG = 5.0
# ... and across a gap no longer than this: a longer one may hide the rest of the move, and what
# comes after it is the rest (read as a move out lasting as long as the gap)
ACROSS_GAP_MAX_S = 2.0
# a valley that splits an in-position run into two holds stays deep this long: between two holds
# the person comes back and rests (an eccentric drop's fastest lowering, its shortest rest and
# the next lift keep it under 40 % of the held level for about 1.3 s), a rock inside one is brief
MIN_VALLEY_S = 1.0


class HoldDetector:
    """Detect static holds away from the resting baseline.

    Parameters
    ----------
    threshold_deg : float
        Excursion from the baseline that means "in position".
    release_deg : float
        Hysteresis: in position lasts while the excursion stays above this.
    polarity : {"positive", "negative", "both"}
        Direction(s) of the held position.
    channel : {"angle", "knee_swing"}
        Trace channel.
    target_s : float or None
        Target hold duration; sets ``Hold.met``.
    settle_speed_deg_s : float
        Below this smoothed angular speed the position counts as settled.
    speed_window_s : float
        Savitzky-Golay derivative window for the speed.
    min_settle_s : float
        A settled stretch must last this long to start or end a hold.
    min_hold_s : float
        Shorter holds are dropped.
    baseline_deg, baseline_window_s, grid_hz, max_gap_s
        As in :class:`dorsi.events.RepDetector`.
    max_dip_s : float
        A dip below ``release_deg`` shorter than this between two stretches in
        position is sway (a traction hold rocking near the release level), not
        a release: the stretches are one (traction, whose rocks back can stay
        under the release level for 0.6-0.8 s, sets 1 s).
    split_prominence_deg : float or None
        Two stretches in position that the signal leaves for a valley at least
        this deep ... (default: ``threshold_deg``)
    split_fraction : float or None
        ... and at least this fraction of the lower stretch's excursion are two
        holds, though the valley stays above ``release_deg``: a person whose rest
        level has moved off the baseline between two holds (weight shifted
        between eccentric drops) does not come back under it
        (:func:`dorsi.events.valleys.deep_valleys`, as the rep detector splits reps),
        if it stays that deep for ``MIN_VALLEY_S`` at least (a rock back inside a
        hold is brief). None: runs are not cut at valleys.
    max_bridged_s : float or None
        An excursion longer than this is cut at each data gap of ``LONG_GAP_S``
        or more, even with the position held at one level on both sides (two
        holds with a whole cycle between them hidden by the gap). None: never.
    boundary : {"profile", "speed"}
        How the start and end are placed. ``"speed"``: the first / last settled
        sample. ``"profile"`` (default): from the shape of the movement into and
        out of position, which is bell-shaped in speed (minimum jerk): with
        ``A`` the held excursion, ``t50`` the time the excursion crosses ``A/2``
        and ``v`` the peak speed, the movement lasts ``T = 1.875 A / v`` and
        ends at ``t50 + T/2`` (starts at ``t50 - T/2`` on the way out). Falls
        back to ``"speed"`` where that is not well defined.

    Attributes
    ----------
    holds_ : list of Hold
        Completed (and, at the end of the trace, truncated) holds in time order.
    open_hold_ : tuple (start_s, elapsed_s) or None
        A hold still running at the end of the trace (the live timer);
        ``elapsed_s`` runs to the last settled moment, so it stops as soon as
        the move out of position begins.
    baseline_deg_ : float
        Baseline used.
    excursions_ : list of (start_s, end_s)
        Every stretch above ``release_deg``.
    cuts_ : list of (end_s, start_s)
        Where a stretch was cut into two holds at a deep valley: the last grid
        time before the cut and the first after it.
    """

    def __init__(self, threshold_deg: float = 5.0, release_deg: float = 2.5, polarity: str = "positive",
                 channel: str = "angle", target_s: float | None = None, settle_speed_deg_s: float = 5.0,
                 speed_window_s: float = 0.5, min_settle_s: float = 0.3, min_hold_s: float = 1.0,
                 smooth_s: float = 0.15, baseline_deg: float | None = None, baseline_window_s: float = 2.0,
                 grid_hz: float = 100.0, max_gap_s: float = 0.5, boundary: str = "profile",
                 max_dip_s: float = 0.6, split_prominence_deg: float | None = None,
                 split_fraction: float | None = 0.6, max_bridged_s: float | None = None) -> None:
        if boundary not in ("profile", "speed"):
            raise ValueError(f"boundary must be 'profile' or 'speed', got {boundary!r}")
        self.boundary = boundary
        self.threshold_deg = threshold_deg
        self.release_deg = release_deg
        self.polarity = polarity
        self.channel = channel
        self.target_s = target_s
        self.settle_speed_deg_s = settle_speed_deg_s
        self.speed_window_s = speed_window_s
        self.min_settle_s = min_settle_s
        self.min_hold_s = min_hold_s
        self.smooth_s = smooth_s
        self.baseline_deg = baseline_deg
        self.baseline_window_s = baseline_window_s
        self.grid_hz = grid_hz
        self.max_gap_s = max_gap_s
        self.max_dip_s = max_dip_s
        self.split_prominence_deg = split_prominence_deg
        self.split_fraction = split_fraction
        self.max_bridged_s = max_bridged_s

    @property
    def support_s(self) -> float:
        """Data needed after a hold's end before it is final (streaming latency; a dip below the
        release level is only known to be a release once it has lasted ``max_dip_s``)."""
        settle = 0.5 * max(self.smooth_s, self.speed_window_s) + self.min_settle_s + self.max_dip_s
        # (the move out's crossing may lie up to MOVE_OUT_LOOKAHEAD_S past the excursion: its speed is read
        # with the fine filter's half-window beyond)
        return max(settle, MOVE_OUT_LOOKAHEAD_S + 0.5 * max(self.smooth_s, BOUNDARY_SPEED_WINDOW_S)) + 3.0 / self.grid_hz

    @property
    def lookback_s(self) -> float:
        """How far before an excursion's start detection reads data (filter half-windows:
        a hold lies inside its excursion)."""
        return 0.5 * max(self.smooth_s, self.speed_window_s, BOUNDARY_SPEED_WINDOW_S) + 2.0 / self.grid_hz + MOVE_IN_LOOKBACK_S

    def detect(self, trace: AngleTrace, baseline_deg: float | None = None,
               previous_end_s: float | None = None, memo: dict | None = None,
               rest: RestLevel | None = None) -> "HoldDetector":
        """Find the holds in ``trace``; returns ``self``.

        Live use: ``previous_end_s`` is the end of the last hold already
        reported (excursions, or their parts between data gaps, that began
        before it are not searched again); ``memo`` is a dict kept between the
        calls on one growing stream: an excursion that closed more than
        ``lookback_s`` before the end of the data gives the same hold on every
        later call, so it is worked out once (keyed by its absolute times).
        ``rest``: the resting level followed through the trace, which the
        thresholds are measured from (:class:`~dorsi.events.rest_level.RestLevel`).
        """
        if not 0 <= self.release_deg <= self.threshold_deg:
            raise ValueError("need 0 <= release_deg <= threshold_deg")
        signs = polarity_signs(self.polarity)
        sig = channel_grid(trace, self.channel, self.grid_hz, self.max_gap_s)
        base = baseline_deg if baseline_deg is not None else self.baseline_deg
        self.baseline_deg_ = float(base) if base is not None else start_baseline(sig, self.baseline_window_s)
        self.signal_ = sig
        xs = filtered(sig, self.smooth_s)
        v = filtered(sig, self.speed_window_s, deriv=1)
        v_fine: list[np.ndarray] = []  # sharper, for the movement-shape boundaries (when one is needed)

        def speed_fine() -> np.ndarray:
            if not v_fine:
                v_fine.append(filtered(sig, BOUNDARY_SPEED_WINDOW_S, deriv=1))
            return v_fine[0]

        # a bridge across lost samples is a straight line: flat, but nothing was observed there
        settled = (np.abs(v) < self.settle_speed_deg_s) & sig.valid
        n_settle = max(1, int(round(self.min_settle_s * sig.rate_hz)))
        holds: list[Hold] = []
        self.open_hold_: tuple[float, float] | None = None
        self.excursions_: list[tuple[float, float]] = []
        self.cuts_: list[tuple[float, float]] = []
        level = rest.at(sig.t) if rest is not None else self.baseline_deg_
        for sign in signs:
            y = sign * (xs - level)
            inside = close_gaps(y > self.release_deg, int(round(self.max_dip_s * sig.rate_hz)))
            self.excursions_ += excursion_times(sig.t, inside)
            starts, ends = runs_containing(inside, y > self.threshold_deg)
            done = 0 if previous_end_s is None else int(np.searchsorted(sig.t, previous_end_s))
            pieces, cut_at = self._split_at_valleys(y, starts, ends, done, sig.t)
            # each part with the end of its piece: a move out that a gap cut is read on to there
            parts = [(p, piece_end) for a, piece_end in pieces
                     for p in _split_at_gaps(a, piece_end, y, settled, sig.valid, self.settle_speed_deg_s,
                                             sig.rate_hz, self.max_bridged_s)
                     if p[0] >= done]  # parts that began before it hold holds already reported
            stable_to = len(y) - int(np.ceil(self.lookback_s * sig.rate_hz))
            for (a, e), piece_end in parts:  # one iteration per excursion (or its part between data gaps)
                if not (y[a:e] > self.threshold_deg).any():
                    continue  # a part between gaps never in position: the rest a gap cut off a run
                key = (sign, float(sig.t[a]), float(sig.t[e - 1]))
                # the hold may read its piece on past a gap: fixed once the piece has closed
                stable = piece_end <= stable_to
                if memo is not None and stable and key in memo:
                    hold = memo[key]
                else:
                    floors = (float(y[a]) if a in cut_at else 0.0, float(y[e]) if e in cut_at else 0.0)
                    hold = self._part_hold(sig, y, settled, lambda: sign * speed_fine(), a, e, piece_end, n_settle,
                                           floors)
                    if memo is not None and stable:
                        memo[key] = hold
                if hold is not None:
                    holds.append(hold)
        holds.sort(key=lambda h: h.start_s)
        self.holds_ = holds
        return self

    def _split_at_valleys(self, y: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                          done: int, t: np.ndarray) -> tuple[list[tuple[int, int]], set[int]]:
        """The in-position runs ending after ``done``, each cut at its deep valleys (noted in
        ``cuts_``), and the indices of those cuts."""
        depth = self.split_prominence_deg or self.threshold_deg
        min_width = int(round(MIN_VALLEY_S * self.grid_hz))
        cut_at: set[int] = set()
        out = []
        for a, e in zip(starts.tolist(), ends.tolist()):
            if e <= done:
                continue
            valleys = ([] if self.split_fraction is None
                       else deep_valleys(y[a:e], self.threshold_deg, depth, self.split_fraction, min_width))
            cuts = [a] + [a + v for v in valleys] + [e]
            self.cuts_ += [(float(t[c - 1]), float(t[c])) for c in cuts[1:-1]]
            cut_at.update(cuts[1:-1])
            out += list(zip(cuts[:-1], cuts[1:]))
        return out, cut_at

    def _back_at_rest(self, y: np.ndarray) -> int | None:
        """Where the run ``y`` (still open at the end of the data) last came back as far as a
        deep valley goes, to stay there to its end for ``MIN_VALLEY_S`` at least; None if not."""
        if self.split_fraction is None or not len(y):
            return None
        top = float(y.max())
        below = y < valley_floor(top, self.split_prominence_deg or self.threshold_deg, self.split_fraction)
        if not below[-1]:
            return None
        k = len(below) - int(np.argmin(below[::-1])) if not below.all() else 0
        return k if len(y) - k >= int(round(MIN_VALLEY_S * self.grid_hz)) else None

    def _part_hold(self, sig: GridSignal, y: np.ndarray, settled: np.ndarray,
                   velocity: Callable[[], np.ndarray], a: int, e: int, piece_end: int,
                   n_settle: int, floors: tuple[float, float] = (0.0, 0.0)) -> Hold | None:
        """The hold in the in-position run ``[a, e)``, if any (sets ``open_hold_`` for a run
        still open at the end of the data).

        ``floors``: the level the move in starts from and the move out returns to, where the
        run was cut at a deep valley (the rest there, off the baseline); 0 elsewhere. The hold's
        moves are then timed against those levels, and a settled stretch of the run that is not
        in position (the rest in a valley, under half-way to the held level) is not held.
        ``piece_end``: the end of the run ``[a, e)`` was cut from at data gaps (``e`` if none)."""
        held = _held_through_gaps(a, e, y, settled, sig.valid, self.settle_speed_deg_s, sig.rate_hz)
        end_of_run = e  # (the end the moves are searched to)
        if e == len(y) and floors[1] == 0.0:
            back = self._back_at_rest(y[a:e] - floors[0])
            if back is not None:  # open only because the rest it came back to is off the baseline
                floors, end_of_run = (floors[0], float(y[a + back:e].min())), e - 1
        y_in = y_out = y
        if floors != (0.0, 0.0):
            y_in, y_out = y - floors[0], y - floors[1]
            mid = (e - a) // 2
            held = held & np.concatenate([y_in[a:a + mid] > 0.5 * _percentile(y_in[a:e], 99.0),
                                          y_out[a + mid:e] > 0.5 * _percentile(y_out[a:e], 99.0)])
        first = first_long_run(held, n_settle)
        if first is None:
            return None
        i0 = a + first
        last = first_long_run(held, n_settle, from_end=True)
        i1 = a + (first if last is None else last)  # a run found from the start is found from the end
        t0, t1 = float(sig.t[i0]), float(sig.t[i1])
        if self.boundary == "profile":
            reach = _reach_across(sig.valid, e, piece_end, sig.rate_hz) if end_of_run == e else e
            start, end = _profile_bounds(sig.t, y_in, velocity, a, end_of_run, t0, t1, sig.valid, reach)
            if y_out is not y_in:  # each move against its own floor
                end = _profile_bounds(sig.t, y_out, velocity, a, end_of_run, t0, t1, sig.valid, reach)[1]
            t0, t1 = (start, end) if end > start else (t0, t1)
        if end_of_run == len(y):  # still in position at the end of the trace: running
            # held until the last settled moment: once the move out has begun the timer
            # stops, though the position is not left yet (no "target met" on the way out)
            t1 = float(sig.t[i1])
            self.open_hold_ = (t0, max(0.0, t1 - t0))
        duration = t1 - t0
        if duration < self.min_hold_s:
            return None
        i, j = int(np.searchsorted(sig.t, t0, side="left")), int(np.searchsorted(sig.t, t1, side="right"))
        return Hold(start_s=t0, end_s=t1, duration_s=duration, mean_angle_deg=float(np.mean(sig.x[i:j])),
                    target_s=self.target_s, met=None if self.target_s is None else bool(duration >= self.target_s))


def _held_through_gaps(a: int, e: int, y: np.ndarray, settled: np.ndarray, valid: np.ndarray,
                       tolerance_deg: float, rate_hz: float) -> np.ndarray:
    """``settled[a:e]`` with the gaps inside the part where the position was held counted as held.

    A gap with the position held still at one level on both sides
    (:func:`_held_still_across`) joins the settled stretches either side:
    a short settled stretch between a gap and the move out still ends the hold
    where it ends. Not gaps kept only for being short (the position may have
    begun to move in them), nor where the position itself is within twice
    ``tolerance_deg`` of rest (an eccentric drop seen by the shin, 2-5 deg:
    "the same level" then cannot tell holding from slowly coming back), nor
    gaps at the part's edges.
    """
    held = settled[a:e]
    if valid[a:e].all():
        return held
    g0, g1 = runs(~valid[a:e])
    gaps = [(s, f) for s, f in zip((g0 + a).tolist(), (g1 + a).tolist())
            if s > a and f < e and abs(float(y[s - 1])) >= 2.0 * tolerance_deg
            and _held_still_across(s - 1, f, y, settled, valid, tolerance_deg, rate_hz)]
    if gaps:
        held = held.copy()  # (a view of settled until then)
        for s, f in gaps:
            held[s - a:f - a] = True
    return held


def _held_still_across(before: int, after: int, y: np.ndarray, settled: np.ndarray, valid: np.ndarray,
                       tolerance_deg: float, rate_hz: float) -> bool:
    """The position was held still at one level on both sides of the gap between ``before`` and
    ``after`` (stillness after it read on its first data, :func:`_still_after`)."""
    return bool(settled[before] and abs(float(y[after] - y[before])) < tolerance_deg
                and (settled[after] or _still_after(y, valid, after, rate_hz, tolerance_deg)))


def _split_at_gaps(a: int, e: int, y: np.ndarray, settled: np.ndarray, valid: np.ndarray,
                   tolerance_deg: float, rate_hz: float = 100.0,
                   max_bridged_s: float | None = None) -> list[tuple[int, int]]:
    """The excursion ``[a, e)`` cut at data gaps that may hide a move out and back in.

    A gap bridged by the grid (``valid`` False) keeps the excursion whole only
    when the position was held on both sides of it at the same level (a
    dropout in the middle of a long stretch); otherwise (moving on either
    side, or a different level after it) one hold may have ended and the next
    begun unseen, so the parts before and after are judged separately. A gap
    shorter than ``SHORT_GAP_S`` with the same level on both sides never cuts:
    a move out and back in takes longer (this keeps a rocking traction hold
    whole across a dropout). With ``max_bridged_s``, an excursion longer than
    that is cut at every gap of ``LONG_GAP_S`` or more however it was held: two
    holds ran together unseen (eccentric drops: a 5 s hold, then the lowering,
    the rest and the next lift inside a 4-6 s dropout).
    """
    if valid[a:e].all():
        return [(a, e)]
    g0, g1 = runs(~valid[a:e])
    too_long = max_bridged_s is not None and (e - a) / rate_hz > max_bridged_s
    out, lo = [], a
    for s, f in zip((g0 + a).tolist(), (g1 + a).tolist()):
        before, after = s - 1, f
        if before < a or after >= e:
            continue  # a gap at the excursion's edge: nothing to cut
        if too_long and (after - before) / rate_hz >= LONG_GAP_S:
            out.append((lo, s))
            lo = f
            continue
        if abs(float(y[after] - y[before])) < tolerance_deg and (after - before) / rate_hz < SHORT_GAP_S:
            continue  # too short to hide a move out and back in (rocking or sway around it or not)
        if _held_still_across(before, after, y, settled, valid, tolerance_deg, rate_hz):
            continue
        out.append((lo, s))
        lo = f
    out.append((lo, e))
    return [(p, q) for p, q in out if q > p]


def _profile_bounds(t: np.ndarray, y: np.ndarray, velocity: Callable[[], np.ndarray], a: int, e: int,
                    t0: float, t1: float, valid: np.ndarray | None = None,
                    reach: int | None = None) -> tuple[float, float]:
    """Hold start/end from the minimum-jerk shape of the moves in and out.

    ``y`` is the excursion (positive = into position), ``velocity()`` gives its
    velocity (computed only when a move is in the data),
    ``[a, e)`` the excursion run and ``t0, t1`` the settled-speed fallback.
    The held level is re-estimated next to each boundary, so sway or a slow
    settle deeper into the stretch does not bias it. A move whose half-way
    crossing lies near bridged (lost) samples has no observable shape: that
    side keeps the fallback, unless it is a slow move out, fitted to its
    received samples around the crossing or, when the data stop before it
    is half done, to those before the gap (:func:`_end_before_gap`), or, when the excursion goes
    on after the gap (to ``reach``, the end of the run ``[a, e)`` was cut from at gaps), to those
    on both sides of it (:func:`_end_across_gap`).
    """
    top = _percentile(y[a:e], 99.0)
    rate_hz = 1.0 / float(t[1] - t[0])
    # a hold under twice the release level above rest crosses half-way outside its excursion
    w0, w1 = _crossing_window(y, valid, a, e, top / 2, rate_hz)
    seg = y[w0:w1]
    up = w0 + np.flatnonzero((seg[:-1] < top / 2) & (seg[1:] >= top / 2))
    down = w0 + np.flatnonzero((seg[:-1] >= top / 2) & (seg[1:] < top / 2))
    # each boundary from its own move: a run that begins already past half-way (a fast move in at
    # a low rate, the run's threshold crossed late) still ends where its move out says, and vice versa
    moved_in = len(up) > 0
    moved_out = len(down) > 0 and (not moved_in or down[-1] > up[0])
    running = e == len(y) and moved_in  # in position at the end of the data
    if not (moved_out or running):
        if moved_in and valid is not None and e < len(y) and not valid[e]:  # the data stopped, not the hold
            k0 = int(np.searchsorted(t, t0))
            if not a <= k0 < e - 1:
                return t0, t1
            vs = velocity()
            across = _end_across_gap(t, y, valid, k0, e, reach, t0, t1) if reach is not None else None
            return t0, across if across is not None else _end_before_gap(t, y, valid, vs, k0, e, t0, t1)
        return t0, t1
    vs = velocity()
    # a hold still running at the end of the data only needs its start (the caller ends it at
    # the last settled moment): from the move in, as it will be once the move out comes
    # (no move in seen: the hold's first settled sample stands in for it, so the search for the move
    # out's stop stays inside the hold)
    k_up = int(up[0]) if moved_in else min(max(a, int(np.searchsorted(t, t0))), e - 1)
    k_dn = int(down[-1]) if moved_out else e - 1
    if k_dn <= k_up:  # no move in seen, and the data crossed half-way down before it first settled
        return t0, t1
    near = int(round(1.5 * rate_hz))
    mid = (k_up + k_dn) // 2
    lo_in, hi_in = w0, min(mid, k_up + near)
    lo_out, hi_out = max(mid, k_dn - near), min(max(e + 1, w1), len(y))
    level = lambda: median(y[k_up:k_dn + 1])  # noqa: E731  (the fallback: rarely needed)
    start, end = t0, t1
    # The held level is read where the move in first comes (nearly) to a stop, and where the
    # move out last was that slow: later motion inside the hold (rocking, settling deeper, sway) does not
    # count as part of the move.
    amp_in = _first_stop_level(y, vs, k_up, k_dn, forward=True, fallback=level, reach=near) if moved_in else 0.0
    rate_near = int(round(0.5 * rate_hz))

    def observed(k: int, move: tuple[float, float]) -> bool:
        if valid is None:
            return True
        near_k = valid[max(0, k - rate_near):k + rate_near + 1]
        # a slow move (over 2 s: an eccentric lowering takes 2-4 s) is still seen when lost samples
        # cover under 30 % of the second around its half-way crossing: the bridge over them is a
        # short straight piece of a long smooth move (no data further on is read, so live and
        # batch agree once the excursion has closed)
        return bool(near_k.all()) or (move[1] > 2.0 and float(near_k.mean()) >= 0.7)

    if moved_in and y[lo_in] >= 0.5 * amp_in:
        # the excursion began above the move's half-way level (a move in that first stops low,
        # under twice the release level, then goes on): its half-way crossing lies before it
        lo_in = _last_below(y, lo_in, 0.5 * amp_in, int(round(MOVE_IN_LOOKBACK_S * rate_hz)))
    move_in = move_in_timing(t, y, vs, lo_in, hi_in, amp_in) if moved_in else None
    if move_in is not None and observed(k_up, move_in):
        start = move_in[0] + 0.5 * move_in[1]
    if running:
        return start, t1
    amp_out = _first_stop_level(y, vs, k_up, k_dn, forward=False, fallback=level, reach=near)
    if hi_out < len(y) and y[hi_out - 1] >= 0.5 * amp_out:
        # the search ended above the half-way level of the move out from where it last stopped
        ahead = e + int(round(MOVE_OUT_LOOKAHEAD_S * rate_hz)) - (hi_out - 1)
        hi_out = _first_below(y, valid, hi_out - 1, 0.5 * amp_out, ahead) + 1
    move_out = move_out_timing(t, y, vs, lo_out, hi_out, amp_out)
    if move_out is not None and observed(k_dn, move_out):
        end = move_out[0] - 0.5 * move_out[1]
    elif move_out is not None and valid is not None:
        # its half-way crossing lost: a slow move out (over 2 s, an eccentric lowering) is fitted
        # to its received samples. Not a move in (fast in every exercise: its received samples are
        # its ends, where a traction rock carries on from it, and the fit takes the rock for it)
        # (on past a gap that cut the excursion, to the end of its run: the received samples after
        # the gap hold the fit's other end)
        fit = fitted_timing(t, y, valid, lo_out, hi_out if reach is None else max(hi_out, reach), amp_out,
                            rising=False, last=True)
        if fit is not None and fit[1] > 2.0:
            end = fit[0] - 0.5 * fit[1]
        elif not valid[k_dn]:  # too little of it received around the crossing: what came before the gap
            received = np.flatnonzero(valid[k_up:k_dn])
            if len(received) and received[-1] >= 1:  # (the gap starts after the last of them)
                end = _end_before_gap(t, y, valid, vs, k_up, k_up + int(received[-1]) + 1, start, t1)
    if end <= start:
        return t0, t1
    return start, end


def _end_before_gap(t: np.ndarray, y: np.ndarray, valid: np.ndarray, vs: np.ndarray, k_in: int, g: int,
                    t0: float, t1: float) -> float:
    """End of a hold whose move out was under way, not yet half done, when the data stopped (a gap
    from ``g``; ``k_in`` is in the hold): a slow move out (over 2 s, an eccentric lowering) is
    fitted to the samples received before the gap
    (:func:`~dorsi.events.profile.fitted_start_before_gap`). Else, and when the fit puts the
    move's start before the hold's start ``t0`` or after its last settled sample ``t1``, ``t1``.
    No sample after the gap is read, so live and batch agree."""
    rate_hz = 1.0 / float(t[1] - t[0])
    level = lambda: median(y[k_in:g])  # noqa: E731
    amp_out = _first_stop_level(y, vs, k_in, g - 1, forward=False, fallback=level, reach=int(round(1.5 * rate_hz)))
    if amp_out < PARTIAL_FIT_MIN_DEG:
        return t1
    fit = fitted_start_before_gap(t, y, valid, k_in, g, amp_out)
    if fit is None or fit[1] <= 2.0 or not t0 < fit[0] <= t1:
        return t1
    return fit[0]


def _reach_across(valid: np.ndarray, e: int, piece_end: int, rate_hz: float) -> int:
    """How far a hold's part ``[.., e)`` may read on past the gap at ``e``: to ``piece_end``, the
    end of the run it was cut from, if the gap is at most ``ACROSS_GAP_MAX_S`` long; else ``e``."""
    if piece_end <= e or valid[e]:
        return e
    received = np.flatnonzero(valid[e:piece_end])
    lost = int(received[0]) if len(received) else piece_end - e
    return piece_end if lost <= ACROSS_GAP_MAX_S * rate_hz else e


def _end_across_gap(t: np.ndarray, y: np.ndarray, valid: np.ndarray, k_in: int, g: int, reach: int,
                    t0: float, t1: float) -> float | None:
    """End of a hold whose move out a gap (from ``g``) cut in two, the excursion going on after it
    (to ``reach``): a slow move out (over 2 s, an eccentric lowering) fitted to its received
    samples on both sides of the gap (:func:`~dorsi.events.profile.fitted_timing` across the
    bridge, whose half-way crossing it finds). None when there is no such move: its half-way
    crossing not in ``[k_in, reach)`` (a gap that hid a whole cycle between two holds), too few
    samples, a fast move, or an end outside ``(t0, t1]``. Reads nothing past the excursion, so
    live and batch agree once it has closed."""
    if reach <= g + 1:
        return None
    rate_hz = 1.0 / float(t[1] - t[0])
    # the held level: over the last 1.5 s before the gap (the move out's slow start is under 10 %
    # of it, while a speed minimum of sway there would set it too low)
    k_recent = max(k_in, g - int(round(1.5 * rate_hz)))
    recent = k_recent + np.flatnonzero(valid[k_recent:g])
    if len(recent) < 5:
        return None
    amp_out = median(y[recent])
    if amp_out < ACROSS_FIT_MIN_DEG:
        return None
    fit = fitted_timing(t, y, valid, k_in, reach, amp_out, rising=False, last=True)
    if fit is None or fit[1] <= 2.0:
        return None
    end = fit[0] - 0.5 * fit[1]
    return end if t0 < end <= t1 else None


def _last_below(y: np.ndarray, k: int, level: float, reach: int, valid: np.ndarray | None = None) -> int:
    """The last index before ``k`` (at most ``reach`` back; with ``valid``, through received
    samples only) where ``y`` is below ``level``; ``k`` when there is none."""
    lo = max(0, k - reach)
    if valid is not None:
        lost = np.flatnonzero(~valid[lo:k])
        lo = lo + int(lost[-1]) + 1 if lost.size else lo
    below = np.flatnonzero(y[lo:k] < level)
    return lo + int(below[-1]) if below.size else k


def _crossing_window(y: np.ndarray, valid: np.ndarray | None, a: int, e: int, level: float,
                     rate_hz: float) -> tuple[int, int]:
    """``[w0, w1)``: the excursion ``[a, e)`` widened, through received samples, back to the last
    sample below ``level`` before it (at most ``MOVE_IN_LOOKBACK_S``) and on to the first one
    after it (at most ``MOVE_OUT_LOOKAHEAD_S``), where the excursion starts or ends at or above
    ``level``."""
    w0, w1 = a, e
    if y[a] >= level:
        w0 = _last_below(y, a, level, int(round(MOVE_IN_LOOKBACK_S * rate_hz)), valid)
    if e < len(y) and y[e - 1] >= level:
        w1 = _first_below(y, valid, e, level, int(round(MOVE_OUT_LOOKAHEAD_S * rate_hz))) + 1
    return w0, w1


def _first_below(y: np.ndarray, valid: np.ndarray | None, k: int, level: float, reach: int) -> int:
    """The first index from ``k`` on (at most ``reach`` on, through received samples only) where
    ``y`` is below ``level``; ``k`` when there is none."""
    hi = min(len(y), k + reach + 1)
    if valid is not None:
        lost = np.flatnonzero(~valid[k:hi])
        hi = k + int(lost[0]) if lost.size else hi
    below = np.flatnonzero(y[k:hi] < level)
    return k + int(below[0]) if below.size else k


def _first_stop_level(y: np.ndarray, vs: np.ndarray, k_up: int, k_dn: int, forward: bool,
                      fallback: Callable[[], float], reach: int, fraction: float = 0.5) -> float:
    """Excursion where the move in first comes to a (near) stop after its peak speed.

    The stop is the first local minimum of the speed below ``fraction`` of the
    move's peak speed (a following movement, e.g. band-traction rocking, may
    start before the speed reaches zero). The peak speed is searched within
    ``reach`` samples of the half-way crossing. With ``forward=False`` the
    same, backwards in time from the move out at ``k_dn``.
    """
    if k_dn <= k_up + 2:
        return fallback()
    speed = vs[k_up:k_dn + 1] if forward else -vs[k_up:k_dn + 1][::-1]
    peak = int(np.argmax(speed[: max(1, min(reach, len(speed) // 2))]))  # the move's own peak speed
    sp = speed[peak:]
    if len(sp) < 3 or sp[0] <= 0:
        return fallback()
    minima, _ = find_peaks(-sp, prominence=0.2 * sp[0])  # noise wiggles are not stops
    hits = minima[sp[minima] < fraction * sp[0]]
    if len(hits) == 0:
        return fallback()
    k = peak + int(hits[0])
    return float(y[k_up + k] if forward else y[k_dn - k])


def _percentile(x: np.ndarray, q: float) -> float:
    """``np.percentile(x, q)`` (its default "linear" method, same rounding), for a non-empty 1-D array.

    The live path runs this on every detection of a running hold; numpy's
    general version spends ~30 us in dispatch around a ~3 us partition.
    """
    v = (len(x) - 1) * (q / 100.0)
    lo = int(v)
    hi = min(lo + 1, len(x) - 1)
    part = np.partition(x, (lo, hi))
    a, b = float(part[lo]), float(part[hi])
    g, d = v - lo, b - a
    return b - d * (1.0 - g) if g >= 0.5 else a + d * g


def _still_after(y: np.ndarray, valid: np.ndarray, after: int, rate_hz: float, speed_deg_s: float) -> bool:
    """The first ``STILL_AFTER_S`` of data after a gap keep still (slower than ``speed_deg_s``).

    Read on those samples alone: the smoothed speed there also reaches into the
    bridge over the gap and into what follows, so a move out just after the
    gap would make a held position look unsettled.
    """
    k = max(2, int(round(STILL_AFTER_S * rate_hz)))
    seg = y[after:after + k + 1]
    if len(seg) < k + 1 or not valid[after:after + k + 1].all():
        return False
    return float(seg.max() - seg.min()) < speed_deg_s * STILL_AFTER_S
