"""The heel-lift model's trailing-window range over a notification equals the plain one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from dorsi.angle.heel_lift import _trailing_range


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 120), data=st.data())
def test_trailing_range_equals_the_range_of_each_window(size: int, data) -> None:
    n = data.draw(st.integers(1, size))
    x = np.array(data.draw(st.lists(st.floats(-90, 90, allow_nan=False), min_size=size - 1 + n,
                                    max_size=size - 1 + n)))
    windows = sliding_window_view(x, size)
    np.testing.assert_array_equal(_trailing_range(x, size, n), windows.max(axis=1) - windows.min(axis=1))
