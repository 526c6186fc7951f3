"""Heel-lift alert latency on the live path, false alarms, and the onset/confirm/retract logic.

Latency is sample time, not CPU time: from the simulator's true start of the lift
to the last sample of the 11-sample notification whose ``update`` first returns
a flagged sample of that lift (the moment a live session can show the alert).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.angle import AngleEstimator
from dorsi.angle.heel_lift import AnkleRiseHeelLift
from dorsi.pipeline import analyze_trace
from dorsi.samples import SampleBatch
from dorsi.sim import SimOptions, simulate, simulate_routine

EARLY_S = 0.25  # a flag raised this much before the true start still belongs to the lift


def _packets(batch: SampleBatch, per_packet: int = 11) -> list[SampleBatch]:
    packet = batch.seq // per_packet
    edges = np.flatnonzero(np.diff(packet)) + 1
    bounds = [0, *edges.tolist(), len(batch)]
    return [batch.slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def _live(s) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stream a session notification by notification: (t, heel_lift, time the sample was released)."""
    est = AngleEstimator().calibrate(s.shin, s.foot)
    t, flag, released = [], [], []

    def keep(part, at: float) -> None:
        t.append(part.t)
        flag.append(part.heel_lift)
        released.append(np.full(len(part), at))

    foot_packets = _packets(s.foot) if s.foot is not None else []
    j = 0
    for sh in _packets(s.shin):
        arrived = []
        while j < len(foot_packets) and foot_packets[j].t[0] <= sh.t[-1]:
            arrived.append(foot_packets[j])
            j += 1
        foot = SampleBatch.concatenate(arrived) if arrived else None
        keep(est.update(sh, foot), float(sh.t[-1]))
    keep(est.finish(), np.inf)
    return np.concatenate(t), np.concatenate(flag), np.concatenate(released)


def _latencies(foot: bool, sessions: int = 30) -> np.ndarray:
    out = []
    for k in range(sessions):
        exercise = ("knee_to_wall", "band_lunge")[k % 2]
        seed = 500 + k
        s = simulate(exercise, seed, SimOptions(heel_lift_probability=1.0, foot_sensor=foot,
                                                side="left" if seed % 2 else "right",
                                                strap_rotation_deg=float(15 * ((k % 5) - 2))))
        t, flag, released = _live(s)
        for start, end in s.truth.heel_lifts:
            hit = flag & (t >= start - EARLY_S) & (t <= end)
            out.append(released[hit][0] - start if hit.any() else np.inf)
    return np.asarray(out)


@pytest.mark.parametrize("foot", [False, True], ids=["shin_only", "foot_sensor"])
def test_heel_lift_alert_within_0_3_s(foot: bool) -> None:
    lat = _latencies(foot)
    assert len(lat) >= 100
    assert np.isfinite(lat).all()  # every lift alerted
    assert np.percentile(lat, 90) <= 0.3
    assert np.percentile(lat, 50) <= 0.22
    assert lat.min() >= -EARLY_S


def _intervals(flags: np.ndarray, t: np.ndarray) -> list[tuple[float, float]]:
    d = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return [(t[a], t[b - 1]) for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]


@pytest.mark.parametrize(("exercise", "foot"), [
    ("soleus_stretch", False), ("gastroc_stretch", False), ("traction", False), ("eccentric_drop", False),
    ("seated_df_hold", False), ("nerve_floss", False), ("eccentric_drop", True), ("seated_df_hold", True),
    ("ankle_circles", True),
])
def test_no_false_flags_in_holds_drops_and_seated_exercises(exercise: str, foot: bool) -> None:
    for seed in (601, 602):
        s = simulate(exercise, seed, SimOptions(foot_sensor=foot, packet_loss=0.02 if seed % 2 else 0.0,
                                                side="left" if seed % 2 else "right"))
        tr = AngleEstimator().estimate(s.shin, s.foot).trace_
        assert not s.truth.heel_lifts
        assert not tr.heel_lift.any(), _intervals(tr.heel_lift, tr.t)


def test_no_false_flags_across_a_routine_calibrated_standing() -> None:
    """Quiet standing, stretch holds, seated work and fast lunges long after a standing calibration."""
    s = simulate_routine(603, SimOptions(heel_lift_probability=0.0, side="left"),
                         exercises=["knee_to_wall", "soleus_stretch", "seated_df_hold", "nerve_floss", "band_lunge"])
    tr = AngleEstimator().estimate(s.shin).trace_
    assert not s.truth.heel_lifts
    assert not tr.heel_lift.any(), _intervals(tr.heel_lift, tr.t)


