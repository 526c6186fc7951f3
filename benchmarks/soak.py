"""Soak: a long session at 200 Hz through the emulated BLE link, with disconnections.

A ``ReplayDevice`` sensor runs ``--speed`` times faster than real time on an
``EmulatedAir``; the host side is the session's own chain: ``SensorLink``
(bleak over the bumble backend, reconnection, backlog) -> drained at 10 Hz
like ``dorsi.session.runner`` -> ``RecordingWriter`` + ``StreamDecoder``.
Every ``--disconnect-every`` minutes of session time the sensor drops the link
(connection timeout); the host reconnects and asks for the backlog.

Checked and reported:

* every sample index delivered exactly once (none lost, none duplicated), live
  and again from the recording file read back at the end;
* host memory: resident set size (current and peak) at 10 minutes and at the
  end, so growth between the two shows a leak;
* CPU seconds per second of data for the whole process (host + emulated
  sensor + emulated radio) and for the host pipeline alone (decode + record),
  and the ratio of the live host pipeline to a baseline run of the same
  decode + record on pre-encoded packets in this process.

The last line printed is one JSON object.
Usage: ``python benchmarks/soak.py [--minutes 60] [--speed 20] [--rate 200] [--disconnect-every 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from dorsi.ble import EmulatedAir, Gap, SensorLink, StreamPacket
from dorsi.emulator import EmulatedPeripheral, ReplayDevice, analytic_motion
from dorsi.protocol import StreamDecoder, encode_packets
from dorsi.recording import RecordingWriter, read_recording

HEADER = {"software": "dorsi soak benchmark", "devices": [{"slot": 0, "role": "shin"}]}


def rss_kib() -> tuple[int, int]:
    """(current, peak) resident set size of this process in KiB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


class Checker:
    """Decodes the stream as it arrives and checks every sample index arrives once, in order."""

    def __init__(self) -> None:
        self.decoder = StreamDecoder(errors="raise")
        self.next_seq: int | None = None
        self.samples = 0
        self.duplicates = 0
        self.missing = 0
        self.link_gaps: list[Gap] = []

    def feed(self, packets: list[bytes], host_times: list[float]) -> None:
        batch = self.decoder.feed(packets, host_times)
        if batch is None:
            return
        seq = batch.seq
        if self.next_seq is None:
            self.next_seq = int(seq[0])
        expected = np.arange(self.next_seq, self.next_seq + len(seq))
        if not np.array_equal(seq, expected):
            self.missing += int(seq[-1] + 1 - self.next_seq - len(seq))
        self.next_seq = int(seq[-1]) + 1
        self.samples += len(seq)

    @property
    def lost(self) -> int:
        return self.missing + sum(count for _, count in self.decoder.stats.gaps) + sum(
            1 if g.count is None else g.count for g in self.link_gaps)


def baseline(packets: list[bytes], path: Path) -> float:
    """CPU seconds per packet to decode + record pre-encoded packets (no link)."""
    checker = Checker()
    start = time.process_time()
    with RecordingWriter(path, HEADER) as writer:
        for k in range(0, len(packets), 55):  # about what a 10 Hz drain sees at 20x
            chunk = packets[k : k + 55]
            for p in chunk:
                writer.notification(0, 0.0, p)
            checker.feed(chunk, [0.0] * len(chunk))
    cpu = time.process_time() - start
    assert checker.lost == 0 and checker.samples > 0
    return cpu / len(packets)


async def soak(minutes: float, speed: float, rate_hz: int, disconnect_every_min: float, path: Path) -> dict:
    target = int(minutes * 60 * rate_hz)
    marks = {m: None for m in sorted({1.0, 10.0, minutes}) if m <= minutes}
    async with EmulatedAir() as air:
        model = ReplayDevice(analytic_motion("shin", 60.0, rate_hz=float(rate_hz)), speed=speed, rate_hz=rate_hz)
        sensor = await EmulatedPeripheral(air, model).start()
        backends = air.backends()
        checker = Checker()
        host_cpu = 0.0
        packets = 0
        disconnects = 0
        next_drop = disconnect_every_min * 60 * rate_hz
        cpu0, wall0 = time.process_time(), time.perf_counter()
        async with SensorLink(("shin",), scanner_backend=backends.scanner, client_backend=backends.client,
                              scan_timeout=5.0) as link:
            with RecordingWriter(path, HEADER) as writer:
                while checker.samples < target:
                    await asyncio.sleep(0.1)
                    events = link.drain()
                    t = time.process_time()
                    chunk, times = [], []
                    for event in events:
                        if isinstance(event, StreamPacket):
                            writer.notification(0, event.host_time, event.payload, event.epoch)
                            chunk.append(event.payload)
                            times.append(event.host_time)
                        elif isinstance(event, Gap):
                            checker.link_gaps.append(event)
                            writer.gap(0, event.first_seq, -1 if event.count is None else event.count,
                                       reason=event.reason)
                    if chunk:
                        checker.feed(chunk, times)
                        packets += len(chunk)
                    host_cpu += time.process_time() - t
                    if checker.samples >= next_drop and checker.samples < target:
                        await sensor.disconnect()
                        disconnects += 1
                        next_drop += disconnect_every_min * 60 * rate_hz
                    data_min = checker.samples / rate_hz / 60
                    for mark in marks:
                        if marks[mark] is None and data_min >= mark:
                            marks[mark] = rss_kib()
                cpu = time.process_time() - cpu0
                wall = time.perf_counter() - wall0
            reconnects = link.sensors["shin"].reconnects_
    data_s = checker.samples / rate_hz
    rec = read_recording(path)
    replay = Checker()
    replay.feed(rec.slots[0].payloads, rec.slots[0].host_time)
    return {
        "data_minutes": round(data_s / 60, 2),
        "samples": checker.samples,
        "packets": packets,
        "lost_live": checker.lost,
        "duplicates_live": checker.decoder.stats.duplicates,
        "lost_in_file": replay.lost,
        "duplicates_in_file": replay.decoder.stats.duplicates,
        "file_samples": replay.samples,
        "disconnects": disconnects,
        "reconnects": reconnects,
        "wall_s": round(wall, 1),
        "speed_achieved": round(data_s / wall, 2),
        "cpu_s_per_data_s_process": round(cpu / data_s, 5),
        "cpu_s_per_data_s_host_pipeline": round(host_cpu / data_s, 6),
        "host_pipeline_cpu_per_packet_s": host_cpu / max(packets, 1),
        "rss_kib": {f"{m:g}min": {"current": v[0], "peak": v[1]} for m, v in marks.items() if v is not None},
        "file_bytes": path.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="session length in data minutes")
    parser.add_argument("--speed", type=float, default=20.0, help="emulated sensor speed-up")
    parser.add_argument("--rate", type=int, default=200, help="sample rate (Hz)")
    parser.add_argument("--disconnect-every", type=float, default=3.0, help="minutes of data between link drops")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        packets = encode_packets(analytic_motion("shin", 300.0, rate_hz=float(args.rate)), mtu=247)
        per_packet = baseline(packets, Path(tmp) / "baseline.dorsi")
        result = asyncio.run(soak(args.minutes, args.speed, args.rate, args.disconnect_every, Path(tmp) / "soak.dorsi"))
    result["baseline_cpu_per_packet_s"] = per_packet
    result["host_pipeline_vs_baseline"] = round(result.pop("host_pipeline_cpu_per_packet_s") / per_packet, 2)
    for key, value in result.items():
        print(f"{key:34s} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
