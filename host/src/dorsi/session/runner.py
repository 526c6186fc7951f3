"""Run a guided session: sensors -> recording + live pipeline -> guide -> view.

One loop at ``tick_hz``: drain the BLE link's events (every stream packet is
appended to the recording *before* it is analysed), advance the live pipeline,
let the guide react, refresh the view. Session time is the event loop's
clock, scaled by ``time_scale`` when the emulated sensors run faster than real
time (the demo), so markers, samples and timers share one time base.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from bleak.exc import BleakError

from .. import __version__
from ..ble.discovery import AdapterError, LinkOpenError
from ..ble.events import Gap, StreamPacket
from ..ble.transport import SensorLink, SensorNotFoundError
from ..protocol.spec import Command
from ..recording import RecordingWriter
from ..routine import Routine
from ..routine.header import routine_to_data
from ..samples import ROLES
from .guide import RoutineGuide
from .processor import ExerciseResult, LiveProcessor
from .state import SensorState, SessionState


class View(Protocol):
    def update(self, state: SessionState) -> None: ...


@dataclass
class SessionResult:
    recording: Path
    exercises: list[ExerciseResult]
    state: SessionState
    lost_samples: dict[str, int] = field(default_factory=dict)
    latencies_s: list[float] = field(default_factory=list)  # device sample time -> view update


async def run_session(
    routine: Routine,
    recording: Path,
    *,
    roles: tuple[str, ...] = ("shin",),
    profile: dict | None = None,
    views: list[View] | None = None,
    commands: Callable[[], list[str]] | None = None,
    auto_advance: bool = False,
    link_options: dict | None = None,
    on_exercise_start=None,
    on_exercise_request=None,
    time_scale: float = 1.0,
    tick_hz: float = 25.0,
    calibration_s: float = 20.0,
    max_exercise_s: float = 240.0,
    link=None,
) -> SessionResult:
    """Run the routine on the sensors and return what was recorded and seen.

    ``link`` replaces the BLE link (``SensorLink(roles, **link_options)``) with another source
    of stream packets offering the same calls (a phone's pushes: ``session.phone_link``).
    """
    loop = asyncio.get_running_loop()
    profile = dict(profile or {})
    slots = {role: ROLES.index(role) for role in roles}
    views = list(views or [])
    header = {
        "software": f"dorsi {__version__}",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host_clock": "monotonic event-loop seconds" + (f" x {time_scale}" if time_scale != 1 else ""),
        "time_scale": time_scale,
        "routine": routine_to_data(routine),
        "profile": profile,
        "calibration_s": calibration_s,
        "devices": [{"slot": slot, "role": role} for role, slot in slots.items()],
    }
    now = lambda: loop.time() * time_scale  # noqa: E731
    processor = LiveProcessor({slot: role for role, slot in slots.items()}, profile, calibration_s=calibration_s)
    latencies: list[float] = []

    if link is None:
        link = SensorLink(roles, **(link_options or {}))
    await _open(link)  # before any file is written: a session that never reached its sensors leaves none
    try:
        with RecordingWriter(recording, header) as writer:
            guide = RoutineGuide(routine, processor, writer.marker, auto_advance=auto_advance,
                                 max_exercise_s=max_exercise_s, on_exercise_start=on_exercise_start,
                                 on_exercise_request=on_exercise_request)
            for role, conn in link.sensors.items():
                writer.marker("device", slot=slots[role], role=role, address=str(conn.address), t=now())
            await link.command_all(Command.START)
            period = 1.0 / tick_hz
            while not guide.done:
                await asyncio.sleep(period)
                for event in link.drain():
                    if isinstance(event, StreamPacket):
                        t = event.host_time * time_scale
                        writer.notification(slots[event.role], t, event.payload, event.epoch)
                        processor.notification(slots[event.role], t, event.payload, event.epoch)
                    elif isinstance(event, Gap):
                        writer.gap(slots[event.role], event.first_seq, -1 if event.count is None else event.count,
                                   reason=event.reason, epoch=event.epoch, t=event.host_time * time_scale)
                writer.tick(now())
                tick = processor.process()
                for cmd in (commands() if commands else []):
                    guide.command(cmd, now())
                state = guide.tick(tick, now())
                state.sensors = _sensor_states(link, processor, slots)
                for view in views:
                    view.update(state)
                if state.device_time_s is not None and tick.trace is not None and len(tick.trace):
                    latencies.append((now() - state.device_time_s) / time_scale)
            try:
                await asyncio.wait_for(link.command_all(Command.STOP), 2.0)
            except (asyncio.TimeoutError, Exception):  # the session is over either way
                pass
            guide.refresh(processor.close())  # the samples still held back count for the last exercise
            lost = {role: processor.sensors[slot].lost_samples for role, slot in slots.items()}
            writer.close(lost_samples=lost, exercises=[e.spec.id for e in processor.finished])
    finally:
        await link.close()
    return SessionResult(recording, processor.finished, guide.state, lost, latencies)


async def _open(link) -> None:
    """Connect the sensors; every way that can fail is a ``LinkOpenError`` with its reason."""
    try:
        await link.open()
    except LinkOpenError:
        raise
    except OSError as exc:  # a missing adapter shows as a failing D-Bus socket
        raise AdapterError.because(exc) from exc
    except (SensorNotFoundError, BleakError, TimeoutError) as exc:
        raise LinkOpenError(str(exc) or f"the sensors could not be reached ({type(exc).__name__})") from exc


def _sensor_states(link, processor: LiveProcessor, slots: dict[str, int]) -> list[SensorState]:
    out = []
    for role, slot in slots.items():
        conn = link.sensors.get(role)
        sensor = processor.sensors[slot]
        out.append(SensorState(
            role=role,
            name=getattr(conn, "name", "") or "",
            connected=bool(conn and conn.is_connected),
            battery_percent=getattr(conn, "battery_", None),
            samples=sensor.decoder.stats.samples,
            lost_samples=sensor.lost_samples,
            reconnects=getattr(conn, "reconnects_", 0),
        ))
    return out
