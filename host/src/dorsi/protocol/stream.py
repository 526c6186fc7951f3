"""From notifications to sample batches: reassembly, sequence and clock.

``StreamDecoder`` is the one place notifications become ``SampleBatch``
objects, whether they arrive live over BLE or from a recording. It

* reassembles fragments (MTU below 37),
* decodes packets in one vectorised call per batch of notifications,
* checks sequence numbers: a jump forward is a gap (reported, never filled),
  a sample whose index was already passed is a duplicate or arrived late and
  is dropped (and counted),
* unwraps the device's 30-bit microsecond timestamps into seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from ..samples import ROLES, SampleBatch
from .errors import ProtocolError
from .fragments import Reassembler
from .packets import DecodedPackets, decode_packets
from .spec import STANDARD_GRAVITY, TIMESTAMP_WRAP_US

_HALF_WRAP = TIMESTAMP_WRAP_US // 2


class TimestampUnwrapper:
    """Turns timestamps modulo 2**30 us into a monotonic count (us).

    Consecutive timestamps are assumed less than half a wrap (about 9 min)
    apart, which any live stream or recording satisfies by orders of magnitude.
    """

    def __init__(self) -> None:
        self._last_raw: int | None = None
        self._last_abs = 0

    def unwrap(self, raw_us: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw_us, dtype=np.int64) % TIMESTAMP_WRAP_US
        if raw.size == 0:
            return raw
        if self._last_raw is None:
            self._last_raw, self._last_abs = int(raw[0]), int(raw[0])
        prev = np.concatenate(([self._last_raw], raw[:-1]))
        step = (raw - prev + _HALF_WRAP) % TIMESTAMP_WRAP_US - _HALF_WRAP
        absolute = self._last_abs + np.cumsum(step)
        self._last_raw, self._last_abs = int(raw[-1]), int(absolute[-1])
        return absolute


@dataclass
class StreamStats:
    packets: int = 0
    samples: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (first missing seq, count)
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)

    @property
    def lost_samples(self) -> int:
        return sum(n for _, n in self.gaps)


class StreamDecoder:
    """Stateful decoder for one sensor's stream.

    Parameters
    ----------
    errors : {"raise", "skip"}
        What a malformed packet does: raise ``ProtocolError`` (tests, strict
        tools) or be skipped and listed in ``stats.rejected`` (live use: one
        corrupt notification must not end a session).
    """

    def __init__(self, errors: str = "skip") -> None:
        if errors not in ("raise", "skip"):
            raise ValueError("errors must be 'raise' or 'skip'")
        self.errors = errors
        self._reassembler = Reassembler()
        self._clock = TimestampUnwrapper()
        self.next_seq: int | None = None
        self.role: str | None = None
        self.stats = StreamStats()
        self.timing_device: list[float] = []
        self.timing_host: list[float] = []
        self.timing_count = 0  # timing pairs produced so far (consumers may clear the lists)
        self.sample_timing_index = np.zeros(0, dtype=np.int64)

    def _packets(self, notifications: Iterable[bytes]) -> tuple[list[bytes], list[int]]:
        """Whole packets, and for each the index of the notification that completed it."""
        packets: list[bytes] = []
        origin: list[int] = []
        for i, payload in enumerate(notifications):
            try:
                done = self._reassembler.feed(payload)
            except ProtocolError as exc:
                self._reject(str(exc))
                continue
            packets.extend(done)
            origin.extend([i] * len(done))
        return packets, origin

    def _reject(self, reason: str) -> None:
        if self.errors == "raise":
            raise ProtocolError(reason)
        self.stats.rejected.append(reason)

    def _decode(self, packets: list[bytes], origin: list[int]) -> tuple[DecodedPackets | None, list[int]]:
        if not packets:
            return None, origin
        try:
            return decode_packets(packets), origin
        except ProtocolError:
            if self.errors == "raise":
                raise
        # find and drop the bad ones; decode the rest
        good, kept = [], []
        for p, o in zip(packets, origin):
            try:
                decode_packets([p])
            except ProtocolError as one:
                self.stats.rejected.append(str(one))
                continue
            good.append(p)
            kept.append(o)
        return (decode_packets(good) if good else None), kept

    def feed(self, notifications: Iterable[bytes],
             host_times: Sequence[float] | np.ndarray | None = None) -> SampleBatch | None:
        """Decode notifications (in arrival order); ``None`` if no new samples.

        With ``host_times`` (receive time of each notification), the pairs
        (device time of each packet's last sample, host time of the
        notification that completed it) are appended to ``timing`` for
        device-to-host clock mapping.
        """
        notifications = list(notifications)
        packets, origin = self._packets(notifications)
        decoded, origin = self._decode(packets, origin)
        if decoded is None:
            return None
        roles = np.unique(decoded.role)
        role = ROLES[int(roles[0])]
        if len(roles) > 1 or (self.role is not None and role != self.role):
            self._reject(f"packets from more than one sensor role in one stream ({role})")
            return None
        self.role = role

        t0_abs = self._clock.unwrap(decoded.t0_us)
        t_abs = t0_abs[decoded.packet] + decoded.sample_offset_us()
        if host_times is not None:
            last = (t0_abs + (decoded.count - 1) * decoded.period_us) * 1e-6
            first_index = self.timing_count
            self.timing_device.extend(last.tolist())
            self.timing_host.extend(np.asarray(host_times, dtype=np.float64)[origin].tolist())
            self.timing_count += decoded.n_packets
        seq = decoded.sample_seq
        keep = self._sequence_filter(seq)
        if host_times is not None:
            # for each kept sample, the running index of its packet's timing pair
            self.sample_timing_index = first_index + decoded.packet[keep]
        if not keep.any():
            return None
        self.stats.packets += decoded.n_packets
        self.stats.samples += int(keep.sum())
        quat = decoded.quat[keep]
        quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
        return SampleBatch(
            role,
            seq[keep],
            t_abs[keep] * 1e-6,
            decoded.acc_g[keep] * STANDARD_GRAVITY,
            np.deg2rad(decoded.gyr_dps[keep]),
            quat,
            {"flags": decoded.flags, "period_us": int(decoded.period_us[-1])},
        )

    def _sequence_filter(self, seq: np.ndarray) -> np.ndarray:
        """Keep samples beyond everything already seen; record gaps."""
        running_max = np.maximum.accumulate(seq)
        floor = -1 if self.next_seq is None else self.next_seq - 1
        prev_max = np.concatenate(([floor], running_max[:-1]))
        prev_max = np.maximum(prev_max, floor)
        keep = seq > prev_max
        self.stats.duplicates += int((~keep).sum())
        kept = seq[keep]
        if kept.size:
            expected = np.concatenate(([kept[0] if self.next_seq is None else self.next_seq], kept[:-1] + 1))
            jump = kept - expected
            for i in np.flatnonzero(jump > 0):
                self.stats.gaps.append((int(expected[i]), int(jump[i])))
            self.next_seq = int(kept[-1]) + 1
        return keep
