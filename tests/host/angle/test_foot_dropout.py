"""A dropout of the foot sensor alone: what the shin still gives, and what stays unknown."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dorsi.angle import AngleEstimator, AngleTrace
from dorsi.angle.estimator import FOOT_BRIDGE_MAX_S
from dorsi.events import ExerciseEventDetector
from dorsi.routine import default_routine
from dorsi.samples import SampleBatch

from .conftest import lose, session, truth_on


def _inside(trace: AngleTrace, a: float, b: float) -> np.ndarray:
    return (trace.t >= a) & (trace.t < b)


def _lunge_with_foot_dropout(length_s: float):
    """A band-lunge session whose foot sensor drops out around one heel-down rep."""
    s = session("band_lunge", 3, foot_sensor=True, rate_hz=100.0)
    rep = next(r for r in s.truth.reps[3:] if not r.heel_lift and r.end_s - r.start_s < length_s - 0.4)
    mid = 0.5 * (rep.start_s + rep.end_s)
    return s, rep, mid - 0.5 * length_s, mid + 0.5 * length_s


def test_a_short_dropout_with_the_foot_planted_keeps_the_ankle_angle_from_the_shin() -> None:
    s, rep, a, b = _lunge_with_foot_dropout(2.5)
    foot = lose(s.foot, a, b)
    full = AngleEstimator().estimate(s.shin, s.foot).trace_
    tr = AngleEstimator().estimate(s.shin, foot).trace_
    gap = _inside(tr, a, b)
    assert tr.valid[gap].all() and tr.shin_valid[gap].all()
    # the foot taken as still planted: the rep the shin saw reads as it did with the foot's data
    err = tr.angle_deg[gap] - truth_on(tr, s, "ankle_angle_deg")[gap]
    ref = full.angle_deg[gap] - truth_on(full, s, "ankle_angle_deg")[gap]
    assert np.max(np.abs(err - ref)) < 0.5
    spec = default_routine()["band_lunge"]
    n_full = len(ExerciseEventDetector(spec, source="ankle").detect(full).reps_)
    n_cut = len(ExerciseEventDetector(spec, source="ankle").detect(tr).reps_)
    assert n_cut == n_full == len(s.truth.reps)


def test_a_long_foot_dropout_goes_on_as_with_the_shin_alone() -> None:
    s, rep, a, b = _lunge_with_foot_dropout(FOOT_BRIDGE_MAX_S + 1.0)
    tr = AngleEstimator().estimate(s.shin, lose(s.foot, a, b)).trace_
    gap = _inside(tr, a, b)
    # planted as it began: the ankle angle is the shin's inclination plus the last (flat) pitch
    assert tr.valid[gap].all() and tr.shin_valid[gap].all()
    pitch = tr.angle_deg[gap] - tr.meta["inclination_deg"][gap]
    assert np.ptp(pitch) < 1e-9 and abs(pitch[0]) < 1.0
    spec = default_routine()["band_lunge"]
    assert len(ExerciseEventDetector(spec, source="ankle").detect(tr).reps_) == len(s.truth.reps)


def test_a_dropout_while_the_foot_moves_is_not_bridged() -> None:
    s = session("ankle_circles", 4, foot_sensor=True, rate_hz=100.0)
    mid = s.truth.reps[5].peak_s
    tr = AngleEstimator().estimate(s.shin, lose(s.foot, mid - 0.6, mid + 0.6)).trace_
    gap = _inside(tr, mid - 0.5, mid + 0.6)
    assert not tr.valid[gap].any()


def test_a_foot_dropout_loses_no_knee_swing_rep() -> None:
    s = session("nerve_floss", 8, foot_sensor=True, rate_hz=52.0)
    spec = default_routine()["nerve_floss"]
    rep = s.truth.reps[4]
    # from the middle of the toes' pull (not planted: the ankle angle is lost there) on; the knee
    # swing is the shin's alone
    a = rep.start_s + 0.3 * (rep.end_s - rep.start_s)
    tr = AngleEstimator().estimate(s.shin, lose(s.foot, a, rep.end_s + 3.0)).trace_
    assert not tr.valid[_inside(tr, a + 0.1, rep.end_s)].any()
    assert tr.channel_valid("knee_swing")[_inside(tr, rep.start_s, rep.end_s)].all()
    reps = ExerciseEventDetector(spec, source="ankle").detect(tr).reps_
    assert len(reps) == len(s.truth.reps)
    seen = [r for r in reps if rep.start_s <= r.peak_s <= rep.end_s]
    assert len(seen) == 1 and seen[0].gap_s < 0.1  # no gap in what it was counted on


@pytest.mark.parametrize("size", [11, 40])
def test_streaming_equals_batch_across_a_bridged_dropout(size: int) -> None:
    s, rep, a, b = _lunge_with_foot_dropout(2.5)
    foot = lose(s.foot, a, b)
    batch = AngleEstimator().estimate(s.shin, foot).trace_
    live = AngleEstimator()
    live.calibrate(s.shin, foot)
    parts, j = [], 0
    for i in range(0, len(s.shin), size):
        sh = s.shin.slice(i, i + size)
        k = int(np.searchsorted(foot.t, sh.t[-1], side="right"))
        parts.append(live.update(sh, foot.slice(j, k) if k > j else None))
        j = k
    parts.append(live.finish())
    assert np.any(~np.isin(batch.t, foot.t) & batch.valid)  # something was bridged
    for name in ("t", "angle_deg", "knee_swing_deg"):
        np.testing.assert_allclose(np.concatenate([getattr(p, name) for p in parts]), getattr(batch, name),
                                   atol=1e-9)
    for name in ("heel_lift", "valid", "shin_valid", "foot_lost"):
        np.testing.assert_array_equal(np.concatenate([getattr(p, name) for p in parts]), getattr(batch, name))


def test_trace_slices_and_joins_keep_the_shin_validity() -> None:
    t = np.arange(6, dtype=float)
    z = np.zeros(6)
    valid = np.array([1, 1, 0, 0, 1, 1], bool)
    shin = np.ones(6, bool)
    tr = AngleTrace(t, z, z, np.zeros(6, bool), z, valid, shin_valid=shin)
    assert tr.channel_valid("angle") is valid and tr.channel_valid("knee_swing") is shin
    joined = AngleTrace.concatenate([tr.slice(0, 3), tr.slice(3, 6)])
    np.testing.assert_array_equal(joined.shin_valid, shin)
    np.testing.assert_array_equal(joined.channel_valid("frontal"), shin)
    shin_only = AngleTrace(t, z, z, np.zeros(6, bool), z, valid)
    assert shin_only.channel_valid("knee_swing") is valid
    mixed = AngleTrace.concatenate([shin_only.slice(0, 3), tr.slice(3, 6)])
    np.testing.assert_array_equal(mixed.shin_valid, [1, 1, 0, 1, 1, 1])


def _live(s_shin: SampleBatch, foot: SampleBatch, size: int, foot_lag_s: float = 0.0):
    """Feed shin chunks of ``size`` samples; the foot's samples arrive ``foot_lag_s`` late (in data
    time). Returns the live parts and, per call, how far the output lags the shin input (s)."""
    live = AngleEstimator()
    live.calibrate(s_shin, foot)
    parts, lags, j, released = [], [], 0, -np.inf
    for i in range(0, len(s_shin), size):
        sh = s_shin.slice(i, i + size)
        k = int(np.searchsorted(foot.t, sh.t[-1] - foot_lag_s, side="right"))
        parts.append(live.update(sh, foot.slice(j, k) if k > j else None))
        j = k
        if len(parts[-1]):
            released = float(parts[-1].t[-1])
        lags.append(float(sh.t[-1]) - released)
    if j < len(foot):  # the foot's last samples, after the shin's
        parts.append(live.update(s_shin.slice(0, 0), foot.slice(j, len(foot))))
    parts.append(live.finish())
    return parts, np.asarray(lags)


def _assert_same(parts, batch: AngleTrace) -> None:
    for name in ("t", "angle_deg", "knee_swing_deg", "frontal_deg"):
        np.testing.assert_allclose(np.concatenate([getattr(p, name) for p in parts]), getattr(batch, name),
                                   atol=1e-9)
    for name in ("heel_lift", "valid", "shin_valid", "foot_lost"):
        np.testing.assert_array_equal(np.concatenate([getattr(p, name) for p in parts]), getattr(batch, name))


@pytest.mark.parametrize("exercise", ["band_lunge", "eccentric_drop"])
@pytest.mark.parametrize("lasting", [30.0, np.inf])
def test_a_silent_foot_sensor_does_not_stall_the_live_trace(exercise: str, lasting: float) -> None:
    from dorsi.angle.estimator import FOOT_LAG_S, FOOT_WAIT_S

    s = session(exercise, 5, foot_sensor=True, rate_hz=52.0)
    if exercise == "band_lunge":  # falls silent at rest between two lunges: the foot planted
        start = 0.5 * (s.truth.reps[4].end_s + s.truth.reps[5].start_s)
    else:  # ... in the middle of a drop's hold: the forefoot up
        start = s.truth.holds[3].start_s + 1.0
    foot = lose(s.foot, start, start + lasting)
    batch = AngleEstimator().estimate(s.shin, foot).trace_
    parts, lags = _live(s.shin, foot, 11)
    _assert_same(parts, batch)
    assert lags.max() < FOOT_WAIT_S + 0.5  # the shin goes on within the wait
    # ... and once the foot has been silent that long, with only the foot link's lag
    ends = s.shin.t[np.minimum(np.arange(10, len(s.shin) + 10, 11), len(s.shin) - 1)]
    silent_long = (ends > start + FOOT_WAIT_S + 0.5) & (ends < start + lasting)
    assert silent_long.sum() > 100 and lags[silent_long].max() < FOOT_LAG_S + 0.25
    silent = _inside(batch, start + 0.1, start + lasting)
    assert batch.shin_valid[silent].all()
    if exercise == "band_lunge":  # ... and counts on as with the shin alone
        assert batch.valid[silent].all()
        spec = default_routine()["band_lunge"]
        assert len(ExerciseEventDetector(spec, source="ankle").detect(batch).reps_) == len(s.truth.reps)
    else:  # the forefoot's moves are not seen: no ankle angle until the foot is back
        assert not batch.valid[silent].any()
    if np.isfinite(lasting):
        assert batch.valid[_inside(batch, start + lasting + 0.5, start + lasting + 5.0)].all()


def test_foot_data_arriving_a_little_late_changes_nothing() -> None:
    s = session("knee_to_wall", 6, foot_sensor=True, rate_hz=100.0, packet_loss=0.02)
    batch = AngleEstimator().estimate(s.shin, s.foot).trace_
    parts, lags = _live(s.shin, s.foot, 11, foot_lag_s=2.0)
    _assert_same(parts, batch)
    assert lags.max() > 1.9  # the live trace waited for the foot


def test_heel_lifts_while_the_foot_is_silent_come_from_the_shin() -> None:
    found = total = false = 0
    for seed in (3, 5, 8):
        s = session("band_lunge", seed, foot_sensor=True, rate_hz=100.0)
        reps = s.truth.reps
        k = next(i for i in range(3, len(reps) - 1) if reps[i + 1].heel_lift)
        start = 0.5 * (reps[k].end_s + reps[k + 1].start_s)  # at rest: the foot planted
        tr = AngleEstimator().estimate(s.shin, lose(s.foot, start, np.inf)).trace_
        flags = tr.heel_lift & (tr.t > start)
        edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
        det = [(tr.t[a], tr.t[b - 1]) for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))]
        truth = [iv for iv in s.truth.heel_lifts if iv[0] > start]
        found += sum(any(a < te and b > ts for a, b in det) for ts, te in truth)
        false += sum(not any(a < te and b > ts for ts, te in truth) for a, b in det)
        total += len(truth)
    assert total >= 6 and found == total and false == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60),
       st.lists(st.integers(1, 60), min_size=1, max_size=6))
# the foot back, then silent again while the same shin flag is up: stale from there, not before
@example([(False, False), (False, True), (True, True), (True, False), (True, True)], [13])
def test_shin_heel_flags_while_the_foot_is_silent_do_not_depend_on_chunking(samples, cuts) -> None:
    from dorsi.angle.estimator import _ShinHeelWhileFootSilent

    rise = np.array([r for r, _ in samples])
    alone = np.array([a for _, a in samples])
    whole = _ShinHeelWhileFootSilent().update(rise, alone)
    det, bounds = _ShinHeelWhileFootSilent(), sorted({0, len(rise), *[c % len(rise) for c in cuts]})
    parts = [det.update(rise[a:b], alone[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert not (whole & ~(rise & alone)).any()


def test_a_shin_heel_flag_already_up_as_the_foot_falls_silent_is_left_out() -> None:
    from dorsi.angle.estimator import _ShinHeelWhileFootSilent

    # the foot was planted as it fell silent: a shin flag up then is the tail of a lift it saw end
    rise = np.array([1, 1, 1, 0, 1, 1, 0], bool)
    alone = np.array([0, 1, 1, 1, 1, 1, 1], bool)
    np.testing.assert_array_equal(_ShinHeelWhileFootSilent().update(rise, alone), [0, 0, 0, 0, 1, 1, 0])
