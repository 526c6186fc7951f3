"""Eccentric drops: lift the forefoot (the foot pivots about the heel), hold, lower slowly.

Standing, the toes come up 15-25 deg while the shank tilts back 2-5 deg, so
the ankle dorsiflexes by ``foot_pitch + incl - baseline``. The hold lasts about
the target (5 s), the lowering 2-4 s (sometimes an uncontrolled 0.5-1.5 s).
"""

from __future__ import annotations

import numpy as np

from dorsi.sim.exercises.common import between, lead_in, lead_out, rest, vary
from dorsi.sim.exercises.stretches import hold_duration
from dorsi.sim.options import SimOptions
from dorsi.sim.script import HoldEvent, RepEvent, Script


def eccentric_drop(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                   hold_s: float | None) -> None:
    """``reps`` forefoot lifts, each held about ``hold_s`` (default 5 s) and lowered slowly."""
    target = hold_s if hold_s is not None else 5.0
    lead_in(script, rng)
    base = script.rest
    lift = between(rng, 16.0, 24.0, opts)
    back = between(rng, 2.0, 5.0, opts)
    for i in range(reps):
        start = script.t
        pitch = vary(rng, lift, 0.08, opts, lo=12.0, hi=28.0)
        tilt = vary(rng, back, 0.2, opts, lo=0.5)
        script.move(between(rng, 0.6, 1.2, opts), foot_pitch=pitch, incl=base["incl"] - tilt, sway=1.3)
        hold_start = script.t
        script.wait(hold_duration(rng, target, opts))
        script.holds.append(HoldEvent(hold_start, script.t, "eccentric_drop"))
        if rng.random() < 0.15 * min(opts.variability, 1.0):
            lowering = between(rng, 0.5, 1.5, opts)
        else:
            lowering = between(rng, 2.0, 4.0, opts)
        script.move(lowering, foot_pitch=0.0, incl=base["incl"], sway=1.0)
        script.reps.append(RepEvent(start, script.t, "ankle", lowering_s=lowering, exercise="eccentric_drop"))
        if i < reps - 1:
            rest(script, rng, opts, between(rng, 0.8, 2.0, opts))
    lead_out(script, rng)
