"""A shin sensor worn upside down (its +x arrow toward the foot) reads as one worn the right way.

Worn upside down, the board is turned half a turn about its +z (still out of the front of the
shin): +x and +y point the other way. The calibration sees earth up along -x at rest and takes
-x as the long axis; the analysis says so in its notes.
"""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.angle import AngleEstimator
from dorsi.orientation.quaternion import quat_multiply
from dorsi.pipeline import analyze
from dorsi.samples import SampleBatch
from dorsi.sim import SimOptions, simulate

HALF_TURN_ABOUT_Z = np.array([0.0, 0.0, 0.0, 1.0])


def upside_down(b: SampleBatch) -> SampleBatch:
    flip = np.array([-1.0, -1.0, 1.0])
    quat = None if b.quat is None else quat_multiply(b.quat, HALF_TURN_ABOUT_Z)
    return SampleBatch(b.role, b.seq, b.t, b.acc * flip, b.gyr * flip, quat, b.meta)


@pytest.mark.parametrize("exercise, seed, strap, orientation", [
    ("band_lunge", 3, 15.0, "auto"),
    ("knee_to_wall", 4, -25.0, "device"),
    ("soleus_stretch", 5, 0.0, "auto"),
    ("nerve_floss", 6, 20.0, "auto"),
])
def test_upside_down_shin_gives_the_same_analysis(exercise: str, seed: int, strap: float, orientation: str) -> None:
    opts = SimOptions(rate_hz=100.0, quaternions=True, strap_rotation_deg=strap,
                      side="left" if seed % 2 else "right")
    s = simulate(exercise, seed=seed, options=opts)
    right_way = analyze(s.shin, exercise=exercise, orientation=orientation).exercises[0]
    flipped = analyze(upside_down(s.shin), exercise=exercise, orientation=orientation)
    ex = flipped.exercises[0]
    assert len(ex.reps) == len(right_way.reps) == len(s.truth.reps)
    assert len(ex.holds) == len(right_way.holds) == len(s.truth.holds)
    np.testing.assert_allclose([r.peak_angle_deg for r in ex.reps], [r.peak_angle_deg for r in right_way.reps],
                               atol=1.0)
    assert [r.heel_lift for r in ex.reps] == [r.heel_lift for r in right_way.reps]
    np.testing.assert_allclose([h.duration_s for h in ex.holds], [h.duration_s for h in right_way.holds], atol=0.2)
    assert ex.quality.score == right_way.quality.score
    assert any("upside down" in n for n in flipped.notes)


def test_the_calibration_says_which_way_the_sensor_was_worn() -> None:
    s = simulate("band_lunge", seed=2, options=SimOptions(rate_hz=100.0), reps=3)
    normal = AngleEstimator().calibrate(s.shin).calibration_
    flipped = AngleEstimator().calibrate(upside_down(s.shin)).calibration_
    assert not normal.shin.upside_down and flipped.shin.upside_down
    assert flipped.to_json()["shin"]["upside_down"] is True
    # the long axis and the lever arm come out the same, in the flipped sensor's axes
    flip = np.array([-1.0, -1.0, 1.0])
    np.testing.assert_allclose(flipped.shin.frame.up, normal.shin.frame.up * flip, atol=0.02)
    np.testing.assert_allclose(flipped.lever_arm_m, normal.lever_arm_m * flip, atol=0.01)
    assert not any("upside down" in n for n in analyze(s.shin, exercise="band_lunge").notes)
