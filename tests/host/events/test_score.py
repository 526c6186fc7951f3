"""Quality score: components and formula."""

from __future__ import annotations

import pytest

from dorsi.events import Hold, Rep
from dorsi.routine import default_routine
from dorsi.score import WEIGHTS, QualityScorer, overall_quality


def _rep(peak: float = 30.0, heel: bool = False, roll: bool = False, lowering: float | None = None) -> Rep:
    return Rep(0.0, 1.0, 0.5, peak, 4.0, heel_lift=heel, foot_roll_in=roll, lowering_s=lowering)


def test_perfect_band_lunges_score_100() -> None:
    q = QualityScorer().score(default_routine()["band_lunge"], [_rep() for _ in range(30)], []).quality_
    assert q.score == 100
    assert q.components["holds_met"] is None


def test_components_are_shares_and_the_score_their_weighted_mean() -> None:
    spec = default_routine()["band_lunge"]
    reps = [_rep() for _ in range(10)] + [_rep(heel=True) for _ in range(5)] + [_rep(peak=10.0)] * 5
    q = QualityScorer().score(spec, reps, []).quality_
    c = q.components
    assert c["completion"] == pytest.approx(20 / 30)
    assert c["heel_down"] == pytest.approx(15 / 20)
    assert c["range"] == pytest.approx(15 / 20)
    expected = sum(WEIGHTS[k] * c[k] for k in q.weights) / sum(q.weights.values())
    assert q.score == round(100 * expected)


def test_holds_met_and_eccentric_control() -> None:
    spec = default_routine()["eccentric_drop"]
    reps = [_rep(peak=-2.0, lowering=3.0)] * 15 + [_rep(peak=-2.0, lowering=1.0)] * 15
    holds = [Hold(0, 6, 6, 1.0, 5.0, True)] * 20 + [Hold(0, 3, 3, 1.0, 5.0, False)] * 10
    q = QualityScorer().score(spec, reps, holds).quality_
    assert q.components["holds_met"] == pytest.approx(2 / 3)
    assert q.components["control"] == pytest.approx((1.0 + 0.5) / 2)


def test_nothing_done_scores_zero_and_overall_is_the_mean() -> None:
    assert QualityScorer().score(default_routine()["soleus_stretch"], [], []).quality_.score == 0
    assert overall_quality([100, 50, 0]).score == 50
    assert overall_quality([]).score == 0


def test_a_rep_counted_from_the_rhythm_counts_for_completion_not_range() -> None:
    spec = default_routine()["band_lunge"]
    seen = [_rep() for _ in range(29)]
    hidden = Rep(0.0, 1.0, 0.5, 6.0, 4.0, inferred=True)  # peak read on a gap's bridge: a lower bound
    q = QualityScorer().score(spec, seen + [hidden], []).quality_
    assert q.components["completion"] == 1.0
    assert q.components["range"] == 1.0


def test_an_exercise_the_sensors_cannot_see_is_not_scored_and_not_averaged() -> None:
    spec = default_routine()["ankle_circles"]
    q = QualityScorer().score(spec, [], [], observable=False).quality_
    assert q.score is None and all(v is None for v in q.components.values())
    overall = overall_quality([100, None, 90, None])
    assert overall.score == 95 and overall.components == {"exercises": 2.0, "not_scored": 2.0}
    assert overall_quality([None]).score == 0
