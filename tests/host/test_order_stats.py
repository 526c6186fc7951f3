"""The quick median is numpy's, to the last bit (short and long arrays, ties, NaN)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.order_stats import median


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or (a == b and np.signbit(a) == np.signbit(b))


@settings(max_examples=300, deadline=None)
@given(x=st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.integers(-3, 3).map(float)),
                min_size=1, max_size=500))
def test_median_equals_numpys_short(x: list[float]) -> None:
    a = np.array(x)
    assert _same(median(a), float(np.median(a)))


@pytest.mark.parametrize("kind", ["normal", "ties", "steps", "sorted", "reversed", "nan", "two_values"])
@pytest.mark.parametrize("n", [4096, 5001, 50_000, 360_001])
def test_median_equals_numpys_long(kind: str, n: int) -> None:
    rng = np.random.default_rng(n)
    x = {"normal": lambda: rng.normal(size=n),
         "ties": lambda: np.round(rng.normal(size=n), 1),
         "steps": lambda: 0.01 + rng.normal(scale=3e-4, size=n),
         "sorted": lambda: np.sort(rng.normal(size=n)),
         "reversed": lambda: np.sort(rng.normal(size=n))[::-1],
         "nan": lambda: np.where(rng.random(n) < 1e-4, np.nan, rng.normal(size=n)),
         "two_values": lambda: rng.integers(0, 2, n).astype(float)}[kind]()
    assert _same(median(x), float(np.median(x)))


def test_median_leaves_input_alone() -> None:
    x = np.random.default_rng(0).normal(size=10_000)
    before = x.copy()
    median(x)
    assert np.array_equal(x, before)
