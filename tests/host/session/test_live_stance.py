"""Live: shin-only eccentric drops ask the patient back to their first stance when it has moved,
and the analysis of the recording notes it; a still stance gets neither."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dorsi.pipeline import analyze
from dorsi.session.state import SessionState
from dorsi.sources.recording_source import load_recording

from .emulated_run import run_emulated

ROUTINE = Path(__file__).with_name("drops_routine.toml")
SPEED = 8.0


class Seen:
    def __init__(self) -> None:
        self.moved: list[float] = []

    def update(self, state: SessionState) -> None:
        if state.phase == "exercise" and state.stance_moved_deg is not None:
            self.moved.append(state.stance_moved_deg)


@pytest.mark.parametrize("wander_deg", [0.0, 3.0])
def test_a_stance_that_moves_during_the_drops_is_shown_live_and_noted_after(tmp_path, wander_deg: float) -> None:
    seen = Seen()

    def wander(patient, spec):  # the patient's weight wanders as the drops begin
        patient.options = replace(patient.options, posture_wander_deg=wander_deg)

    run_emulated(ROUTINE, tmp_path / "s.dorsi", [seen], wander, SPEED, max_exercise_s=150.0)
    session = load_recording(tmp_path / "s.dorsi")
    analysis = analyze(session.shin, segments=session.segments)
    notes = [n for e in analysis.exercises for n in e.notes if "stance" in n]
    if wander_deg == 0.0:
        assert seen.moved == [] and notes == []
    else:
        assert seen.moved and min(abs(m) for m in seen.moved) >= 1.0
        assert len(notes) == 1
