"""Assemble exercise scripts into a session: one exercise, or the routine with transitions.

Between two exercises the person rests 1-2 s, steps about if asked
(``SimOptions.steps_between_s``), changes posture if needed (standing, seated,
long sitting: 3-4 s), turns a little (a new heading), and rests again 1-2 s;
each exercise brings its own 3 s quiet lead-in and lead-out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dorsi.sim.exercises import EXERCISES
from dorsi.sim.options import SimOptions
from dorsi.sim.script import HoldEvent, Profile, RepEvent, Script
from dorsi.sim.trajectory import Track


def draw_profile(rng: np.random.Generator) -> tuple[Profile, float]:
    """A person's rest postures and initial heading (degrees)."""
    profile = Profile(
        standing_baseline_deg=float(rng.uniform(2.0, 6.0)),
        standing_frontal_deg=float(rng.uniform(-2.0, 2.0)),
        seated_incl_deg=float(rng.uniform(-3.0, 6.0)),
        long_sitting_incl_deg=float(rng.uniform(-88.0, -82.0)),
        long_sitting_ankle_deg=float(rng.uniform(-30.0, -15.0)),
    )
    return profile, float(rng.uniform(0.0, 360.0))


def check_exercise_name(name: str) -> str:
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; expected one of: {', '.join(EXERCISES)}")
    return name


def exercise_script(name: str, profile: Profile, rng: np.random.Generator, opts: SimOptions,
                    reps: int | None = None, hold_s: float | None = None) -> Script:
    """The script of one exercise in its own time (starting at 0)."""
    d = EXERCISES[check_exercise_name(name)]
    if reps is not None and (isinstance(reps, bool) or int(reps) != reps or reps < 1):
        raise ValueError(f"reps must be a positive integer, got {reps!r}")
    if hold_s is not None and not hold_s > 0:
        raise ValueError(f"hold_s must be positive, got {hold_s!r}")
    script = Script(d.posture, profile)
    d.generate(script, rng, opts, int(reps) if reps is not None else d.reps,
               hold_s if hold_s is not None else d.hold_s)
    script.finish()
    script.segments.append((name, 0.0, script.duration))
    return script


def rest_script(posture: str, profile: Profile, rng: np.random.Generator, duration_s: float,
                from_posture: str | None = None) -> Script:
    """Quiet in ``posture`` for ``duration_s``; coming ``from_posture``, first the change into it
    (rest 1-2 s, then 3-4 s of movement; between a chair and standing, the knee first travels
    12-20 deg forward over the foot in 0.5-0.8 s, as in a sit-to-stand, and back in 1-1.5 s)."""
    if not duration_s > 0:
        raise ValueError(f"duration_s must be positive, got {duration_s!r}")
    script = Script(from_posture or posture, profile)
    if from_posture is not None and from_posture != posture:
        script.wait(rng.uniform(1.0, 2.0))
        if {from_posture, posture} == {"seated", "standing"}:
            # rising from a chair (or sitting down): the knee travels forward over the foot as
            # the weight comes onto it, then the shank comes back to its rest
            lean = max(script.value("incl"), profile.rest(posture)["incl"]) + rng.uniform(12.0, 20.0)
            script.move(rng.uniform(0.5, 0.8), incl=lean)
            script.to_rest(rng.uniform(1.0, 1.5), posture)
        else:
            script.to_rest(rng.uniform(3.0, 4.0), posture)
    script.wait(duration_s)
    script.finish()
    return script


def append_script(master: Script, part: Script) -> None:
    """Append ``part`` (its own time from 0) at the master's cursor; the master must be at rest."""
    offset = master.t
    for name, track in master.tracks.items():
        if name == "heading":
            continue
        track.hold_until(offset)
        track.extend(part.tracks[name].shifted(offset))
    master.reps += [RepEvent(r.start_s + offset, r.end_s + offset, r.peak_signal, r.heel_lift,
                             r.lowering_s, r.knee_to_wall, r.exercise) for r in part.reps]
    master.holds += [HoldEvent(h.start_s + offset, h.end_s + offset, h.exercise) for h in part.holds]
    master.heel_lifts += [(a + offset, b + offset) for a, b in part.heel_lifts]
    master.fidgets += [(a + offset, b + offset) for a, b in part.fidgets]
    master.activities += [(a + offset, b + offset) for a, b in part.activities]
    master.segments += [(n, a + offset, b + offset) for n, a, b in part.segments]
    master.posture = part.posture
    master.t = offset + part.duration


def step_about(script: Script, rng: np.random.Generator, duration_s: float) -> None:
    """Stand (from any posture), step about for ``duration_s`` (the shank rocking forward over
    the planted foot and back, about once a second), then stand still 1-2 s."""
    if script.posture != "standing":
        script.to_rest(rng.uniform(3.0, 4.0), "standing")
    rest = script.value("incl")
    end = script.t + duration_s
    while script.t < end:
        script.move(rng.uniform(0.45, 0.6), incl=rest + rng.uniform(18.0, 30.0))
        script.move(rng.uniform(0.45, 0.6), incl=rest - rng.uniform(12.0, 20.0))
    script.to_rest(rng.uniform(0.5, 0.8), "standing")
    script.wait(rng.uniform(1.0, 2.0))


def routine_script(names: Sequence[str], profile: Profile, heading_deg: float, rng: np.random.Generator,
                   opts: SimOptions, targets: dict[str, tuple[int | None, float | None]] | None = None) -> Script:
    """The scripts of ``names`` in order, joined by rests and posture transitions."""
    if not names:
        raise ValueError("the routine needs at least one exercise")
    targets = targets or {}
    master = Script(EXERCISES[check_exercise_name(names[0])].posture, profile)
    master.tracks["heading"] = Track(heading_deg)
    for i, name in enumerate(names):
        d = EXERCISES[check_exercise_name(name)]
        if i > 0:
            master.wait(rng.uniform(1.0, 2.0))
            if opts.steps_between_s > 0:
                step_about(master, rng, opts.steps_between_s)
            if d.posture != master.posture:
                master.to_rest(rng.uniform(3.0, 4.0), d.posture)
            turn = master.value("heading") + rng.uniform(-30.0, 30.0)
            master.move(rng.uniform(1.5, 2.5), heading=turn)
            master.wait(rng.uniform(1.0, 2.0))
        reps, hold_s = targets.get(name, (None, None))
        append_script(master, exercise_script(name, profile, rng, opts, reps, hold_s))
    master.finish()
    return master
