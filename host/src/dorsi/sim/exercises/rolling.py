"""Foam rolling (calf and Achilles release): sitting on the floor, calf on a roller.

The leg lies nearly horizontal (tibial inclination about -85 deg: the knee
behind the ankle) and the person rolls it back and forth along its length
(``roll_x``), the shank pitching slightly as the hips move, now and then
turning the leg in or out (``axial``) to work the sides, and pausing on
tender spots. The foot hangs relaxed. No reps or holds: the activity interval
(first to last stroke) is what counts.
"""

from __future__ import annotations

import numpy as np

from dorsi.sim.exercises.common import between, lead_in, lead_out
from dorsi.sim.options import SimOptions
from dorsi.sim.script import Script


def _rolling(script: Script, rng: np.random.Generator, opts: SimOptions, duration: float,
             stroke: tuple[float, float], half_period: tuple[float, float], name: str) -> None:
    lead_in(script, rng)
    base = script.rest
    start = script.t
    gain = between(rng, 10.0, 25.0, opts)  # deg of pitch per metre of roll
    end = start + duration
    sign = -1.0
    while script.t < end - 0.5:
        if rng.random() < 0.1:
            script.wait(between(rng, 2.0, 5.0, opts))  # pause on a tender spot
            continue
        if rng.random() < 0.08:
            script.move(between(rng, 0.8, 1.5, opts), axial=rng.choice([-1.0, 1.0]) * between(rng, 8.0, 18.0, opts))
        elif abs(script.value("axial")) > 0 and rng.random() < 0.2:
            script.move(between(rng, 0.8, 1.5, opts), axial=0.0)
        x = sign * 0.5 * between(rng, *stroke, opts)
        dur = min(between(rng, *half_period, opts), max(end - script.t, 0.3))
        script.move(dur, roll_x=x, incl=base["incl"] + gain * x, sway=0.5)
        sign = -sign
    script.move(1.0, roll_x=0.0, incl=base["incl"], axial=0.0, sway=0.3)
    script.activities.append((start, script.t))
    lead_out(script, rng)


def calf_release(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                 hold_s: float | None) -> None:
    """Roll the calf for ``hold_s`` seconds (default 60-180 s), strokes of 10-16 cm."""
    duration = hold_s if hold_s is not None else between(rng, 70.0, 150.0, opts)
    _rolling(script, rng, opts, duration, (0.10, 0.16), (1.2, 2.5), "calf_release")


def achilles_release(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                     hold_s: float | None) -> None:
    """Roll the Achilles for ``hold_s`` seconds (default 60-180 s), strokes of 4-8 cm."""
    duration = hold_s if hold_s is not None else between(rng, 70.0, 150.0, opts)
    _rolling(script, rng, opts, duration, (0.04, 0.08), (0.8, 1.8), "achilles_release")
