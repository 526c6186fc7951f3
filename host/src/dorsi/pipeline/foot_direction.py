"""A foot sensor worn with its arrow toward the ankle, told from what the exercises do with the foot.

The foot sensor's +x is taken to point toward the toes (the calibration levels
it at rest: the sole is flat either way, so the rest cannot tell). Worn the
other way round, half a turn about its +z, every toes-up pitch reads as
toes-down: seated dorsiflexion holds and eccentric drops find nothing and heel
lifts read as the forefoot rising. The shank's own knee bends cannot tell
either (the foot stays flat). The exercises can: lifting the forefoot
(eccentric drops), seated dorsiflexion holds and nerve flossing (toes pulled
up, the knee straightened) pitch the foot toes-up by 20-70 deg, never
toes-down; in weight-bearing lunges the foot stays flat or, when the heel
lifts, pitches toes-down (the forefoot cannot rise with the knee far over the
toes). So a segment of one of these exercises whose foot pitch went the wrong
way by ``MIN_PITCH_DEG`` or more, and at least ``DOMINANCE`` times as far as
the right way, is evidence of a sensor worn the other way round; one that went
the right way is evidence against. With evidence for and none against, the
samples are turned back (``half_turn``) and the session is estimated again.
Lunges without heel lifts, ankle circles (both ways) and the rest say nothing.
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.orientation.quaternion import quat_multiply
from dorsi.pipeline.segments import Segment
from dorsi.samples import SampleBatch

#: The way each exercise pitches the foot, if it pitches it one way only: +1 toes-up, -1 toes-down.
FOOT_PITCH_WAY = {"eccentric_drop": 1.0, "seated_df_hold": 1.0, "nerve_floss": 1.0,
                  "knee_to_wall": -1.0, "band_lunge": -1.0}
#: A segment's foot pitch must reach this far (deg, 2nd / 98th percentile) to count ...
MIN_PITCH_DEG = 10.0
#: ... and this many times as far one way as the other.
DOMINANCE = 2.0
#: Half a turn about +z, (w, x, y, z).
_HALF_TURN_Z = np.array([0.0, 0.0, 0.0, 1.0])


def foot_turned_round(trace: AngleTrace, segments: list[Segment]) -> bool:
    """Whether ``trace`` (shank + foot) reads the foot's movements the wrong way round."""
    if trace.source != "ankle" or "inclination_deg" not in trace.meta:
        return False
    pitch = trace.angle_deg - trace.meta["inclination_deg"]
    wrong = right = 0
    for seg in segments:
        way = FOOT_PITCH_WAY.get(seg.exercise)
        inside = trace.valid & (trace.t >= seg.start_s) & (trace.t < seg.end_s)
        if way is None or np.count_nonzero(inside) < 10:
            continue
        low, high = np.percentile(way * pitch[inside], [2, 98])  # the expected way is up
        if -low >= MIN_PITCH_DEG and -low >= DOMINANCE * max(high, 0.0):
            wrong += 1
        elif high >= MIN_PITCH_DEG and high >= DOMINANCE * max(-low, 0.0):
            right += 1
    return wrong > 0 and right == 0


def half_turn(batch: SampleBatch) -> SampleBatch:
    """``batch`` as read by a sensor turned half a turn about its +z (x and y reversed)."""
    flip = np.array([-1.0, -1.0, 1.0])
    quat = None if batch.quat is None else quat_multiply(batch.quat, _HALF_TURN_Z)
    return SampleBatch(batch.role, batch.seq, batch.t, batch.acc * flip, batch.gyr * flip, quat, batch.meta)
