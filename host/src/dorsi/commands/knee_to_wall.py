"""``dorsi knee-to-wall``: the weight-bearing lunge test on its own.

Runs the test (3 trials) as a guided session, then reports the best trial in
degrees and estimated toe-to-wall centimetres against the 8 cm aim and against
the previous results in the history, saying whether a change is larger than
the minimal detectable change.
"""

from __future__ import annotations

import argparse

from .session import add_session_options, check_emulation, config_from

AIM_CM = 8.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("knee-to-wall", help="the knee-to-wall (weight-bearing lunge) test alone")
    add_session_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from rich.console import Console

    from dorsi.routine import Routine, load_routine
    from dorsi.session.app import link_errors, link_failure, run_guided

    console = Console()
    full = load_routine(args.routine)
    routine = Routine(full.name + " (knee-to-wall only)", (full["knee_to_wall"],))
    check_emulation(args, "knee-to-wall")
    cfg = config_from(args, routine=routine)
    aim_cm = routine["knee_to_wall"].min_knee_to_wall_cm or AIM_CM  # the routine file's aim
    # compared with the same leg's earlier tests (sessions without a side with each other)
    history = [s for s in _history(cfg.home) if s.side == cfg.profile.get("side")]
    try:
        _, analysis = asyncio.run(run_guided(cfg, console))
    except link_errors() as error:
        return link_failure(console, error, "knee-to-wall")
    ex = next((e for e in analysis["exercises"] if e["exercise"] == "knee_to_wall"), None)
    reps = [r for r in (ex or {}).get("reps", []) if not r.get("heel_lift")]
    if not reps:
        console.print("[red]No valid trial (heel down) was detected.[/red]")
        return 1
    best = max(reps, key=lambda r: r["peak_angle_deg"])
    cm = best.get("knee_to_wall_cm")
    console.print(f"Best trial: [bold]{best['peak_angle_deg']:.1f}°[/bold] of dorsiflexion"
                  + (f", about [bold]{cm:.1f} cm[/bold] toe to wall" if cm is not None else ""))
    if cm is not None:
        verdict = "meets" if cm > aim_cm else "is short of"
        console.print(f"That {verdict} the aim of more than {aim_cm:g} cm.")
    hurt = pain_line(ex or {})
    if hurt is not None:
        console.print(f"[magenta]{hurt}[/magenta]", highlight=False)
    if history:
        from dorsi.history.mdc import MinimalDetectableChange

        previous = history[-1]
        trials = [list(s.ktw_trials_deg) for s in history] + [[r["peak_angle_deg"] for r in reps]]
        mdc = MinimalDetectableChange().fit([t for t in trials if len(t) >= 2])
        change = best["peak_angle_deg"] - previous.ktw_deg
        real = abs(change) > mdc.mdc_
        leg = f", {previous.side} leg" if previous.side else ""
        console.print(f"Last time ({previous.started_at:%d %b}{leg}): {previous.ktw_deg:.1f}°. Change {change:+.1f}° "
                      f"(minimal detectable change {mdc.mdc_:.1f}°, {mdc.source_}): "
                      + ("a real difference." if real else "within the test's repeatability, not yet a real change."))
    return 0


def pain_line(ex: dict) -> str | None:
    """What to say when pain was reported during the test (None when it was not): the test
    measures the pain-free range, so a trial that hurt is no fair measure of it."""
    from dorsi.events.pain import entries, rated

    reports = entries(ex.get("pain"))
    if not reports:
        return None
    levels = rated(reports)
    angles = [p["angle_deg"] for p in reports if p.get("angle_deg") is not None]
    how = f" ({max(levels)}/10" + (f", near {min(angles):.0f}°)" if angles else ")") if levels else (
        f" (near {min(angles):.0f}°)" if angles else "")
    return (f"Pain reported during the test{how}: the test is done only as far as it is pain-free, so "
            "take this result as an upper bound and tell your physiotherapist.")


def _history(home) -> list:
    """Earlier sessions with a knee-to-wall result, oldest first (empty if there is no history)."""
    from dorsi.history.store import History

    if not History.exists(home):
        return []
    with History(home) as history:
        return [s for s in history.sessions() if s.ktw_deg is not None]
