"""Level crossings of the movement-shape boundaries (dorsi.events.profile)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.events.profile import _crossing, fitted_start_before_gap


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


@settings(max_examples=50, deadline=None)
@given(start=st.floats(1.0, 3.0), duration=st.floats(2.0, 5.0), amp=st.floats(10.0, 30.0),
       stop=st.floats(0.46, 0.7), rate=st.sampled_from([25.0, 52.0, 100.0]))
def test_a_move_down_whose_data_stop_part_way_is_placed_from_its_received_part(
        start: float, duration: float, amp: float, stop: float, rate: float) -> None:
    # the data stop at phase ``stop`` (40-84 % of the way down: under way, the band is 10-90 %)
    t = np.arange(0.0, start + stop * duration, 1.0 / rate)
    u = np.clip((t - start) / duration, 0.0, 1.0)
    y = amp * (1.0 - (10 * u**3 - 15 * u**4 + 6 * u**5))
    fit = fitted_start_before_gap(t, y, np.ones(len(t), dtype=bool), 0, len(t), amp)
    assert fit is not None
    assert abs(fit[0] - start) < 0.02 * duration and abs(fit[1] - duration) < 0.05 * duration
    # a move barely begun is not placed: too little of its shape
    early = t < start + 0.3 * duration
    assert fitted_start_before_gap(t[early], y[early], np.ones(int(early.sum()), dtype=bool), 0,
                                   int(early.sum()), amp) is None
