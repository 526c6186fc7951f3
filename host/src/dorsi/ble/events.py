"""What the host transport hands its consumer: stream packets and gaps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GapReason = Literal["lost", "reboot"]


@dataclass(frozen=True)
class StreamPacket:
    """One whole protocol v1 packet carrying only samples not delivered before.

    Attributes
    ----------
    role : str
        ``"shin"`` or ``"foot"``.
    payload : bytes
        The packet (fragments already reassembled; trimmed if it overlapped
        samples already delivered). Decode with ``dorsi.protocol``.
    seq : int
        ``seq`` of its first sample.
    count : int
        Samples in it.
    backlog : bool
        The device sent it from its store-and-forward ring (``FLAG_BACKLOG``).
    host_time : float
        Host receive time (event-loop clock, seconds).
    epoch : int
        Device boot epoch as seen by the host; increments when the sensor is
        found to have rebooted (its ``seq`` restarted at 0).
    """

    role: str
    payload: bytes
    seq: int
    count: int
    backlog: bool
    host_time: float
    epoch: int


@dataclass(frozen=True)
class Gap:
    """Samples the host will never receive.

    ``count`` is ``None`` when unknown: after a reboot the samples between the
    last one received and the reset are gone without a trace.
    """

    role: str
    first_seq: int
    count: int | None
    reason: GapReason
    host_time: float
    epoch: int


LinkEvent = StreamPacket | Gap
