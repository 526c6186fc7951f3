"""Helpers for the coach's browser tests: the ``dorsi coach`` process, an in-process server, a DOM recorder."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROUTINE = Path(__file__).resolve().parent / "data" / "coach_routine.toml"


class CoachProcess:
    """``dorsi coach --emulate --no-browser`` as a subprocess; ``url`` once it serves."""

    def __init__(self, workdir: Path, *args: str, speed: float = 4.0, routine: Path = ROUTINE) -> None:
        self.workdir = Path(workdir)
        self.log = self.workdir / "coach.log"
        self.cmd = [sys.executable, "-m", "dorsi.cli", "coach", "--emulate", "--no-browser", "--no-terminal",
                    "--port", "0", "--routine", str(routine), "--speed", str(speed),
                    "--out", str(self.workdir / "session.dorsi"), "--home", str(self.workdir / "home"),
                    "--no-history", *args]
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None

    def start(self, timeout: float = 60.0) -> "CoachProcess":
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env={**os.environ, "COLUMNS": "100"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"dorsi coach: serving (\S+)", self.text())
            if found:
                self.url = found.group(1)
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"dorsi coach exited ({self.proc.returncode}):\n{self.text()}")
            time.sleep(0.05)
        raise AssertionError(f"dorsi coach did not start serving:\n{self.text()}")

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> int | None:
        """Ctrl-C, as a user would; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def __enter__(self) -> "CoachProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ThreadedCoach:
    """The coach app on its own event loop in a thread, fed states by the test.

    ``restart()`` stops the server and starts a new one on the same port (a
    dropped connection for every page); the hub, and so the state, survive.
    """

    def __init__(self, time_scale: float = 1.0) -> None:
        from dorsi.views.web import CoachHub

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.hub = self.call(lambda: CoachHub(time_scale=time_scale))
        self.server = None
        self.port: int | None = None

    def call(self, fn):
        """Run ``fn()`` on the server's loop and return its result."""
        async def run():
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def start(self) -> "ThreadedCoach":
        from dorsi.views.web import AccessPolicy, CoachServer, create_app

        server = CoachServer(None, "127.0.0.1", self.port or 0)
        port = server.bind()
        server.app = create_app(self.hub, AccessPolicy.local(port))
        self.run(server.start())
        self.server, self.port = server, port
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop_server(self) -> None:
        if self.server is not None:
            self.run(self.server.stop())
            self.server = None

    def restart(self) -> None:
        self.stop_server()
        self.start()

    def push(self, state) -> None:
        self.call(lambda: self.hub.update(state))

    def commands(self) -> list[str]:
        return self.call(self.hub.poll)

    def close(self) -> None:
        self.stop_server()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


# Records every change of what the page shows (a MutationObserver, so nothing brief is missed).
RECORDER_JS = r"""
if (!window.__seen) {
  const $ = (id) => document.getElementById(id);
  const shown = (id) => !$(id).hidden && !$(id).closest('[hidden]');
  const snap = () => ({
    t: Date.now(), phase: document.body.dataset.phase, link: $('link').dataset.state,
    title: $('title').textContent,
    reps: shown('reps-card') ? `${$('reps').textContent}/${$('reps-target').textContent}` : null,
    repsDone: shown('reps-done'),
    hold: shown('hold-card') ? parseFloat($('hold').textContent) : null,
    holdTarget: shown('hold-card') ? parseFloat($('hold-target').textContent) : null,
    holdFill: shown('hold-card') ? $('hold-fill').style.width : null,
    holdMet: shown('hold-met') ? $('hold-met').textContent.trim() : null,
    heel: shown('alert-heel') ? $('alert-heel').textContent.trim() : null,
    angle: $('angle-text').textContent,
    report: shown('report-card') ? $('report-card').dataset.status || 'pending' : null,
  });
  window.__seen = [snap()];
  let last = JSON.stringify({...window.__seen[0], t: 0});
  new MutationObserver(() => {
    const s = snap();
    const key = JSON.stringify({...s, t: 0});
    if (key !== last) { last = key; window.__seen.push(s); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}
"""
