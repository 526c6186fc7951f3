"""Seated exercises: dorsiflexion holds, ankle circles, nerve flossing (slump).

Seated, the shank is roughly vertical. ``seated_df_hold`` raises the toes with
the heel down (the shank barely moves: only a foot sensor sees it).
``ankle_circles`` and ``nerve_floss`` lift the foot off the floor, so the
ankle hangs from a fixed knee (``w_knee`` = 1) and the shank swings about the
knee: flossing straightens the knee 45-65 deg while pulling the toes up.
"""

from __future__ import annotations

import numpy as np

from dorsi.sim.exercises.common import between, lead_in, lead_out, rest, vary
from dorsi.sim.exercises.stretches import hold_duration
from dorsi.sim.options import SimOptions
from dorsi.sim.script import HoldEvent, RepEvent, Script


def seated_df_hold(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                   hold_s: float | None) -> None:
    """``reps`` toe raises held about ``hold_s`` (default 10 s), heel on the floor."""
    target = hold_s if hold_s is not None else 10.0
    lead_in(script, rng)
    base = script.rest
    lift = between(rng, 15.0, 25.0, opts)
    for i in range(reps):
        pitch = vary(rng, lift, 0.08, opts, lo=8.0, hi=30.0)
        script.move(between(rng, 0.5, 1.0, opts), foot_pitch=pitch,
                    incl=base["incl"] - rng.uniform(0.0, 0.8), sway=0.5)
        start = script.t
        script.wait(hold_duration(rng, target, opts))
        script.holds.append(HoldEvent(start, script.t, "seated_df_hold"))
        script.move(between(rng, 0.5, 1.0, opts), foot_pitch=0.0, incl=base["incl"], sway=0.35)
        if i < reps - 1:
            rest(script, rng, opts, between(rng, 2.0, 4.0, opts))
    lead_out(script, rng)


def _lift_foot(script: Script, rng: np.random.Generator, opts: SimOptions, extension: float,
               ankle: float) -> None:
    """Hand over to the hanging-foot model, then straighten the knee to lift the foot."""
    script.move(0.4, w_knee=1.0)
    incl = script.rest["incl"] - extension
    script.move(between(rng, 0.8, 1.2, opts), incl=incl, foot_pitch=ankle - incl, sway=0.6)


def _put_foot_down(script: Script, rng: np.random.Generator, opts: SimOptions) -> None:
    base = script.rest
    script.move(between(rng, 0.8, 1.2, opts), incl=base["incl"], foot_pitch=0.0, foot_roll=0.0, sway=0.35)
    script.move(0.4, w_knee=0.0)


def ankle_circles(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                  hold_s: float | None) -> None:
    """``reps`` circles one way then ``reps`` the other, foot off the floor."""
    lead_in(script, rng)
    extension = between(rng, 15.0, 25.0, opts)
    centre = between(rng, -12.0, -5.0, opts)
    _lift_foot(script, rng, opts, extension, centre)
    incl = script.value("incl")
    amp_p = between(rng, 14.0, 20.0, opts)
    amp_r = between(rng, 8.0, 14.0, opts)
    for direction in (1.0, -1.0):
        # pitch keyframes at the bottom and top of each circle, roll keyframes a quarter
        # turn later at the sides, so both move continuously (an ellipse)
        quarter = 0.25 * between(rng, 1.2, 2.2, opts)
        script.move(quarter, foot_pitch=centre - amp_p - incl, foot_roll=0.0)
        t = script.t
        roll_t = t
        for _ in range(reps):
            q = vary(rng, quarter, 0.08, opts, lo=0.2)
            a = vary(rng, amp_p, 0.08, opts, lo=5.0)
            r = vary(rng, amp_r, 0.1, opts, lo=3.0)
            script.at(t, 2 * q, foot_pitch=centre + a - incl)
            script.at(t + 2 * q, 2 * q, foot_pitch=centre - amp_p - incl)
            script.at(roll_t, t + q - roll_t, foot_roll=direction * r)
            script.at(t + q, 2 * q, foot_roll=-direction * r)
            roll_t = t + 3 * q
            # down, in (roll +), up, out for +1: up, out, down, in is an outward circle
            script.reps.append(RepEvent(t, t + 4 * q, "ankle", exercise="ankle_circles",
                                        direction="outward" if direction > 0 else "inward"))
            t += 4 * q
        script.at(roll_t, t - roll_t, foot_roll=0.0)
        script.t = t
        script.move(quarter, foot_pitch=centre - incl)
        if direction > 0:
            script.wait(between(rng, 1.0, 2.0, opts))
    _put_foot_down(script, rng, opts)
    lead_out(script, rng)


def nerve_floss(script: Script, rng: np.random.Generator, opts: SimOptions, reps: int,
                hold_s: float | None) -> None:
    """``reps`` slump flosses: straighten the knee 45-65 deg pulling the toes up, then bend back."""
    lead_in(script, rng)
    base = script.rest
    reach = between(rng, 45.0, 65.0, opts)
    toes = between(rng, 10.0, 20.0, opts)
    script.move(0.4, w_knee=1.0)
    for i in range(reps):
        start = script.t
        swing = vary(rng, reach, 0.08, opts, lo=30.0, hi=75.0)
        incl = base["incl"] - swing
        ankle = vary(rng, toes, 0.15, opts, lo=3.0)
        script.move(between(rng, 1.0, 1.8, opts), incl=incl, foot_pitch=ankle - incl, sway=0.6)
        script.wait(between(rng, 0.0, 0.4, opts))
        script.move(between(rng, 1.0, 1.8, opts), incl=base["incl"], foot_pitch=0.0, sway=0.35)
        script.reps.append(RepEvent(start, script.t, "-incl", exercise="nerve_floss"))
        if i < reps - 1:
            rest(script, rng, opts, between(rng, 0.3, 1.0, opts))
    script.move(0.4, w_knee=0.0)
    lead_out(script, rng)
