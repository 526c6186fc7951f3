"""Shin and foot sensors strapped on each other's place, told from the calibration's start.

The two boards are alike; each streams under the role it was set up with. Strapped the other
way round, the board called "shin" lies on the foot and the one called "foot" stands on the
shin, and the foot's calibration refuses (its +x would be vertical). The start of a session
tells them apart: at the rest, a shin sensor's +x (up the shin) is near vertical, standing or
seated, while a foot sensor's +x (toward the toes) is near horizontal; in the first movements,
the guided start's knee bends, the shank turns and the planted foot does not. So the roles are
swapped when

* the board called "foot" rests with its +x within 20 deg of vertical (``UPRIGHT_COS``; a
  standing shank leans a few degrees, a foot flat on the floor has its +x level),
* the board called "shin" rests with its +x more than 37 deg from vertical (``LEVEL_COS``), and
* after the rests, the board called "foot" tilted at least ``TURN_RATIO`` times as far from
  its rest (95th percentile) as the board called "shin" (knee bends tilt the shank 20-40 deg,
  a heel lift the foot about 15).

Sitting with the leg out (foam rolling) the shank is level and the foot may point up: with the
foot within 17 deg of vertical its calibration refuses, as before; the 17-20 deg between is the
one place a correctly worn pair could read as swapped, and only if the foot then tilted twice as
far as the shank (the note says what was done). Seated on a chair, the shank is upright:
nothing is swapped, and a swapped pair seated from the start still meets the foot's refusal.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dorsi.angle.calibration import SensorToSegmentCalibrator, head
from dorsi.angle.foot_placement import tilt_from_rest
from dorsi.samples import SampleBatch

#: |up . x| at least this for the board called "foot": its +x within 20 deg of vertical.
UPRIGHT_COS = 0.94
#: |up . x| under this for the board called "shin": its +x more than 37 deg from vertical.
LEVEL_COS = 0.8
#: The board called "foot" tilted at least this many times as far as the one called "shin".
TURN_RATIO = 2.0


def roles_swapped(shin: SampleBatch, foot: SampleBatch, window_s: float = 30.0) -> bool:
    """Whether the batches called ``shin`` and ``foot`` come from each other's place (judged on
    their first ``window_s``)."""
    heads = [head(b, window_s) for b in (shin, foot)]
    if min(len(h) for h in heads) < 10:
        return False
    calibrator = SensorToSegmentCalibrator(window_s=window_s)
    (up_s, rest_s), (up_f, rest_f) = (calibrator.rest_up(h) for h in heads)
    if abs(up_f[0]) < UPRIGHT_COS or abs(up_s[0]) >= LEVEL_COS:
        return False
    turn_s, turn_f = (_tilt_range(h, up, rest) for h, up, rest in zip(heads, (up_s, up_f), (rest_s, rest_f)))
    return turn_f >= TURN_RATIO * turn_s and turn_f > 0.0


def as_role(batch: SampleBatch, role: str) -> SampleBatch:
    """``batch`` under another role (the same samples)."""
    return replace(batch, role=role)


def _tilt_range(batch: SampleBatch, up: np.ndarray, rest: slice) -> float:
    """95th percentile (deg) of how far the board tilted from its rest after it (accelerometer)."""
    after = tilt_from_rest(batch, up, rest)[rest.stop:]
    return float(np.percentile(after, 95)) if len(after) else 0.0
