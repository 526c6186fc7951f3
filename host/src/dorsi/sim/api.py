"""Public entry points: ``simulate`` one exercise, ``simulate_routine`` a whole routine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dorsi.sim.assembly import draw_profile, exercise_script, rest_script, routine_script
from dorsi.sim.options import SimOptions
from dorsi.sim.script import POSTURES, Profile, Script
from dorsi.sim.session import SimSession
from dorsi.sim.simulator import Simulator, stream
from dorsi.sim.trajectory import Track


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return seed


def _session(script: Script, profile: Profile, seed: int, opts: SimOptions) -> SimSession:
    sim = Simulator(opts, seed, profile.seated_incl_deg).run(script)
    info = {
        "side": opts.side,
        "shank_length_m": opts.shank_length_m,
        "foot_length_m": opts.foot_length_m,
        "sensor_height_m": opts.sensor_height_m,
        "sensor_offset_m": opts.sensor_offset_m,
        "standing_baseline_deg": profile.standing_baseline_deg,
        "standing_frontal_deg": profile.standing_frontal_deg,
        "seated_baseline_deg": profile.seated_incl_deg,
        "strap_rotation_deg": opts.strap_rotation_deg,
        "strap_tilt_deg": opts.strap_tilt_deg,
        "rate_hz": opts.rate_hz,
    }
    bursts = {"shin": sim.shin_.lost_bursts}
    if sim.foot_ is not None:
        bursts["foot"] = sim.foot_.lost_bursts
    return SimSession(sim.shin_.batch, None if sim.foot_ is None else sim.foot_.batch, sim.truth_,
                      info, opts, seed, bursts)


def simulate(exercise: str, seed: int = 0, options: SimOptions | None = None, reps: int | None = None,
             hold_s: float | None = None) -> SimSession:
    """Simulate one exercise.

    Parameters
    ----------
    exercise : str
        A routine identifier (``dorsi.sim.EXERCISES``), e.g. ``"band_lunge"``.
    seed : int
        Same seed and options, same session (bit for bit).
    options : SimOptions, optional
    reps : int, optional
        Repetitions (or holds, or circles per direction); default: the routine's target.
    hold_s : float, optional
        Hold (or rolling) duration target in seconds; default: the routine's target.

    Returns
    -------
    SimSession
    """
    seed = _check_seed(seed)
    opts = options or SimOptions()
    profile, heading = _profile(seed, opts)
    script = exercise_script(exercise, profile, stream(seed, "script"), opts, reps, hold_s)
    script.tracks["heading"] = Track(heading)
    return _session(script, profile, seed, opts)


def simulate_rest(posture: str = "standing", seed: int = 0, options: SimOptions | None = None,
                  duration_s: float = 10.0, from_posture: str | None = None) -> SimSession:
    """Keep still in ``posture`` (``"standing"``, ``"seated"``, ``"long_sitting"``) for ``duration_s``.

    With ``from_posture``, the session first moves from that posture into ``posture`` (a few
    seconds, as between two exercises of a routine), then keeps still. The same seed is the
    same person (rest postures, sensor) as in :func:`simulate`.
    """
    seed = _check_seed(seed)
    opts = options or SimOptions()
    for p in (posture, from_posture):
        if p is not None and p not in POSTURES:
            raise ValueError(f"posture must be one of {POSTURES}, got {p!r}")
    profile, heading = _profile(seed, opts)
    script = rest_script(posture, profile, stream(seed, "script"), duration_s, from_posture)
    script.tracks["heading"] = Track(heading)
    return _session(script, profile, seed, opts)


def _profile(seed: int, opts: SimOptions) -> tuple[Profile, float]:
    """The person drawn from ``seed`` (the same draws whatever the options), with the options' overrides."""
    profile, heading = draw_profile(stream(seed, "profile"))
    if opts.standing_frontal_deg is not None:
        profile = replace(profile, standing_frontal_deg=float(opts.standing_frontal_deg))
    return profile, heading


def default_targets(routine=None) -> tuple[list[str], dict[str, tuple[int | None, float | None]]]:
    """Exercise order and ``(reps, hold_s)`` per exercise of ``routine`` (default: the default routine).

    ``routine`` is a :class:`dorsi.routine.Routine`; hold exercises simulate ``sets`` holds,
    ankle circles ``reps`` per direction, rep exercises ``reps x sets`` repetitions.
    """
    from dorsi.routine import default_routine

    names, targets = [], {}
    for spec in (routine or default_routine()).exercises:
        t = spec.target
        if spec.kind == "holds":
            count = t.sets
        elif spec.id == "ankle_circles":
            count = t.reps
        else:
            count = t.total_reps
        hold = t.hold_s
        names.append(spec.id)
        targets[spec.id] = (count, hold)
    return names, targets


def simulate_routine(seed: int = 0, options: SimOptions | None = None,
                     exercises: Sequence[str] | None = None, routine=None) -> SimSession:
    """Simulate the routine (default: every exercise of the default routine, about 25 min).

    Exercises follow each other with a few seconds of quiet (and a posture change
    where needed); ``truth.segments`` marks each exercise. ``routine`` (a
    :class:`dorsi.routine.Routine`) supplies the order and targets; ``exercises``
    picks and orders a subset (targets still from the routine).
    """
    seed = _check_seed(seed)
    opts = options or SimOptions()
    names, targets = default_targets(routine)
    if exercises is not None:
        names = list(exercises)
    profile, heading = _profile(seed, opts)
    script = routine_script(names, profile, heading, stream(seed, "script"), opts, targets)
    return _session(script, profile, seed, opts)
