"""Live: a shin sensor strapped on the back of the leg from the start is noticed at the calibration
(its standing knee bends), so the lunges count live, and the analysis of the recording says so."""

from __future__ import annotations

from pathlib import Path

from dorsi.pipeline import analyze
from dorsi.sources.recording_source import load_recording

from .emulated_run import Shown, run_emulated

ROUTINE = Path(__file__).with_name("short_routine.toml")
SPEED = 6.0


def test_lunges_count_live_with_the_sensor_on_the_calf(tmp_path) -> None:
    """(Worn on the front, the same short routine runs in the strap-turn test beside this one.)"""
    shown = Shown()
    result = run_emulated(ROUTINE, tmp_path / "s.dorsi", [shown], lambda patient, spec: None, SPEED,
                          max_exercise_s=90.0, strap_rotation_deg=170.0)
    assert [line for line in shown.wearing if "back of the leg" in line]  # said on screen, live
    by_id = {e.spec.id: e for e in result.exercises}
    assert len(by_id["band_lunge"].reps) == 4
    assert len(by_id["soleus_stretch"].holds) == 1
    session = load_recording(tmp_path / "s.dorsi")
    notes = analyze(session.shin, segments=session.segments).notes
    assert any("back of the leg" in n for n in notes)
