"""The guided session as the CLI runs it: set up, run, analyse, keep.

Shared by ``dorsi session``, ``dorsi knee-to-wall`` and ``dorsi demo``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rich.console import Console

from ..events.circle_direction import count_each_way
from ..private_files import private_dir, write_private
from ..routine import Routine
from .keyboard import Keyboard
from .runner import SessionResult, View, run_session


@dataclass
class SessionConfig:
    routine: Routine
    emulate: bool = False
    foot: bool = False
    speed: float = 1.0  # emulated sensors only: run faster than real time
    seed: int = 7
    out: Path | None = None  # recording path (default: under the data folder)
    home: Path | None = None
    profile: dict = field(default_factory=dict)
    auto: bool | None = None  # None: advance by itself when nobody is at the keyboard
    addresses: dict = field(default_factory=dict)
    keep_history: bool = True
    max_exercise_s: float = 240.0
    show: bool = True
    patient: dict = field(default_factory=dict)  # emulated patient: extra options (SimOptions fields...)
    phone: bool = False  # the shin sensor is a phone pushing Sensor Logger's HTTP push
    phone_port: int = 8766
    phyphox: str | None = None  # the shin sensor is a phone running phyphox: its remote-access address


def _recording_path(cfg: SessionConfig) -> Path:
    if cfg.out is not None:
        return Path(cfg.out)
    from ..history.store import home_dir

    live = private_dir(home_dir(cfg.home) / "live")
    return live / f"{time.strftime('%Y%m%d-%H%M%S')}.dorsi"


async def run_guided(cfg: SessionConfig, console: Console | None = None, *, views: list | None = None,
                     commands: list[Callable[[], list[str]]] | None = None) -> tuple[SessionResult, dict]:
    """Run the routine (live or emulated), then analyse the recording; returns (result, analysis).

    ``views`` are shown the session state beside the terminal view (the web
    coach); ``commands`` are polled for user commands beside the keyboard.
    """
    from ..views.terminal import TerminalView

    console = console or Console()
    path = _recording_path(cfg)
    roles = ("shin", "foot") if cfg.foot else ("shin",)
    with Keyboard() as keyboard:
        auto = (not keyboard.interactive) if cfg.auto is None else cfg.auto
        async with contextlib.AsyncExitStack() as stack:
            link_options: dict = {"addresses": cfg.addresses} if cfg.addresses else {}
            on_start = on_request = None
            time_scale = 1.0
            link = None
            if cfg.phone or cfg.phyphox is not None:
                link, on_start, on_request = await _phone_link(cfg, stack, console)
                time_scale = cfg.speed if cfg.emulate else 1.0
            elif cfg.emulate:
                from .emulated import emulated_sensors

                setup = await stack.enter_async_context(
                    emulated_sensors(foot_sensor=cfg.foot, speed=cfg.speed, seed=cfg.seed, **cfg.patient))
                link_options.update(setup.link_options)
                on_start, on_request = setup.patient.perform, setup.patient.prepare
                time_scale = cfg.speed
            shown: list[View] = []
            if cfg.show:
                shown.append(stack.enter_context(TerminalView(console)))
            shown.extend(views or [])
            sources = [keyboard.poll, *(commands or [])]
            result = await run_session(
                cfg.routine, path, roles=roles, profile=cfg.profile, views=shown,
                commands=lambda: [name for poll in sources for name in poll()],
                auto_advance=auto, link_options=link_options, on_exercise_start=on_start,
                on_exercise_request=on_request,
                time_scale=time_scale, max_exercise_s=cfg.max_exercise_s, link=link)
    analysis = await asyncio.to_thread(analyse_recording, path, cfg.routine)  # other views (web) stay live
    _write_private(path.with_suffix(".json"), json.dumps(analysis, indent=1))
    if cfg.keep_history:
        stored = _keep(path, analysis, cfg, console)
        if stored is not None and cfg.out is None:
            # the history holds the session now; the in-progress copy is not needed twice
            path.unlink()
            path.with_suffix(".json").unlink()
            result.recording = stored
    return result, analysis


async def _phone_link(cfg: SessionConfig, stack: contextlib.AsyncExitStack, console: Console):
    """The phone's link, Sensor Logger's push or phyphox's remote access (and, emulated, the patient
    wearing an emulated phone): (link, on_exercise_start, on_exercise_request)."""
    from .phone_link import PhoneLink

    if cfg.phyphox is not None:
        return await _phyphox_link(cfg, stack, console)

    if cfg.emulate:
        from .emulated_phone import EmulatedPhone
        from .patient import EmulatedPatient

        patient = EmulatedPatient(foot_sensor=False, seed=cfg.seed, **cfg.patient)
        phone = EmulatedPhone(patient.make_devices(speed=cfg.speed)["shin"])
        stack.push_async_callback(phone.stop)
        link = PhoneLink("127.0.0.1", 0, on_waiting=phone.start, first_data_timeout_s=60.0)
        return link, patient.perform, patient.prepare
    from ..views.web.server import lan_address

    def waiting(url: str) -> None:
        console.print(f"In Sensor Logger: Settings > Data Streaming > HTTP Push on, Push URL [bold]{url}[/bold] "
                      "(phone on the same Wi-Fi), Accelerometer, Gravity and Gyroscope on at 100 Hz; strap "
                      "the phone on the front of the shin, screen out, top toward the knee, and start "
                      "recording.", highlight=False, soft_wrap=True)

    return PhoneLink("0.0.0.0", cfg.phone_port, advertised_host=lan_address(), on_waiting=waiting), None, None


async def _phyphox_link(cfg: SessionConfig, stack: contextlib.AsyncExitStack, console: Console):
    from .phyphox_link import PhyphoxLink

    if cfg.emulate:
        from .emulated_phyphox import EmulatedPhyphox
        from .patient import EmulatedPatient

        patient = EmulatedPatient(foot_sensor=False, seed=cfg.seed, **cfg.patient)
        phone = EmulatedPhyphox(patient.make_devices(speed=cfg.speed)["shin"])
        url = await phone.start()
        stack.push_async_callback(phone.stop)
        return PhyphoxLink(url, poll_s=0.05, first_data_timeout_s=60.0), \
            patient.perform, patient.prepare
    assert cfg.phyphox is not None
    console.print(f"Reaching phyphox at [bold]{cfg.phyphox}[/bold] (dorsi's experiment open, remote access on, "
                  "the phone strapped on the front of the shin, screen out, top toward the knee).",
                  highlight=False, soft_wrap=True)
    return PhyphoxLink(cfg.phyphox), None, None


#: The overall score of a session none of whose exercises could be scored with the sensors worn.
NOT_SCORED = "not scored (no exercise could be scored with the sensors worn)"


def _score_cell(score) -> str:
    return "not scored" if score is None else str(score)


def link_errors() -> tuple[type[Exception], ...]:
    """What a session raises when its sensors cannot be reached as it begins (no Bluetooth, no
    sensor in range, not paired); nothing has been written then (see ``link_failure``)."""
    from ..ble import LinkOpenError

    return (LinkOpenError,)


def link_failure(console: Console, error: Exception, command: str) -> int:
    """Say why the sensors could not be reached and what to try; returns the exit status (1)."""
    from ..ble import AdapterError

    console.print(f"[red]{error}[/red]", highlight=False)
    if isinstance(error, AdapterError):
        console.print(f"No Bluetooth here? Check that it is switched on, or try [bold]dorsi {command} "
                      "--emulate[/bold] (emulated sensors).", highlight=False)
    else:
        console.print("Is the sensor switched on, charged and within a few metres? [bold]dorsi scan[/bold] "
                      f"lists the sensors in range; [bold]dorsi {command} --emulate[/bold] runs on emulated "
                      "ones.", highlight=False)
    return 1


def _write_private(path: Path, text: str) -> None:
    write_private(path, text)


def analyse_recording(path: Path, routine: Routine) -> dict:
    """The analysis of a recording by the one batch pipeline (what reports and history use)."""
    from ..pipeline import analyze
    from ..sources.recording_source import load_recording

    session = load_recording(path)
    if session.shin is None:
        raise ValueError(f"{path}: the recording holds no shin samples to analyse")
    analysis = analyze(session.shin, session.foot, segments=session.segments, routine=routine,
                       profile=session.profile, pain=session.pain)
    return analysis.to_json()


def _keep(path: Path, analysis: dict, cfg: SessionConfig, console: Console) -> Path | None:
    """Add the session to the history; returns the stored recording (None if that failed)."""
    try:
        from ..history.store import History

        with History(cfg.home) as history:
            record = history.add(path, analysis, routine=cfg.routine)
            stored = history.home / "recordings" / record.stored_file
        console.print(f"Saved to your history as session {record.id}.")
        return stored
    except Exception as exc:  # the recording is safe on disk whatever happens here
        console.print(f"[yellow]Not added to the history ({exc}); the recording is at {path}[/yellow]")
        return None


def print_summary(console: Console, result: SessionResult, analysis: dict) -> None:
    from rich.table import Table

    table = Table(title="Session summary", width=80)
    for col in ("exercise", "reps", "holds met", "heel lifts", "score"):
        table.add_column(col, justify="right" if col != "exercise" else "left")
    for ex in analysis.get("exercises", []):
        target = ex.get("target", {})
        reps = len(ex.get("reps", []))
        holds = ex.get("holds", [])
        total_reps = (target.get("reps") or 0) * (target.get("sets") or 1) if target.get("reps") else None
        ways = count_each_way(r.get("direction") for r in ex.get("reps", []))
        each_way = f" ({ways[0]} out, {ways[1]} in)" if ways else ""
        # a hold-only exercise (no rep target, none counted) shows "-" as rep exercises do for holds
        rep_cell = f"{reps}" + (f" / {total_reps}" if total_reps else "") + each_way if reps or total_reps else "-"
        table.add_row(
            ex["exercise"],
            rep_cell,
            f"{sum(1 for h in holds if h.get('met'))} / {len(holds)}" if holds else "-",
            str(len(ex.get("heel_lifts", []))),
            _score_cell(ex.get("quality", {}).get("score", "-")),
        )
    console.print(table)
    from ..score import overall_scored

    overall = analysis.get("quality", {}).get("score", "-") if overall_scored(analysis) else NOT_SCORED
    console.print(f"Overall quality score: [bold]{overall}[/bold]")
    for note in analysis.get("notes", []):  # the session's own (how the sensors were worn, data lost ...)
        console.print(f"[yellow]•[/yellow] {note}", highlight=False)
    lost = sum(result.lost_samples.values())
    console.print(f"Recording: {result.recording}  (samples lost and not recovered: {lost})")


def run(cfg: SessionConfig) -> int:
    console = Console()
    try:
        result, analysis = asyncio.run(run_guided(cfg, console))
    except link_errors() as error:
        return link_failure(console, error, "session")
    print_summary(console, result, analysis)
    return 0
