"""The bridge between the live session and its web pages.

``CoachHub`` is a session view (``update(state)``, called by the runner at
each tick) and a command source (``poll()``, polled by the runner). Pages
subscribe to it: each subscriber gets the newest state message as soon as it
exists, and only the newest (a slow page skips states, it never lags behind).
A page that connects, or reconnects, gets the current state at once.

Each state message carries ``device_wall_ms``: the wall-clock time (ms since
the epoch) at which the newest sample shown was taken, so a page on the same
clock can measure the end-to-end latency. With session time
``s = loop.time() * time_scale`` and ``device_time_s`` on that time base,

    device_wall = time.time() - (loop.time() - device_time_s / time_scale).

Pages report when they rendered each state (``rendered``); those reports are
kept in ``renders_`` for the latency benchmark.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from ...events.pain import is_command as is_pain_command
from ...session.state import SessionState

COMMANDS = ("next", "repeat", "pause", "resume", "toggle_pause", "quit")
REPORT_STATUSES = ("pending", "building", "ready", "failed")


@dataclass(frozen=True)
class RenderReport:
    """One page's report that it rendered a state.

    Attributes
    ----------
    seq : int
        The state message's sequence number.
    device_wall_ms : float
        Wall time of the newest sample in that state.
    render_wall_ms : float
        Wall time (the page's clock) when it rendered the state.
    """

    seq: int
    device_wall_ms: float
    render_wall_ms: float
    sent_wall_ms: float | None = None

    @property
    def latency_ms(self) -> float:
        """Sample taken -> shown on the page."""
        return self.render_wall_ms - self.device_wall_ms

    @property
    def page_ms(self) -> float | None:
        """Message sent by the server -> shown on the page (WebSocket + rendering)."""
        return None if self.sent_wall_ms is None else self.render_wall_ms - self.sent_wall_ms


class CoachHub:
    """Latest session state for the pages; the pages' commands for the session.

    Parameters
    ----------
    time_scale : float
        Session seconds per event-loop second (the emulated demo runs faster
        than real time); used to turn ``device_time_s`` into wall time.
    max_renders : int
        How many render reports to keep.
    wall_clock, loop_clock : callable, optional
        Clocks (seconds); default ``time.time`` and the running loop's ``time``.

    Attributes
    ----------
    state_ : SessionState or None
        The newest state.
    seq_ : int
        Number of state messages published.
    report_status_ : str
        ``"pending"`` (session running), ``"building"``, ``"ready"`` or ``"failed"``.
    report_html_ : str or None
        The session report page once ready.
    renders_ : deque of RenderReport
        What the pages said they rendered.
    """

    def __init__(self, time_scale: float = 1.0, max_renders: int = 100_000,
                 wall_clock: Callable[[], float] | None = None,
                 loop_clock: Callable[[], float] | None = None) -> None:
        if not time_scale > 0:
            raise ValueError(f"time_scale must be positive, got {time_scale}")
        self.time_scale = float(time_scale)
        self._wall = wall_clock or time.time
        self._loop_clock = loop_clock
        self.state_: SessionState | None = None
        self.seq_ = 0
        self.report_status_ = "pending"
        self.report_html_: str | None = None
        self.report_error_: str | None = None
        self.renders_: deque[RenderReport] = deque(maxlen=max_renders)
        self._message: str | None = None
        self._commands: list[str] = []
        self._subscribers: set[asyncio.Event] = set()

    # -- session side --------------------------------------------------------
    def update(self, state: SessionState) -> None:
        """Publish a state (the runner calls this at each tick)."""
        self.state_ = state
        self._publish()

    def poll(self) -> list[str]:
        """Commands received from the pages since the last call."""
        out, self._commands = self._commands, []
        return out

    def set_report(self, status: str, html: str | None = None, error: str | None = None) -> None:
        """Tell the pages where the session report stands (``html`` once ``"ready"``)."""
        if status not in REPORT_STATUSES:
            raise ValueError(f"report status must be one of {REPORT_STATUSES}, got {status!r}")
        if status == "ready" and html is None:
            raise ValueError("a ready report needs its html")
        self.report_status_, self.report_html_, self.report_error_ = status, html, error
        self._publish()

    # -- page side -----------------------------------------------------------
    def command(self, name: str) -> None:
        """Queue a command from a page: one of ``COMMANDS``, or a pain report (``"pain"``, or
        ``"pain:N"`` with N in 1-10); others raise ``ValueError``."""
        if name not in COMMANDS and not is_pain_command(name):
            raise ValueError(f"unknown command {name!r}; expected one of {COMMANDS}, pain or pain:1 .. pain:10")
        self._commands.append(name)

    def rendered(self, seq: int, device_wall_ms: float, render_wall_ms: float,
                 sent_wall_ms: float | None = None) -> None:
        """A page rendered state ``seq`` at ``render_wall_ms``."""
        report = RenderReport(int(seq), float(device_wall_ms), float(render_wall_ms),
                              None if sent_wall_ms is None else float(sent_wall_ms))
        times = (report.device_wall_ms, report.render_wall_ms, report.sent_wall_ms or 0.0)
        if not all(math.isfinite(t) for t in times):
            raise ValueError("render report times must be finite")
        self.renders_.append(report)

    @property
    def message(self) -> str | None:
        """The newest message as JSON text (None before the first state)."""
        return self._message

    async def subscribe(self, heartbeat_s: float | None = None) -> AsyncIterator[str]:
        """Yield the current message, then each newer one (skipping any missed while busy).

        With ``heartbeat_s``, the current message is repeated after that many
        seconds without a new one (the session has ended or stalled), so a page
        can tell a quiet connection from a dead one.
        """
        event = asyncio.Event()
        if self._message is not None:
            event.set()
        self._subscribers.add(event)
        try:
            while True:
                if heartbeat_s is None:
                    await event.wait()
                else:
                    try:
                        await asyncio.wait_for(event.wait(), heartbeat_s)
                    except asyncio.TimeoutError:
                        pass
                event.clear()
                if self._message is not None:
                    yield self._message
        finally:
            self._subscribers.discard(event)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    # -- internals -------------------------------------------------------------
    def _device_wall_ms(self, state: SessionState) -> float | None:
        if state.device_time_s is None:
            return None
        loop_now = self._loop_clock() if self._loop_clock else asyncio.get_running_loop().time()
        return 1000.0 * (self._wall() - (loop_now - state.device_time_s / self.time_scale))

    def _publish(self) -> None:
        if self.state_ is None:
            return
        self.seq_ += 1
        message = {
            "type": "state",
            "seq": self.seq_,
            "state": _finite(self.state_.to_json()),
            "device_wall_ms": self._device_wall_ms(self.state_),
            "sent_wall_ms": 1000.0 * self._wall(),
            "report": {"status": self.report_status_, "error": self.report_error_},
        }
        self._message = json.dumps(message, allow_nan=False)
        for event in self._subscribers:
            event.set()


def _finite(value):
    """The same plain data with NaN and infinities as None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
