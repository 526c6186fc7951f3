"""Which way an ankle circle went, from the foot's pitch and roll.

An ankle circle moves the foot through dorsiflexion, inversion, plantarflexion
and eversion in turn. In the plane of ``x`` = foot roll (inversion +) and ``y`` =
ankle angle (dorsiflexion +) one circle is a closed loop; the sign of its
enclosed (shoelace) area gives the direction:

    A = 1/2 * sum_i (x_i * y_{i+1} - x_{i+1} * y_i)

``A > 0`` (counter-clockwise in that plane: down, in, up, out) is an
**outward** circle: the toes go up, then out (away from the other foot), down,
then in. ``A < 0`` is an **inward** circle: up, in, down, out. Both read the
same on the left and the right foot (the roll is anatomical). ``|A|`` over the
loop's bounding box is about pi/4 for an ellipse and near 0 for a foot that
only bobs up and down; below ``min_roundness`` the direction is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from dorsi.angle.trace import AngleTrace

OUTWARD, INWARD = "outward", "inward"


def count_each_way(directions: Iterable[str | None]) -> tuple[int, int] | None:
    """``(outward, inward)`` circles, or None when no direction is known (no foot sensor, not circles)."""
    ways = [d for d in directions if d is not None]
    return (ways.count(OUTWARD), ways.count(INWARD)) if ways else None


class CircleDirection:
    """Direction of each circle (rep) from ``AngleTrace.foot_roll_deg``.

    Parameters
    ----------
    min_roundness : float
        Smallest ``|A| / (range(x) * range(y))`` that counts as a circle.
    min_roll_deg : float
        Smallest roll range (deg) inside the rep that counts as a circle.

    Attributes
    ----------
    directions_ : list of {"outward", "inward", None}
        One per rep. A rep whose own samples cannot tell (mostly lost in a data
        gap, flat) takes the direction of the circles on both sides of it when
        they agree.
    roundness_ : list of float
        Signed ``A / (range(x) * range(y))`` per rep (0 where not measured).
    """

    def __init__(self, min_roundness: float = 0.3, min_roll_deg: float = 3.0) -> None:
        self.min_roundness = min_roundness
        self.min_roll_deg = min_roll_deg

    def detect(self, trace: AngleTrace, starts: np.ndarray, ends: np.ndarray) -> "CircleDirection":
        """Directions of the reps ``[starts[i], ends[i]]`` on ``trace``; returns self."""
        n = len(starts)
        self.roundness_ = [0.0] * n
        found: list[str | None] = [None] * n
        roll = trace.foot_roll_deg
        if roll is not None and n:
            lo = np.searchsorted(trace.t, starts, side="left")
            hi = np.searchsorted(trace.t, ends, side="right")
            for i, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
                keep = trace.valid[a:b]
                x, y = roll[a:b][keep], trace.angle_deg[a:b][keep]
                if len(x) < 8 or np.ptp(x) < self.min_roll_deg:
                    continue
                area = 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
                r = area / (float(np.ptp(x)) * float(np.ptp(y)) + 1e-9)
                self.roundness_[i] = r
                if abs(r) >= self.min_roundness:
                    found[i] = OUTWARD if r > 0 else INWARD
        # a circle that cannot tell sits inside a run of one direction: it went that way too
        known = [i for i, d in enumerate(found) if d is not None]
        for i in range(n):
            if found[i] is None:
                before = [k for k in known if k < i]
                after = [k for k in known if k > i]
                if before and after and found[before[-1]] == found[after[0]]:
                    found[i] = found[before[-1]]
        self.directions_ = found
        return self
