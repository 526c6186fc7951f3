"""How well an exercise fits a run of pieces: the cost the routine segmenter minimises.

For exercise *e* over pieces *j .. k-1* (totals from :class:`PieceEvidence`):

* posture: ``posture_weight`` times the share of the time in the wrong posture
  (lying along the floor for a standing or seated exercise, upright for foam rolling);
* length: ``length_weight * max(0, |ln(T / T_e)| - ln(length_slack))``, ``T_e`` the
  exercise's usual length from its targets (:func:`expected_seconds`): a weak prior;
* an exercise the sensors cannot see (a seated hold with the shin alone) or with
  nothing to count (foam rolling): ``UNSEEN_COST``, nearly what leaving it out costs,
  so it takes the time nothing else explains (foam rolling: outside half its shortest
  to twice its longest time, the excess over that, relative to it); one the sensors
  cannot see also ``UNSEEN_MOVING_WEIGHT`` times the share of its time the shank turns
  (at least ``UNEXPLAINED_FLOOR_S``): the foot works, the shank keeps still;
* otherwise, with *f* the fraction of its target reps and holds missing (their mean),
  ``MISSING_LINEAR * f + MISSING_SQUARE * f**2`` (mild for a few: people stop short of
  a target, or do reps a sensor cannot see; none at all costs more than leaving the
  exercise out), plus each event past the target ``1 / max(target, 3)`` (more events
  than asked for are another exercise's), plus ``UNEXPLAINED_WEIGHT`` times the share
  of the busy time outside its own events (at least ``UNEXPLAINED_FLOOR_S``).
"""

from __future__ import annotations

import numpy as np

from dorsi.routine import ExerciseSpec
from dorsi.segmentation.evidence import PieceEvidence

MISSING_LINEAR = 0.5
MISSING_SQUARE = 1.0
UNSEEN_COST = 0.8
UNSEEN_MOVING_WEIGHT = 4.0
UNEXPLAINED_WEIGHT = 2.0
UNEXPLAINED_FLOOR_S = 20.0


def expected_seconds(spec: ExerciseSpec) -> float:
    """How long ``spec`` usually takes from its targets: 3 s a rep, a hold plus 4 s a rep-hold, a
    hold plus 10 s a held set, the middle of a timed exercise's range; at least 30 s."""
    target = spec.target
    if spec.kind == "duration" and target.duration_s is not None:
        return 0.5 * (target.duration_s[0] + target.duration_s[1])
    if spec.kind == "rep_holds" and target.total_reps and target.hold_s:
        return max(30.0, target.total_reps * (target.hold_s + 4.0))
    if spec.kind == "holds" and target.total_holds and target.hold_s:
        return max(30.0, target.total_holds * (target.hold_s + 10.0))
    return max(30.0, 3.0 * (target.total_reps or 10))


def fit_cost(spec: ExerciseSpec, ev: PieceEvidence, j: int, ks: np.ndarray, observable: bool,
             posture_weight: float = 3.0, length_weight: float = 0.5, length_slack: float = 1.25) -> np.ndarray:
    """Cost of ``spec`` over pieces ``j .. k-1``, for every ``k`` in ``ks`` (see the module)."""
    seconds = np.maximum(ev.seconds[ks] - ev.seconds[j], 1e-9)
    lying = ev.lying_s[ks] - ev.lying_s[j]
    wrong = {"long_sitting": seconds - lying, "any": 0.0}.get(spec.posture or "any", lying)
    cost = posture_weight * wrong / seconds
    excess = np.abs(np.log(seconds / expected_seconds(spec))) - np.log(length_slack)
    cost = cost + length_weight * np.maximum(excess, 0.0)
    target = spec.target
    if not observable:  # the shank keeps still while the foot works: its movement is another's
        moving = ev.moving_s[ks] - ev.moving_s[j]
        return cost + UNSEEN_COST + UNSEEN_MOVING_WEIGHT * moving / np.maximum(seconds, UNEXPLAINED_FLOOR_S)
    if spec.kind == "duration" and target.duration_s is not None:
        lo, hi = target.duration_s
        return cost + UNSEEN_COST + np.maximum(0.0, 0.5 * lo - seconds) / lo \
            + np.maximum(0.0, seconds - 2.0 * hi) / hi
    missing = []
    for want, counts in ((target.total_reps if spec.has_reps else None, ev.reps[spec.id]),
                         (target.total_holds if target.hold_s is not None else None, ev.holds[spec.id])):
        if want:
            found = counts[ks] - counts[j]
            missing.append(np.maximum(want - found, 0.0) / want)
            cost = cost + np.maximum(found - want, 0.0) / max(want, 3.0)
    if missing:
        f = np.mean(missing, axis=0)
        cost = cost + MISSING_LINEAR * f + MISSING_SQUARE * f ** 2
        loose = ev.unexplained_s[spec.id][ks] - ev.unexplained_s[spec.id][j]
        busy = ev.busy_s[ks] - ev.busy_s[j]
        cost = cost + UNEXPLAINED_WEIGHT * loose / np.maximum(busy, UNEXPLAINED_FLOOR_S)
    return cost
