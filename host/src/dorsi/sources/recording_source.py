"""Samples from a recording: the same decoder as the live stream, then one time base.

The recording holds raw notifications exactly as received, so replay runs the
very code the live session ran. Sample times are mapped from each device's
clock to host time (``ClockMap``), the time base of the session's markers, so
segments and both sensors line up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..events.pain import PainReport, from_markers
from ..protocol import StreamDecoder, StreamStats
from ..recording import Recording, read_recording
from ..samples import SampleBatch
from ..routine.model import Routine
from .clock import ClockMap


@dataclass
class RecordedSession:
    """Samples and session structure recovered from a recording."""

    recording: Recording
    shin: SampleBatch | None
    foot: SampleBatch | None
    segments: list[tuple[str, float, float]]
    stats: dict[str, StreamStats] = field(default_factory=dict)
    clocks: dict[str, ClockMap] = field(default_factory=dict)

    @property
    def profile(self) -> dict:
        return dict(self.recording.header.get("profile", {}))

    @property
    def pain(self) -> list[PainReport]:
        """Pain the user reported during the session (its ``pain`` markers)."""
        return from_markers(self.recording.markers)

    @property
    def routine(self) -> Routine | None:
        """The routine the session was run with (its targets and cues, kept in the header), or
        None where the header names no routine or holds one that cannot be read."""
        from dorsi.routine import RoutineError
        from dorsi.routine.header import routine_from_header

        try:
            return routine_from_header(self.recording.header)
        except RoutineError:
            return None


def decode_slot(payloads: list[bytes], host_time: np.ndarray, epochs: list[int] | None = None
                ) -> tuple[SampleBatch | None, StreamStats, ClockMap | None]:
    """Decode one sensor's notifications and put its samples on host time.

    Each device boot epoch (the sensor rebooted: sample index and clock
    restarted) is decoded and clock-mapped on its own, then joined.
    """
    epochs = list(epochs) if epochs is not None else [0] * len(payloads)
    bounds = [0] + [i for i in range(1, len(epochs)) if epochs[i] != epochs[i - 1]] + [len(epochs)]
    if len(bounds) > 2:
        parts = [decode_slot(payloads[a:b], host_time[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
        batches = [p[0] for p in parts if p[0] is not None]
        stats = StreamStats()
        for _, st, _ in parts:
            stats.packets += st.packets
            stats.samples += st.samples
            stats.gaps.extend(st.gaps)
            stats.duplicates += st.duplicates
            stats.rejected.extend(st.rejected)
        joined = SampleBatch.concatenate(batches) if batches else None
        return joined, stats, parts[-1][2]
    decoder = StreamDecoder(errors="skip")
    batch = decoder.feed(payloads, host_time)
    if batch is None:
        return None, decoder.stats, None
    clock = ClockMap().fit(np.asarray(decoder.timing_device), np.asarray(decoder.timing_host))
    batch = SampleBatch(batch.role, batch.seq, clock.to_host(batch.t), batch.acc, batch.gyr, batch.quat,
                        dict(batch.meta, device_t0=float(batch.t[0])))
    return batch, decoder.stats, clock


def load_recording(path: str | Path) -> RecordedSession:
    rec = read_recording(path)
    batches: dict[str, SampleBatch] = {}
    stats: dict[str, StreamStats] = {}
    clocks: dict[str, ClockMap] = {}
    for slot, data in sorted(rec.slots.items()):
        batch, st, clock = decode_slot(data.payloads, np.asarray(data.host_time), data.epochs)
        if batch is None:
            continue
        batches[batch.role] = batch
        stats[batch.role] = st
        if clock is not None:
            clocks[batch.role] = clock
    return RecordedSession(rec, batches.get("shin"), batches.get("foot"), rec.segments(), stats, clocks)
