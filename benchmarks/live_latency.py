"""Sample-to-feedback latency of a live session on the emulated BLE link.

Runs a guided session in real time (band lunges) on the emulated sensor and
measures, at every view update, how old the newest sample on screen is: the
display time minus the time the device took that sample (device clock mapped
to host time). As a baseline in the same run it measures the transport alone:
for every notification, receive time minus the time of its newest sample.
The ratio shows what the analysis and display add on top of the link.

    .venv/bin/python benchmarks/live_latency.py [--seconds 40] [--tick-hz 25]

Last line: one JSON object (``feedback_p50_ms``, ``feedback_p99_ms``,
``transport_p50_ms``, ``transport_p99_ms``, ``p99_ratio``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

import numpy as np

from dorsi.recording import read_recording
from dorsi.routine import Routine, default_routine
from dorsi.session.emulated import emulated_sensors
from dorsi.session.runner import run_session
from dorsi.sources.recording_source import decode_slot


async def measure(tick_hz: float, max_latency_s: float, exercise_s: float, path: Path):
    spec = default_routine()["band_lunge"]
    routine = Routine("latency benchmark", (spec,))
    async with emulated_sensors(speed=1.0, seed=21, device_options={"max_latency_s": max_latency_s},
                                reps={"band_lunge": 8}) as setup:
        result = await run_session(routine, path, roles=("shin",), auto_advance=True,
                                   link_options=setup.link_options, on_exercise_start=setup.patient.perform,
                                   on_exercise_request=setup.patient.prepare,
                                   tick_hz=tick_hz, max_exercise_s=exercise_s)
    return result


def transport_latency(path: Path) -> np.ndarray:
    rec = read_recording(path)
    slot = rec.slots[0]
    batch, _, clock = decode_slot(slot.payloads, np.asarray(slot.host_time), slot.epochs)
    # newest sample of each notification (device time mapped by the recording's clock fit)
    lat = []
    from dorsi.protocol import StreamDecoder

    dec = StreamDecoder()
    for payload, t in zip(slot.payloads, slot.host_time):
        out = dec.feed([payload])
        if out is not None:
            lat.append(t - clock.to_host(out.t[-1]))
    return np.asarray(lat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=40.0, help="length of the exercise (real time)")
    ap.add_argument("--tick-hz", type=float, default=25.0, help="live pipeline and display rate")
    ap.add_argument("--device-latency", type=float, default=0.03,
                    help="device sends a partial packet once its oldest sample is this old (s)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "latency.dorsi"
        result = asyncio.run(measure(args.tick_hz, args.device_latency, args.seconds, path))
        feedback = np.asarray(result.latencies_s) * 1e3
        transport = transport_latency(path) * 1e3
    figures = {
        "updates": int(feedback.size),
        "feedback_p50_ms": round(float(np.percentile(feedback, 50)), 1),
        "feedback_p99_ms": round(float(np.percentile(feedback, 99)), 1),
        "transport_p50_ms": round(float(np.percentile(transport, 50)), 1),
        "transport_p99_ms": round(float(np.percentile(transport, 99)), 1),
    }
    figures["p99_ratio"] = round(figures["feedback_p99_ms"] / max(figures["transport_p99_ms"], 1e-3), 2)
    print(f"view updates: {figures['updates']} at {args.tick_hz:g} Hz, device partial packets after "
          f"{args.device_latency * 1e3:.0f} ms")
    print(f"transport (sample -> host receive): p50 {figures['transport_p50_ms']} ms, "
          f"p99 {figures['transport_p99_ms']} ms")
    print(f"feedback (sample -> display):      p50 {figures['feedback_p50_ms']} ms, "
          f"p99 {figures['feedback_p99_ms']} ms  (goal p99 < 100 ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
