"""All events of one exercise segment: reps, holds, heel lifts and form flags.

Combines :class:`RepDetector`, :class:`HoldDetector`, :class:`HeelLiftDetector`
and :class:`FrontalTiltFlagger` as the exercise's routine entry asks, then
annotates each rep/hold with heel lift and foot roll-in, eccentric lowering
time and knee-to-wall distance.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import channel_grid, head_baseline, start_baseline
from dorsi.events.circle_direction import CircleDirection
from dorsi.events.form import FrontalTiltFlagger
from dorsi.events.heel_lifts import HeelLiftDetector
from dorsi.events.holds import BOUNDARY_SPEED_WINDOW_S, HoldDetector
from dorsi.events.reps import RepDetector
from dorsi.events.rest_level import RestLevel
from dorsi.events.results import HeelLift, Hold, Rep
from dorsi.events.rhythm import RESTORE_REACH_S
from dorsi.events.settings import settings_for
from dorsi.events.valleys import cut_intervals
from dorsi.routine.model import ExerciseSpec

#: The ankle angle's data beginning this much (s) after the shin's: its still start was not seen.
LATE_START_S = 1.0


def _join_split_in_a_hold(reps: list[Rep], holds: list[Hold], sign: float, margin_s: float = 0.3) -> list[Rep]:
    """One rep of a rep-and-hold exercise (eccentric drops) holds once at end range: two reps
    that meet well inside one hold are one rep that sway split at a dip, unless the first one's
    peak lies in an earlier hold (it held there: a data gap hid its lowering and the next lift,
    and the two reps meet only because the cut between them fell inside the next hold)."""
    out: list[Rep] = []
    for rep in reps:
        if out and rep.start_s - out[-1].end_s <= 0.05 and any(
                h.start_s + margin_s < out[-1].end_s and rep.start_s < h.end_s - margin_s
                and not _peak_in_an_earlier_hold(out[-1], h, holds) for h in holds):
            first = out[-1]
            peak = max((first, rep), key=lambda r: sign * (r.peak_angle_deg - r.baseline_deg))
            out[-1] = replace(first, end_s=rep.end_s, peak_s=peak.peak_s, peak_angle_deg=peak.peak_angle_deg)
        else:
            out.append(rep)
    return out


def _peak_in_an_earlier_hold(rep: Rep, hold: Hold, holds: list[Hold]) -> bool:
    """``rep``'s peak lies in one of ``holds`` that ended before ``hold`` began."""
    return any(h.end_s <= hold.start_s and h.start_s <= rep.peak_s <= h.end_s for h in holds)


def _overlaps(starts: np.ndarray, ends: np.ndarray, lifts: list[HeelLift]) -> np.ndarray:
    """For each interval, whether any heel lift overlaps it."""
    if not lifts or len(starts) == 0:
        return np.zeros(len(starts), dtype=bool)
    ls = np.array([h.start_s for h in lifts])
    le = np.array([h.end_s for h in lifts])
    return np.asarray(((ls[None, :] <= ends[:, None]) & (le[None, :] >= starts[:, None])).any(axis=1))


