"""Standing holds: soleus and gastrocnemius stretches, band traction, quiet standing.

A hold moves into end range, stays there for about the target time (humans
miss it by a few seconds either way) with more sway and a slow settling
deeper into the stretch, then returns. The hold interval is from reaching the
position to starting to leave it.
"""

from __future__ import annotations

import numpy as np

from dorsi.sim.exercises.common import between, lead_in, lead_out, rest, vary
from dorsi.sim.options import SimOptions
from dorsi.sim.script import HoldEvent, Script


def hold_duration(rng: np.random.Generator, target: float, opts: SimOptions) -> float:
    """A human's hold: about the target, +-10 % typical, occasionally cut short."""
    if rng.random() < 0.15 * min(opts.variability, 1.0):
        return vary(rng, 0.7 * target, 0.1, opts, lo=1.0)
    return vary(rng, target, 0.1, opts, lo=1.0)


def _holds(script: Script, rng: np.random.Generator, opts: SimOptions, count: int, target: float,
           lo: float, hi: float, name: str, rock_deg: float = 0.0) -> None:
    lead_in(script, rng)
    base = script.rest
    drift = rng.normal(0.0, 0.05) * opts.variability
    depth = between(rng, lo, hi, opts)
    for i in range(count):
        angle = vary(rng, depth, 0.05, opts)
        frontal = base["frontal"] + drift * (angle - base["incl"])
        script.move(between(rng, 1.5, 2.5, opts), incl=angle, frontal=frontal, sway=1.8)
        start = script.t
        duration = hold_duration(rng, target, opts)
        if rock_deg > 0:
            # band traction: gentle rocking into the end range and back
            period = between(rng, 1.6, 3.0, opts)
            n = max(1, int(duration / period))
            step = duration / (2 * n)
            for _ in range(n):
                script.move(step, incl=angle + vary(rng, rock_deg, 0.2, opts, lo=0.5))
                script.move(step, incl=angle)
        else:
            settle = between(rng, 0.5, 2.5, opts)
            t_settle = 0.3 * duration
            script.at(start + 0.3 * duration, t_settle, incl=angle + settle)
            script.t = start + duration
        script.holds.append(HoldEvent(start, script.t, name))
        script.move(between(rng, 1.2, 2.2, opts), incl=base["incl"], frontal=base["frontal"], sway=1.0)
        if i < count - 1:
            rest(script, rng, opts, between(rng, 4.0, 8.0, opts))
    lead_out(script, rng)


def soleus_stretch(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                   hold_s: float | None) -> None:
    """Bent-knee lunge stretch held at 25-35 deg."""
    _holds(script, rng, opts, reps, hold_s or 30.0, 25.0, 35.0, "soleus_stretch")


def gastroc_stretch(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                    hold_s: float | None) -> None:
    """Straight-knee step stretch held at 14-24 deg."""
    _holds(script, rng, opts, reps, hold_s or 30.0, 14.0, 24.0, "gastroc_stretch")


def traction(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
             hold_s: float | None) -> None:
    """Band pulling the ankle back while the knee eases forward: holds near 10-18 deg, rocking 1-3 deg."""
    _holds(script, rng, opts, reps, hold_s or 30.0, 10.0, 18.0, "traction", rock_deg=2.0)


def quiet_standing(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                   hold_s: float | None) -> None:
    """Standing still (postural sway only) for ``hold_s`` seconds (default 10)."""
    script.wait(hold_s if hold_s is not None else 10.0)
    script.finish()
