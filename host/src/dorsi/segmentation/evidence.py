"""What each piece between two candidate boundaries holds, as prefix sums over the pieces.

Per piece: its length, its busy time (moving, or held away from a rest), its
time moving, its time lying along the floor, and for each exercise the reps and holds its own
detector finds there (those that move as the exercise does: a knee swing lifts the ankle, a
weight-bearing exercise turns the shank) and the busy time outside them. Each detector runs once
over the whole recording, its channel taken relative to the rest before
(:func:`dorsi.segmentation.resting_level.less_resting_level`): a piece may
begin inside an exercise's movement (a shallow drop's hold is as still as a
rest), where the piece's own start would be a wrong resting value. An event
counts in the piece holding its middle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.exercise import ExerciseEventDetector
from dorsi.events.runs import fill_intervals
from dorsi.routine import ExerciseSpec
from dorsi.routine.exercises import WEIGHT_BEARING
from dorsi.segmentation.resting_level import RestingViews
from dorsi.segmentation.rests import LONG_SITTING_DEG, RestFinder

#: An event's own time, widened by this much each side, accounts for the movement around it.
EVENT_MARGIN_S = 1.0
#: A seated knee swing lifts the ankle at least this much (m; the shin's own estimate).
KNEE_SWING_RISE_M = 0.05
#: Exercises that turn the shank over the planted foot (weight-bearing; band traction rocks so).
SHANK_OVER_FOOT = (*WEIGHT_BEARING, "traction")
#: ... where the shank's inclination is away from its rest at least this share of the ankle angle.
SHANK_SHARE = 0.5


@dataclass(frozen=True)
class PieceEvidence:
    """Prefix sums over the pieces (length P + 1): the total over pieces ``j .. k-1`` is
    ``x[k] - x[j]``.

    Attributes
    ----------
    seconds, busy_s, moving_s, lying_s : arrays
        Time; time moving or held away from a rest; time moving; time lying along the floor.
    reps, holds : dict of arrays
        Per exercise, the reps and holds its detector finds.
    unexplained_s : dict of arrays
        Per exercise, the busy time outside its own events.
    """

    seconds: np.ndarray
    busy_s: np.ndarray
    moving_s: np.ndarray
    lying_s: np.ndarray
    reps: dict[str, np.ndarray]
    holds: dict[str, np.ndarray]
    unexplained_s: dict[str, np.ndarray]

    @staticmethod
    def gather(trace: AngleTrace, finder: RestFinder, cuts: np.ndarray, specs: list[ExerciseSpec],
               profile: dict | None = None) -> "PieceEvidence":
        """The evidence for the pieces between consecutive ``cuts`` of ``trace``."""
        g_t, grid_hz = finder.grid_t_, finder.grid_hz
        k = np.searchsorted(g_t, cuts)

        def per_piece(mask: np.ndarray) -> np.ndarray:  # seconds of a grid mask, as prefix sums
            return np.concatenate([[0], np.cumsum(mask)])[k] / grid_hz

        busy = ~finder.still_ & finder.valid_
        views = RestingViews(trace, finder)
        reps, holds, unexplained = {}, {}, {}
        for spec in specs:
            r, h = events_over(spec, trace, views, profile)
            reps[spec.id] = _prefix(np.histogram(r.mean(axis=1), cuts)[0])
            holds[spec.id] = _prefix(np.histogram(h.mean(axis=1), cuts)[0])
            spans = np.concatenate([r, h])
            covered = fill_intervals(len(g_t), np.searchsorted(g_t, spans[:, 0] - EVENT_MARGIN_S),
                                     np.searchsorted(g_t, spans[:, 1] + EVENT_MARGIN_S))
            unexplained[spec.id] = per_piece(busy & ~covered)
        return PieceEvidence(cuts - cuts[0], per_piece(busy), per_piece(finder.moving_),
                             per_piece((finder.incl_ < LONG_SITTING_DEG) & finder.valid_), reps, holds, unexplained)


def events_over(spec: ExerciseSpec, trace: AngleTrace, views: RestingViews,
                profile: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The reps and the holds (``(n, 2)`` start and end times) ``spec``'s detector finds over the
    whole trace, its channel taken relative to the rest before (``views``, of ``trace``)."""
    # the channel is taken relative to the rest before each piece here: no rest level on top
    det = ExerciseEventDetector(spec, source=trace.source, profile=profile, follow_rest=False)
    if len(trace) < 2 or np.count_nonzero(trace.channel_valid(det.channel)) < 2:
        return np.zeros((0, 2)), np.zeros((0, 2))
    relative = views.relative(det.channel)
    if relative is None:
        det.detect(trace, annotate=False)
    else:
        det.detect(relative, {"main": 0.0, "frontal": views.frontal_rest}, annotate=False)
    found, held = det.reps_, det.holds_
    if det.channel == "knee_swing":
        found = _knee_swings(trace, found)
    if spec.id in SHANK_OVER_FOOT and trace.source != "inclination":
        found, held = _shank_over_foot(trace, found, views), _shank_over_foot(trace, held, views)
    reps = np.array([(r.start_s, r.end_s) for r in found]).reshape(-1, 2)
    holds = np.array([(h.start_s, h.end_s) for h in held]).reshape(-1, 2)
    return reps, holds


def _shank_over_foot(trace: AngleTrace, events: list, views: RestingViews) -> list:
    """The events in which the shank turns over the planted foot: with a foot sensor, the shin's
    inclination is away from its rest at least ``SHANK_SHARE`` as far as the ankle angle is from
    its own (a seated dorsiflexion hold turns the ankle with the shank still)."""
    if trace.shin_only is None or not events:
        return events
    ankle, shank = views.relative("angle"), views.relative("angle", shin_only=True)
    if ankle is None or shank is None:
        return events
    lo = np.searchsorted(trace.t, [e.start_s for e in events])
    hi = np.maximum(np.searchsorted(trace.t, [e.end_s for e in events]), lo + 1)
    keep = []
    for event, a, b in zip(events, lo, hi):
        ok = trace.valid[a:b] & trace.shin_only.valid[a:b]
        if not ok.any() or abs(np.median(shank.angle_deg[a:b][ok])) >= SHANK_SHARE * abs(
                np.median(ankle.angle_deg[a:b][ok])):
            keep.append(event)
    return keep


def _knee_swings(trace: AngleTrace, reps: list) -> list:
    """The reps that are swings of the shank from the knee: the knee straightens (a lunge turns
    the shank the other way about it) and, read by the shin alone, the ankle leaves the floor
    by ``KNEE_SWING_RISE_M`` (rocking over a planted foot turns the shank as far)."""
    swings = [r for r in reps if r.excursion_deg > 0]
    rise = trace.meta.get("ankle_rise_m")
    if trace.source != "inclination" or rise is None or len(rise) != len(trace) or not swings:
        return swings
    lo = np.searchsorted(trace.t, [r.start_s for r in swings])
    hi = np.maximum(np.searchsorted(trace.t, [r.end_s for r in swings]), lo + 1)
    highest = [float(np.nanmax(rise[a:b])) if np.isfinite(rise[a:b]).any() else 0.0 for a, b in zip(lo, hi)]
    return [r for r, h in zip(swings, highest) if h >= KNEE_SWING_RISE_M]


def _prefix(x: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
