"""Candidate exercise boundaries: points in the shank's rests, each with what it costs to use.

Each rest's middle, and the shortest rest's length in from both ends of a long
one (an exercise may begin right after a long quiet, or stop well before one).
A boundary costs more where it is less likely the quiet between two exercises:

* ``LEVEL_COST`` (up to): a rest upright but off the standing rest's level may
  be a hold inside an exercise (a segment beginning there would take the hold for
  its resting angle);
* ``SHORT_REST_COST`` (up to): a rest only just long enough may be a pause
  between two reps; nothing from three times the shortest rest;
* ``SIDE_CUT_COST``: a tie-break, a rest's middle before its ends.
"""

from __future__ import annotations

import numpy as np

from dorsi.segmentation.rests import LONG_SITTING_DEG, RestFinder

LEVEL_COST = 0.1
SHORT_REST_COST = 0.05
SIDE_CUT_COST = 1e-3


def boundary_candidates(finder: RestFinder, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
    """Times (increasing, from ``t0`` to ``t1``) and their costs as an exercise's boundary,
    from the rests ``finder`` found."""
    shortest = finder.min_rest_s
    side = shortest  # a rest's edges lag the movement a little: stay clear of them
    points, costs = [t0, t1], [0.0, 0.0]
    for (a, b), level in zip(finder.rests_, finder.levels_):
        off = 0.0 if level < LONG_SITTING_DEG else abs(level - finder.base_)
        cost = LEVEL_COST * min(1.0, max(0.0, off - finder.level_deg) / finder.rest_band_deg)
        cost += SHORT_REST_COST * min(1.0, max(0.0, 1.0 - (b - a - shortest) / (2.0 * shortest)))
        points.append(0.5 * (a + b))
        costs.append(cost)
        if b - a >= 3.0 * side:
            points += [a + side, b - side]
            costs += [cost + SIDE_CUT_COST] * 2
    pts, cost_arr = np.clip(points, t0, t1), np.asarray(costs)
    order = np.lexsort((cost_arr, pts))  # the cheapest of points within half a second is kept
    pts, cost_arr = pts[order], cost_arr[order]
    keep = np.concatenate([[True], np.diff(pts) > 0.5])
    return pts[keep], cost_arr[keep]