def test_no_lift_switched_on_by_the_rise_while_the_shank_swings() -> None:
    """The window's rise reads the model's velocity error during a swing as centimetres: no lift
    there (a fast lunge, the shank turning back from end range: the rise crossed at 50 deg/s)."""
    s = simulate("band_lunge", 509, SimOptions(rate_hz=200.0, side="left", strap_rotation_deg=-7.357769636744312,
                                               packet_loss=0.02, heel_lift_probability=0.5))
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
    tr = AngleEstimator(**profile).estimate(s.shin).trace_
    flagged = _intervals(tr.heel_lift, tr.t)
    assert len(s.truth.heel_lifts) >= 5
    for a, b in s.truth.heel_lifts:  # every true lift still flagged ...
        assert any(x <= b and y >= a for x, y in flagged)
    # ... and every flag is on one (the benchmark's precision)
    false = [(x, y) for x, y in flagged if not any(x <= b and y >= a for a, b in s.truth.heel_lifts)]
    assert not false, false


@pytest.mark.parametrize("seed", [512, 650])
def test_no_onset_at_the_top_of_a_very_fast_lunge(seed: int) -> None:
    """At the top of a 0.5 s lunge the shank turns round at 250 deg/s with its rate near zero for
    a moment: the onset's velocity carries the swing's centripetal model error (a lift flagged
    there, with the heel down, until the shank was back at rest)."""
    rng = np.random.default_rng(seed)
    s = simulate("band_lunge", seed, SimOptions(rate_hz=(52.0, 100.0, 200.0)[seed % 3],
                                                side="left" if seed % 2 else "right",
                                                strap_rotation_deg=float(rng.uniform(-30, 30)),
                                                packet_loss=0.02 if seed % 4 < 2 else 0.0, heel_lift_probability=0.5))
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
    tr = AngleEstimator(**profile).estimate(s.shin).trace_
    flagged = _intervals(tr.heel_lift, tr.t)
    false = [(x, y) for x, y in flagged if not any(x <= b and y >= a for a, b in s.truth.heel_lifts)]
    # only flags at a lunge's top count here: seed 512 also flags 13.35-14.17 s, starting just as
    # a long true lift ends (its onset, never confirmed by the rise, was retracted one window
    # before). That was there before the gate too, one sample inside the true lift then; left alone
    at_top = [(x, y) for x, y in false if any(abs(x - r.peak_s) < 0.5 for r in s.truth.reps)]
    assert not at_top, at_top
    assert all(any(x <= b and y >= a for x, y in flagged) for a, b in s.truth.heel_lifts)


@pytest.mark.parametrize("seed,rate_hz,loss", [(53004, 52.0, 0.0), (60010, 100.0, 0.02)])
def test_no_onset_as_a_lunge_swung_at_60_deg_s_stops(seed: int, rate_hz: float, loss: float) -> None:
    """Lunges swung at 55-100 deg/s, under the fast-swing gate: as the swing stops, the centripetal
    part of the lever-arm error leaves the bias window, and the onset read the end of that
    sinking as the ankle rising (five flags of 0.5-1.5 s at the tops of lunges in each session,
    with the heel down; the benchmark's conditions, seed bases 53000 and 60000)."""
    rng = np.random.default_rng(seed)
    s = simulate("band_lunge", seed, SimOptions(rate_hz=rate_hz, side="left" if seed % 2 else "right",
                                                strap_rotation_deg=float(rng.uniform(-30, 30)),
                                                packet_loss=loss, quaternions=True))
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
    tr = AngleEstimator(**profile).estimate(s.shin).trace_
    flagged = _intervals(tr.heel_lift, tr.t)
    false = [(x, y) for x, y in flagged if not any(x <= b and y >= a for a, b in s.truth.heel_lifts)]
    assert not false, false
    assert all(any(x <= b and y >= a for x, y in flagged) for a, b in s.truth.heel_lifts)


def test_no_onset_in_a_stretch_whose_first_movements_were_too_slow_to_fit_the_lever_arm() -> None:
    """A soleus stretch's first move in (30 deg/s, 0.37 s above the fit's 17 deg/s) leaves too few
    samples to fit the lever arm, so it is the profile's height alone, without the sensor's 3-4 cm
    in front of the ankle's axis: the move into the next stretch read as the ankle rising at
    1.4-1.7 cm/s, a 1.5 s heel lift with the heel down (seed 121036 of the accuracy benchmark,
    52 Hz). The onset's margin then allows for that offset, in the batch and live."""
    seed = 121036
    rng = np.random.default_rng(seed)
    s = simulate("soleus_stretch", seed, SimOptions(rate_hz=52.0, side="right", quaternions=True,
                                                    strap_rotation_deg=float(rng.uniform(-30, 30))))
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
    est = AngleEstimator(**profile).estimate(s.shin)
    assert est.calibration_.lever_arm_source == "profile"
    assert not est.trace_.heel_lift.any()
    live = AngleEstimator(**profile).calibrate(s.shin.slice(0, int(20 * 52)))
    flags = [live.update(s.shin.slice(i, i + 11)).heel_lift for i in range(0, len(s.shin), 11)]
    assert not np.concatenate(flags).any()


