"""Fragments: how a packet travels when it does not fit one notification.

At the default ATT MTU of 23 a notification carries 20 bytes, less than one
header plus one sample (36 bytes). The device then splits each packet into
fragments, each starting with a 3-byte fragment header
``[0x80 | version, index << 4 | total, tag]``; the tag (a packet counter
modulo 256) ties the fragments of one packet together. ``Reassembler`` turns a
stream of notifications back into whole packets.
"""

from __future__ import annotations

import struct

from .errors import ProtocolError
from .spec import (
    ATT_NOTIFY_OVERHEAD,
    FRAGMENT_HEADER_FORMAT,
    FRAGMENT_HEADER_SIZE,
    FRAGMENT_MARKER,
    PROTOCOL_VERSION,
)


def is_fragment(payload: bytes) -> bool:
    return bool(payload) and bool(payload[0] & FRAGMENT_MARKER)


def fragment(packet: bytes, mtu: int, tag: int) -> list[bytes]:
    """Split ``packet`` into notifications of at most ``mtu - 3`` bytes."""
    chunk = mtu - ATT_NOTIFY_OVERHEAD - FRAGMENT_HEADER_SIZE
    if chunk < 1:
        raise ValueError(f"MTU {mtu} is too small to carry fragments")
    total = -(-len(packet) // chunk)
    if total > 15:
        raise ValueError(f"a {len(packet)}-byte packet needs {total} fragments (max 15)")
    return [
        struct.pack(FRAGMENT_HEADER_FORMAT, FRAGMENT_MARKER | PROTOCOL_VERSION, (i << 4) | total, tag & 0xFF)
        + packet[i * chunk : (i + 1) * chunk]
        for i in range(total)
    ]


class Reassembler:
    """Rebuilds packets from notifications; whole packets pass straight through.

    ``feed`` returns the packets completed by one notification (zero or one).
    A fragment set interrupted by another tag is discarded and counted in
    ``dropped_fragments`` (its samples then show up as a sequence gap).
    """

    def __init__(self) -> None:
        self._tag: int | None = None
        self._total = 0
        self._parts: dict[int, bytes] = {}
        self.dropped_fragments = 0

    def feed(self, payload: bytes) -> list[bytes]:
        if not is_fragment(payload):
            return [bytes(payload)]
        if len(payload) <= FRAGMENT_HEADER_SIZE:
            raise ProtocolError(f"fragment of {len(payload)} bytes carries no data")
        marker, index_total, tag = struct.unpack_from(FRAGMENT_HEADER_FORMAT, payload)
        if marker & 0x7F != PROTOCOL_VERSION:
            raise ProtocolError(f"fragment of unsupported protocol version {marker & 0x7F}")
        index, total = index_total >> 4, index_total & 0x0F
        if total == 0 or index >= total:
            raise ProtocolError(f"fragment index {index} of {total} is impossible")
        if tag != self._tag or total != self._total:
            self.dropped_fragments += len(self._parts)
            self._tag, self._total, self._parts = tag, total, {}
        self._parts[index] = bytes(payload[FRAGMENT_HEADER_SIZE:])
        if len(self._parts) < total:
            return []
        packet = b"".join(self._parts[i] for i in range(total))
        self._tag, self._total, self._parts = None, 0, {}
        return [packet]
