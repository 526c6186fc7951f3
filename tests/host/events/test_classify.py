"""The rule-based exercise classifier on simulator truth traces."""

from __future__ import annotations

import pytest

from dorsi.events.classify import ExerciseClassifier
from dorsi.sim import SimOptions, simulate
from sim_traces import truth_trace


@pytest.mark.parametrize("exercise,source", [
    ("band_lunge", "inclination"), ("knee_to_wall", "inclination"), ("soleus_stretch", "inclination"),
    ("traction", "inclination"), ("eccentric_drop", "ankle"), ("seated_df_hold", "ankle"),
    ("nerve_floss", "inclination"), ("ankle_circles", "ankle"),
])
def test_classifier_names_the_exercise(exercise: str, source: str) -> None:
    session = simulate(exercise, seed=51, options=SimOptions(rate_hz=50.0))
    clf = ExerciseClassifier().fit_predict(truth_trace(session, source, 51))
    assert clf.exercise_ == exercise, (clf.reason_, clf.features_)
    assert clf.reason_
