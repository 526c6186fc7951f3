"""The resampling grid and the smoothing filters agree with their reference definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.signal import savgol_filter

from dorsi.angle.trace import AngleTrace
from dorsi.events.channel import channel_grid
from dorsi.events.grid import derivative, savgol, smooth, to_grid
from dorsi.events.grid_stream import GridStream
from dorsi.events.heel_lifts import HeelLiftDetector


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 999), half=st.integers(2, 30), polyorder=st.integers(1, 3), deriv=st.integers(0, 1),
       extra=st.integers(0, 200))
def test_savgol_equals_scipy_interp_mode(seed: int, half: int, polyorder: int, deriv: int, extra: int) -> None:
    window = 2 * half + 1
    x = np.cumsum(np.random.default_rng(seed).normal(size=window + extra))
    ref = savgol_filter(x, window, polyorder, deriv=deriv, delta=0.01, mode="interp")
    out = savgol(x, window, polyorder, deriv=deriv, delta=0.01)
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    # the interior is the very same correlation as scipy's
    assert np.array_equal(out[half:-half], ref[half:-half])


def _reference_grid(t, x, valid, rate_hz, max_gap_s):
    """The grid as first defined: interpolate, then test each grid point's bracketing step."""
    tv, xv = t[valid], x[valid]
    k0, k1 = int(np.ceil(tv[0] * rate_hz - 1e-6)), int(np.floor(tv[-1] * rate_hz + 1e-6))
    tg = np.arange(k0, k1 + 1, dtype=np.float64) / rate_hz
    j = np.clip(np.searchsorted(tv, tg, side="right"), 1, len(tv) - 1)
    ok = (tv[j] - tv[j - 1] <= max_gap_s) | np.isclose(tg, tv[j - 1]) | np.isclose(tg, tv[j])
    return tg, np.interp(tg, tv, xv), ok


def _random_signal(seed: int, rate: float, offset: float, first: int = 1, nan: bool = False):
    """600 jittered samples of a random walk with up to three lost stretches (some longer than
    the grid's max gap; from sample ``first`` on) and, with ``nan``, one non-finite sample."""
    rng = np.random.default_rng(seed)
    n = 600
    t = offset + np.arange(n) / rate + rng.uniform(0, 0.2 / rate, n)
    x = np.cumsum(rng.normal(size=n))
    valid = np.ones(n, dtype=bool)
    for _ in range(rng.integers(0, 4)):
        a = int(rng.integers(first, n - 2))
        valid[a:a + int(rng.integers(1, 120))] = False
    if nan:
        x[rng.integers(0, n)] = np.nan  # a non-finite sample counts as lost
    return t, x, valid


def _random_trace(seed: int, rate: float, offset: float) -> AngleTrace:
    """A trace of :func:`_random_signal` (lost stretches at its ends too, a non-finite sample)."""
    t, x, valid = _random_signal(seed, rate, offset, first=0, nan=True)
    assume(np.count_nonzero(valid & np.isfinite(x)) >= 2)
    return AngleTrace(t, x, 0.5 * x, np.zeros(len(t), bool), -x, valid)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.sampled_from([25.0, 52.0, 100.0, 200.0]),
       grid=st.sampled_from([25.0, 50.0, 100.0]), offset=st.floats(0.0, 4000.0))
def test_to_grid_matches_reference_definition_with_long_gaps(seed: int, rate: float, grid: float,
                                                             offset: float) -> None:
    t, x, valid = _random_signal(seed, rate, offset)
    valid[0] = valid[-1] = True
    sig = to_grid(t, x, valid, grid, 0.5)
    tg, xg, ok = _reference_grid(t, x, valid, grid, 0.5)
    assert np.array_equal(sig.t, tg)
    assert np.array_equal(sig.x, xg)
    assert np.array_equal(sig.valid, ok)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.sampled_from([25.0, 52.0, 100.0, 200.0]),
       fine=st.sampled_from([(100.0, 50.0), (100.0, 25.0), (200.0, 50.0), (100.0, 30.0)]),
       offset=st.floats(0.0, 4000.0))
def test_coarse_grid_read_off_a_finer_one_equals_its_own(seed: int, rate: float, fine: tuple[float, float],
                                                         offset: float) -> None:
    tr = _random_trace(seed, rate, offset)
    t, x, valid = tr.t, tr.angle_deg, tr.valid
    finer = channel_grid(tr, "angle", fine[0], 0.5)
    coarse = channel_grid(tr, "angle", fine[1], 0.5)  # read off the finer grid where the times line up
    own = to_grid(t, x, valid, fine[1], 0.5)
    assert finer.rate_hz == fine[0] and coarse.rate_hz == own.rate_hz
    assert np.array_equal(coarse.t, own.t) and np.array_equal(coarse.x, own.x)
    assert np.array_equal(coarse.valid, own.valid)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.sampled_from([25.0, 52.0, 100.0, 200.0]),
       window=st.sampled_from([2.0, 0.5, 0.001, 30.0]), offset=st.floats(0.0, 4000.0))
def test_head_baseline_equals_the_start_baseline_of_the_whole_grid(seed: int, rate: float, window: float,
                                                                   offset: float) -> None:
    from dorsi.events.channel import head_baseline, start_baseline

    tr = _random_trace(seed, rate, offset)
    t, x, valid = tr.t, tr.angle_deg, tr.valid
    whole = start_baseline(to_grid(t, 0.5 * x, valid, 100.0, 0.5), window)
    assert head_baseline(tr, "frontal", 100.0, 0.5, window) == whole  # the head of the grid alone
    channel_grid(tr, "frontal", 100.0, 0.5)
    assert head_baseline(tr, "frontal", 100.0, 0.5, window) == whole  # read off the kept grid


