"""The coach's ASGI app (Starlette): the page, its static files, the state WebSocket, the report.

Routes
------
``/``            the coach page (``static/index.html``)
``/static/...``  its script, style and icons (shipped inside the package)
``/ws``          WebSocket: server -> page state messages (see ``hub``); page ->
                 server ``{"type": "command", "name": ...}`` and
                 ``{"type": "rendered", "seq", "device_wall_ms", "render_wall_ms"}``
``/state``       the newest state message as JSON (for scripts and checks)
``/report``      the session report once built (503 before)
"""

from __future__ import annotations

import asyncio
import json
from importlib import resources

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .access import AccessMiddleware, AccessPolicy
from .hub import CoachHub

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'")
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
MAX_MESSAGE = 4096
HEARTBEAT_S = 1.0  # repeat the current state this often when nothing new comes


def static_dir():
    """The packaged static files."""
    return resources.files("dorsi.views.web").joinpath("static")


def create_app(hub: CoachHub, policy: AccessPolicy) -> AccessMiddleware:
    """The coach web app serving ``hub`` under ``policy``."""
    index = static_dir().joinpath("index.html").read_text(encoding="utf-8")

    async def page(request: Request) -> Response:
        return HTMLResponse(index, headers={"content-security-policy": PAGE_CSP})

    async def state(request: Request) -> Response:
        return Response(hub.message or "null", media_type="application/json")

    async def report(request: Request) -> Response:
        if hub.report_status_ == "ready" and hub.report_html_ is not None:
            return HTMLResponse(hub.report_html_, headers={"content-security-policy": REPORT_CSP})
        text = {"pending": "The report is built when the session ends.",
                "building": "The report is being built; this page will be ready in a few seconds.",
                "failed": f"The report could not be built: {hub.report_error_}"}[hub.report_status_]
        return JSONResponse({"status": hub.report_status_, "detail": text}, status_code=503,
                            headers={"retry-after": "2"})

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        pusher = None
        try:
            pusher = asyncio.create_task(_push(websocket, hub))
            while True:
                text = await websocket.receive_text()
                _handle(hub, text)
        except WebSocketDisconnect:
            pass
        finally:
            if pusher is not None:
                pusher.cancel()

    app = Starlette(routes=[
        Route("/", page),
        Route("/state", state),
        Route("/report", report),
        WebSocketRoute("/ws", socket),
        Mount("/static", StaticFiles(directory=str(static_dir())), name="static"),
    ])
    return AccessMiddleware(app, policy)


async def _push(websocket: WebSocket, hub: CoachHub) -> None:
    try:
        async for message in hub.subscribe(heartbeat_s=HEARTBEAT_S):
            await websocket.send_text(message)
    except (WebSocketDisconnect, RuntimeError, OSError):  # the page went away; the session goes on
        pass


def _handle(hub: CoachHub, text: str) -> None:
    """One message from a page; anything malformed is ignored (never breaks the session)."""
    if len(text) > MAX_MESSAGE:
        return
    try:
        msg = json.loads(text)
        if not isinstance(msg, dict):
            return
        if msg.get("type") == "command":
            hub.command(str(msg.get("name")))
        elif msg.get("type") == "rendered":
            sent = msg.get("sent_wall_ms")
            hub.rendered(int(msg["seq"]), float(msg["device_wall_ms"]), float(msg["render_wall_ms"]),
                         None if sent is None else float(sent))
    except (ValueError, KeyError, TypeError):
        return
