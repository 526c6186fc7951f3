"""Re-anchoring after lost samples: a fast movement's reference error is not carried over a gap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.angle import AngleEstimator
from dorsi.orientation import AxisAngleFilter
from dorsi.sim import SimOptions, simulate

from .conftest import lose


def _circles_with_loss(seed: int):
    """Seated ankle circles with the foot sensor, 100 Hz, 2 % burst loss (the accuracy benchmark's set-up)."""
    rng = np.random.default_rng(seed)
    return simulate("ankle_circles", seed=seed, options=SimOptions(
        rate_hz=100.0, side="left" if seed % 2 else "right", strap_rotation_deg=float(rng.uniform(-30, 30)),
        foot_sensor=True, packet_loss=0.02))


def _first_circles_error(s) -> float:
    tr = AngleEstimator(standing_baseline_deg=s.profile["seated_baseline_deg"]).estimate(s.shin, s.foot).trace_
    err = tr.angle_deg - np.interp(tr.t, s.truth.t, s.truth.ankle_angle_deg)
    first = (tr.t >= s.truth.reps[0].start_s) & (tr.t < s.truth.reps[1].end_s) & tr.valid
    return float(np.abs(err[first]).max())


@pytest.mark.parametrize(("seed", "sensor"), [(19, "foot"), (97, "shin")])
def test_a_gap_in_the_fast_leg_lift_leaves_the_first_circles_right(seed: int, sensor: str) -> None:
    s = _circles_with_loss(seed)
    # the session loses 0.5-0.8 s of this sensor's data in the leg lift just before the first circle,
    # where its cleaned accelerometer is several degrees off (the pivot itself moves)
    batch = getattr(s, sensor)
    gaps = np.flatnonzero(np.diff(batch.t) > 0.4)
    assert any(3.5 < batch.t[i] < s.truth.reps[0].start_s for i in gaps)
    # carrying that error over the gap read the first circles 2.6 deg (foot) / 3.6 deg (shin) off
    assert _first_circles_error(s) < 1.0


def test_axis_filter_restart_averages_the_references_after_the_gap() -> None:
    dt, tau = 0.01, 1.0
    t = np.arange(400) * dt
    angle = 0.5 * np.sin(2 * np.pi * 0.7 * t)
    rate = np.gradient(angle, dt)[:, None]
    # the reference's transient error: +4 deg at the last sample before the gap, -4 deg at the first after
    ref = (angle + np.radians(4.0) * np.cos(2 * np.pi * 5.0 * (t - 1.9)))[:, None]
    keep = (t < 1.905) | (t > 1.995)  # samples 191-199 lost
    t, angle, rate, ref = t[keep], angle[keep], rate[keep], ref[keep]
    steps = np.diff(np.r_[-dt, t])
    gap = steps > 3.5 * dt
    g = int(np.flatnonzero(gap)[0])
    bridged = AxisAngleFilter(tau).filter(ref, rate, steps, dt, reanchor=gap).angle_
    restarted = AxisAngleFilter(tau, np.radians(3.0)).filter(ref, rate, steps, dt, reanchor=gap).angle_
    np.testing.assert_array_equal(bridged[:g], restarted[:g])
    # bridged, the reference's change (-8 deg) is the increment; restarted, the reference itself ...
    assert np.degrees(bridged[g, 0] - angle[g]) < -7.0
    assert restarted[g, 0] == pytest.approx(ref[g, 0])
    # ... then the running mean of the references carried forward by the gyroscope
    after = slice(g + 30, g + 100)
    assert np.degrees(np.max(np.abs(restarted[after, 0] - angle[after]))) < 1.0
    assert np.degrees(np.max(np.abs(bridged[after, 0] - angle[after]))) > 3.0
    # chunked = one call, with a chunk boundary inside the running average too
    f = AxisAngleFilter(tau, np.radians(3.0))
    parts = [f.filter(ref[a:b], rate[a:b], steps[a:b], dt, reanchor=gap[a:b]).angle_
             for a, b in ((0, g), (g, g + 11), (g + 11, g + 60), (g + 60, len(t)))]
    np.testing.assert_array_equal(np.vstack(parts), restarted)
    # a running average continues into a call without a gap mask
    f = AxisAngleFilter(tau, np.radians(3.0))
    first = f.filter(ref[:g + 20], rate[:g + 20], steps[:g + 20], dt, reanchor=gap[:g + 20]).angle_
    rest = f.filter(ref[g + 20:], rate[g + 20:], steps[g + 20:], dt).angle_
    np.testing.assert_array_equal(np.vstack([first, rest]), restarted)


def test_a_short_gap_in_a_fast_lunge_is_bridged_by_the_gyroscope() -> None:
    """A lost packet at 200 Hz (0.06 s) mid-rise of a 0.62 s lunge: the rate integrated across it
    beats the reference's change, which carries the swing's transient error (3.9 deg before)."""
    s = simulate("band_lunge", seed=41, options=SimOptions(rate_hz=200.0))
    rep = min(s.truth.reps[2:], key=lambda r: r.end_s - r.start_s)
    a = rep.start_s + 0.5 * (rep.peak_s - rep.start_s)
    cut = lose(s.shin, a, a + 0.06)
    full = AngleEstimator().estimate(s.shin).trace_
    tr = AngleEstimator().estimate(cut).trace_

    def peak(trace):
        return trace.angle_deg[(trace.t >= rep.start_s) & (trace.t <= rep.end_s)].max()

    assert abs(peak(tr) - peak(full)) < 1.0


def test_a_long_gap_mid_lunge_at_25_hz_leaves_the_peak_right() -> None:
    """0.9 s lost up to mid-rise of a fast lunge at 25 Hz: the angle restarts from the references
    after the gap. Their angular acceleration is centred (a backward difference is half a sample
    late, which tilted the reference mid-lunge by up to 15-20 deg at 25 Hz), and the filter
    averages them from the gap on; carrying the reference's change over the gap read one peak
    4.7 deg low."""
    s = simulate("band_lunge", seed=40, options=SimOptions(rate_hz=25.0))
    truth = s.truth.tibial_inclination_deg
    rest_true = np.median(truth[s.truth.t < 2.0])
    errors = []
    for rep in s.truth.reps[3:12]:
        cut_end = rep.start_s + 0.55 * (rep.peak_s - rep.start_s)
        tr = AngleEstimator().estimate(lose(s.shin, cut_end - 0.9, cut_end)).trace_
        rest = np.median(tr.angle_deg[tr.t < 2.0])
        ours = tr.angle_deg[(tr.t >= rep.start_s) & (tr.t <= rep.end_s)].max() - rest
        errors.append(ours - (truth[(s.truth.t >= rep.start_s) & (s.truth.t <= rep.end_s)].max() - rest_true))
    assert np.max(np.abs(errors)) < 1.5


@settings(max_examples=6, deadline=None)
@given(st.lists(st.integers(1, 14), min_size=1, max_size=40))
def test_chunks_of_any_size_equal_one_call(sizes: list[int]) -> None:
    """The centred reference reads the two samples before each chunk: its state is carried.
    (No lost samples here: a gap's own angular acceleration reads the samples after it, which a
    BLE notification always carries, see ``test_streaming_equals_batch``.)"""
    s = simulate("band_lunge", seed=42, options=SimOptions(rate_hz=25.0))
    shin = s.shin.slice(0, int(np.searchsorted(s.shin.t, 30.0)))
    whole = AngleEstimator().estimate(shin).trace_
    live = AngleEstimator().calibrate(shin)
    parts, i = [], 0
    for size in sizes * (len(shin) // sum(sizes) + 1):
        if i >= len(shin):
            break
        parts.append(live.update(shin.slice(i, min(i + size, len(shin)))))
        i += size
    np.testing.assert_allclose(np.concatenate([p.angle_deg for p in parts]), whole.angle_deg, atol=1e-9)
    np.testing.assert_allclose(np.concatenate([p.frontal_deg for p in parts]), whole.frontal_deg, atol=1e-9)
