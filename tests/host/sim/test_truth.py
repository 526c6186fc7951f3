"""Every exercise generates with consistent ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.sim import EXERCISES, SimOptions, simulate

FEW = {"band_lunge": 12, "eccentric_drop": 6, "seated_df_hold": 5, "nerve_floss": 8, "ankle_circles": 6}
HOLD_EXERCISES = {"soleus_stretch", "gastroc_stretch", "traction", "seated_df_hold", "eccentric_drop"}
REP_EXERCISES = {"knee_to_wall", "band_lunge", "eccentric_drop", "ankle_circles", "nerve_floss"}
PEAK_SIGNAL = {"nerve_floss": "-incl", "eccentric_drop": "ankle", "ankle_circles": "ankle"}


@pytest.fixture(scope="module", params=sorted(EXERCISES))
def session(request):
    name = request.param
    opts = SimOptions(foot_sensor=True, quaternions=False, heel_lift_probability=0.3, side="left")
    hold = 12.0 if name in ("calf_release", "achilles_release") else None
    return name, simulate(name, seed=21, options=opts, reps=FEW.get(name), hold_s=hold)


def _index(t: np.ndarray, when: float) -> int:
    k = int(np.searchsorted(t, when))
    assert t[k] == when, "event times taken from the trace must lie on the sample grid"
    return k


def test_traces_share_one_grid(session) -> None:
    name, s = session
    t = s.truth
    assert t.t[0] == 0.0 and (np.diff(t.t) > 0).all()
    for arr in (t.ankle_angle_deg, t.tibial_inclination_deg, t.frontal_tilt_deg, t.foot_pitch_deg, t.heel_height_m):
        assert arr.shape == t.t.shape and np.isfinite(arr).all()
    assert len(s.shin) == len(t.t) == len(s.foot)
    assert [(g.exercise, g.start_s) for g in t.segments] == [(name, 0.0)]
    assert t.segments[0].end_s == pytest.approx(t.t[-1], abs=0.011)


def test_every_exercise_starts_and_ends_quiet(session) -> None:
    _, s = session
    t = s.truth
    events = [(r.start_s, r.end_s) for r in t.reps] + [(h.start_s, h.end_s) for h in t.holds] + t.fidgets
    events += [(a.start_s, a.end_s) for a in t.activities]
    if events:
        assert min(a for a, _ in events) >= 3.0
        assert max(b for _, b in events) <= t.t[-1] - 3.0
    still = t.t < 2.9
    assert np.ptp(t.tibial_inclination_deg[still]) < 3.0  # sway only
    assert np.ptp(t.foot_pitch_deg[still]) == 0.0


def test_rep_truth_is_consistent_with_the_traces(session) -> None:
    name, s = session
    t = s.truth
    if name not in REP_EXERCISES:
        assert t.reps == []
        return
    expected = FEW.get(name, EXERCISES[name].reps)
    assert len(t.reps) == (2 * expected if name == "ankle_circles" else expected)
    signal = {"incl": t.tibial_inclination_deg, "ankle": t.ankle_angle_deg,
              "-incl": -t.tibial_inclination_deg}[PEAK_SIGNAL.get(name, "incl")]
    previous_end = 0.0
    for r in t.reps:
        assert r.exercise == name
        assert previous_end <= r.start_s < r.peak_s < r.end_s <= t.t[-1]
        previous_end = r.end_s
        k = _index(t.t, r.peak_s)
        assert r.peak_angle_deg == t.ankle_angle_deg[k]
        assert r.peak_inclination_deg == t.tibial_inclination_deg[k]
        inside = (t.t >= r.start_s) & (t.t <= r.end_s)
        assert signal[k] == signal[inside].max()
        if name == "eccentric_drop":
            assert r.lowering_s is not None and 0.4 <= r.lowering_s <= 4.5
        else:
            assert r.lowering_s is None
        if name == "knee_to_wall":
            assert r.distance_cm is not None and 0.0 < r.distance_cm < 20.0
            assert 28.0 <= r.peak_inclination_deg <= 55.0
        else:
            assert r.distance_cm is None
        if r.heel_lift:
            assert any(r.start_s <= a < b <= r.end_s for a, b in t.heel_lifts)


def test_hold_truth_is_consistent_with_the_traces(session) -> None:
    name, s = session
    t = s.truth
    if name not in HOLD_EXERCISES:
        assert t.holds == []
        return
    target = EXERCISES[name].hold_s
    expected = FEW.get(name, EXERCISES[name].reps)
    assert len(t.holds) == expected
    for h in t.holds:
        assert h.exercise == name
        assert 3.0 <= h.start_s < h.end_s
        assert h.duration_s == pytest.approx(h.end_s - h.start_s)
        assert 0.5 * target <= h.duration_s <= 1.5 * target
        sel = (t.t >= h.start_s) & (t.t <= h.end_s)
        assert h.mean_angle_deg == pytest.approx(t.ankle_angle_deg[sel].mean())
        assert h.mean_inclination_deg == pytest.approx(t.tibial_inclination_deg[sel].mean())
        # holding still at end range: far from the rest angle, little motion
        rest = t.ankle_angle_deg[0]
        assert abs(h.mean_angle_deg - rest) > 5.0
    if name == "eccentric_drop":
        for h, r in zip(t.holds, t.reps):
            assert r.start_s < h.start_s < h.end_s < r.end_s
            assert r.end_s - h.end_s == pytest.approx(r.lowering_s)


def test_heel_lifts_are_where_the_heel_is_up(session) -> None:
    name, s = session
    t = s.truth
    lifted = np.zeros(len(t.t), bool)
    for a, b in t.heel_lifts:
        inside = (t.t > a) & (t.t < b)
        lifted |= inside
        assert 0.02 <= t.heel_height_m[inside].max() <= 0.061
        assert (t.foot_pitch_deg[inside] < 0).all()
    if EXERCISES[name].posture == "standing":
        np.testing.assert_allclose(t.heel_height_m[~lifted], 0.0, atol=1e-12)
    if name not in ("knee_to_wall", "band_lunge"):
        assert t.heel_lifts == []


def test_ranges_are_physiological(session) -> None:
    name, s = session
    t = s.truth
    baseline = s.profile["standing_baseline_deg"]
    assert 2.0 <= baseline <= 6.0
    if name == "band_lunge":
        peaks = np.array([r.peak_inclination_deg for r in t.reps if not r.heel_lift])
        assert peaks.min() >= baseline + 7.9 and peaks.max() <= 40.0 + 1e-9
        durations = np.array([r.end_s - r.start_s for r in t.reps if not r.heel_lift])
        assert durations.min() >= 0.55 and durations.max() <= 3.05  # heel lifts add their own time
    if name == "eccentric_drop":
        assert 10.0 < t.foot_pitch_deg.max() < 30.0
        assert t.tibial_inclination_deg.min() < baseline - 0.5
    if name == "seated_df_hold":
        # the shank stays still while the foot works: only a foot sensor sees it
        assert np.ptp(t.tibial_inclination_deg) < 4.0
        assert t.foot_pitch_deg.max() > 8.0
    if name == "nerve_floss":
        assert min(r.peak_inclination_deg for r in t.reps) < -25.0
    if name in ("calf_release", "achilles_release"):
        assert t.tibial_inclination_deg.max() < -70.0
        assert len(t.activities) == 1 and t.activities[0].exercise == name
    assert np.abs(t.frontal_tilt_deg).max() < 10.0


def test_overrides_and_bad_input() -> None:
    s = simulate("soleus_stretch", seed=1, options=SimOptions(quaternions=False, variability=0.0), reps=2,
                 hold_s=8.0)
    assert len(s.truth.holds) == 2
    assert all(h.duration_s == pytest.approx(8.0) for h in s.truth.holds)
    with pytest.raises(ValueError, match="unknown exercise"):
        simulate("jumping_jacks")
    with pytest.raises(ValueError, match="reps"):
        simulate("band_lunge", reps=0)
    with pytest.raises(ValueError, match="hold_s"):
        simulate("traction", hold_s=-1.0)
    with pytest.raises(ValueError, match="seed"):
        simulate("band_lunge", seed=-3)
    with pytest.raises(ValueError, match="side"):
        SimOptions(side="middle")
    with pytest.raises(ValueError, match="packet_loss"):
        SimOptions(packet_loss=0.7)
    with pytest.raises(ValueError, match="strap_rotation_deg"):
        SimOptions(strap_rotation_deg=190.0)


def test_zero_variability_gives_identical_reps() -> None:
    opts = SimOptions(variability=0.0, heel_lift_probability=0.0, fidget_rate_per_min=0.0, sway_deg=0.0,
                      heading_drift_deg=0.0, noise=False, quaternions=False)
    s = simulate("band_lunge", seed=4, options=opts, reps=6)
    peaks = [r.peak_inclination_deg for r in s.truth.reps]
    durations = [r.end_s - r.start_s for r in s.truth.reps]
    assert np.ptp(peaks) < 1e-9 and np.ptp(durations) < 1e-9
    assert 20.0 <= peaks[0] <= 40.0
