"""An emulated phone on the emulated patient's shin running dorsi's phyphox experiment, remote access on.

The patient's shin motion (``PatientDevice``, the source the emulated BLE board
replays) is sampled as it plays into the experiment's buffers (the phone's own
axes, Android's convention as phyphox gives it; time from the start of
measuring), served over real HTTP as phyphox's remote access serves them:
``/config``, ``/control?cmd=start|stop|clear`` and ``/get`` with its
``buffer=full`` / ``buffer=threshold|ref`` terms. So ``dorsi session --phyphox
--emulate`` runs the whole path without a phone. ``unreachable_s`` makes it
answer nothing for a while, as a phone out of Wi-Fi range does (it goes on
measuring meanwhile).
"""

from __future__ import annotations

import asyncio
import bisect

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..sim.sensor_logger_writer import phone_streams
from ..sources.phyphox_remote import ACC_BUFFERS, BUFFERS, GYR_BUFFERS
from ..views.web.server import CoachServer
from .patient import PatientDevice


class EmulatedPhyphox:
    """phyphox's remote access on an emulated phone fed by a ``PatientDevice``.

    Parameters
    ----------
    device : PatientDevice
        The shin's motion source (sampled, not connected over BLE).

    Attributes
    ----------
    url_ : str
        Where it answers, once started.
    requests_ : int
        ``/get`` requests answered.
    """

    def __init__(self, device: PatientDevice) -> None:
        self.device = device
        self.url_ = ""
        self.requests_ = 0
        self.measuring = False
        self.session = "emulated-1"
        self._data: dict[str, list[float]] = {name: [] for name in BUFFERS}
        self._cursor: int | None = None
        self._t0: float | None = None
        self._deaf_until = 0.0
        self._server = CoachServer(Starlette(routes=[Route("/config", self._config), Route("/control", self._control),
                                                     Route("/get", self._get)]), "127.0.0.1", 0)

    async def start(self) -> str:
        await self._server.start()
        self.url_ = f"http://127.0.0.1:{self._server.port_}"
        return self.url_

    async def stop(self) -> None:
        await self._server.stop()

    def unreachable(self, seconds: float) -> None:
        """Answer nothing (drop the connection) for ``seconds`` of wall time, measuring on."""
        self._deaf_until = asyncio.get_running_loop().time() + seconds

    def _deaf(self) -> bool:
        return asyncio.get_running_loop().time() < self._deaf_until

    async def _config(self, request: Request) -> JSONResponse:
        return JSONResponse({"crc32": "emulated", "title": "dorsi shin sensor", "localTitle": "dorsi shin sensor",
                             "category": "dorsi", "buffers": [{"name": n, "size": 0} for n in BUFFERS],
                             "inputs": [{"source": "accelerometer", "outputs": [{c: n} for c, n in
                                                                                zip("txyz", ACC_BUFFERS)]},
                                        {"source": "gyroscope", "outputs": [{c: n} for c, n in
                                                                            zip("txyz", GYR_BUFFERS)]}]})

    async def _control(self, request: Request) -> JSONResponse:
        cmd = request.query_params.get("cmd")
        if cmd == "start":
            self.measuring = True
        elif cmd == "stop":
            self._sample()
            self.measuring = False
        elif cmd == "clear":
            self._data = {name: [] for name in BUFFERS}
            self._t0 = self._cursor = None
            self.session = f"emulated-{int(self.session.rsplit('-', 1)[1]) + 1}"
        else:
            return JSONResponse({"result": False})
        return JSONResponse({"result": True})

    def _sample(self) -> None:
        """Take what the patient's shin did since the last time into the buffers (while measuring)."""
        self.device.produce()
        if not self.measuring:
            self._cursor = None  # what happens while stopped is not measured
            return
        if self._cursor is None:  # measuring from now on
            newest = self.device.samples_from(0)
            self._cursor = int(newest.seq[-1]) + 1 if len(newest) else 0
            return
        batch = self.device.samples_from(self._cursor)
        if len(batch) < 2:
            return
        self._cursor = int(batch.seq[-1]) + 1
        if self._t0 is None:
            self._t0 = float(batch.t[0])
        streams = phone_streams(batch, "android", acc_offset_periods=0.0)
        for (t, v), names in ((streams["totalacceleration"], ACC_BUFFERS), (streams["gyroscope"], GYR_BUFFERS)):
            self._data[names[0]] += (t - self._t0).tolist()
            for j, name in enumerate(names[1:]):
                self._data[name] += v[:, j].tolist()

    async def _get(self, request: Request) -> JSONResponse:
        if self._deaf():
            return JSONResponse({"error": "the phone is out of Wi-Fi range"}, status_code=503)
        self._sample()
        self.requests_ += 1
        out = {}
        for name, term in request.query_params.items():
            if name not in self._data:
                continue
            values = self._data[name]
            threshold, _, ref = term.partition("|")
            if threshold == "full":
                chosen = values
            elif threshold == "":
                chosen = values[-1:]
            else:  # the values whose ref (a time buffer: increasing) is above the threshold
                against = self._data.get(ref or name, [])
                chosen = values[bisect.bisect_right(against, float(threshold)):len(against)]
            out[name] = {"size": 0, "updateMode": "single" if threshold == "" else
                         "full" if threshold == "full" else "partial", "buffer": chosen}
        return JSONResponse({"buffer": out, "status": {"session": self.session, "measuring": self.measuring,
                                                       "timedRun": False, "countDown": 0}})
