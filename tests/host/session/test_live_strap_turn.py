"""Live: a shin strap that turns after the calibration is shown during the exercise, and the
analysis of the recording says the same."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dorsi.pipeline import analyze
from dorsi.session.state import SessionState
from dorsi.sources.recording_source import load_recording

from .emulated_run import run_emulated

ROUTINE = Path(__file__).with_name("short_routine.toml")
SPEED = 6.0


class Seen:
    def __init__(self) -> None:
        self.turned: dict[str, float] = {}
        self.wearing: set[str] = set()

    def update(self, state: SessionState) -> None:
        self.wearing.update(state.wearing)
        if state.phase == "exercise" and state.strap_turned_deg is not None:
            self.turned[state.exercise] = state.strap_turned_deg


@pytest.mark.parametrize("turn_deg", [0.0, 25.0])
def test_a_strap_turned_before_the_lunges_is_shown_live_and_noted_after(tmp_path, turn_deg: float) -> None:
    seen = Seen()

    def turn(patient, spec):  # the strap turns on the shin as the lunges begin (after calibration)
        if spec.id == "band_lunge":
            patient.options = replace(patient.options, strap_rotation_deg=patient.options.strap_rotation_deg + turn_deg)

    result = run_emulated(ROUTINE, tmp_path / "s.dorsi", [seen], turn, SPEED, max_exercise_s=90.0)
    lunges = {e.spec.id: e for e in result.exercises}["band_lunge"]
    assert len(lunges.reps) == 4
    session = load_recording(tmp_path / "s.dorsi")
    analysis = analyze(session.shin, segments=session.segments)
    notes = [n for e in analysis.exercises if e.exercise == "band_lunge" for n in e.notes if "turned" in n]
    assert seen.wearing == set()  # worn as the user guide shows: nothing to say about it
    if turn_deg == 0.0:
        assert seen.turned == {} and notes == []
    else:
        assert set(seen.turned) == {"band_lunge"}  # (the stretch after it moves too little to judge)
        assert seen.turned["band_lunge"] == pytest.approx(turn_deg, abs=4.0)
        assert len(notes) == 1
