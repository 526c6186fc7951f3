"""Live: a foot sensor worn the other way round (arrow toward the ankle) is noticed in the first
exercise that pitches the foot one way only; that exercise is read again turned back from its
start and the session goes on so: the seated holds count live as with the sensor worn right."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dorsi.pipeline import analyze
from dorsi.sources.recording_source import load_recording

from .emulated_run import Shown, run_emulated

ROUTINE = Path(__file__).with_name("foot_routine.toml")
SPEED = 6.0
TURNED = "Foot sensor worn the other way round"


def _session(path: Path, turned: bool):
    shown = Shown()
    result = run_emulated(ROUTINE, path, [shown], lambda patient, spec: None, SPEED, max_exercise_s=90.0,
                          foot_sensor=True, foot_turned_round=turned)
    session = load_recording(path)
    analysis = analyze(session.shin, session.foot, segments=session.segments)
    return {e.spec.id: e for e in result.exercises}, shown, analysis


def test_a_foot_sensor_worn_turned_round_counts_the_seated_holds_live(tmp_path) -> None:
    right, right_shown, right_after = _session(tmp_path / "right.dorsi", turned=False)
    turned, turned_shown, turned_after = _session(tmp_path / "turned.dorsi", turned=True)
    for live in (right, turned):
        assert len(live["band_lunge"].reps) == 4
        assert len(live["seated_df_hold"].holds) == 2
    # the same person doing the same holds (one seed): read the same, within the live timing
    for key in ("duration_s", "mean_angle_deg"):
        np.testing.assert_allclose([getattr(h, key) for h in turned["seated_df_hold"].holds],
                                   [getattr(h, key) for h in right["seated_df_hold"].holds], atol=0.3)
    assert right_shown.wearing == set()
    assert [line for line in turned_shown.wearing if line.startswith(TURNED)] == list(turned_shown.wearing)
    assert turned_shown.wearing
    for after, noted in ((right_after, False), (turned_after, True)):
        assert [len(e.holds) for e in after.exercises if e.exercise == "seated_df_hold"] == [2]
        assert any("foot sensor was worn the other way round" in n for n in after.notes) == noted
