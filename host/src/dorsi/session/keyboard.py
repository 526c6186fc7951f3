"""Single-key commands from the terminal without blocking the event loop."""

from __future__ import annotations

import os
import sys

KEYS = {"n": "next", "r": "repeat", " ": "toggle_pause", "p": "toggle_pause", "q": "quit"}


class Keyboard:
    """Reads keys in cbreak mode when stdin is a terminal; otherwise does nothing.

    ``interactive`` tells the session whether anybody can press a key (when
    not, the guide advances by itself).
    """

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()
        self._saved: list | None = None  # terminal attributes to restore

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
            ch = os.read(sys.stdin.fileno(), 1).decode(errors="ignore").lower()
            if ch in KEYS:
                commands.append(KEYS[ch])
        return commands
