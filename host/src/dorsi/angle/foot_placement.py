"""A foot sensor that turns with the shin: strapped on the leg, not on the foot.

The foot's calibration levels the board's rest and takes its +x as the way to the toes; it
refuses a board whose +x stands vertical (``FootCalibrationError``), but a second board strapped
on the shin at another angle (sideways, or beside the first one turned a quarter) would pass and
read the shank's own tilt as the foot's pitch, toes-down as the knee goes forward: the ankle angle
stays near its rest and every lunge reads as a heel lift (a simulated set of 30 band lunges: no
rep counted, 29 heel lifts). Standing movements
tell (the guided start's knee bends, or any first movement that pivots about the ankle): the
shank tilts by tens of degrees while a planted foot stays flat, lifting its heel at most at the
end of the bend. Two boards on one rigid segment turn by the same angle whatever way each is
mounted (the angle between the rest's gravity and the gravity now, in each board's own frame).
So the board set up as the foot is on the shin when, in standing first movements (an upright
rest, the fitted pivot at least ``worn_behind.MIN_PIVOT_BELOW_M`` below the shin sensor, and the
shank leaning forward from the rest by ``MIN_SHANK_TILT_DEG`` or more, knee over the toes, and
back within ``RETURN_DEG`` of the rest at least once after: bends, not a posture held; a seated
leg lifted for ankle circles tilts the shank too, and the foot with it, and holds it there),
over the samples where
the shank has tilted ``MIN_SHANK_TILT_DEG`` or more from its rest (at least ``MIN_MOVING_S``
of them), the foot board had tilted at least ``FOLLOW`` times as far in ``SHARE`` of them.
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.calibration import Calibration, SensorToSegmentCalibrator, head
from dorsi.angle.frames import plane_angles
from dorsi.angle.worn_behind import MAX_UPRIGHT_REST_DEG, MIN_PIVOT_BELOW_M
from dorsi.samples import SampleBatch

#: The shank's tilt from its rest (deg) from which a sample counts as moving ...
MIN_SHANK_TILT_DEG = 8.0
#: ... and at least this long of such samples (s) for a verdict.
MIN_MOVING_S = 1.0
#: The shank back within this of its rest (deg) at least once after its first movement.
RETURN_DEG = 3.0
#: The foot board tilted at least this share of the shank's tilt ...
FOLLOW = 0.7
#: ... in at least this share of the moving samples (a heel lift does so only at end range).
SHARE = 0.8
#: A foot lifted along with the shank tilts at least this share of the shank's tilt in half the
#: moving samples. Ankle circles turn the foot about the ankle as it goes up, so its board can
#: tilt less than the shank by a circle's range: in 200 simulated circle sessions with a foot
#: sensor the share of samples past 0.3 was 0.73 at least (past 0.7: 0.32 at least), where a foot
#: planted under a calf-worn shin sensor reached 0.36 at most (knee-to-wall, heel lifts included).
LIFTED_FOLLOW = 0.3


def foot_turns_with_shin(shin: SampleBatch, foot: SampleBatch, calibration: Calibration,
                         lever_arm_m: np.ndarray | None, window_s: float = 30.0) -> bool:
    """Whether the board set up as the foot turned with the shank in standing first movements
    (judged on the first ``window_s``; ``lever_arm_m``: the shin's, fitted from them, or None)."""
    if lever_arm_m is None or np.dot(lever_arm_m, calibration.shin.frame.up) < MIN_PIVOT_BELOW_M:
        return False
    shin_cal = calibration.shin
    rest_deg = np.degrees(plane_angles((shin_cal.frame.matrix @ shin_cal.rest_up)[None, :])[0][0])
    _, forward = calibration.meta.get("excursion_deg", (0.0, 0.0))  # from the rest
    if abs(rest_deg) >= MAX_UPRIGHT_REST_DEG or forward < MIN_SHANK_TILT_DEG:
        return False
    tilts = _tilts(shin, foot, window_s)
    if tilts is None:
        return False
    shank, board, moving = tilts
    if not np.any(shank[int(np.argmax(moving)):] < RETURN_DEG):  # moved once and stayed: a posture
        return False
    return bool(np.mean(board[moving] >= FOLLOW * shank[moving]) >= SHARE)


def foot_moved_with_shin(shin: SampleBatch, foot: SampleBatch, window_s: float = 30.0) -> bool:
    """Whether the foot board turned along with the shank in the first movements (in at least
    half the samples where the shank tilted ``MIN_SHANK_TILT_DEG`` from its rest, the board
    tilted ``LIFTED_FOLLOW`` times as far): a leg lifted off the floor (seated ankle circles), not a
    planted foot under a leaning shank. ``dorsi.angle.worn_behind`` asks it: a shank leaning back
    over a planted foot is a sensor on the calf, one lifted with its foot is not."""
    tilts = _tilts(shin, foot, window_s)
    if tilts is None:
        return False
    shank, board, moving = tilts
    return bool(np.mean(board[moving] >= LIFTED_FOLLOW * shank[moving]) >= 0.5)


def _tilts(shin: SampleBatch, foot: SampleBatch, window_s: float):
    """(shank tilt, foot board tilt on the shank's times, moving) over the first ``window_s``, or
    None without ``MIN_MOVING_S`` of shank movement."""
    sh, ft = head(shin, window_s), head(foot, window_s)
    if min(len(sh), len(ft)) < 10:
        return None
    calibrator = SensorToSegmentCalibrator(window_s=window_s)
    shank = tilt_from_rest(sh, *calibrator.rest_up(sh))
    board = np.interp(sh.t, ft.t, tilt_from_rest(ft, *calibrator.rest_up(ft)), left=np.nan, right=np.nan)
    moving = (shank >= MIN_SHANK_TILT_DEG) & np.isfinite(board)
    if np.count_nonzero(moving) < MIN_MOVING_S * sh.rate_hz:
        return None
    return shank, board, moving


def tilt_from_rest(batch: SampleBatch, up: np.ndarray, rest: slice) -> np.ndarray:
    """How far (deg) the board has tilted from its rest at each sample (accelerometer), 0 up to
    the rest's end."""
    acc = batch.acc
    cos = (acc @ (up / np.linalg.norm(up))) / np.maximum(np.linalg.norm(acc, axis=1), 1e-9)
    tilt = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    tilt[:rest.stop] = 0.0
    return tilt
