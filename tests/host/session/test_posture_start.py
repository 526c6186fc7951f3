"""An exercise starts in its own posture: a standing stretch shown while the leg still lies out
after the foam rolling waits for the patient to stand (its rest is not read lying)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dorsi.recording import read_recording
from dorsi.routine import load_routine
from dorsi.session.emulated import emulated_sensors
from dorsi.session.guide import POSTURE_WAIT_S, posture_fits
from dorsi.session.runner import run_session
from dorsi.session.state import SessionState

ROUTINE = Path(__file__).with_name("floor_routine.toml")  # Achilles rolling, then 3 standing holds
SPEED = 8.0


class Messages:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def update(self, state: SessionState) -> None:
        if not self.seen or self.seen[-1] != state.message:
            self.seen.append(state.message)


async def _run(path: Path, views: list, get_ready: bool, routine=None):
    routine = routine or load_routine(ROUTINE)
    async with emulated_sensors(speed=SPEED, seed=11) as setup:
        result = await run_session(
            routine, path, roles=setup.patient.roles, views=views, auto_advance=True,
            link_options=setup.link_options, on_exercise_start=setup.patient.perform,
            on_exercise_request=setup.patient.prepare if get_ready else None,
            time_scale=SPEED, max_exercise_s=90.0)
    return result, dict(setup.patient.truths)


def _start_times(path: Path) -> dict[str, float]:
    rec = read_recording(path)
    return {m["exercise"]: float(m["t"]) for m in rec.markers if m.get("event") == "exercise_start"}


def test_a_standing_stretch_after_the_foam_rolling_starts_once_the_patient_stands(tmp_path):
    views = Messages()
    result, truths = _run_sync(tmp_path / "s.dorsi", [views], get_ready=True)
    stretch = {e.spec.id: e for e in result.exercises}["gastroc_stretch"]
    true_holds = truths["gastroc_stretch"].holds
    # read standing, the three holds are three (read lying, they were one 75 s "hold")
    assert len(stretch.holds) == len(true_holds) == 3
    for seen, true in zip(stretch.holds, true_holds):
        assert abs(seen.duration_s - true.duration_s) < 1.0
    assert any("Stand up to start it" in m for m in views.seen)


def test_with_a_routine_that_allows_any_posture_it_starts_at_once(tmp_path):
    from dataclasses import replace

    from dorsi.routine import Routine

    base = load_routine(ROUTINE)
    anywhere = Routine(base.name, tuple(replace(s, posture="any") for s in base.exercises))
    result, _ = _run_sync(tmp_path / "a.dorsi", [], get_ready=True, routine=anywhere)
    stretch = {e.spec.id: e for e in result.exercises}["gastroc_stretch"]
    assert len(stretch.holds) < 3  # the old behaviour, kept for who asks for it: rest read lying


def test_someone_who_stays_down_is_not_kept_waiting_for_ever(tmp_path):
    """Nobody gets up (the patient only moves once an exercise starts): after POSTURE_WAIT_S
    still in the other posture, the stretch starts anyway, so a session never hangs on it."""
    views = Messages()
    path = tmp_path / "down.dorsi"
    result, _ = _run_sync(path, [views], get_ready=False)
    assert result.state.phase == "finished"
    assert [e.spec.id for e in result.exercises] == ["achilles_release", "gastroc_stretch"]
    assert any("Stand up to start it" in m for m in views.seen)
    rec = read_recording(path)
    ends = {m["exercise"]: float(m["t"]) for m in rec.markers if m.get("event") == "exercise_end"}
    starts = _start_times(path)
    assert starts["gastroc_stretch"] - ends["achilles_release"] >= POSTURE_WAIT_S - 1.0


def _run_sync(path: Path, views: list, get_ready: bool, routine=None):
    return asyncio.run(_run(path, views, get_ready, routine))


class StillLeg:
    """The guide's view of a leg that keeps still (the processor's part the guide reads)."""

    calibrated, exercise, cyclic = True, None, False

    def __init__(self, tilt_deg: float, still_since: float) -> None:
        self.tilt_deg, self.still_since, self.now = tilt_deg, still_since, 0.0
        self.started: list[tuple[str, float]] = []

    def still_for(self) -> float:
        return self.now - self.still_since

    def shank_tilt_deg(self) -> float:
        return self.tilt_deg

    def start_exercise(self, spec, t: float) -> None:
        self.started.append((spec.id, t))


def _guide_over(leg: StillLeg, seconds: float):
    from dorsi.session.guide import RoutineGuide
    from dorsi.session.processor import Tick

    routine = load_routine(ROUTINE)
    routine = type(routine)(routine.name, routine.exercises[1:])  # the standing stretch is shown first
    guide = RoutineGuide(routine, leg, lambda *a, **k: None)
    for step in range(int(seconds * 10)):
        leg.now = 1000.0 + step / 10
        guide.tick(Tick(), leg.now)
    return guide


def test_the_wait_for_another_posture_counts_from_when_the_exercise_is_shown():
    """The foam rolling hardly turns the shin, so it reads as still: lying "still" for 100 s
    already when the standing stretch is shown is no reason to start it lying."""
    lying = StillLeg(tilt_deg=86.0, still_since=900.0)
    guide = _guide_over(lying, POSTURE_WAIT_S - 1.0)
    assert lying.started == [] and "Stand up to start it" in guide.state.message
    guide = _guide_over(lying := StillLeg(tilt_deg=86.0, still_since=900.0), POSTURE_WAIT_S + 1.0)
    assert lying.started == [("gastroc_stretch", pytest.approx(1000.0 + POSTURE_WAIT_S, abs=0.15))]
    standing = StillLeg(tilt_deg=3.0, still_since=900.0)
    _guide_over(standing, 1.0)
    assert standing.started == [("gastroc_stretch", 1000.0)]


@pytest.mark.parametrize("posture,tilt,fits", [
    ("standing", 4.0, True), ("standing", 40.0, True), ("standing", 85.0, False),
    ("seated", 10.0, True), ("seated", 88.0, False),
    ("long_sitting", 85.0, True), ("long_sitting", 3.0, False),
    ("any", 85.0, True), ("standing", None, True),
])
def test_posture_from_the_shank_tilt(posture, tilt, fits):
    assert posture_fits(posture, tilt) is fits
