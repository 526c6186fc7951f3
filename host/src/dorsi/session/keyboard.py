"""Single-key commands from the terminal without blocking the event loop."""

from __future__ import annotations

import os
import sys
import time
from typing import Callable

from ..events.pain import RATE_WINDOW_S

KEYS = {"n": "next", "r": "repeat", " ": "toggle_pause", "p": "toggle_pause", "q": "quit", "h": "pain"}


class KeyCommands:
    """Keys to session commands: ``h`` (it hurts) reports pain, and a digit pressed within
    ``RATE_WINDOW_S`` after it rates it (1-9, 0 for 10); digits at other times mean nothing."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._rate_until = -1.0

    def command(self, ch: str) -> str | None:
        ch = ch.lower()
        if ch.isdigit() and len(ch) == 1:
            if self._clock() > self._rate_until:
                return None
            self._rate_until = -1.0
            return f"pain:{int(ch) or 10}"
        name = KEYS.get(ch)
        if name == "pain":
            self._rate_until = self._clock() + RATE_WINDOW_S
        return name


class Keyboard:
    """Reads keys in cbreak mode when stdin is a terminal; otherwise does nothing.

    ``interactive`` tells the session whether anybody can press a key (when
    not, the guide advances by itself).
    """

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()
        self._saved: list | None = None  # terminal attributes to restore
        self._keys = KeyCommands()

    def __enter__(self) -> "Keyboard":
        if self.interactive:
            import termios
            import tty

            fd = sys.stdin.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)

    def poll(self) -> list[str]:
        if not self.interactive:
            return []
        import select

        commands = []
        while select.select([sys.stdin], [], [], 0)[0]:
            name = self._keys.command(os.read(sys.stdin.fileno(), 1).decode(errors="ignore"))
            if name is not None:
                commands.append(name)
        return commands
