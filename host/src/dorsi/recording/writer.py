"""Crash-safe recording writer.

Every record is appended with one ``write`` call; the buffer is flushed to the
OS at least every ``flush_interval_s`` (and on markers, gaps and close), and
fsynced every ``fsync_interval_s``, so a killed process loses at most the last
second and a power cut at most a few. Files are created readable by the user
only (0600): they hold health data.
"""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path
from typing import Any

from ..private_files import private_dir
from .format import FILE_HEADER, FORMAT_VERSION, MAGIC, NOTIFY_HEAD, Kind, frame


class RecordingWriter:
    """Append-only writer; use as a context manager.

    Parameters
    ----------
    path : path-like
        The file to create (must not exist: recordings are never overwritten).
    header : dict
        JSON-serialisable session header: ``devices`` (list of dicts with
        ``slot``, ``role``, ``name``, ``firmware``, ``acc_code``, ``gyr_code``,
        ``rate_hz``), ``profile`` (``side``, ``shank_length_m``,
        ``foot_length_m``), ``routine``, ``started_at`` ...
    """

    def __init__(self, path: str | os.PathLike, header: dict[str, Any], flush_interval_s: float = 0.5,
                 fsync_interval_s: float = 5.0, clock=time.monotonic) -> None:
        self.path = Path(path)
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "ab", buffering=64 * 1024)
        self._clock = clock
        self.flush_interval_s = flush_interval_s
        self.fsync_interval_s = fsync_interval_s
        self._last_flush = self._last_fsync = clock()
        self.records = 0
        self._file.write(FILE_HEADER.pack(MAGIC, FORMAT_VERSION))
        self._append(Kind.HEADER, _json(header), flush=True)

    def notification(self, slot: int, host_time: float, payload: bytes, epoch: int = 0) -> None:
        self._append(Kind.NOTIFY, NOTIFY_HEAD.pack(slot, epoch, host_time) + bytes(payload))

    def status(self, slot: int, host_time: float, payload: bytes, epoch: int = 0) -> None:
        self._append(Kind.STATUS, NOTIFY_HEAD.pack(slot, epoch, host_time) + bytes(payload))

    def tick(self, host_time: float) -> None:
        """The live pipeline processes everything recorded so far at ``host_time``."""
        self._append(Kind.TICK, struct.pack("<d", host_time))

    def marker(self, event: str, **fields: Any) -> None:
        """A session event, e.g. ``marker("exercise_start", exercise="band_lunge", t=12.3)``."""
        self._append(Kind.MARKER, _json({"event": event, **fields}), flush=True)

    def gap(self, slot: int, first_seq: int, count: int, **fields: Any) -> None:
        self._append(Kind.GAP, _json({"slot": slot, "first_seq": first_seq, "count": count, **fields}), flush=True)

    def close(self, **summary: Any) -> None:
        if self._file.closed:
            return
        self._append(Kind.END, _json(summary), flush=True)
        os.fsync(self._file.fileno())
        self._file.close()

    def _append(self, kind: Kind, payload: bytes, flush: bool = False) -> None:
        self._file.write(frame(kind, payload))
        self.records += 1
        now = self._clock()
        if flush or now - self._last_flush >= self.flush_interval_s:
            self._file.flush()
            self._last_flush = now
            if now - self._last_fsync >= self.fsync_interval_s:
                os.fsync(self._file.fileno())
                self._last_fsync = now

    def flush(self) -> None:
        self._file.flush()

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:  # keep what we have, mark that the session did not end cleanly
            self.close(aborted=True, error=repr(exc)[:200])


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()
