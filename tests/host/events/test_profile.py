"""Level crossings of the movement-shape boundaries (dorsi.events.profile)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.events.profile import _crossing


@settings(max_examples=300, deadline=None)
@given(y=st.lists(st.integers(-3, 3).map(float), max_size=40), lo=st.integers(0, 45), span=st.integers(-3, 45),
       level=st.sampled_from([-1.0, 0.0, 0.5, 1.0]), rising=st.booleans(), last=st.booleans())
def test_crossing_is_the_first_or_last_of_all_crossings(y: list[float], lo: int, span: int, level: float,
                                                        rising: bool, last: bool) -> None:
    a = np.array(y, dtype=np.float64)
    hi = lo + span
    above = a[lo:hi] >= level
    every = lo + (above[1:] > above[:-1] if rising else above[:-1] > above[1:]).nonzero()[0]
    expected = (int(every[-1]) if last else int(every[0])) if len(every) else None
    assert _crossing(a, lo, hi, level, rising, last) == expected
