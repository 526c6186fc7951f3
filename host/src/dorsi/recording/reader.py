"""Recording reader: every intact record, with an honest account of the rest."""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .format import (
    FILE_HEADER,
    FORMAT_VERSION,
    FRAME_CRC,
    FRAME_HEAD,
    MAGIC,
    NOTIFY_HEAD,
    Kind,
    RecordingError,
    max_payload,
)

#: Re-synchronising after corruption checksums candidate records; this caps that work at a
#: small multiple of the file size, so a crafted file cannot make reading slow.
RESYNC_BUDGET_FACTOR = 16


@dataclass
class SlotData:
    """What one sensor slot sent: raw notifications with host receive times."""

    host_time: list[float] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    ticks: list[int] = field(default_factory=list)  # TICK records before each notification
    status_time: list[float] = field(default_factory=list)
    statuses: list[bytes] = field(default_factory=list)


@dataclass
class Recording:
    path: Path
    header: dict[str, Any]
    slots: dict[int, SlotData]
    markers: list[dict[str, Any]]
    gaps: list[dict[str, Any]]
    end: dict[str, Any] | None
    ticks: list[float] = field(default_factory=list)  # host times of the live pipeline's steps
    marker_ticks: list[int] = field(default_factory=list)  # TICK records before each marker
    truncated_bytes: int = 0  # incomplete record at the end (writer killed mid-write)
    corrupt: list[tuple[int, int]] = field(default_factory=list)  # (offset, bytes skipped)

    @property
    def complete(self) -> bool:
        """Closed cleanly, nothing truncated or corrupt."""
        return self.end is not None and not self.truncated_bytes and not self.corrupt

    def problems(self) -> list[str]:
        out = []
        if self.truncated_bytes:
            out.append(f"truncated tail: the last {self.truncated_bytes} bytes are an incomplete record")
        for offset, skipped in self.corrupt:
            out.append(f"corrupt data at byte {offset}: {skipped} bytes skipped")
        if self.end is None:
            out.append("the session did not close cleanly (no end record)")
        return out

    def device(self, slot: int) -> dict[str, Any]:
        for d in self.header.get("devices", []):
            if d.get("slot") == slot:
                return d
        return {"slot": slot}

    def segments(self) -> list[tuple[str, float, float]]:
        """``(exercise, start_s, end_s)`` from exercise markers, in host time.

        An exercise started but never ended (a crash) runs to the last data.
        """
        out: list[tuple[str, float, float]] = []
        open_: dict[str, float] = {}
        last = max((s.host_time[-1] for s in self.slots.values() if s.host_time), default=0.0)
        for m in self.markers:
            if m.get("event") == "exercise_start":
                open_[m["exercise"]] = float(m["t"])
            elif m.get("event") == "exercise_end" and m.get("exercise") in open_:
                out.append((m["exercise"], open_.pop(m["exercise"]), float(m["t"])))
        out.extend((name, start, last) for name, start in open_.items())
        return sorted(out, key=lambda s: s[1])