def _longest_gaps(trace: AngleTrace, channel: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Longest interval between consecutive samples valid in ``channel`` overlapping each interval."""
    tv = trace.t[trace.channel_valid(channel)]
    if len(tv) < 2:
        return np.zeros(len(starts))
    dt = np.diff(tv)
    i0 = np.clip(np.searchsorted(tv, starts, side="right") - 1, 0, len(dt) - 1)
    i1 = np.clip(np.searchsorted(tv, ends, side="left"), i0 + 1, len(dt))
    return np.array([dt[a:b].max() for a, b in zip(i0, i1)])


def _latest(ends: float | dict) -> float:
    return max(ends.values()) if isinstance(ends, dict) else float(ends)


def _knee_to_wall(peak_deg: float, profile: dict) -> float | None:
    try:
        from dorsi.angle import knee_to_wall_cm
    except ImportError:
        return None
    kwargs = {k: profile[k] for k in ("shank_length_m", "foot_length_m") if k in profile}
    return float(knee_to_wall_cm(peak_deg, **kwargs))


class ExerciseEventDetector:
    """Events of one exercise segment.

    Parameters
    ----------
    spec : ExerciseSpec
        The routine entry (kind, targets, signal).
    source : str
        ``AngleTrace.source`` the settings are chosen for.
    profile : dict, optional
        Body profile (``shank_length_m``, ``foot_length_m``) for knee-to-wall.
    frontal_threshold_deg : float
        Medial tilt that flags "foot rolling in".
    grid_hz : float
        Detection grid rate.
    rep_overrides, hold_overrides : dict, optional
        Extra parameters for the rep / hold detectors.
    follow_rest : bool
        Measure the thresholds from the resting level followed from rest to
        rest where the exercise's settings say so (:meth:`rest_level`); False:
        from the baseline alone (a channel already taken relative to the rest
        before each piece, as the routine segmenter's evidence is).

    Attributes
    ----------
    reps_, holds_, heel_lifts_ : lists of Rep, Hold, HeelLift
    baselines_ : dict
        ``{"main": deg, "frontal": deg}`` resting values used.
    open_hold_ : tuple or None
        Running hold ``(start_s, elapsed_s)`` at the end of the trace.
    active_ : list of (start_s, end_s)
        Stretches where something was under way (events, and the excursions cut
        where ``cuts_`` says).
    excursions_ : list of (start_s, end_s)
        The rep and hold detectors' excursions (runs beyond their release level).
    cuts_ : list of (end_s, start_s)
        Where the rep or hold detector cut an excursion between two events
        (:attr:`RepDetector.cuts_`, :attr:`HoldDetector.cuts_`).
    notes_ : list of str
        Caveats (e.g. movement not observable without the foot sensor).
    """

    def __init__(self, spec: ExerciseSpec, source: str = "inclination", profile: dict | None = None,
                 frontal_threshold_deg: float = 8.0, grid_hz: float = 100.0,
                 rep_overrides: dict | None = None, hold_overrides: dict | None = None,
                 follow_rest: bool = True) -> None:
        self.spec = spec
        self.follow_rest = follow_rest
        self.source = source
        self.profile = profile
        self.frontal_threshold_deg = frontal_threshold_deg
        self.grid_hz = grid_hz
        self.rep_overrides = rep_overrides
        self.hold_overrides = hold_overrides
        self._built: tuple | None = None

    def _detectors(self) -> tuple[RepDetector | None, HoldDetector | None, HeelLiftDetector, FrontalTiltFlagger]:
        """The configured detectors (built on first use, from the parameters as they are then)."""
        if self._built is None:
            self._built = self._build()
        return self._built

    def _build(self) -> tuple[RepDetector | None, HoldDetector | None, HeelLiftDetector, FrontalTiltFlagger]:
        s = settings_for(self.spec, self.source)
        common = dict(channel=s.channel, polarity=s.polarity, grid_hz=self.grid_hz)
        rep = hold = None
        if self.spec.has_reps:
            rep = RepDetector(**{**common, **s.rep, **(self.rep_overrides or {})})
        if self.spec.has_holds:
            hold = HoldDetector(target_s=self.spec.target.hold_s,
                                **{**common, **s.hold, **(self.hold_overrides or {})})
        return rep, hold, HeelLiftDetector(grid_hz=self.grid_hz), FrontalTiltFlagger(
            self.frontal_threshold_deg, grid_hz=self.grid_hz)

    @property
    def support_s(self) -> float:
        """Data needed after an event's end before it is final."""
        return max(d.support_s for d in self._detectors()[:3] if d is not None)

    @property
    def channel(self) -> str:
        """The trace channel the reps and holds are read from."""
        return settings_for(self.spec, self.source).channel

    @property
    def lookback_s(self) -> float:
        """How far before an excursion's start any detector reads data."""
        rep, hold, _, _ = self._detectors()
        return max([d.lookback_s for d in (rep, hold) if d is not None], default=0.0)

    @property
    def main_filters(self) -> tuple[float, float, list[tuple[float, int]]]:
        """``(grid_hz, max_gap_s, [(window_s, deriv), ...])``: how the rep and hold detectors grid
        and filter the main channel (see :func:`dorsi.events.grid.filtered`)."""
        rep, hold, _, _ = self._detectors()
        used = [d for d in (rep, hold) if d is not None]
        filters = {(d.smooth_s, 0) for d in used} | {(d.speed_window_s, 1) for d in used}
        if hold is not None:
            filters.add((BOUNDARY_SPEED_WINDOW_S, 1))  # the hold detector's boundary speed
        max_gap = used[0].max_gap_s if used else 0.5
        return self.grid_hz, max_gap, sorted(filters)

    def rest_level(self, baseline_deg: float) -> RestLevel | None:
        """A fresh :class:`RestLevel` for this exercise, starting at ``baseline_deg`` (None when its
        settings or ``follow_rest`` measure from the still start alone, or its reps are cycles)."""
        rep, hold, _, _ = self._detectors()
        used = [d for d in (rep, hold) if d is not None]
        if not used or not self.follow_rest or self.cyclic or not settings_for(self.spec, self.source).follow_rest:
            return None
        return RestLevel(baseline_deg, min(d.release_deg for d in used), used[0].polarity, self.grid_hz)

    @property
    def quiet_band_deg(self) -> float | None:
        """While the main channel stays within this of its baseline nothing can start (1 deg
        inside the lowest release level); None when that is not so (cyclic reps)."""
        rep, hold, _, _ = self._detectors()
        if self.cyclic:
            return None
        releases = [d.release_deg for d in (rep, hold) if d is not None]
        band = min(releases) - 1.0 if releases else 0.0
        return band if band > 0 else None

    @property
    def observable(self) -> bool:
        """Whether the trace's sensors can see the exercise: one that needs the foot sensor is
        barely visible on the shin alone (not scored, see ``dorsi.score.quality``)."""
        return not (self.spec.needs_foot_sensor and self.source != "ankle")

    @property
    def cyclic(self) -> bool:
        """Reps are cycles (ankle circles): one per prominent peak, trough to trough."""
        rep = self._detectors()[0]
        return rep is not None and rep.cycle_prominence_deg is not None

    @property
    def restore_reach_s(self) -> float:
        """How long after the last reported rep's peak a live run must keep its data: a rep a gap
        hid is counted back from the rep after the gap (0 where reps are not counted back)."""
        rep = self._detectors()[0]
        return RESTORE_REACH_S if rep is not None and rep.restore_hidden else 0.0

    @property
    def single_polarity(self) -> bool:
        """Reps go one way only (a rep's onset search then stops at the previous rep's end)."""
        rep = self._detectors()[0]
        return rep is None or rep.polarity != "both"

    @property
    def margin_s(self) -> float:
        """How far around an event its values depend on the data (filter half-windows,
        heel-lift merging)."""
        rep, hold, heel, _ = self._detectors()
        half = [0.5 * max(d.smooth_s, d.speed_window_s) for d in (rep, hold) if d is not None]
        return max(half + [heel.merge_gap_s]) + 2.0 / self.grid_hz

    def _main_baseline(self, trace: AngleTrace) -> float:
        """The main channel's median over its first 2 s (the still start).

        With a foot sensor whose data began more than ``LATE_START_S`` after the shin's, the ankle
        angle's first seconds may be mid-exercise (a band lunge's: every excursion read tens of
        degrees small); the shin's own inclination over its first 2 s stands in for them (at a
        still start the foot is flat, and the ankle angle is the shank's inclination).
        """
        sig = channel_grid(trace, self.channel, self.grid_hz, 0.5)
        shin = trace.shin_only
        if self.channel == "angle" and trace.source == "ankle" and shin is not None:
            seen = np.flatnonzero(shin.valid)
            if len(seen) >= 2 and float(sig.t[0]) - float(shin.t[seen[0]]) > LATE_START_S:
                return start_baseline(channel_grid(shin, "angle", self.grid_hz, 0.5), 2.0)
        return start_baseline(sig, 2.0)

    def detect(self, trace: AngleTrace, baselines: dict | None = None,
               previous_rep_end_s: float | dict | None = None,
               previous_hold_end_s: float | None = None, annotate: bool = True,
               hold_memo: dict | None = None, earlier_reps: list[Rep] | None = None,
               rest: RestLevel | None = None) -> "ExerciseEventDetector":
        """Detect and annotate all events of ``trace``; returns ``self``.

        Parameters
        ----------
        trace : AngleTrace
            The segment's trace.
        baselines : dict, optional
            ``{"main": deg, "frontal": deg}``; default: medians over the first 2 s.
        previous_rep_end_s, previous_hold_end_s : float or dict, optional
            Live continuation: ends of the last rep (per direction, ``{+1.0: s,
            -1.0: s}``, for reps both ways) and hold already reported; they are
            not searched for again (see :meth:`RepDetector.detect`,
            :meth:`HoldDetector.detect`). A rep's hold (eccentric drops) is
            searched until the rep is reported: the rep's lowering time needs it.
        annotate : bool
            ``False`` leaves reps and holds bare (no heel lift, roll-in,
            lowering time, knee-to-wall, gap); :meth:`annotate` adds them to the
            ones wanted (the live wrapper annotates only what it reports).
        hold_memo : dict, optional
            Kept by the live wrapper between calls on one growing stream (see
            :meth:`HoldDetector.detect`).
        earlier_reps : list of Rep, optional
            Live continuation: the reps already reported (a rep a data gap hid is
            counted back from their beat, :meth:`RepDetector.detect`).
        rest : RestLevel, optional
            Live continuation: the resting level followed through the stream so
            far (:meth:`rest_level`); default: followed through ``trace`` here,
            when the exercise's settings follow it (``rest_level_`` then).
        """
        rep_det, hold_det, heel_det, _ = self._detectors()
        if baselines is None:
            baselines = {
                "main": self._main_baseline(trace),
                "frontal": head_baseline(trace, "frontal", self.grid_hz, 0.5, 2.0),  # (read on events only)
            }
        self.baselines_ = dict(baselines)
        if rest is None:
            rest = self.rest_level(baselines["main"])
            if rest is not None:
                rate_hz, max_gap_s, _ = self.main_filters
                sig = channel_grid(trace, self.channel, rate_hz, max_gap_s)
                rest.extend(sig.t, sig.x, sig.valid)
        self.rest_level_ = rest
        self.heel_lifts_ = heel_det.detect(trace).heel_lifts_
        reps: list[Rep] = rep_det.detect(trace, baselines["main"], previous_rep_end_s,
                                         earlier_reps, rest).reps_ if rep_det else []
        if self.spec.has_reps:  # a rep's hold is needed until the rep itself is reported
            previous_hold_end_s = (None if previous_hold_end_s is None or previous_rep_end_s is None
                                   else min(previous_hold_end_s, _latest(previous_rep_end_s)))
            if previous_hold_end_s is not None and earlier_reps:
                # from the last reported rep's start: the next rep may begin before that rep's end
                # (its return read past the next drop's onset), and its hold with it
                previous_hold_end_s = min(previous_hold_end_s, earlier_reps[-1].start_s)
        holds: list[Hold] = hold_det.detect(trace, baselines["main"], previous_hold_end_s,
                                            hold_memo, rest).holds_ if hold_det else []
        self.open_hold_ = hold_det.open_hold_ if hold_det else None
        if self.spec.kind == "rep_holds" and rep_det is not None:
            reps = _join_split_in_a_hold(reps, holds, -1.0 if rep_det.polarity == "negative" else 1.0)
            if earlier_reps:  # live: the later piece of a rep reported joined is not a rep of its own
                last = earlier_reps[-1]
                reps = [r for r in reps if not (last.start_s <= r.start_s and r.end_s <= last.end_s)]
        self._found_holds = holds
        self.reps_, self.holds_ = self.annotate(trace, reps, holds) if annotate else (reps, holds)
        active = [(r.start_s, r.end_s) for r in self.reps_] + [(h.start_s, h.end_s) for h in self.holds_]
        active += [(h.start_s, h.end_s) for h in self.heel_lifts_]
        self.excursions_ = sorted(x for det in (rep_det, hold_det) if det is not None for x in det.excursions_)
        # a rep of a rep-and-hold exercise is one hold: reps cut apart inside one hold are joined
        # back (``_join_split_in_a_hold``), so only a cut between two holds parts them for good
        cutters = (hold_det,) if self.spec.kind == "rep_holds" else (rep_det, hold_det)
        self.cuts_ = sorted({c for det in cutters if det is not None for c in det.cuts_})
        self.active_ = sorted(active + cut_intervals(self.excursions_, self.cuts_))
        self.notes_ = []
        hold_note = settings_for(self.spec, self.source).hold_note
        if hold_note and self.holds_:
            self.notes_.append(hold_note)
        if not self.observable:
            self.notes_.append(f"{self.spec.id}: the movement is mostly at the ankle; without the foot "
                               "sensor it is barely visible: not scored (wear the foot sensor to count it)")
        return self

    def annotate(self, trace: AngleTrace, reps: list[Rep], holds: list[Hold]) -> tuple[list[Rep], list[Hold]]:
        """``reps`` and ``holds`` of the last :meth:`detect` on ``trace`` with heel lift, foot
        roll-in, eccentric lowering time, knee-to-wall distance and longest data gap filled in."""
        flagger, frontal = self._detectors()[3], self.baselines_["frontal"]
        return (self._annotate_reps(trace, reps, self._found_holds, flagger, frontal),
                self._annotate_holds(trace, holds, flagger, frontal))

    def _annotate_reps(self, trace: AngleTrace, reps: list[Rep], holds: list[Hold],
                       flagger: FrontalTiltFlagger, frontal_base: float) -> list[Rep]:
        if not reps:
            return []
        starts = np.array([r.start_s for r in reps])
        ends = np.array([r.end_s for r in reps])
        heel = _overlaps(starts, ends, self.heel_lifts_)
        gaps = _longest_gaps(trace, self.channel, starts, ends)
        flagger.detect(trace, list(zip(starts, ends)), frontal_base)
        hold_ends = np.array([h.end_s for h in holds])
        directions = (CircleDirection().detect(trace, starts, ends).directions_ if self.cyclic
                      else [None] * len(reps))
        out = []
        rep_det = self._detectors()[0]
        cut_at = {c1 for _, c1 in rep_det.cuts_} if rep_det is not None else set()
        for i, rep in enumerate(reps):
            lowering = None
            if self.spec.kind == "rep_holds":
                inside = np.flatnonzero((hold_ends > rep.start_s) & (hold_ends <= rep.end_s))
                if len(inside):
                    hold_end = float(hold_ends[inside[-1]])
                    back = rep.end_s
                    if rep.end_s in cut_at and rep_det is not None:  # ends in the rest after its lowering
                        back = rep_det.return_end(hold_end, rep.end_s, -1.0 if rep_det.polarity == "negative" else 1.0)
                    lowering = back - hold_end
            ktw = _knee_to_wall(rep.peak_angle_deg, self.profile or {}) if self.spec.id == "knee_to_wall" else None
            out.append(replace(rep, heel_lift=bool(heel[i]), frontal_tilt_deg=float(flagger.tilt_deg_[i]),
                               foot_roll_in=bool(flagger.flags_[i]), lowering_s=lowering, knee_to_wall_cm=ktw,
                               gap_s=float(gaps[i]), direction=directions[i]))
        return out

    def _annotate_holds(self, trace: AngleTrace, holds: list[Hold], flagger: FrontalTiltFlagger,
                        frontal_base: float) -> list[Hold]:
        if not holds:
            return []
        starts = np.array([h.start_s for h in holds])
        ends = np.array([h.end_s for h in holds])
        heel = _overlaps(starts, ends, self.heel_lifts_)
        flagger.detect(trace, list(zip(starts, ends)), frontal_base)
        return [replace(h, heel_lift=bool(heel[i]), frontal_tilt_deg=float(flagger.tilt_deg_[i]),
                        foot_roll_in=bool(flagger.flags_[i])) for i, h in enumerate(holds)]
