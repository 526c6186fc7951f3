"""Live samples from phyphox's remote access: the ``/get`` query for dorsi's experiment and its answers.

With "Allow remote access" on (the experiment's menu), phyphox serves the open
experiment over HTTP from the phone, at the address it shows (e.g.
``http://192.168.1.23:8080``): ``/config`` describes the experiment and names
its buffers, ``/control?cmd=start`` starts measuring, and ``/get`` returns
buffers' contents. Each query term ``buffer=threshold|ref`` asks for the values
of ``buffer`` whose ``ref`` buffer's value at the same index is above
``threshold`` (``full``: all of them)::

    {"buffer": {"accX": {"size": 0, "updateMode": "partial", "buffer": [0.12, ...]}, ...},
     "status": {"session": "a1b2c3", "measuring": true, "timedRun": false, "countDown": 0}}

Values are numbers, or ``null`` for NaN and infinities. dorsi's experiment
(:func:`dorsi.sources.phyphox.experiment_file`) fills ``acc_time``/``accX``..``accZ`` and
``gyr_time``/``gyrX``..``gyrZ``; asking each sensor for what came after the last
time already received gets every reading once, and after a Wi-Fi drop the phone
still holds what it measured meanwhile: the next answer brings it (nothing lost).
An answer's readings become a Sensor Logger-style push message
(``totalacceleration``, ``gyroscope``), so :class:`dorsi.sources.phone_push.PushAssembler`
puts them onto the sample grid as for that app (phyphox gives the specific force
in Android's axes on both platforms: ``acc_sign`` +1).
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

import numpy as np

#: dorsi's experiment's buffers: each sensor's time first.
ACC_BUFFERS = ("acc_time", "accX", "accY", "accZ")
GYR_BUFFERS = ("gyr_time", "gyrX", "gyrY", "gyrZ")
BUFFERS = ACC_BUFFERS + GYR_BUFFERS
#: Largest answer read (bytes): minutes of both sensors' backlog at 100 Hz.
MAX_ANSWER_BYTES = 20_000_000
#: Push time of experiment time 0 (ns): any origin serves, the assembler counts from its first reading.
EPOCH_NS = 1_767_225_600 * 10**9


class RemoteError(ValueError):
    """An answer from phyphox that cannot be used (message: one line)."""


def get_path(last: dict[str, float | None]) -> str:
    """The ``/get`` path asking for each sensor's readings after ``last[time buffer]`` (all of
    them where that is None)."""
    terms = []
    for names in (ACC_BUFFERS, GYR_BUFFERS):
        after = last.get(names[0])
        for name in names:
            terms.append(f"{name}=full" if after is None else f"{name}={after!r}|{names[0]}")
    return "/get?" + "&".join(urllib.parse.quote(term, safe="=|.-+e") for term in terms)


@dataclass
class RemoteAnswer:
    """One ``/get`` answer: each sensor's new readings and the experiment's state.

    Attributes
    ----------
    acc, gyr : (t (N,), xyz (N, 3))
        Experiment time (s) and values; rows with a missing value dropped.
    measuring : bool
        Whether the experiment is running.
    session : str or None
        phyphox's measurement session (a new one after the data was cleared).
    """

    acc: tuple[np.ndarray, np.ndarray]
    gyr: tuple[np.ndarray, np.ndarray]
    measuring: bool
    session: str | None


def parse_answer(body: bytes | str) -> RemoteAnswer:
    """Read a ``/get`` answer (raises :class:`RemoteError`)."""
    if len(body) > MAX_ANSWER_BYTES:
        raise RemoteError(f"answer of {len(body)} bytes is over the {MAX_ANSWER_BYTES} read")
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise RemoteError("answer is not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("buffer"), dict):
        raise RemoteError("answer has no 'buffer' object: not phyphox's remote access")
    status = doc["status"] if isinstance(doc.get("status"), dict) else {}
    session = status.get("session")
    return RemoteAnswer(_sensor(doc["buffer"], ACC_BUFFERS), _sensor(doc["buffer"], GYR_BUFFERS),
                        bool(status.get("measuring", False)), session if isinstance(session, str) else None)


def _sensor(buffers: dict, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    columns = []
    for name in names:
        entry = buffers.get(name)
        values = entry.get("buffer") if isinstance(entry, dict) else None
        if not isinstance(values, list):
            raise RemoteError(f"answer lacks buffer {name!r}: is dorsi's experiment the one open in phyphox?")
        if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
            raise RemoteError(f"buffer {name!r} holds something other than numbers")
        columns.append(values)
    n = min(len(c) for c in columns)  # phyphox appends buffer by buffer: a row can be half-written
    table = np.array([[np.nan if v is None else float(v) for v in c[:n]] for c in columns], dtype=float).T
    table = table.reshape(n, len(names))
    table = table[np.all(np.isfinite(table), axis=1)]
    keep = np.concatenate([[True], np.diff(table[:, 0]) > 0]) if len(table) else np.zeros(0, bool)
    table = table[keep]
    return table[:, 0], table[:, 1:]


def push_message(answer: RemoteAnswer, offset_s: float = 0.0) -> dict:
    """The answer's readings as a Sensor Logger push message for :class:`PushAssembler`, their times
    moved on by ``offset_s`` (a measurement restarted on the phone counts from 0 again)."""
    payload = []
    for name, (t, xyz) in (("totalacceleration", answer.acc), ("gyroscope", answer.gyr)):
        ns = EPOCH_NS + np.rint((t + offset_s) * 1e9).astype(np.int64)
        payload += [{"name": name, "time": int(a), "values": {"x": float(x), "y": float(y), "z": float(z)}}
                    for a, (x, y, z) in zip(ns, xyz)]
    return {"payload": payload}


def experiment_buffers(config: bytes | str) -> tuple[str, list[str]]:
    """The open experiment's title and the dorsi buffers it lacks, from a ``/config`` answer
    (raises :class:`RemoteError`)."""
    try:
        doc = json.loads(config)
    except (ValueError, RecursionError):
        raise RemoteError("/config answer is not JSON: not phyphox's remote access") from None
    if not isinstance(doc, dict):
        raise RemoteError("/config answer is not an object: not phyphox's remote access")
    names = {b.get("name") for b in doc.get("buffers", []) if isinstance(b, dict)}
    title = doc.get("localTitle") or doc.get("title") or "?"
    return str(title), [name for name in BUFFERS if name not in names]
