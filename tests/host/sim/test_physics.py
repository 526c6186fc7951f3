"""Physics of the simulated sensors: gravity at rest, gyro vs orientation, acc vs position, heel lift."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.sim import SimOptions, simulate
from dorsi.sim.assembly import draw_profile, exercise_script
from dorsi.sim.kinematics import GRAVITY
from dorsi.sim.simulator import Simulator, stream

IDEAL = dict(noise=False, quaternions=False)


def _simulator(exercise: str, seed: int, reps: int | None = None, hold_s: float | None = None,
               **opts) -> Simulator:
    """Run the simulator directly to reach the ideal sensor pose (rotation, position)."""
    options = SimOptions(**{**IDEAL, **opts})
    profile, _ = draw_profile(stream(seed, "profile"))
    script = exercise_script(exercise, profile, stream(seed, "script"), options, reps, hold_s)
    return Simulator(options, seed, profile.seated_incl_deg).run(script)


@pytest.mark.parametrize("exercise", ["quiet_standing", "knee_to_wall", "seated_df_hold", "calf_release"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_accelerometer_reads_g_at_rest(exercise: str, side: str) -> None:
    s = simulate(exercise, seed=5, options=SimOptions(side=side, sway_deg=0.0, heading_drift_deg=0.0, foot_sensor=True,
                                                      strap_rotation_deg=25.0, **IDEAL))
    still = s.truth.t < 2.5  # the quiet lead-in
    for batch in (s.shin, s.foot):
        norm = np.linalg.norm(batch.acc[still[: len(batch)]], axis=1)
        np.testing.assert_allclose(norm, GRAVITY, rtol=0, atol=1e-9)
        assert np.abs(batch.gyr[still[: len(batch)]]).max() < 1e-12


def test_at_rest_the_shin_x_axis_points_up() -> None:
    s = simulate("quiet_standing", seed=1, options=SimOptions(sway_deg=0.0, heading_drift_deg=0.0, strap_tilt_deg=0.0, **IDEAL))
    incl = np.deg2rad(s.truth.tibial_inclination_deg[0])
    # x up the shin sees g cos(theta); z (anterior) sees -g sin(theta) once the knee is forward
    assert s.shin.acc[0, 0] == pytest.approx(GRAVITY * np.cos(incl) * np.cos(np.deg2rad(s.truth.frontal_tilt_deg[0])),
                                             abs=1e-9)
    assert s.shin.acc[0, 2] == pytest.approx(-GRAVITY * np.sin(incl), abs=1e-9)


def _integrate(gyr: np.ndarray, t: np.ndarray, r0: np.ndarray) -> np.ndarray:
    """Integrate body rates with the exponential map of the trapezoidal mean rate."""
    out = np.empty((len(t), 3, 3))
    out[0] = r0
    r = r0.copy()
    for k in range(1, len(t)):
        w = 0.5 * (gyr[k - 1] + gyr[k]) * (t[k] - t[k - 1])
        a = np.linalg.norm(w)
        if a > 0:
            kx = np.array([[0, -w[2], w[1]], [w[2], 0, -w[0]], [-w[1], w[0], 0]]) / a
            r = r @ (np.eye(3) + np.sin(a) * kx + (1 - np.cos(a)) * kx @ kx)
        out[k] = r
    return out


@pytest.mark.parametrize("exercise,side", [("band_lunge", "right"), ("nerve_floss", "left"), ("ankle_circles", "right")])
def test_integrating_the_gyroscope_reproduces_the_orientation(exercise: str, side: str) -> None:
    sim = _simulator(exercise, 11, 4, side=side, rate_hz=400.0, strap_rotation_deg=-20.0, foot_sensor=True)
    peak_rate = 0.0
    for track in (sim.shin_, sim.foot_):
        ideal = track.ideal
        n = min(len(ideal.t), 8000)  # 20 s at 400 Hz: several reps
        rot = _integrate(ideal.gyr[:n], ideal.t[:n], ideal.rot[0])
        rel = np.einsum("nji,njk->nik", rot, ideal.rot[:n])
        angle = np.degrees(np.arccos(np.clip((np.trace(rel, axis1=1, axis2=2) - 1) / 2, -1, 1)))
        assert angle.max() < 0.05
        peak_rate = max(peak_rate, np.degrees(np.abs(ideal.gyr[:n]).max()))
    assert peak_rate > 20  # the motion was not trivial


@pytest.mark.parametrize("exercise,reps,hold_s", [("knee_to_wall", 2, None), ("nerve_floss", 4, None),
                                                  ("achilles_release", None, 15.0), ("ankle_circles", 3, None)])
def test_accelerometer_is_the_second_derivative_of_position_minus_gravity(exercise: str, reps: int | None,
                                                                          hold_s: float | None) -> None:
    sim = _simulator(exercise, 4, reps, hold_s, rate_hz=1000.0, foot_sensor=True, heel_lift_probability=1.0)
    moving = 0.0
    for track in (sim.shin_, sim.foot_):
        ideal = track.ideal
        h = np.diff(ideal.t).mean()
        acc_world = (ideal.pos[2:] - 2 * ideal.pos[1:-1] + ideal.pos[:-2]) / h**2
        specific = np.einsum("nji,nj->ni", ideal.rot[1:-1], acc_world + np.array([0, 0, GRAVITY]))
        err = np.abs(specific - ideal.acc[1:-1])
        # finite-difference truncation only: tiny everywhere, largest (first order in h) where a
        # minimum-jerk move starts and the jerk steps
        assert np.median(err) < 1e-6
        assert err.max() < 1e-2
        moving = max(moving, np.abs(ideal.acc[1:-1] - ideal.acc[1:-1].mean(0)).max())
    assert moving > 0.5  # real motion


def test_heel_lift_raises_the_ankle_and_the_sensor() -> None:
    opts = dict(strap_tilt_deg=0.0, heel_lift_probability=1.0, sway_deg=0.0, heading_drift_deg=0.0, fidget_rate_per_min=0.0)
    sim = _simulator("knee_to_wall", 8, **opts)
    s = simulate("knee_to_wall", seed=8, options=SimOptions(**{**IDEAL, **opts}))
    o = SimOptions(**{**IDEAL, **opts})
    truth = s.truth
    theta = np.deg2rad(truth.tibial_inclination_deg)
    alpha = np.deg2rad(truth.frontal_tilt_deg)
    # sensor height if the shank pivoted about a fixed ankle
    fixed = o.ankle_height_m + o.sensor_height_m * np.cos(alpha) * np.cos(theta) - o.sensor_offset_m * np.sin(theta)
    rise = sim.shin_.ideal.pos[:, 2] - fixed
    assert len(truth.heel_lifts) == 3
    lifted = np.zeros(len(truth.t), bool)
    for a, b in truth.heel_lifts:
        inside = (truth.t > a) & (truth.t < b)
        lifted |= inside
        assert truth.heel_height_m[inside].max() > 0.02
        assert rise[inside].max() > 0.01  # the sensor rises with the ankle
        assert (truth.foot_pitch_deg[inside] < 0).all()
    np.testing.assert_allclose(rise[~lifted], 0.0, atol=1e-9)
    np.testing.assert_allclose(truth.heel_height_m[~lifted], 0.0, atol=1e-9)


def test_ankle_angle_is_inclination_plus_foot_pitch_and_equal_when_flat() -> None:
    s = simulate("eccentric_drop", seed=2, options=SimOptions(**IDEAL), reps=3)
    t = s.truth
    np.testing.assert_allclose(t.ankle_angle_deg, t.tibial_inclination_deg + t.foot_pitch_deg)
    flat = t.foot_pitch_deg == 0
    assert flat.any() and (~flat).any()
    np.testing.assert_array_equal(t.ankle_angle_deg[flat], t.tibial_inclination_deg[flat])


@pytest.mark.parametrize("side,sign", [("right", -1.0), ("left", 1.0)])
def test_sagittal_and_frontal_rotation_axes_in_the_sensor_frame(side: str, sign: float) -> None:
    s = simulate("band_lunge", seed=6, options=SimOptions(side=side, strap_tilt_deg=0.0, sway_deg=0.0, heading_drift_deg=0.0, **IDEAL),
                 reps=4)
    t = s.truth
    dt = np.gradient(t.t)
    d_incl = np.deg2rad(np.gradient(t.tibial_inclination_deg) / dt)
    d_front = np.deg2rad(np.gradient(t.frontal_tilt_deg) / dt)
    # dorsiflexion (knee forward) turns about the sensor's -y on both legs: the y axis points to the
    # body's right, i.e. laterally on the right leg, medially on the left
    np.testing.assert_allclose(s.shin.gyr[:, 1], -d_incl, atol=0.02)
    # medial knee drift turns about the forward axis (sensor z): sign flips with the side
    assert np.corrcoef(s.shin.gyr[:, 2], sign * d_front)[0, 1] > 0.9
