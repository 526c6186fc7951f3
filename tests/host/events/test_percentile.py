"""The hold detector's quick percentile is numpy's, to the last bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.events.holds import _percentile


@settings(max_examples=300, deadline=None)
@given(x=st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=400),
       q=st.one_of(st.sampled_from([0.0, 1.0, 50.0, 99.0, 100.0]), st.floats(0, 100)))
def test_percentile_equals_numpys(x: list[float], q: float) -> None:
    a = np.array(x)
    assert _percentile(a, q) == np.percentile(a, q)
