"""Access rules: this computer only by default; the local network only with the token."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from dorsi.views.web import AccessPolicy, CoachHub, new_token
from dorsi.views.web.access import COOKIE

from .conftest import get, serving, state, ws_url


def test_policy_arguments():
    with pytest.raises(ValueError, match="16 characters"):
        AccessPolicy(token="short")
    with pytest.raises(ValueError, match="allowed hosts"):
        AccessPolicy()
    assert len(new_token()) >= 20 and new_token() != new_token()
    policy = AccessPolicy.network(new_token())
    assert not policy.token_ok(None) and not policy.token_ok("x" * 22)


def test_local_server_refuses_other_host_names_and_foreign_origins():
    async def main():
        hub = CoachHub()
        hub.update(state())
        async with serving(hub) as base:
            assert (await get(base + "/"))[0] == 200
            port = base.rsplit(":", 1)[1]
            assert (await get(base + "/", {"Host": f"localhost:{port}"}))[0] == 200
            status, _, body = await get(base + "/state", {"Host": f"attacker.example:{port}"})  # DNS rebinding
            assert status == 403 and b"unknown host" in body
            with pytest.raises(InvalidStatus) as err:
                async with connect(ws_url(base), origin="http://attacker.example"):
                    pass
            assert err.value.response.status_code == 403
            async with connect(ws_url(base), origin=base) as ws:  # the page's own origin
                assert "state" in await asyncio.wait_for(ws.recv(), 2)

    asyncio.run(main())


def test_network_server_needs_the_token():
    async def main():
        token = new_token()
        hub = CoachHub()
        hub.update(state())
        async with serving(hub, token=token) as base:
            for path in ("/", "/state", "/report", "/static/coach.js"):
                status, _, body = await get(base + path)
                assert status == 403 and b"token" in body, path
            assert (await get(base + "/?token=" + "A" * len(token)))[0] == 403
            status, headers, _ = await get(f"{base}/?token={token}")
            assert status == 200
            cookie = headers["set-cookie"]
            assert cookie.startswith(f"{COOKIE}={token}") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
            # the page's own requests carry the cookie instead of the token
            jar = {"Cookie": f"{COOKIE}={token}"}
            assert (await get(base + "/static/coach.js", jar))[0] == 200
            assert (await get(base + "/state", {"Cookie": f"{COOKIE}=wrong"}))[0] == 403
            with pytest.raises(InvalidStatus):
                async with connect(ws_url(base)):
                    pass
            async with connect(ws_url(base, f"/ws?token={token}")) as ws:
                assert "state" in await asyncio.wait_for(ws.recv(), 2)
            async with connect(ws_url(base), additional_headers=jar) as ws:
                assert "state" in await asyncio.wait_for(ws.recv(), 2)

    asyncio.run(main())
