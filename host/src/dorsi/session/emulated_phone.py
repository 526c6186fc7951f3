"""An emulated phone on the emulated patient's shin, pushing to the session as Sensor Logger does.

The patient's shin motion (``PatientDevice``, the same source the emulated BLE
board replays) is sampled as it plays and POSTed over real HTTP to the
session's push URL every ``period_s`` of phone time: the phone's own axes,
the platform's acceleration sign, ``accelerometer`` + ``gravity`` (and on
Android ``totalacceleration``) and ``gyroscope`` readings, ns timestamps. So
``dorsi session --phone --emulate`` runs the whole phone path without a phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.error
import urllib.request

from ..sim.sensor_logger_writer import phone_streams, push_items
from .patient import PatientDevice


class EmulatedPhone:
    """Push a ``PatientDevice``'s samples to a URL as Sensor Logger's HTTP push would.

    Parameters
    ----------
    device : PatientDevice
        The shin's motion source (sampled, not connected over BLE).
    platform : {"android", "ios"}
    period_s : float
        Phone time between two pushes.

    Attributes
    ----------
    sent_, failed_ : int
        Messages posted, and those refused or not delivered.
    """

    def __init__(self, device: PatientDevice, platform: str = "ios", period_s: float = 0.2) -> None:
        self.device = device
        self.platform = platform
        self.period_s = period_s
        self.sent_ = self.failed_ = 0
        self._task: asyncio.Task | None = None
        self._cursor = 0
        self._message_id = 0

    def start(self, url: str) -> None:
        """Begin pushing to ``url`` (from the running loop)."""
        self._task = asyncio.get_running_loop().create_task(self._run(url))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self, url: str) -> None:
        wall_period = self.period_s / self.device.speed
        while True:
            await asyncio.sleep(wall_period)
            message = self._message()
            if message is None:
                continue
            ok = await asyncio.to_thread(_post, url, json.dumps(message).encode())
            self.sent_ += 1
            self.failed_ += 0 if ok else 1

    def _message(self) -> dict | None:
        self.device.produce()
        batch = self.device.samples_from(self._cursor)
        if len(batch) < 2:
            return None
        self._cursor = int(batch.seq[-1]) + 1
        payload = []
        for name, (t, v) in phone_streams(batch, self.platform, acc_offset_periods=0.0).items():
            payload += push_items(name, t, v)
        payload.append({"name": "battery", "time": payload[-1]["time"],
                        "values": {"batteryLevel": self.device.battery() / 100.0, "batteryState": "unplugged"}})
        self._message_id += 1
        return {"messageId": self._message_id, "sessionId": "emulated", "deviceId": "dorsi-emulated-phone",
                "payload": payload}


def _post(url: str, body: bytes) -> bool:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
