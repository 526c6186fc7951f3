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
the right way is evidence against (either only where the foot moved as far
within the segment: a foot resting pointed is no evidence). A foot whose flat
level was not seen (its data began after the still start) gives no evidence:
levelled toes up in a seated hold, its rest reads toes-down. With evidence for
and none against, the samples are turned back (``half_turn``) and the session
is estimated again.
Lunges without heel lifts, ankle circles (both ways) and the rest say nothing.

Live, ``FootDirectionWatch`` applies the same rule to the exercise running now, as
its samples come (percentiles from a half-degree histogram, so each notification
costs a few microseconds); the live session then reads the foot turned round
(``AngleEstimator.turn_foot_round``) from the exercise's start.
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
    if trace.source != "ankle" or "inclination_deg" not in trace.meta or trace.meta.get("foot_rest_unseen"):
        return False  # (where the foot is flat was not seen: its pitch has no known zero to judge from)
    pitch = trace.angle_deg - trace.meta["inclination_deg"]
    wrong = right = 0
    for seg in segments:
        way = FOOT_PITCH_WAY.get(seg.exercise)
        inside = trace.valid & (trace.t >= seg.start_s) & (trace.t < seg.end_s)
        if way is None or np.count_nonzero(inside) < MIN_SAMPLES:
            continue
        low, high = np.percentile(way * pitch[inside], [2, 98])  # the expected way is up
        seen = verdict(float(low), float(high))
        wrong, right = wrong + (seen < 0), right + (seen > 0)
    return wrong > 0 and right == 0


#: An exercise's foot pitch is judged on at least this many valid samples.
MIN_SAMPLES = 10


def verdict(low: float, high: float) -> int:
    """What one exercise's foot pitch says: -1 turned round, +1 worn right, 0 nothing (``low``,
    ``high``: its 2nd and 98th percentiles, deg, signed so that the exercise's way is up).

    The foot must also have moved that far (``high - low``): a foot resting pointed (seated
    with the toes down, say) is no sign of the sensor's way round, however long it rests so.
    """
    if high - low < MIN_PITCH_DEG:
        return 0
    if -low >= MIN_PITCH_DEG and -low >= DOMINANCE * max(high, 0.0):
        return -1
    if high >= MIN_PITCH_DEG and high >= DOMINANCE * max(-low, 0.0):
        return 1
    return 0


class FootDirectionWatch:
    """``foot_turned_round``'s rule on one exercise as its samples come (the live session).

    Parameters
    ----------
    exercise : str
        The exercise's identifier; one that pitches the foot both ways (or not at all) is
        never judged (``FOOT_PITCH_WAY``).

    Attributes
    ----------
    verdict_ : int
        After each ``update``: -1 the foot reads turned round so far, +1 worn right, 0 not
        known yet (the percentiles are read from a histogram of ``BIN_DEG`` bins).
    """

    BIN_DEG = 0.5
    SPAN_DEG = 90.0

    def __init__(self, exercise: str) -> None:
        self.way = FOOT_PITCH_WAY.get(exercise)
        self._counts = np.zeros(int(2 * self.SPAN_DEG / self.BIN_DEG) + 1, dtype=np.int64)
        self.verdict_ = 0

    @property
    def judges(self) -> bool:
        """Whether this exercise can tell which way round the foot sensor is worn."""
        return self.way is not None

    def update(self, trace: AngleTrace) -> int:
        """Take in the exercise's next samples (shank + foot); returns ``verdict_``."""
        if (self.way is None or trace.source != "ankle" or trace.shin_only is None or not len(trace)
                or trace.meta.get("foot_rest_unseen")):
            return self.verdict_
        pitch = (trace.angle_deg - trace.shin_only.angle_deg)[trace.valid]
        if not len(pitch):
            return self.verdict_
        index = np.rint((np.clip(self.way * pitch, -self.SPAN_DEG, self.SPAN_DEG) + self.SPAN_DEG) / self.BIN_DEG)
        self._counts += np.bincount(index.astype(np.intp), minlength=len(self._counts))
        n = int(self._counts.sum())
        if n >= MIN_SAMPLES:
            cum = np.cumsum(self._counts)
            low, high = np.searchsorted(cum, [0.02 * n, 0.98 * n]) * self.BIN_DEG - self.SPAN_DEG
            self.verdict_ = verdict(float(low), float(high))
        return self.verdict_


def half_turn(batch: SampleBatch) -> SampleBatch:
    """``batch`` as read by a sensor turned half a turn about its +z (x and y reversed)."""
    flip = np.array([-1.0, -1.0, 1.0])
    quat = None if batch.quat is None else quat_multiply(batch.quat, _HALF_TURN_Z)
    return SampleBatch(batch.role, batch.seq, batch.t, batch.acc * flip, batch.gyr * flip, quat, batch.meta)
