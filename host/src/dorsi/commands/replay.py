"""``dorsi replay FILE``: run a recording through the live pipeline again.

Gives exactly what the live session showed (reps, holds, heel lifts per
exercise), as fast as possible (default, ``--fast``) or paced with
``--speed X`` (1 = real time) with the live angle on screen.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="replay a recording through the live pipeline")
    p.add_argument("file", help="a session recording (*.dorsi), or a session from 'dorsi history' by its id (or "
                                "the start of it), or 'latest'")
    p.add_argument("--home", metavar="DIR", help="dorsi data folder for session ids (default: $DORSI_HOME or "
                                                 "~/.local/share/dorsi)")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--speed", type=float, help="pace the replay: 1 = real time, 10 = ten times faster")
    pace.add_argument("--fast", action="store_true", help="as fast as possible (the default)")
    p.add_argument("--json", action="store_true", help="print the per-exercise events as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from dorsi.commands.inputs import resolve_input
    from dorsi.events.pain import from_markers, summary_note
    from dorsi.recording import RecordingError, read_recording
    from dorsi.session.replay import replay_recording

    console = Console(stderr=args.json)
    if args.speed is not None and not args.speed > 0:
        print("dorsi replay: --speed must be positive", file=sys.stderr)
        return 2
    on_tick = None
    live = None
    if args.speed and not args.json:
        from rich.live import Live

        live = Live(console=console, auto_refresh=False)
        live.start()

        def on_tick(tick, t, processor):
            ex = processor.exercise
            angle = "--" if tick.trace is None or not len(tick.trace) else f"{tick.trace.angle_deg[-1]:5.1f}°"
            text = (f"{ex.spec.title if ex else 'between exercises'}  angle {angle}  "
                    f"reps {len(ex.reps) if ex else 0}  holds {len(ex.holds) if ex else 0}")
            live.update(text, refresh=True)
    try:
        path = Path(resolve_input(args.file, args.home))
        _check_is_recording(path)
        recording = read_recording(path)
        problems = recording.problems()  # said with the result (the replay reads past them)
        pain = from_markers(recording.markers)  # as the live screen noted them
        results = replay_recording(path, speed=args.speed, on_tick=on_tick)
    except (RecordingError, OSError, ValueError) as exc:
        print(f"dorsi replay: {exc}", file=sys.stderr)
        return 1
    finally:
        if live is not None:
            live.stop()
    if args.json:
        print(json.dumps({"schema": "dorsi.replay.v1", "exercises": [r.to_json() for r in results],
                          "pain": [p.to_json() for p in pain], "problems": problems}))
        return 0
    table = Table(title=f"Replay of {path.name}")
    for col in ("exercise", "start (s)", "reps", "holds met", "heel lifts"):
        table.add_column(col)
    t0 = results[0].start_s if results else 0.0
    for r in results:
        met = sum(1 for h in r.holds if h.met)
        table.add_row(r.spec.id, f"{r.start_s - t0:.1f}", str(len(r.reps)),
                      f"{met} / {len(r.holds)}" if r.holds else "-", str(len(r.heel_lifts)))
    console.print(table)
    note = summary_note(pain, {r.spec.id: r.spec.title for r in results}, t0)
    if note is not None:
        console.print(note, highlight=False)
    for problem in problems:
        console.print(f"[yellow]note:[/yellow] {path.name}: {problem}", highlight=False)
    return 0


def _check_is_recording(path: Path) -> None:
    """Only a dorsi recording holds what a live session saw; say what to use for other inputs."""
    from dorsi.export.session import SessionInputError, detect_kind
    from dorsi.recording import RecordingError

    if not path.exists():
        return  # read_recording names it
    try:
        kind = detect_kind(path)
    except SessionInputError:
        return
    if kind != "recording":
        raise RecordingError(f"{path}: a {kind.replace('_', ' ')} input, not a dorsi recording: replay runs what a "
                             "live session recorded; 'dorsi analyze' or 'dorsi report' read this file")
