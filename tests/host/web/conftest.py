"""Helpers: a coach server on a free port inside the test's event loop, plain HTTP and WebSocket clients."""

from __future__ import annotations

import asyncio
import contextlib
import urllib.error
import urllib.request

from dorsi.session.state import SensorState, SessionState
from dorsi.views.web import AccessPolicy, CoachHub, CoachServer, create_app


@contextlib.asynccontextmanager
async def serving(hub: CoachHub, token: str | None = None):
    """Yield the base URL of a server for ``hub`` (local policy, or network policy with ``token``)."""
    server = CoachServer(None, "127.0.0.1", 0)
    port = server.bind()
    server.app = create_app(hub, AccessPolicy.network(token) if token else AccessPolicy.local(port))
    await server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.stop()


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


async def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """HTTP GET off the loop (the server runs on it)."""
    return await asyncio.to_thread(_get, url, headers)


def ws_url(base: str, path: str = "/ws") -> str:
    return base.replace("http://", "ws://") + path


def state(**fields) -> SessionState:
    base = dict(phase="exercise", exercise="band_lunge", title="Band dorsiflexion lunges", kind="reps",
                exercise_count=2, reps_target=6, angle_deg=20.0, baseline_deg=3.0, best_deg=30.0,
                sensors=[SensorState("shin", "dorsi-shin", True, 80)])
    base.update(fields)
    return SessionState(**base)
