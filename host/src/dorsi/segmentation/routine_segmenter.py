"""Which of the routine's exercises ran when, in a recording without markers.

The recording is cut into pieces at candidate boundaries in the shank's rests
(:mod:`~dorsi.segmentation.candidates`); each exercise of a routine done from
start to end is a run of consecutive pieces. Each exercise's own detector finds
its reps and holds (:class:`~dorsi.segmentation.evidence.PieceEvidence`); a
dynamic programme then gives each exercise, in the routine's order, the run of
pieces it fits best (:func:`~dorsi.segmentation.fit.fit_cost`); an exercise may
be left out, and a piece between two exercises may belong to none. See
``docs/algorithms-events.md``, "A whole routine without markers".
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.exercise import ExerciseEventDetector
from dorsi.pipeline.segments import Segment
from dorsi.routine import ExerciseSpec, Routine
from dorsi.segmentation.candidates import boundary_candidates
from dorsi.segmentation.evidence import PieceEvidence
from dorsi.segmentation.fit import fit_cost
from dorsi.segmentation.rests import RestFinder

#: Tie-break: leaving out a later exercise costs this fraction less than an earlier one (where it
#: cannot tell, the routine was done from its start: three like stretches, one left out).
SKIP_TIE_BREAK = 1e-3


class RoutineSegmenter:
    """Find the routine's exercises, in its order, in an unmarked trace.

    Parameters
    ----------
    routine : Routine
        The exercises expected, in the order they are done, with their targets.
    rests : RestFinder, optional
        Where exercises can change (default settings if not given).
    skip_cost : float
        Cost of leaving an exercise out (an exercise with none of its target found
        costs more).
    idle_cost_per_s : float
        Cost of a second of movement left to no exercise.
    posture_weight, length_weight, length_slack : float
        See :func:`dorsi.segmentation.fit.fit_cost`.
    profile : dict, optional
        Body profile for the detectors (as for :class:`ExerciseEventDetector`).

    Attributes
    ----------
    segments_ : list of Segment
        The exercises found, in time order (none when no exercise the sensors can see
        was found: then nothing tells that the ones they cannot see were done).
    skipped_ : list of str
        The routine's exercises not found.
    cuts_ : (P + 1,) float array
        The candidate boundaries (the recording's ends and points in its rests).
    costs_ : dict
        Each exercise found: its fit cost (0 = its targets exactly, nothing else).
    """

    def __init__(self, routine: Routine, rests: RestFinder | None = None, skip_cost: float = 1.0,
                 idle_cost_per_s: float = 0.01, posture_weight: float = 3.0, length_weight: float = 0.5,
                 length_slack: float = 1.25, profile: dict | None = None) -> None:
        self.routine = routine
        self.rests = rests
        self.skip_cost = skip_cost
        self.idle_cost_per_s = idle_cost_per_s
        self.posture_weight = posture_weight
        self.length_weight = length_weight
        self.length_slack = length_slack
        self.profile = profile

    def segment(self, trace: AngleTrace) -> "RoutineSegmenter":
        """Find the exercises of ``trace``; returns ``self``."""
        finder = (self.rests or RestFinder()).find(trace)
        self.cuts_, cut_cost = boundary_candidates(finder, float(trace.t[0]), float(trace.t[-1]) + 1e-6)
        specs = [self.routine[i] for i in self.routine.ids]
        evidence = PieceEvidence.gather(trace, finder, self.cuts_, specs, self.profile)
        seen = [ExerciseEventDetector(s, source=trace.source).observable for s in specs]
        plan = self._plan(specs, evidence, seen, cut_cost)
        if not any(seen[i] for i, _, _, _ in plan):  # nothing tells the unseen ones were done
            plan = []
        plan = [(i, *_seated_span(evidence, specs[i], j, k), c) for i, j, k, c in plan]
        self.segments_ = [Segment(specs[i].id, float(self.cuts_[j]), float(self.cuts_[k])) for i, j, k, _ in plan]
        self.costs_ = {specs[i].id: round(float(c), 3) for i, _, _, c in plan}
        found = {s.exercise for s in self.segments_}
        self.skipped_ = [s.id for s in specs if s.id not in found]
        return self

    def _plan(self, specs: list[ExerciseSpec], ev: PieceEvidence, seen: list[bool],
              cut_cost: np.ndarray) -> list[tuple[int, int, int, float]]:
        """Dynamic programme over (exercises placed or left out, pieces used): the cheapest way
        through, as ``(exercise, first piece, end piece, cost)`` per exercise placed."""
        n_ex, n_pc = len(specs), len(self.cuts_) - 1
        idle = self.idle_cost_per_s * np.diff(ev.busy_s)
        best = np.full((n_ex + 1, n_pc + 1), np.inf)
        back: dict[tuple[int, int], tuple[str, int, float]] = {}
        best[0, 0] = 0.0
        for i in range(n_ex + 1):
            for j in range(n_pc + 1):
                here = best[i, j]
                if not np.isfinite(here):
                    continue
                if j < n_pc and here + idle[j] < best[i, j + 1]:  # piece j belongs to no exercise
                    best[i, j + 1] = here + idle[j]
                    back[(i, j + 1)] = ("idle", j, 0.0)
                if i == n_ex:
                    continue
                skip = self.skip_cost * (1.0 - SKIP_TIE_BREAK * i / n_ex)
                if here + skip < best[i + 1, j]:
                    best[i + 1, j] = here + skip
                    back[(i + 1, j)] = ("skip", j, 0.0)
                if j < n_pc:
                    ks = np.arange(j + 1, n_pc + 1)
                    fit = fit_cost(specs[i], ev, j, ks, seen[i], self.posture_weight, self.length_weight,
                                   self.length_slack) + cut_cost[j] + cut_cost[ks]
                    better = here + fit < best[i + 1, ks]
                    for k, cost in zip(ks[better].tolist(), fit[better].tolist()):
                        back[(i + 1, k)] = ("place", j, cost)
                    best[i + 1, ks[better]] = here + fit[better]
        plan, i, j = [], n_ex, n_pc
        while (i, j) != (0, 0):
            how, prev, cost = back[(i, j)]
            if how == "place":
                plan.append((i - 1, prev, j, cost))
            i, j = (i, prev) if how == "idle" else (i - 1, prev)
        return plan[::-1]


def _seated_span(ev: PieceEvidence, spec: ExerciseSpec, j: int, k: int) -> tuple[int, int]:
    """The pieces a seated exercise placed on pieces ``j .. k-1`` keeps: from the one holding its
    first event to the one holding its last, so that its segment begins in the rest after
    sitting down (whose first seconds give the analysis its resting angle), not in the quiet
    standing before, and ends before standing up. ``(j, k)`` for the others (standing: a rest
    before the first event found may lie between two shallow shin-only drops, the first of them
    too faint to count) and where it has no events."""
    if spec.posture != "seated":
        return j, k
    events = (np.diff(ev.reps[spec.id][j:k + 1]) + np.diff(ev.holds[spec.id][j:k + 1])) > 0
    if not events.any():
        return j, k
    return j + int(np.argmax(events)), k - int(np.argmax(events[::-1]))
