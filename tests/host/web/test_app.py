"""The coach app over real HTTP and WebSocket connections (uvicorn in the test's loop)."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import connect

from dorsi.views.web import CoachHub

from .conftest import get, serving, state, ws_url


def test_page_and_static_files_are_served_from_the_package():
    async def main():
        hub = CoachHub()
        async with serving(hub) as base:
            status, headers, body = await get(base + "/")
            assert status == 200 and b"dorsi coach" in body and b'src="/static/coach.js"' in body
            assert "script-src 'self'" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
            for name, kind in (("coach.js", "javascript"), ("coach.css", "css")):
                status, headers, body = await get(f"{base}/static/{name}")
                assert status == 200 and kind in headers["content-type"] and len(body) > 1000
            status, _, _ = await get(base + "/static/../app.py")
            assert status == 404

    asyncio.run(main())


def test_state_is_pushed_and_commands_come_back():
    async def main():
        hub = CoachHub()
        hub.update(state(reps=2))
        async with serving(hub) as base, connect(ws_url(base)) as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 2))
            assert first["state"]["reps"] == 2
            hub.update(state(reps=3))
            assert json.loads(await asyncio.wait_for(ws.recv(), 2))["state"]["reps"] == 3
            await ws.send(json.dumps({"type": "command", "name": "next"}))
            for junk in ("not json", "[]", '{"type": "command", "name": "rm -rf"}', '{"type": "rendered"}',
                         "x" * 10_000, '{"type": "command"}'):
                await ws.send(junk)  # ignored, the socket stays up
            await ws.send(json.dumps({"type": "command", "name": "toggle_pause"}))
            await ws.send(json.dumps({"type": "rendered", "seq": 2, "device_wall_ms": 10.0, "render_wall_ms": 30.0}))
            for _ in range(100):
                if len(hub.renders_):
                    break
                await asyncio.sleep(0.01)
            assert hub.poll() == ["next", "toggle_pause"]
            assert [r.latency_ms for r in hub.renders_] == [20.0]
            status, _, body = await get(base + "/state")
            assert status == 200 and json.loads(body)["state"]["reps"] == 3

    asyncio.run(main())


def test_report_is_served_once_ready():
    async def main():
        hub = CoachHub()
        hub.update(state(phase="finished"))
        async with serving(hub) as base:
            status, headers, body = await get(base + "/report")
            assert status == 503 and json.loads(body)["status"] == "pending"
            hub.set_report("failed", error="recording truncated")
            status, _, body = await get(base + "/report")
            assert status == 503 and "recording truncated" in json.loads(body)["detail"]
            hub.set_report("ready", html="<!doctype html><title>dorsi session report</title>")
            status, headers, body = await get(base + "/report")
            assert status == 200 and b"dorsi session report" in body
            assert "default-src 'none'" in headers["content-security-policy"]

    asyncio.run(main())


def test_a_closed_page_does_not_disturb_the_hub():
    async def main():
        hub = CoachHub()
        hub.update(state())
        async with serving(hub) as base:
            async with connect(ws_url(base)) as ws:
                await ws.recv()
                assert hub.subscribers == 1
            for _ in range(200):
                if hub.subscribers == 0:
                    break
                await asyncio.sleep(0.01)
            assert hub.subscribers == 0
            hub.update(state(reps=4))  # the session keeps publishing with nobody watching
            assert json.loads(hub.message)["state"]["reps"] == 4

    asyncio.run(main())
