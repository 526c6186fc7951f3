"""The minimal detectable change: formula, fallback, verdicts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorsi.history import LITERATURE_MDC, MinimalDetectableChange


def test_pooled_sd_gives_mdc95():
    trials = [[40.0, 42.0, 41.0], [38.0, 39.0, 40.0]]
    m = MinimalDetectableChange().fit(trials)
    sem = np.sqrt((1 + 1 + 0 + 1 + 0 + 1) / 4)  # pooled within-session SD, 4 degrees of freedom
    assert m.source_ == "own" and m.dof_ == 4
    assert m.sem_ == pytest.approx(sem)
    assert m.mdc_ == pytest.approx(1.96 * np.sqrt(2) * sem)


def test_too_few_trials_use_the_published_value():
    m = MinimalDetectableChange(LITERATURE_MDC["cm"]).fit([[9.0, 9.5, 9.2]])
    assert m.source_ == "literature" and m.mdc_ == 1.6
    assert MinimalDetectableChange().fit([]).mdc_ == 4.6


@given(st.floats(0.1, 10), st.floats(-20, 20))
def test_a_change_is_real_only_beyond_the_mdc(mdc, change):
    m = MinimalDetectableChange(default=mdc).fit([])
    verdict = m.verdict(change)
    assert verdict == ("improved" if change > mdc else "declined" if change < -mdc else "no real change")


@given(st.lists(st.lists(st.floats(20, 50), min_size=3, max_size=3), min_size=2, max_size=6), st.floats(-10, 10))
def test_shifting_a_session_does_not_change_its_repeatability(trials, shift):
    a = MinimalDetectableChange().fit(trials)
    b = MinimalDetectableChange().fit([trials[0], *([x + shift for x in t] for t in trials[1:])])
    assert a.mdc_ == pytest.approx(b.mdc_, rel=1e-6, abs=1e-6)
