"""A second board strapped on the shin (not the foot) is told from the first standing movements:
it turns with the shank, a planted foot does not. Its calibration refuses and the session is read
from the shin alone, saying why, in the analysis and live; a foot sensor worn right never is."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.angle import AngleEstimator
from dorsi.angle.calibration import FootCalibrationError
from dorsi.orientation.quaternion import quat_multiply
from dorsi.pipeline import analyze
from dorsi.routine import default_routine
from dorsi.samples import SampleBatch
from dorsi.session.simulated_feed import run_live
from dorsi.sim import SimOptions, simulate

SAID = "turned with the shin"


def _on_the_shin(shin: SampleBatch, deg: float) -> SampleBatch:
    """The foot's board strapped on the shin beside the shin's, turned ``deg`` about its y (so its
    +x is not vertical: the rest check alone lets it pass)."""
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    rot = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])  # board -> shin board axes
    quat = None if shin.quat is None else quat_multiply(shin.quat, np.array([np.cos(a / 2), 0.0, np.sin(a / 2), 0.0]))
    return SampleBatch("foot", shin.seq, shin.t, shin.acc @ rot, shin.gyr @ rot, quat, shin.meta)


@pytest.mark.parametrize("exercise, deg", [("band_lunge", 90.0), ("knee_to_wall", 60.0), ("band_lunge", -75.0)])
def test_a_second_board_on_the_shin_is_left_out_with_a_note(exercise: str, deg: float) -> None:
    s = simulate(exercise, seed=11, options=SimOptions(rate_hz=100.0, foot_sensor=True))
    foot = _on_the_shin(s.shin, deg)
    with pytest.raises(FootCalibrationError, match=SAID):
        AngleEstimator().calibrate(s.shin, foot)
    both = analyze(s.shin, foot, exercise=exercise)
    alone = analyze(s.shin, exercise=exercise)
    assert both.source == "inclination"
    assert any(SAID in n for n in both.notes)
    a, b = both.exercises[0], alone.exercises[0]
    assert (len(a.reps), len(a.holds)) == (len(b.reps), len(b.holds))


@pytest.mark.parametrize("exercise", ["knee_to_wall", "band_lunge", "soleus_stretch", "eccentric_drop",
                                      "seated_df_hold", "ankle_circles", "nerve_floss", "calf_release"])
def test_a_foot_sensor_on_the_foot_is_never_left_out(exercise: str) -> None:
    for seed in (21, 22):
        opts = SimOptions(rate_hz=52.0, foot_sensor=True, side="left" if seed % 2 else "right",
                          strap_rotation_deg=float(np.random.default_rng(seed).uniform(-30, 30)))
        s = simulate(exercise, seed=seed, options=opts)
        assert AngleEstimator().calibrate(s.shin, s.foot).calibration_.foot is not None


def test_a_leg_lifted_for_ankle_circles_is_no_knee_bend() -> None:
    """Seated ankle circles with the leg lifted: the shank tilts back and holds there, the foot with
    it; that is a posture, not standing bends (this session's foot was refused before the check
    asked for a forward lean that comes back)."""
    s = simulate("ankle_circles", seed=28, options=SimOptions(rate_hz=100.0, foot_sensor=True, packet_loss=0.05))
    assert AngleEstimator().calibrate(s.shin, s.foot).calibration_.foot is not None


def test_live_the_board_on_the_shin_is_left_out_and_the_screen_says_so() -> None:
    s = simulate("band_lunge", seed=12, options=SimOptions(rate_hz=52.0, foot_sensor=True, quaternions=True))
    segments = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    proc = run_live(s, default_routine(), segments, foot=_on_the_shin(s.shin, 90.0))
    assert proc.foot_problem is not None and SAID in proc.foot_problem
    assert any(line.startswith("Foot sensor not used") for line in proc.wearing())
    assert proc.finished and len(proc.finished[0].reps) > 0  # the shin alone goes on counting
