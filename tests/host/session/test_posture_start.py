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
    roles = {0: "shin"}
    foot_in_use = False

    def wearing(self) -> list[str]:
        return []

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


def test_from_a_chair_to_a_standing_exercise_the_guide_waits_for_the_sit_to_stand():
    """Seated and standing both hold the shank upright: after the seated holds, the eccentric
    drops start once the patient has stood up and keeps still, not on the stillness before."""
    from dorsi.routine import Routine, default_routine
    from dorsi.session.guide import RoutineGuide
    from dorsi.session.processor import Tick

    base = default_routine()
    routine = Routine("seated then standing", (base["seated_df_hold"], base["eccentric_drop"]))
    leg = StillLeg(tilt_deg=4.0, still_since=2.0)  # calibrated standing, sat down at 2 s
    guide = RoutineGuide(routine, leg, lambda *a, **k: None)

    def run(until: float) -> None:
        while leg.now < until - 1e-9:
            leg.now = round(leg.now + 0.1, 1)
            guide.tick(Tick(), leg.now)

    run(10.0)
    assert leg.started == [("seated_df_hold", 3.5)]  # still 1.5 s after sitting down
    guide.command("next", 10.0)
    run(20.0)
    assert leg.started[1:] == [] and "Stand up, then keep still" in guide.state.message
    leg.still_since = 22.0  # stood up, still from 22 s
    run(30.0)
    assert leg.started[1:] == [("eccentric_drop", pytest.approx(23.5))]
    # someone who never gets up: after POSTURE_WAIT_S it starts anyway
    leg2 = StillLeg(tilt_deg=4.0, still_since=2.0)
    guide = RoutineGuide(routine, leg2, lambda *a, **k: None)
    leg = leg2
    run(10.0)
    guide.command("next", 10.0)
    run(10.0 + POSTURE_WAIT_S + 1.0)
    assert leg2.started[1:] == [("eccentric_drop", pytest.approx(10.0 + POSTURE_WAIT_S))]


@pytest.mark.parametrize("posture,tilt,fits", [
    ("standing", 4.0, True), ("standing", 40.0, True), ("standing", 85.0, False),
    ("seated", 10.0, True), ("seated", 88.0, False),
    ("long_sitting", 85.0, True), ("long_sitting", 3.0, False),
    ("any", 85.0, True), ("standing", None, True),
])
def test_posture_from_the_shank_tilt(posture, tilt, fits):
    assert posture_fits(posture, tilt) is fits


def test_a_slow_change_of_posture_is_movement_even_under_the_gyroscope_threshold():
    """The leg tilting 12 deg at 0.6 deg/s (far under the 20 deg/s that counts as turning) has
    moved: the stillness an exercise starts on is counted from the end of such a change."""
    from dataclasses import replace

    import numpy as np

    from dorsi.samples import SampleBatch
    from dorsi.session.processor import LiveProcessor
    from dorsi.sim import SimOptions, simulate_rest

    s = simulate_rest("standing", seed=3, options=SimOptions(quaternions=True), duration_s=60.0)
    b = s.shin
    t = b.t - b.t[0]
    tilt = np.radians(np.clip((t - 30.0) * 0.6, 0.0, 12.0))  # 30 s to 50 s
    c, si = np.cos(tilt), np.sin(tilt)
    acc = b.acc.copy()
    acc[:, 0], acc[:, 2] = c * b.acc[:, 0] - si * b.acc[:, 2], si * b.acc[:, 0] + c * b.acc[:, 2]
    gyr = b.gyr.copy()
    gyr[:, 1] += np.where((t > 30.0) & (t < 50.0), np.radians(0.6), 0.0)
    s = replace(s, shin=SampleBatch("shin", b.seq, b.t, acc, gyr, b.quat, b.meta))
    proc = LiveProcessor({0: "shin"}, calibration_s=20.0)
    per = s.options.samples_per_packet
    still_at = {}
    for k, payload in enumerate(s.packets("shin")):
        t_last = float(b.t[min((k + 1) * per, len(b)) - 1])
        proc.notification(0, t_last + 0.015, payload)
        proc.process()
        for mark in (45.0, 58.0):
            if mark not in still_at and t_last - b.t[0] >= mark:
                still_at[mark] = proc.still_for()
    assert np.max(np.linalg.norm(gyr, axis=1)) < proc.moving_threshold_rad_s
    assert still_at[45.0] < 6.0  # moving: the tilt changed by 3 deg within the last 5 s
    assert 7.0 < still_at[58.0] < 11.0  # still since the change ended (50 s)
