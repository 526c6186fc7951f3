"""Ankle circle direction (outward / inward) from the foot's pitch and roll."""

from __future__ import annotations

import numpy as np
import pytest

from dorsi.angle.trace import AngleTrace
from dorsi.events import ExerciseEventDetector, Rep
from dorsi.events.circle_direction import INWARD, OUTWARD, CircleDirection
from dorsi.routine import default_routine
from dorsi.score import QualityScorer


def _circles(ways: list[str], rate: float = 50.0, period: float = 1.6, roll_amp: float = 10.0,
             keep: tuple[float, float] | None = None) -> tuple[AngleTrace, list[tuple[float, float]]]:
    """One circle per entry of ``ways`` (peaks of dorsiflexion at mid-circle), from 1 s on."""
    t = np.arange(0.0, 2.0 + period * len(ways), 1.0 / rate)
    angle = np.full(len(t), -28.0)
    roll = np.zeros(len(t))
    bounds = []
    for k, way in enumerate(ways):
        a, b = 1.0 + k * period, 1.0 + (k + 1) * period
        m = (t >= a) & (t < b)
        phase = 2 * np.pi * (t[m] - a) / period
        angle[m] = -10.0 - 18.0 * np.cos(phase)  # bottom, up, top at mid-circle, down
        # outward: up, out, down, in -> from the bottom: in (inversion +) on the way up
        roll[m] = (1.0 if way == OUTWARD else -1.0) * roll_amp * np.sin(phase)
        bounds.append((a, b))
    valid = np.ones(len(t), bool)
    if keep is not None:
        valid &= ~((t > keep[0]) & (t < keep[1]))
    trace = AngleTrace(t, angle, np.zeros(len(t)), np.zeros(len(t), bool), np.zeros(len(t)), valid, "ankle",
                       -28.0, foot_roll_deg=roll)
    return trace, bounds


def test_outward_and_inward_circles_are_told_apart() -> None:
    ways = [OUTWARD] * 3 + [INWARD] * 3
    trace, bounds = _circles(ways)
    starts, ends = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    det = CircleDirection().detect(trace, starts, ends)
    assert det.directions_ == ways
    assert all(abs(r) > 0.6 for r in det.roundness_)


def test_a_foot_that_only_bobs_has_no_direction_and_a_lost_circle_takes_its_run() -> None:
    trace, bounds = _circles([OUTWARD] * 3, roll_amp=0.5)
    starts, ends = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    assert CircleDirection().detect(trace, starts, ends).directions_ == [None] * 3
    # the middle circle almost all in a gap: its neighbours went inward, so did it
    lost = (1.0 + 1.6 + 0.05, 1.0 + 3.2 - 0.05)
    trace, bounds = _circles([INWARD] * 3, keep=lost)
    starts, ends = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    det = CircleDirection().detect(trace, starts, ends)
    assert det.roundness_[1] == 0.0
    assert det.directions_ == [INWARD] * 3


def test_without_a_foot_sensor_there_is_no_direction() -> None:
    trace, bounds = _circles([OUTWARD] * 2)
    trace.foot_roll_deg = None
    starts, ends = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    assert CircleDirection().detect(trace, starts, ends).directions_ == [None, None]


@pytest.mark.parametrize("side, seed", [("left", 41), ("right", 42)])
def test_simulated_circles_each_way_on_either_foot(side: str, seed: int) -> None:
    from dorsi.angle import AngleEstimator
    from dorsi.sim import SimOptions, simulate

    session = simulate("ankle_circles", seed=seed, options=SimOptions(rate_hz=52.0, side=side, foot_sensor=True,
                                                                      strap_rotation_deg=25.0))
    trace = AngleEstimator().estimate(session.shin, session.foot).trace_
    assert trace.foot_roll_deg is not None
    reps = ExerciseEventDetector(default_routine()["ankle_circles"], trace.source).detect(trace).reps_
    truth = [r.direction for r in session.truth.reps]
    assert truth == [OUTWARD] * 20 + [INWARD] * 20
    assert [r.direction for r in reps] == truth


def test_circles_count_each_way_toward_completion() -> None:
    spec = default_routine()["ankle_circles"]

    def circle(way: str | None) -> Rep:
        return Rep(0.0, 1.0, 0.5, 8.0, -10.0, direction=way)

    one_way = QualityScorer().score(spec, [circle(OUTWARD) for _ in range(40)], []).quality_
    assert one_way.components["completion"] == pytest.approx(0.5)
    both = QualityScorer().score(spec, [circle(OUTWARD)] * 20 + [circle(INWARD)] * 20, []).quality_
    assert both.components["completion"] == 1.0
    # direction unknown (no foot roll): the total counts, as before
    unknown = QualityScorer().score(spec, [circle(None) for _ in range(40)], []).quality_
    assert unknown.components["completion"] == 1.0
