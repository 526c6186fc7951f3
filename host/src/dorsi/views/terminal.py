"""Terminal view of a live session (``rich``), fits 80x24.

``render(state)`` is a pure function of ``SessionState``; ``TerminalView``
wraps it in a ``rich.live.Live`` display and rings the terminal bell on the
moments that matter (hold target met, heel lift) so the user need not watch.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..pipeline.stance_check import stance_prompt
from ..session.state import SessionState

ANGLE_SCALE_DEG = 50.0
BAR_WIDTH = 30

LOW_BATTERY_PERCENT = 15  # as the coach page: "low" from here on (about 1 h of streaming left)


def _bar(fraction: float, width: int = BAR_WIDTH, fill: str = "█", empty: str = "░") -> str:
    fraction = min(max(fraction, 0.0), 1.0)
    n = int(round(fraction * width))
    return fill * n + empty * (width - n)


def _fmt_deg(value: float | None) -> str:
    return "--" if value is None else f"{value:5.1f}°"


def render(state: SessionState) -> Panel:
    rows = Table.grid(padding=(0, 1))
    rows.add_column(width=8, style="bold")
    rows.add_column()
    if state.phase in ("connecting", "calibrating", "ready"):
        rows.add_row("", Text(state.message or state.phase.capitalize() + "…", style="yellow"))
    elif state.phase == "exercise" and state.message and state.message != state.title:
        rows.add_row("", Text(state.message, style="yellow"))  # e.g. not counted without the foot sensor
    if state.angle_deg is not None:
        frac = (state.angle_deg + 10.0) / (ANGLE_SCALE_DEG + 10.0)
        rows.add_row("Angle", f"{_fmt_deg(state.angle_deg)} {_bar(frac, 24)} best {_fmt_deg(state.best_deg)}")
    if state.phase in ("exercise", "paused", "finished") and state.exercise:
        if state.reps_target is not None:
            rows.add_row("Reps", Text(f"{state.reps} / {state.reps_target}",
                                      style="bold green" if state.reps >= state.reps_target else "bold"))
        if state.circles_outward is not None and state.circles_inward is not None:
            rows.add_row("Circles", Text(_each_way(state), style="bold"))
        if state.hold_target_s:
            elapsed = state.hold_elapsed_s or 0.0
            met = state.hold_met_now
            label = "TARGET MET ✔" if met else "holding…" if state.hold_active else ""
            rows.add_row("Hold", Text(f"{_bar(elapsed / state.hold_target_s, 20)} {elapsed:4.1f} / {state.hold_target_s:.0f} s {label}",
                                      style="bold green" if met else ""))
            if state.holds_target:
                rows.add_row("Holds", f"{state.holds_done} / {state.holds_target} done, {state.holds_met} met target")
        if state.kind == "duration":
            rows.add_row("Time", f"{state.exercise_elapsed_s:5.0f} s")
    if state.heel_lift:
        rows.add_row("", Text("⚠ HEEL LIFT: keep the heel down", style="bold white on red"))
    if state.roll_in:
        rows.add_row("", Text("⚠ Knee drifting in: keep the foot from rolling in", style="bold black on yellow"))
    if state.strap_turned_deg is not None:
        rows.add_row("", Text(f"⚠ The shin sensor has turned about {state.strap_turned_deg:.0f}° on the shin: "
                              "turn it back to the front and recalibrate", style="bold black on yellow"))
    if state.stance_moved_deg is not None:
        rows.add_row("", Text(f"⚠ {stance_prompt(state.stance_moved_deg)}", style="bold black on yellow"))
    if state.phase != "finished":
        for line in state.wearing:
            rows.add_row("", Text("ℹ " + line, style="yellow"))
    if state.pain_note:
        rate = " How much, 1-10? Press 1-9, or 0 for 10." if state.pain_unrated else ""
        rows.add_row("", Text(f"✚ {state.pain_note}{rate}", style="bold white on magenta"))
    for s in state.sensors:
        if not s.connected and s.battery_percent == 0:  # the sensor put itself to sleep to spare the cell
            rows.add_row("", Text(f"⚠ The {s.role} sensor's battery is empty and it went to sleep: charge it "
                                  "(USB-C), then press its button", style="bold black on yellow"))
    if state.last_event:
        rows.add_row("", Text(state.last_event, style="cyan"))
    for cue in state.cues[:3]:
        rows.add_row("", Text("• " + cue, style="dim", overflow="ellipsis", no_wrap=True))
    sensors = "  ".join(
        f"{s.role} {'●' if s.connected else '○'}"
        + (f" {s.battery_percent}%" if s.battery_percent is not None else "")
        + (" low" if s.battery_percent is not None and s.battery_percent <= LOW_BATTERY_PERCENT else "")
        + (f" lost {s.lost_samples}" if s.lost_samples else "")
        for s in state.sensors
    )
    minutes, seconds = divmod(int(state.session_elapsed_s), 60)
    rows.add_row("", Text(f"{sensors}   session {minutes:02d}:{seconds:02d}", style="dim"))
    rows.add_row("", Text("[n] next  [r] repeat  [space] pause  [h] it hurts  [q] quit", style="dim"))
    if state.phase == "finished":
        title = "Routine finished"
    elif state.exercise:
        title = f"{state.exercise_index + 1}/{state.exercise_count} {state.title}"
    else:
        title = "dorsi"
    if state.phase == "paused":
        title += " (paused)"
    return Panel(Group(rows), title=title, title_align="left", width=80)


class TerminalView:
    """Live terminal display with bell cues."""

    def __init__(self, console: Console | None = None, refresh_hz: float = 10.0) -> None:
        self.console = console or Console()
        self._live = Live(console=self.console, refresh_per_second=refresh_hz, transient=False,
                          auto_refresh=False)
        self._was_met = False
        self._was_heel = False

    def __enter__(self) -> "TerminalView":
        self._live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._live.__exit__(*exc)

    def update(self, state: SessionState) -> None:
        if (state.hold_met_now and not self._was_met) or (state.heel_lift and not self._was_heel):
            self.console.bell()
        self._was_met, self._was_heel = state.hold_met_now, state.heel_lift
        self._live.update(render(state), refresh=True)


def _each_way(state: SessionState) -> str:
    """``outward 20 / 20 ✔  inward 3 / 20`` and, once one way is done, which way to go now."""
    out, inward, target = state.circles_outward or 0, state.circles_inward or 0, state.circles_target
    if not target:
        return f"outward {out}  inward {inward}"
    text = "  ".join(f"{name} {n} / {target}" + (" ✔" if n >= target else "")
                     for name, n in (("outward", out), ("inward", inward)))
    if out >= target and inward < target:
        text += "  → now circle inward"
    elif inward >= target and out < target:
        text += "  → now circle outward"
    return text