def _lose(batch: SampleBatch, start_s: float, end_s: float) -> SampleBatch:
    i0, i1 = np.searchsorted(batch.t, [start_s, end_s])
    return SampleBatch.concatenate([batch.slice(0, int(i0)), batch.slice(int(i1), len(batch))])


@pytest.mark.parametrize("seed", [306, 320])
def test_a_lift_whose_end_and_the_return_a_gap_hid_ends_in_the_gap(seed: int) -> None:
    """Samples lost from just before a knee-to-wall lift ends until the shank is back within
    10 deg of rest: the lift was carried across the gap and flagged on the way back, a second,
    false lift (seed 241026 of the accuracy benchmark). A lift carried across a gap now goes on
    only where the shank is still forward and has not come back; batch and live alike."""
    s = simulate("knee_to_wall", seed, SimOptions(rate_hz=100.0))
    start, end = s.truth.heel_lifts[0]
    t, incl = s.truth.t, s.truth.tibial_inclination_deg
    back = float(t[(t > end) & (incl < np.median(incl[t < 2.0]) + 10.0)][0])
    shin = _lose(s.shin, end - 0.1, back)
    batch = AngleEstimator().estimate(shin).trace_
    assert batch.heel_lift[(batch.t > start) & (batch.t < end - 0.1)].any()
    rep_end = next(r.end_s for r in s.truth.reps if r.start_s < start < r.end_s)
    assert not batch.heel_lift[(batch.t >= back) & (batch.t < rep_end + 1.0)].any()
    live = AngleEstimator().calibrate(shin)
    flags = [live.update(shin.slice(i, i + 11)).heel_lift for i in range(0, len(shin), 11)]
    np.testing.assert_array_equal(np.concatenate(flags), batch.heel_lift)
    # a short gap while the heel is up and the knee held forward keeps the lift whole
    mid = 0.5 * (start + end)
    held = AngleEstimator().estimate(_lose(s.shin, mid - 0.4, mid + 0.4)).trace_
    assert held.heel_lift[(held.t > mid - 1.0) & (held.t < mid + 1.0)].all()


@pytest.mark.parametrize("foot", [False, True], ids=["shin_only", "foot_sensor"])
def test_event_intervals_follow_the_true_lifts(foot: bool) -> None:
    starts, ends, n_det, n_true = [], [], 0, 0
    for seed in (701, 702, 703, 704):
        exercise = ("knee_to_wall", "band_lunge")[seed % 2]
        s = simulate(exercise, seed, SimOptions(heel_lift_probability=1.0, foot_sensor=foot))
        profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
        tr = AngleEstimator(**profile).estimate(s.shin, s.foot).trace_
        lifts = analyze_trace(tr, exercise=exercise, profile=profile).exercises[0].heel_lifts
        n_det += len(lifts)
        n_true += len(s.truth.heel_lifts)
        for a, b in s.truth.heel_lifts:
            hits = [h for h in lifts if min(h.end_s, b) > max(h.start_s, a)]
            assert len(hits) == 1  # one event per lift: an onset is never split from its confirmation
            starts.append(hits[0].start_s - a)
            ends.append(hits[0].end_s - b)
    assert n_det == n_true
    assert np.median(np.abs(starts)) < 0.2 and np.percentile(np.abs(starts), 90) < 0.3
    assert np.max(np.abs(starts)) < 1.0  # a lift the onset misses is still found by its rise
    assert np.median(np.abs(ends)) < 0.3


