"""Replay: a recording through the live pipeline, exactly as it ran live.

The recording holds every step of the live pipeline (TICK records): replay
hands the ``LiveProcessor`` the same notifications with the same host times
and exercise boundaries, and advances it at the same steps, so it reproduces
the live result exactly. Recordings without steps (made by other tools) are
merged in host-time order and advanced every ``tick_s``.
With ``speed`` the replay is paced against the wall clock (``--speed 1`` is
real time) and can drive a view; without it, it runs as fast as it can.
"""

from __future__ import annotations

import heapq
import time
from pathlib import Path
from typing import Callable

from ..recording import read_recording
from ..routine import Routine, default_routine
from ..routine.header import routine_from_header
from ..samples import ROLES
from .processor import ExerciseResult, LiveProcessor, Tick


def replay_recording(path: str | Path, routine: Routine | None = None, *, speed: float | None = None,
                     tick_s: float = 0.1, on_tick: Callable[[Tick, float, LiveProcessor], None] | None = None
                     ) -> list[ExerciseResult]:
    rec = read_recording(path)
    routine = routine or routine_from_header(rec.header) or default_routine()
    roles = {}
    for device in rec.header.get("devices", []):
        roles[int(device["slot"])] = device.get("role", ROLES[int(device["slot"]) % 2])
    for slot in rec.slots:
        roles.setdefault(slot, ROLES[slot % 2])
    processor = LiveProcessor(roles, rec.header.get("profile", {}),
                              calibration_s=float(rec.header.get("calibration_s", 20.0)))
    if rec.ticks:
        _replay_ticks(rec, processor, routine, speed, on_tick)
    else:
        _replay_paced(rec, processor, routine, speed, tick_s, on_tick)
    # the rest held back for foot data; an exercise still open (the session was cut short) ends
    return processor.close()


def _apply_marker(processor: LiveProcessor, routine: Routine, marker: dict) -> None:
    event, t = marker.get("event"), float(marker.get("t", 0.0))
    if event == "exercise_start" and marker.get("exercise") in routine:
        processor.start_exercise(routine[marker["exercise"]], t)
    elif event == "exercise_end":
        processor.end_exercise(t)


def _replay_ticks(rec, processor: LiveProcessor, routine: Routine, speed: float | None, on_tick) -> None:
    """Repeat the live steps exactly: tick ``i`` processed what was recorded before TICK ``i``."""
    by_tick: dict[int, list[tuple[int, int]]] = {}
    for slot, data in rec.slots.items():
        for i, k in enumerate(data.ticks):
            by_tick.setdefault(k, []).append((slot, i))
    wall0 = time.monotonic()
    markers_by_tick: dict[int, list[dict]] = {}
    for marker, k in zip(rec.markers, rec.marker_ticks):
        markers_by_tick.setdefault(k, []).append(marker)
    for k in range(len(rec.ticks) + 1):
        for marker in markers_by_tick.get(k, []):
            _apply_marker(processor, routine, marker)
        for slot, i in sorted(by_tick.get(k, []), key=lambda si: rec.slots[si[0]].host_time[si[1]]):
            data = rec.slots[slot]
            processor.notification(slot, data.host_time[i], data.payloads[i], data.epochs[i])
        if k < len(rec.ticks):
            if speed:
                _pace(rec.ticks[k] - rec.ticks[0], speed, wall0)
            _tick(processor, rec.ticks[k], on_tick)


def _replay_paced(rec, processor: LiveProcessor, routine: Routine, speed: float | None, tick_s: float,
                  on_tick) -> None:
    """Merge notifications and markers by host time and step every ``tick_s`` (optionally paced)."""
    streams = []
    for slot, data in rec.slots.items():
        streams.append(((t, 1, slot, i) for i, t in enumerate(data.host_time)))
    markers = [(float(m["t"]), 0, -1, i) for i, m in enumerate(rec.markers) if "t" in m]
    events = heapq.merge(*streams, sorted(markers))
    wall0 = time.monotonic()
    first_t: float | None = None
    next_tick: float | None = None
    for t, kind, slot, i in events:
        if first_t is None:
            first_t, next_tick = t, t + tick_s
        while next_tick is not None and t >= next_tick:
            _tick(processor, next_tick, on_tick)
            next_tick += tick_s
        if speed:
            _pace(t - first_t, speed, wall0)
        if kind == 1:
            data = rec.slots[slot]
            processor.notification(slot, t, data.payloads[i], data.epochs[i])
        else:
            processor.process()
            _apply_marker(processor, routine, rec.markers[i])
    if next_tick is not None:
        _tick(processor, next_tick, on_tick)


def _pace(session_s: float, speed: float, wall0: float) -> None:
    delay = session_s / speed - (time.monotonic() - wall0)
    if delay > 0:
        time.sleep(delay)


def _tick(processor: LiveProcessor, t: float, on_tick) -> None:
    tick = processor.process()
    if on_tick is not None:
        on_tick(tick, t, processor)
