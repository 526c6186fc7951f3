"""A phone running phyphox as the live session's sensor: its remote access polled in place of BLE.

``PhyphoxLink`` offers what the session runner uses of ``dorsi.ble.SensorLink``
(``open``, ``sensors``, ``drain``, ``command_all``, ``close``). It reaches the
phone at the address phyphox shows under "Allow remote access", checks that
dorsi's experiment is the one open, starts measuring if the phone is not
already, and asks every ``poll_s`` for the readings after the last ones it has
(:mod:`dorsi.sources.phyphox_remote`). They go through
:class:`dorsi.sources.phone_push.PushAssembler` onto the sample grid, with the
orientation fused on the host, and are encoded as protocol v1 packets, so the
recording, the live pipeline, the replay and the analysis read the phone
exactly as they read the board.

A Wi-Fi drop loses nothing: the phone keeps measuring into its buffers and the
next answer brings what it measured meanwhile (the sensor shows as
disconnected while no answer comes). A malformed answer is counted and skipped.
When dorsi started the measuring, it stops it at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.error
import urllib.request

from ..ble.discovery import LinkOpenError
from ..sources.axes import AxisMap
from ..sources.phone_push import PushAssembler, PushError
from ..sources.phone_samples import PHONE_SHIN_AXES
from ..sources.phyphox import experiment_file
from ..sources.phyphox_remote import (MAX_ANSWER_BYTES, RemoteError, experiment_buffers, get_path, parse_answer,
                                      push_message)
from .phone_link import PhoneSensor, PhoneStreamLink

#: The time assumed between a measurement cleared on the phone and the next one (s).
RESTART_GAP_S = 1.0
#: Errors of one HTTP request to the phone (unreachable, refused, timed out, cut short).
_HTTP_ERRORS = (urllib.error.URLError, OSError, ValueError)


class PhyphoxLink(PhoneStreamLink):
    """Poll a phone's phyphox remote access for the shin sensor's stream.

    Parameters
    ----------
    url : str
        The address phyphox shows for remote access (``http://192.168.1.23:8080``).
    axes : AxisMap
        How the phone is worn (default: screen out, top toward the knee).
    poll_s : float
        Time between two requests.
    first_data_timeout_s : float
        ``open`` gives up when no usable data came within this time.
    timeout_s : float
        One request's time limit.

    Attributes
    ----------
    sensors : dict
        ``{"shin": PhoneSensor}`` once open.
    title_ : str
        The experiment open in phyphox.
    answers_, failed_ : int
        Answers used, and requests that failed (no answer, or a malformed one).
    refused_ : list of str
        Why requests failed (most recent last, at most 20 kept).
    """

    def __init__(self, url: str, axes: AxisMap = PHONE_SHIN_AXES, poll_s: float = 0.05,
                 first_data_timeout_s: float = 300.0, timeout_s: float = 2.0) -> None:
        super().__init__()
        url = url.strip().rstrip("/")
        self.url = url if "://" in url else f"http://{url}"
        self.poll_s = poll_s
        self.first_data_timeout_s = first_data_timeout_s
        self.timeout_s = timeout_s
        self.assembler = PushAssembler(axes, acc_sign=1)
        self.title_ = ""
        self.answers_ = self.failed_ = 0
        self.refused_: list[str] = []
        self._last: dict[str, float | None] = {}
        self._session: str | None = None
        self._offset = self._t_end = 0.0
        self._started = False
        self._task: asyncio.Task | None = None

    async def _fetch(self, path: str) -> bytes:
        return await asyncio.to_thread(_get, self.url + path, self.timeout_s)

    async def open(self) -> "PhyphoxLink":
        """Reach the phone, check the experiment, start measuring and wait for its first samples."""
        try:
            self.title_, missing = experiment_buffers(await self._fetch("/config"))
            measuring = not missing and parse_answer(await self._fetch(get_path({}))).measuring
        except _HTTP_ERRORS as exc:
            raise LinkOpenError(f"cannot reach phyphox at {self.url} ({_why(exc)}): in phyphox, open dorsi's "
                                "experiment, turn on 'Allow remote access' in its menu and give the address it "
                                "shows (phone and computer on the same Wi-Fi)") from exc
        except RemoteError as exc:
            raise LinkOpenError(f"{self.url}: {exc}") from exc
        if missing:
            raise LinkOpenError(f"the experiment open in phyphox ({self.title_!r}) has no {', '.join(missing)}: "
                                f"open dorsi's experiment ({experiment_file()}) and turn on remote access there")
        host = self.url.split("://", 1)[1]
        self.sensors = {"shin": PhoneSensor(f"phyphox at {host}", name="phone (phyphox)")}
        if not measuring:
            try:
                await self._fetch("/control?cmd=start")
            except _HTTP_ERRORS as exc:
                raise LinkOpenError(f"phyphox at {self.url} did not start measuring ({_why(exc)}): press its "
                                    "play button") from exc
            self._started = True
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._poll())
        deadline = loop.time() + self.first_data_timeout_s

        def failure() -> str | None:
            if loop.time() < deadline and not (self._task is None or self._task.done()):
                return None
            why = f" (last failure: {self.refused_[-1]})" if self.refused_ else ""
            return (f"no data from phyphox at {self.url} within {self.first_data_timeout_s:g} s: "
                    f"is the experiment measuring?{why}")

        await self._wait_first(failure)
        return self

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due = max(due + self.poll_s, loop.time())  # a steady rate: a slow answer does not add its delay
            try:
                answer = parse_answer(await self._fetch(get_path(self._last)))
                if answer.session is not None and self._session not in (None, answer.session):
                    # the data was cleared on the phone: a new measurement, its time from 0 again, goes
                    # on after what came (the time between is not known: a second of lost samples)
                    self._last = {}
                    self._offset = self._t_end + RESTART_GAP_S
                    answer = parse_answer(await self._fetch(get_path(self._last)))
                self._session = answer.session
                self.assembler.add(push_message(answer, self._offset))
                batch = self.assembler.take()
            except (*_HTTP_ERRORS, RemoteError, PushError) as exc:
                self.failed_ += 1
                self.refused_ = (self.refused_ + [_why(exc)])[-20:]
                await asyncio.sleep(max(0.0, due - loop.time()))
                continue
            self.answers_ += 1
            for name, (t, _) in (("acc_time", answer.acc), ("gyr_time", answer.gyr)):
                if len(t):
                    self._last[name] = float(t[-1])
                    self._t_end = max(self._t_end, float(t[-1]) + self._offset)
            now = loop.time()
            if answer.measuring:  # paused on the phone: answers come, data does not
                self.sensors["shin"].last_push = now
            if batch is not None and len(batch):
                self._emit(batch, now)
            await asyncio.sleep(max(0.0, due - loop.time()))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._started:
            self._started = False
            with contextlib.suppress(*_HTTP_ERRORS):
                await self._fetch("/control?cmd=stop")


def _get(url: str, timeout_s: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        body = response.read(MAX_ANSWER_BYTES + 1)
        if response.status != 200:
            raise ValueError(f"HTTP {response.status}")
        return body


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    reason = getattr(exc, "reason", None) or exc
    return " ".join(str(reason).split()) or type(exc).__name__