@settings(max_examples=5, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=300))
def test_streaming_equals_batch_through_onsets(sizes: list[int]) -> None:
    s = _LIFT_SESSION
    batch = AngleEstimator().estimate(s.shin).trace_
    live = AngleEstimator().calibrate(s.shin)
    parts, i = [], 0
    for n in sizes * (len(s.shin) // max(sum(sizes), 1) + 1):
        if i >= len(s.shin):
            break
        parts.append(live.update(s.shin.slice(i, min(i + n, len(s.shin)))))
        i += n
    np.testing.assert_array_equal(np.concatenate([p.heel_lift for p in parts]), batch.heel_lift)
    rise = np.concatenate([p.meta["ankle_rise_m"] for p in parts])
    np.testing.assert_allclose(rise[2:], batch.meta["ankle_rise_m"][2:], atol=1e-9)  # 0 and 1: the lag pad
    assert batch.heel_lift.any()


@settings(max_examples=5, deadline=None)
@given(st.lists(st.integers(1, 900), min_size=1, max_size=20))
def test_streaming_equals_batch_with_long_chunks(sizes: list[int]) -> None:
    """Chunks of hundreds of samples (the batch path's own kind) as well as short ones.

    Long chunks take the model's other code paths (only the samples at a chunk's start
    are joined to the previous chunk; full-window sums by slices): same flags, same rise.
    """
    s = _LIFT_SESSION
    batch = AngleEstimator().estimate(s.shin).trace_
    live = AngleEstimator().calibrate(s.shin)
    parts, i = [], 0
    for n in [300, *sizes] * (len(s.shin) // 300 + 1):
        if i >= len(s.shin):
            break
        parts.append(live.update(s.shin.slice(i, min(i + n, len(s.shin)))))
        i += n
    np.testing.assert_array_equal(np.concatenate([p.heel_lift for p in parts]), batch.heel_lift)
    rise = np.concatenate([p.meta["ankle_rise_m"] for p in parts])
    np.testing.assert_allclose(rise[2:], batch.meta["ankle_rise_m"][2:], atol=1e-9)
    assert batch.heel_lift.any()


# any chunking (gaps always start a notification, which arbitrary cuts would break: no loss here)
_LIFT_SESSION = simulate("knee_to_wall", 801, SimOptions(heel_lift_probability=1.0), reps=3)


# ------------------------------------------------------------------ the switch on synthetic data
RATE = 100.0
G = 9.81


def _run(height_m: np.ndarray, lean_deg: float = 20.0, chunk: int = 11, **params) -> np.ndarray:
    """Heel-lift flags for a still, forward-leaning shank whose ankle follows ``height_m``."""
    n = len(height_m)
    acc_z = np.gradient(np.gradient(height_m)) * RATE * RATE
    up = np.tile([1.0, 0.0, 0.0], (n, 1))
    det = AnkleRiseHeelLift(RATE, np.array([0.2, 0.0, 0.0]), G, **params)
    out = []
    for a in range(0, n, chunk):
        sl = slice(a, a + chunk)
        m = len(height_m[sl])
        out.append(det.update(np.zeros((m, 3)), (G + acc_z[sl])[:, None] * up[sl], up[sl], np.ones(m, bool),
                              np.full(m, lean_deg)))
    return np.concatenate(out)


def _min_jerk(n: int, start: int, length: int, height: float) -> np.ndarray:
    tau = np.clip((np.arange(n) - start) / length, 0.0, 1.0)
    return height * (10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5)


def test_onset_flags_early_and_the_rise_confirms_it() -> None:
    n, start = 800, 200
    h = _min_jerk(n, start, 50, 0.03)  # a 3 cm ankle rise over 0.5 s, then the heel stays up
    flags = _run(h)
    first = int(np.argmax(flags))
    assert start < first <= start + 15  # within 0.15 s
    assert flags[first:].all()  # confirmed: still up long after confirm_s
    slow = _run(h, onset_m_per_s=1e9)  # the rise alone comes much later
    assert int(np.argmax(slow)) > first + 15


def test_an_unconfirmed_onset_is_retracted() -> None:
    n, start = 600, 200
    h = _min_jerk(n, start, 30, 0.003)  # the ankle up 3 mm, fast enough for an onset: no heel lift
    flags = _run(h)
    on = np.flatnonzero(flags)
    assert len(on) and on[0] > start
    assert on[-1] - on[0] + 1 == 150  # on for exactly confirm_s (1.5 s), then off for good
    assert not flags[on[-1] + 1:].any()


def test_no_onset_while_the_shank_leans_back_or_stays_upright() -> None:
    h = _min_jerk(800, 200, 50, 0.03)
    assert not _run(h, lean_deg=2.0).any()
    assert not _run(h, lean_deg=-12.0).any()


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        AnkleRiseHeelLift(0.0, np.zeros(3), G)
    with pytest.raises(ValueError):
        AnkleRiseHeelLift(RATE, np.zeros(3), G, confirm_s=0.0)


def test_no_lift_switched_on_by_the_rise_while_the_shank_turns_back() -> None:
    """Coming back from a 34 deg soleus stretch at 20-40 deg/s, the rise crossed its threshold
    (found on the unseen seeds of ``accuracy.py --seed-base 9000``): heels come up at end range,
    not while the shank returns."""
    rng = np.random.default_rng(9038)
    s = simulate("soleus_stretch", 9038, SimOptions(rate_hz=52.0, side="right", strap_rotation_deg=float(rng.uniform(-30, 30)),
                                                   packet_loss=0.02, quaternions=True))
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m")}
    tr = AngleEstimator(**profile).estimate(s.shin).trace_
    assert not s.truth.heel_lifts
    assert not tr.heel_lift.any(), _intervals(tr.heel_lift, tr.t)
