"""Live: a foot sensor whose calibration refuses (its board strapped on the shin beside the shin's)
leaves the session to the shin alone: the screen says so, the lunges count, the exercise that needs
the foot says it is not counted and moves on after its plain time, and the analysis agrees."""

from __future__ import annotations

from pathlib import Path

from dorsi.pipeline import analyze
from dorsi.sources.recording_source import load_recording

from .emulated_run import Shown, run_emulated

ROUTINE = Path(__file__).with_name("foot_routine.toml")
SPEED = 6.0


def test_a_foot_sensor_that_cannot_be_calibrated_is_said_live_and_the_shin_goes_on(tmp_path) -> None:
    shown = Shown()
    result = run_emulated(ROUTINE, tmp_path / "s.dorsi", [shown], lambda patient, spec: None, SPEED,
                          max_exercise_s=90.0, foot_sensor=True, worn_on={"foot": "shin"})
    assert any(line.startswith("Foot sensor not used") for line in shown.wearing)
    by_id = {e.spec.id: e for e in result.exercises}
    assert len(by_id["band_lunge"].reps) == 4
    assert by_id["seated_df_hold"].holds == []
    assert any("not counted without the foot sensor" in m for m in shown.messages["seated_df_hold"])
    seated = by_id["seated_df_hold"]
    assert seated.end_s - seated.start_s < 60.0  # its plain pace (2 x 14 s), not 1.5 x 90 s waiting for a count
    session = load_recording(tmp_path / "s.dorsi")
    analysis = analyze(session.shin, session.foot, segments=session.segments)
    assert analysis.source == "inclination"
    assert any("foot sensor could not be calibrated" in n for n in analysis.notes)
