"""A phone on the shin as the live session's sensor: Sensor Logger's HTTP push in place of BLE.

``PhoneLink`` offers what the session runner uses of ``dorsi.ble.SensorLink``
(``open``, ``sensors``, ``drain``, ``command_all``, ``close``). It serves one
URL, ``http://HOST:PORT/push/TOKEN``, to enter as Sensor Logger's "HTTP Push"
URL; each message's readings go through :class:`dorsi.sources.phone_push.PushAssembler`
onto the sample grid, with the orientation fused on the host, and are encoded
as protocol v1 packets, so the recording, the live pipeline, the replay and
the analysis read the phone exactly as they read the board.

The token keeps other devices on the network from feeding the session; a
message with a wrong token is refused (403), a malformed one gets a one-line
400 and the session goes on with what came before.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from typing import Callable

import numpy as np

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ..ble.discovery import LinkOpenError
from ..ble.events import LinkEvent, StreamPacket
from ..protocol.encode import encode_packets
from ..protocol.packets import HEADER_DTYPE
from ..protocol.spec import HEADER_SIZE, Command
from ..sources.axes import AxisMap
from ..sources.phone_push import MAX_MESSAGE_BYTES, PushAssembler, PushError
from ..sources.phone_samples import PHONE_SHIN_AXES
from ..views.web.server import CoachServer

#: The phone counts as connected while its pushes come at least this often (s).
SILENT_S = 3.0


def stream_packets(batch, now: float) -> list[StreamPacket]:
    """A phone's grid samples as the shin sensor's protocol v1 notifications, received ``now``."""
    events = []
    for payload in encode_packets(batch):
        head = np.frombuffer(payload[:HEADER_SIZE], HEADER_DTYPE)[0]
        events.append(StreamPacket("shin", payload, int(head["seq"]), int(head["count"]), False, now, 0))
    return events


class PhoneSensor:
    """The phone as the session shows a sensor (name, address, link state)."""

    def __init__(self, address: str, name: str = "phone (Sensor Logger)") -> None:
        self.name = name
        self.address = address
        self.battery_: int | None = None
        self.reconnects_ = 0
        self.last_push: float | None = None

    @property
    def is_connected(self) -> bool:
        loop = asyncio.get_running_loop()
        return self.last_push is not None and loop.time() - self.last_push < SILENT_S


class PhoneStreamLink:
    """What a phone link shares: the shin's packets gathered for ``drain``, no commands, and the
    async context manager over ``open`` / ``close`` (which subclasses give)."""

    roles = ("shin",)

    def __init__(self) -> None:
        self.sensors: dict[str, PhoneSensor] = {}
        self._events: list[LinkEvent] = []
        self._first = asyncio.Event()

    def _emit(self, batch, now: float) -> None:
        """Grid samples (``SampleBatch``) received ``now``, to be drained as protocol v1 packets."""
        self._events += stream_packets(batch, now)
        self._first.set()

    def drain(self) -> list[LinkEvent]:
        events, self._events = self._events, []
        return events

    async def _wait_first(self, failure: Callable[[], str | None]) -> None:
        """Wait for the first samples; ``failure()``, asked every 0.25 s, says why to give up (the
        link is closed and ``LinkOpenError`` raised with its words) or None to wait on."""
        while not self._first.is_set():
            why = failure()
            if why is not None:
                await self.close()
                raise LinkOpenError(why)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._first.wait(), 0.25)

    async def command_all(self, command: Command, argument: int | None = None) -> dict:
        """A phone takes no commands (it records until stopped in its app)."""
        return {}

    async def open(self):
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self):
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class PhoneLink(PhoneStreamLink):
    """Receive a phone's pushed readings as the shin sensor's stream.

    Parameters
    ----------
    host : str
        Address to serve on (``"0.0.0.0"``: the local network, where the phone is).
    port : int
        TCP port (0 picks a free one).
    token : str, optional
        The URL's secret part (default: a new random one).
    axes : AxisMap
        How the phone is worn (default: screen out, top toward the knee).
    acc_sign : {None, 1, -1}
        The acceleration's sign (default: decided from the first second).
    first_data_timeout_s : float
        ``open`` gives up when no usable data came within this time.
    on_waiting : callable, optional
        Called with the push URL once the server is up (to tell the user).
    advertised_host : str, optional
        Host shown in the URL (default: ``host``; give the computer's LAN
        address when serving on ``0.0.0.0``).

    Attributes
    ----------
    url_ : str
        The push URL, once open.
    sensors : dict
        ``{"shin": PhoneSensor}`` once open.
    refused_ : list of str
        Why messages were refused (most recent last, at most 20 kept).
    """

    def __init__(self, host: str = "0.0.0.0", port: int = 8766, token: str | None = None,
                 axes: AxisMap = PHONE_SHIN_AXES, acc_sign: int | None = None,
                 first_data_timeout_s: float = 300.0, on_waiting=None, advertised_host: str | None = None) -> None:
        super().__init__()
        self.token = token or secrets.token_urlsafe(6)
        self.assembler = PushAssembler(axes, acc_sign)
        self.first_data_timeout_s = first_data_timeout_s
        self.on_waiting = on_waiting
        self.advertised_host = advertised_host or host
        self.refused_: list[str] = []
        self.url_ = ""
        self._server = CoachServer(self._app(), host, port)

    def _app(self) -> Starlette:
        return Starlette(routes=[Route("/push/{token}", self._push, methods=["POST"]),
                                 Route("/push/{token}", self._status, methods=["GET"])])

    async def _status(self, request: Request) -> PlainTextResponse:
        if not secrets.compare_digest(request.path_params["token"], self.token):
            return PlainTextResponse("wrong address", status_code=403)
        a = self.assembler
        return PlainTextResponse(f"dorsi: {a.messages_} messages, {a.readings_} readings, {a.refused_} refused\n")

    async def _push(self, request: Request) -> JSONResponse:
        if not secrets.compare_digest(request.path_params["token"], self.token):
            return JSONResponse({"error": "wrong address"}, status_code=403)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_MESSAGE_BYTES:
                return JSONResponse({"error": "message too large"}, status_code=413)
        try:
            used = self.assembler.add(body)
            batch = self.assembler.take()
        except PushError as exc:
            self.refused_ = (self.refused_ + [str(exc)])[-20:]
            return JSONResponse({"error": str(exc)}, status_code=400)
        now = asyncio.get_running_loop().time()
        sensor = self.sensors.get("shin")
        if sensor is not None:
            sensor.last_push = now
            sensor.battery_ = self.assembler.battery_percent_
        if batch is not None and len(batch):
            self._emit(batch, now)
        return JSONResponse({"ok": True, "readings": used})

    async def open(self) -> "PhoneLink":
        """Serve the push URL and wait for the phone's first samples."""
        try:
            await self._server.start()
        except OSError as exc:
            raise LinkOpenError(f"cannot receive the phone's pushes: {exc}") from exc
        self.url_ = f"http://{self.advertised_host}:{self._server.port_}/push/{self.token}"
        # the recording names the sensor by this address: not the URL, whose token is the secret
        self.sensors = {"shin": PhoneSensor(f"phone pushing to {self.advertised_host}:{self._server.port_}")}
        if self.on_waiting is not None:
            self.on_waiting(self.url_)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.first_data_timeout_s

        def failure() -> str | None:
            missing = self.assembler.missing()
            if missing:
                return (f"the phone pushes, but not {' or '.join(missing)}: turn "
                        f"{'them' if len(missing) > 1 else 'it'} on in Sensor Logger (and keep "
                        "Accelerometer, Gravity and Gyroscope on), then record again")
            if loop.time() >= deadline:
                why = f" (last refused: {self.refused_[-1]})" if self.refused_ else ""
                return (f"no data from the phone within {self.first_data_timeout_s:g} s: is Sensor "
                        f"Logger recording with HTTP Push on to {self.url_}?{why}")
            return None

        await self._wait_first(failure)
        return self

    async def close(self) -> None:
        await self._server.stop()
