"""Heel lifts from the foot sensor end when the foot is back flat, even where "flat" does not
read exactly as it did at calibration (another spot of floor, the device's tilt settling)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.angle.heel_lift import FootPitchHeelLift

RATE = 100.0


def _lunge_with_lift(flat_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standing 5 s, a lunge whose heel comes up (foot 6 deg toes-down) for 2 s, back to rest
    for 10 s; the planted foot reads ``flat_deg`` throughout (negative: toes-down)."""
    t = np.arange(0, 20.0, 1 / RATE)
    lift = (t >= 7.0) & (t < 9.0)
    lunge = (t >= 6.0) & (t < 10.0)
    pitch = np.where(lift, flat_deg - 6.0, flat_deg) + 0.05 * np.sin(2 * np.pi * 0.7 * t)
    return pitch, lunge, ~lunge


def _flags(pitch, weight_bearing, at_rest, sizes: list[int] | None = None) -> np.ndarray:
    """The detector's flags, fed in chunks of ``sizes`` (then the rest) or in one go."""
    detector = FootPitchHeelLift(rate_hz=RATE)
    bounds = np.cumsum([0, *(sizes or [])]).tolist() + [len(pitch)]
    return np.concatenate([detector.update(pitch[a:b], weight_bearing[a:b], at_rest[a:b])
                           for a, b in zip(bounds[:-1], bounds[1:])])


def test_a_lift_ends_when_the_foot_is_back_on_a_floor_that_reads_toes_down():
    pitch, lunge, rest = _lunge_with_lift(flat_deg=-0.7)
    heel = _flags(pitch, lunge, rest)
    t = np.arange(len(pitch)) / RATE
    on = t[heel]
    assert on.size and 6.9 <= on[0] <= 7.1 and on[-1] <= 9.1  # the lift, and only the lift
    # without the learnt level the lift stayed on to the end (the foot reads 0.7 toes-down)
    old = FootPitchHeelLift(rate_hz=RATE).update(pitch, lunge)
    assert old[-1]


def test_a_level_foot_reads_as_before():
    pitch, lunge, rest = _lunge_with_lift(flat_deg=0.0)
    heel = _flags(pitch, lunge, rest)
    assert np.array_equal(heel, FootPitchHeelLift(rate_hz=RATE).update(pitch, lunge))


def test_a_heel_held_up_at_end_range_stays_up():
    """The level is learnt only with the shank at rest: a heel that stays up through a long
    lunge is one lift for as long as it is up."""
    t = np.arange(0, 30.0, 1 / RATE)
    lunge = (t >= 5.0) & (t < 25.0)
    pitch = np.where((t >= 6.0) & (t < 24.0), -4.0, 0.0)
    heel = _flags(pitch, lunge, ~lunge)
    assert heel[(t >= 6.1) & (t < 23.9)].all() and not heel[t >= 24.1].any()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=12), st.floats(-1.5, 1.5))
def test_any_chunking_gives_the_same_flags(sizes, flat):
    pitch, lunge, rest = _lunge_with_lift(flat_deg=flat)
    assert np.array_equal(_flags(pitch, lunge, rest, sizes), _flags(pitch, lunge, rest))
