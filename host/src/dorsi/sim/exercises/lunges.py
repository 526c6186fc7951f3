"""Weight-bearing lunges: the knee-to-wall test and band dorsiflexion lunges.

Standing on the floor, the knee drives forward over the toes (tibial
inclination rises), with a person-specific frontal drift of the knee
(``frontal = base + k (incl - base)``), and returns. A rep may end with a heel
lift: the foot pivots about the metatarsal heads, the heel rises 2-6 cm over
0.3-1 s and the knee goes a little further forward.
"""

from __future__ import annotations

import numpy as np

from dorsi.sim.exercises.common import between, lead_in, lead_out, rest, vary
from dorsi.sim.options import SimOptions
from dorsi.sim.script import RepEvent, Script


def heel_pitch_deg(height_m: float, opts: SimOptions) -> float:
    """Foot pitch (negative) that lifts the back of the heel by ``height_m``."""
    lever = opts.metatarsal_fraction * opts.foot_length_m
    return -float(np.rad2deg(np.arcsin(height_m / lever)))


def _lunge(script: Script, rng: np.random.Generator, opts: SimOptions, peak: float, t_out: float,
           t_pause: float, t_back: float, drift: float, heel_lift: bool, name: str,
           knee_to_wall: bool = False) -> None:
    base = script.rest
    start = script.t
    frontal_peak = base["frontal"] + drift * (peak - base["incl"])
    script.move(t_out, incl=peak, frontal=frontal_peak, sway=1.5)
    if heel_lift:
        rise = between(rng, 0.3, 1.0, opts)
        pitch = heel_pitch_deg(between(rng, 0.02, 0.06, opts), opts)
        extra = between(rng, 2.0, 6.0, opts)
        up = script.t
        script.at(up, rise, foot_pitch=pitch)
        script.at(up, rise, incl=peak + extra, frontal=frontal_peak + drift * extra)
        stay = max(t_pause, 0.2) + between(rng, 0.2, 0.8, opts)
        down = up + rise + stay
        script.at(down, rise, foot_pitch=0.0)
        script.t = down + rise
        script.heel_lifts.append((up, down + rise))
    else:
        script.wait(t_pause)
    script.move(t_back, incl=base["incl"], frontal=base["frontal"], sway=1.0)
    script.reps.append(RepEvent(start, script.t, "incl", heel_lift=heel_lift, knee_to_wall=knee_to_wall,
                                exercise=name))


def _knee_drift(rng: np.random.Generator, opts: SimOptions) -> float:
    """Frontal drift of the knee per degree of lunge (+ in): the person's (the same draw either way)."""
    drift = rng.normal(0.0, 0.06) * opts.variability
    return drift if opts.knee_drift is None else float(opts.knee_drift)


def knee_to_wall(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                 hold_s: float | None) -> None:
    """``reps`` trials to end range (30-45 deg), touching the wall 1-2.5 s each."""
    lead_in(script, rng)
    reach = between(rng, 32.0, 42.0, opts)
    drift = _knee_drift(rng, opts)
    for i in range(reps):
        peak = vary(rng, reach - (2.0 if i == 0 else 0.0), 0.04, opts, lo=28.0, hi=46.0)
        touch = hold_s if hold_s is not None else between(rng, 1.0, 2.5, opts)
        _lunge(script, rng, opts, peak, between(rng, 1.2, 2.2, opts), touch,
               between(rng, 1.0, 1.8, opts), drift, bool(rng.random() < opts.heel_lift_probability),
               "knee_to_wall", knee_to_wall=True)
        if i < reps - 1:
            rest(script, rng, opts, between(rng, 2.5, 5.0, opts))
    lead_out(script, rng)


def band_lunge(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
               hold_s: float | None) -> None:
    """``reps`` lunges of 20-40 deg over 1-3 s; some fast (< 1 s), some small (8-12 deg)."""
    lead_in(script, rng)
    base = script.rest["incl"]
    reach = between(rng, 26.0, 36.0, opts)
    drift = _knee_drift(rng, opts)
    odd = 0.15 * min(opts.variability, 1.0)
    kinds = rng.choice(3, size=reps, p=[1.0 - 2 * odd, odd, odd])  # normal, fast, small
    for i in range(reps):
        if kinds[i] == 2:
            peak = base + between(rng, 8.0, 12.0, opts)
        else:
            peak = float(np.clip(vary(rng, reach, 0.12, opts), 20.0, 40.0))
        if kinds[i] == 1:
            total = between(rng, 0.6, 0.95, opts)
            pause = 0.0
        else:
            total = between(rng, 1.0, 3.0, opts)
            pause = min(0.3, 0.15 * total) * rng.random()
        split = between(rng, 0.4, 0.6, opts)
        t_out = (total - pause) * split
        t_back = total - pause - t_out
        lift = kinds[i] == 0 and rng.random() < opts.heel_lift_probability
        _lunge(script, rng, opts, peak, t_out, pause, t_back, drift, bool(lift), "band_lunge")
        if i < reps - 1:
            gap = between(rng, 2.0, 4.0, opts) if rng.random() < odd else between(rng, 0.2, 1.0, opts)
            rest(script, rng, opts, gap)
    lead_out(script, rng)
