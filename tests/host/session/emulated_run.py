"""Run a short routine with the emulated patient, changing what they do as an exercise begins."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Callable

from dorsi.routine import load_routine
from dorsi.session.emulated import emulated_sensors
from dorsi.session.runner import run_session
from dorsi.session.state import SessionState


class Shown:
    """A view that keeps what the screen said: how the sensors are read, and each exercise's
    message while it ran."""

    def __init__(self) -> None:
        self.wearing: set[str] = set()
        self.messages: dict[str, set[str]] = {}

    def update(self, state: SessionState) -> None:
        self.wearing.update(state.wearing)
        if state.phase == "exercise":
            self.messages.setdefault(state.exercise, set()).add(state.message)


def run_emulated(routine: Path, recording: Path, views: list, change: Callable, speed: float,
                 max_exercise_s: float, seed: int = 12, **patient_options):
    """The live session's result; ``change(patient, spec)`` runs as each exercise starts, before
    the patient performs it (turn the strap, let the stance wander, ...); ``patient_options``
    (``SimOptions`` fields) hold from the start, the calibration included."""

    async def run():
        async with emulated_sensors(speed=speed, seed=seed, **patient_options) as setup:
            patient = setup.patient

            def perform(spec):
                change(patient, spec)
                patient.perform(spec)

            return await run_session(load_routine(routine), recording, roles=patient.roles,
                                     views=views, auto_advance=True, link_options=setup.link_options,
                                     on_exercise_start=perform, on_exercise_request=patient.prepare,
                                     time_scale=speed, max_exercise_s=max_exercise_s)

    return asyncio.run(run())
