"""Who may use the coach server: host check, same-origin WebSockets, secret token.

On 127.0.0.1 (the default) only this computer can connect, but any web page
open in its browser could still try: the ``Host`` header must name the
server itself (defeats DNS rebinding) and a WebSocket's ``Origin`` must be
the server's own (defeats cross-site WebSocket hijacking, which would let a
foreign page read the session or press "next").

Served on the local network (``--host 0.0.0.0``), every request must also
prove it knows the random token printed in the terminal: ``?token=...`` in
the URL, exchanged on first use for an ``HttpOnly``, ``SameSite=Strict``
cookie, so the page's own requests (static files, WebSocket, report) carry it
without the token appearing in them. Tokens are compared in constant time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "dorsi_coach"
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cache-control", b"no-store"),
)


def new_token() -> str:
    """A fresh random token (128 bits of ``secrets.token_urlsafe``)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class AccessPolicy:
    """Rules for one server.

    Parameters
    ----------
    token : str or None
        Required secret (None: no token, for 127.0.0.1 only).
    allowed_hosts : tuple of str or None
        Accepted ``Host`` header values (``"127.0.0.1:8765"``); None accepts
        any (only sensible with a token).
    """

    token: str | None = None
    allowed_hosts: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < 16:
            raise ValueError("the access token must be at least 16 characters")
        if self.token is None and self.allowed_hosts is None:
            raise ValueError("without a token the allowed hosts must be listed (serve on 127.0.0.1)")

    @classmethod
    def local(cls, port: int) -> "AccessPolicy":
        """This computer only: 127.0.0.1 / localhost on ``port``, no token."""
        return cls(None, (f"127.0.0.1:{port}", f"localhost:{port}"))

    @classmethod
    def network(cls, token: str) -> "AccessPolicy":
        """Any host name (phones use the LAN address), token required."""
        return cls(token, None)

    def host_ok(self, host: str | None) -> bool:
        return self.allowed_hosts is None or (host is not None and host.lower() in self.allowed_hosts)

    def token_ok(self, presented: str | None) -> bool:
        if self.token is None:
            return True
        return presented is not None and secrets.compare_digest(presented.encode(), self.token.encode())


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _origin_ok(origin: str | None, host: str | None) -> bool:
    """A missing Origin (non-browser client) is fine; a present one must be this server."""
    if origin is None:
        return True
    return host is not None and origin.lower() in (f"http://{host.lower()}", f"https://{host.lower()}")


class AccessMiddleware:
    """ASGI middleware applying an :class:`AccessPolicy` to HTTP and WebSocket requests."""

    def __init__(self, app, policy: AccessPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        from_query = query.get("token", [None])[0]
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is just no cookie
            cookie = SimpleCookie()
        from_cookie = cookie[COOKIE].value if COOKIE in cookie else None
        if not self.policy.host_ok(host):
            reason = "unknown host: open the address printed by dorsi coach"
        elif scope["type"] == "websocket" and not _origin_ok(headers.get("origin"), host):
            reason = "cross-origin WebSocket refused"
        elif not (self.policy.token_ok(from_query) or self.policy.token_ok(from_cookie)):
            reason = "forbidden: open the full address printed by dorsi coach (with its token)"
        else:
            set_cookie = self.policy.token is not None and self.policy.token_ok(from_query) \
                and not self.policy.token_ok(from_cookie)
            await self.app(scope, receive, self._wrap(send, set_cookie) if scope["type"] == "http" else send)
            return
        await self._refuse(scope, send, reason)

    def _wrap(self, send, set_cookie: bool):
        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in dict(SECURITY_HEADERS)]
                headers.extend(SECURITY_HEADERS)
                if set_cookie:
                    value = f"{COOKIE}={self.policy.token}; Path=/; HttpOnly; SameSite=Strict"
                    headers.append((b"set-cookie", value.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)
        return wrapped

    @staticmethod
    async def _refuse(scope, send, reason: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": reason[:120]})
            return
        body = (reason + "\n").encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": body})
