"""uvicorn serving the coach app inside the session's own event loop.

bumble (the emulated and real BLE stack) needs everything on one asyncio
loop, so the server is not run with ``uvicorn.run`` (which makes its own
loop) but as a task: ``Server.serve()``. uvicorn's own signal handling is
turned off so Ctrl-C still stops the session as it does for ``dorsi session``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import uvicorn


class _InLoopServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its host program."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


class CoachServer:
    """Serve an ASGI app on ``host:port`` from the running loop.

    Parameters
    ----------
    app : ASGI application
    host : str
        ``"127.0.0.1"`` (this computer) or ``"0.0.0.0"`` (the local network).
    port : int
        TCP port; 0 picks a free one.

    Attributes
    ----------
    port_ : int
        The port actually bound (after ``start``).
    """

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be within 0..65535, got {port}")
        self.app = app
        self.host = host
        self.port = port
        self.port_: int | None = None
        self._server: _InLoopServer | None = None
        self._task: asyncio.Task | None = None
        self._sock: socket.socket | None = None

    def bind(self) -> int:
        """Reserve the port now (before the app's access policy, which names it, is made); returns it."""
        if self._sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.host, self.port))
            except OSError as exc:
                sock.close()
                raise OSError(f"cannot serve on {self.host}:{self.port}: {exc.strerror or exc}") from exc
            self._sock = sock
            self.port_ = int(sock.getsockname()[1])
        if self.port_ is None:
            raise RuntimeError("not bound")
        return self.port_

    async def start(self) -> "CoachServer":
        """Bind (if not yet) and start serving; returns once the server accepts connections."""
        self.bind()
        sock, self._sock = self._sock, None
        if sock is None:
            raise RuntimeError("the coach server is already started")
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", ws="websockets-sansio",
                                ws_ping_interval=5.0, ws_ping_timeout=10.0, timeout_graceful_shutdown=2)
        self._server = _InLoopServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise OSError(f"the coach server on {self.host}:{self.port_} stopped while starting")
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        """Close the connections and stop serving."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._task, 5.0)
        self._server, self._task = None, None

    async def __aenter__(self) -> "CoachServer":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()


def lan_address() -> str:
    """This computer's address on the local network (no packet is sent)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
        except OSError:
            pass
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:  # no network at all: the page is still reachable from this computer
        return "127.0.0.1"