def read_recording(path: str | Path) -> Recording:
    """Read every intact record of a recording.

    Raises ``RecordingError`` only when the file is not a dorsi recording at
    all (wrong magic, unknown version, no header record).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) < FILE_HEADER.size or data[:8] != MAGIC:
        raise RecordingError(f"{path}: not a dorsi recording (bad magic)")
    _, version = FILE_HEADER.unpack_from(data)
    if version != FORMAT_VERSION:
        raise RecordingError(f"{path}: recording format version {version} is not supported (this reads {FORMAT_VERSION})")

    rec = Recording(path, {}, {}, [], [], None)
    pos, n = FILE_HEADER.size, len(data)
    view = memoryview(data)
    budget = [RESYNC_BUDGET_FACTOR * n + (1 << 20)]  # bytes the resync may checksum
    while pos < n:
        parsed = _frame_at(view, pos)
        if parsed is None:
            nxt = _resync(view, pos + 1, budget)
            if nxt == n and _incomplete(view, pos):
                rec.truncated_bytes = n - pos
                break
            rec.corrupt.append((pos, nxt - pos))
            pos = nxt
            continue
        kind, payload, pos = parsed
        _apply(rec, kind, payload, pos)
    if not rec.header:
        raise RecordingError(f"{path}: no readable session header")
    return rec


def _frame_at(view: memoryview, pos: int, budget: list[int] | None = None) -> tuple[int, memoryview, int] | None:
    n = len(view)
    if pos + FRAME_HEAD.size > n:
        return None
    length, kind = FRAME_HEAD.unpack_from(view, pos)
    end = pos + 4 + 1 + length + FRAME_CRC.size
    if kind not in Kind._value2member_map_ or length > max_payload(kind) or end > n:
        return None
    if budget is not None:
        budget[0] -= length
        if budget[0] < 0:
            return None
    (crc,) = FRAME_CRC.unpack_from(view, end - FRAME_CRC.size)
    body = view[pos + 4 : end - FRAME_CRC.size]
    if zlib.crc32(body) != crc:
        return None
    return kind, body[1:], end


def _incomplete(view: memoryview, pos: int) -> bool:
    """True when the bytes from ``pos`` look like the start of a cut-off record."""
    n = len(view)
    if pos + FRAME_HEAD.size > n:
        return True
    length, kind = FRAME_HEAD.unpack_from(view, pos)
    return kind in Kind._value2member_map_ and length <= max_payload(kind) and pos + 9 + length > n


def _resync(view: memoryview, pos: int, budget: list[int]) -> int:
    """The next offset holding a valid record (``len(view)`` if none, or the budget is spent)."""
    n = len(view)
    while pos < n and budget[0] > 0:
        if _frame_at(view, pos, budget) is not None:
            return pos
        pos += 1
    return n


def _apply(rec: Recording, kind: int, payload: memoryview, offset: int) -> None:
    """Add one record; a record whose content has the wrong shape counts as corrupt."""
    if kind in (Kind.NOTIFY, Kind.STATUS):
        if len(payload) < NOTIFY_HEAD.size:
            rec.corrupt.append((offset, len(payload)))
            return
        slot, epoch, t = NOTIFY_HEAD.unpack_from(payload)
        data = bytes(payload[NOTIFY_HEAD.size :])
        s = rec.slots.setdefault(slot, SlotData())
        if kind == Kind.NOTIFY:
            s.host_time.append(t)
            s.payloads.append(data)
            s.epochs.append(epoch)
            s.ticks.append(len(rec.ticks))
        else:
            s.status_time.append(t)
            s.statuses.append(data)
        return
    if kind == Kind.TICK:
        if len(payload) == 8:
            rec.ticks.append(struct.unpack("<d", payload)[0])
        else:
            rec.corrupt.append((offset, len(payload)))
        return
    try:
        obj = json.loads(bytes(payload))
    except (ValueError, RecursionError):
        obj = None
    if not _well_formed(kind, obj):
        rec.corrupt.append((offset, len(payload)))
        return
    if kind == Kind.HEADER:
        rec.header = obj
    elif kind == Kind.MARKER:
        rec.markers.append(obj)
        rec.marker_ticks.append(len(rec.ticks))
    elif kind == Kind.GAP:
        rec.gaps.append(obj)
    elif kind == Kind.END:
        rec.end = obj


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _well_formed(kind: int, obj: Any) -> bool:
    """JSON records are objects with the fields the readers use, of the right types."""
    if not isinstance(obj, dict):
        return False
    if kind == Kind.HEADER:
        devices = obj.get("devices", [])
        if not isinstance(devices, list) or not all(isinstance(d, dict) and _number(d.get("slot", 0))
                                                     for d in devices):
            return False
        return all(isinstance(obj.get(k, {}), dict) for k in ("profile",))
    if kind == Kind.MARKER:
        return isinstance(obj.get("event"), str) and _number(obj.get("t", 0.0)) and (
            obj.get("event") not in ("exercise_start", "exercise_end")
            or (isinstance(obj.get("exercise"), str) and _number(obj.get("t"))))
    if kind == Kind.GAP:
        return _number(obj.get("slot")) and _number(obj.get("first_seq")) and _number(obj.get("count"))
    return True


def host_times(slot: SlotData) -> np.ndarray:
    return np.asarray(slot.host_time, dtype=np.float64)