def _trace(n: int = 500, heel: np.ndarray | None = None) -> AngleTrace:
    t = np.arange(n) / 100.0 + 12.003
    x = 5.0 * np.sin(t)
    return AngleTrace(t, x, 0.5 * x, np.zeros(n, bool) if heel is None else heel, -x, np.ones(n, bool))


def test_channel_grid_is_shared_read_only_and_per_trace() -> None:
    tr = _trace()
    a = channel_grid(tr, "angle", 100.0, 0.5)
    assert channel_grid(tr, "angle", 100.0, 0.5) is a  # resampled once per trace
    assert not a.x.flags.writeable
    with pytest.raises(ValueError):
        a.x[0] = 1.0
    other = _trace()
    other.angle_deg = other.angle_deg + 1.0
    b = channel_grid(other, "angle", 100.0, 0.5)
    np.testing.assert_allclose(b.x, a.x + 1.0)
    np.testing.assert_array_equal(channel_grid(tr, "frontal", 100.0, 0.5).x, 0.5 * a.x)
    with pytest.raises(ValueError, match="unknown channel"):
        channel_grid(tr, "nope", 100.0, 0.5)


def test_heel_lift_detector_without_lifts_keeps_the_grid() -> None:
    tr = _trace()
    tr.valid[100:200] = False
    det = HeelLiftDetector().detect(tr)
    ref = to_grid(tr.t, np.zeros(len(tr)), tr.valid, 100.0, 0.5)
    assert det.heel_lifts_ == [] and np.array_equal(det.t_, ref.t) and not det.mask_.any()
    heel = np.zeros(len(tr), bool)
    heel[300:340] = True
    lifted = HeelLiftDetector().detect(_trace(heel=heel))
    assert len(lifted.heel_lifts_) == 1
    lift = lifted.heel_lifts_[0]  # on the 100 Hz grid: within one grid step of the flagged samples
    assert lift.start_s == pytest.approx(tr.t[300], abs=0.011) and lift.end_s == pytest.approx(tr.t[339], abs=0.011)


@settings(max_examples=60, deadline=None)
@given(bits=st.lists(st.booleans(), max_size=80))
def test_runs_match_the_edge_definition(bits: list[bool]) -> None:
    from dorsi.events.runs import runs

    m = np.array(bits, dtype=bool)
    edges = np.diff(np.concatenate(([0], m.astype(np.int8), [0])))
    starts, ends = runs(m)
    assert np.array_equal(starts, np.flatnonzero(edges == 1))
    assert np.array_equal(ends, np.flatnonzero(edges == -1))


@settings(max_examples=100, deadline=None)
@given(n=st.integers(0, 300), pairs=st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), max_size=150))
def test_fill_intervals_is_the_union_of_the_intervals(n: int, pairs: list[tuple[int, int]]) -> None:
    from dorsi.events.runs import fill_intervals

    pairs = [(min(a, b, n), min(max(a, b), n)) for a, b in pairs]  # 0 <= start <= end <= n, overlaps allowed
    ref = np.zeros(n, dtype=bool)
    for a, b in pairs:
        ref[a:b] = True
    starts = np.array([a for a, _ in pairs], dtype=np.intp)
    ends = np.array([b for _, b in pairs], dtype=np.intp)
    out = fill_intervals(n, starts, ends)  # few intervals (slices) and many (cumulative sum) alike
    assert out.dtype == bool and np.array_equal(out, ref)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), rate=st.sampled_from([25.0, 52.0, 100.0, 200.0]))
def test_grid_stream_equals_the_whole_buffer_gridded_and_filtered(seed: int, rate: float) -> None:
    """Extending chunk by chunk and dropping the start give exactly what the whole buffer gives
    (the filters read after each chunk, or after several, as the live wrapper reads them only when
    it runs the detectors)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(100, 2500))
    t = 10.0 + np.arange(n) / rate + rng.uniform(0, 0.2 / rate, n)
    x = np.cumsum(rng.normal(size=n))
    valid = np.ones(n, dtype=bool)
    for _ in range(rng.integers(0, 4)):  # lost stretches, some longer than max_gap_s
        a = int(rng.integers(1, n - 2))
        valid[a:a + int(rng.integers(1, 120))] = False
    filters = [(0.15, 0), (0.2, 1), (0.5, 1)]
    stream = GridStream(100.0, 0.5, filters)
    first = i = 0
    while i < n:
        m = int(rng.integers(1, 40))
        stream.extend(t[i:i + m], x[i:i + m], valid[i:i + m])
        i += m
        kept = np.flatnonzero(valid[first:i]) + first
        if rng.random() < 0.1 and len(kept) > 5:  # the live wrapper drops its start at a valid sample
            first = int(kept[len(kept) // 2])
            stream.drop_before(float(t[first]))
        if np.count_nonzero(valid[first:i]) < 2 or (rng.random() < 0.6 and i < n):
            continue
        ref = to_grid(t[first:i], x[first:i], valid[first:i], 100.0, 0.5)
        sig = stream.signal()
        assert np.array_equal(sig.t, ref.t) and np.array_equal(sig.x, ref.x) and np.array_equal(sig.valid, ref.valid)
        for window_s, deriv in filters:
            expected = smooth(ref.x, 100.0, window_s) if deriv == 0 else derivative(ref.x, 100.0, window_s)
            assert np.array_equal(stream.output(window_s, deriv), expected)
