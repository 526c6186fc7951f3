"""Live: the shin and foot boards strapped on each other's place are read where they are worn, from
the calibration's knee bends on, and the analysis of the recording says so."""

from __future__ import annotations

from pathlib import Path

from dorsi.pipeline import analyze
from dorsi.sources.recording_source import load_recording

from .emulated_run import Shown, run_emulated

ROUTINE = Path(__file__).with_name("short_routine.toml")
SPEED = 6.0


def test_swapped_boards_count_live_and_are_noted_after(tmp_path) -> None:
    shown = Shown()
    result = run_emulated(ROUTINE, tmp_path / "s.dorsi", [shown], lambda patient, spec: None, SPEED,
                          max_exercise_s=90.0, foot_sensor=True, straps_swapped=True)
    assert [line for line in shown.wearing if "on each other's place" in line]  # said on screen, live
    by_id = {e.spec.id: e for e in result.exercises}
    assert len(by_id["band_lunge"].reps) == 4
    assert len(by_id["soleus_stretch"].holds) == 1
    session = load_recording(tmp_path / "s.dorsi")
    analysis = analyze(session.shin, session.foot, segments=session.segments)
    assert analysis.source == "ankle"
    assert [len(e.reps) for e in analysis.exercises if e.exercise == "band_lunge"] == [4]
    assert any("strapped on each other's place" in n for n in analysis.notes)
