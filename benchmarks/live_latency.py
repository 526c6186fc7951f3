"""Sample-to-feedback latency of a live session on the emulated BLE link (or ``--phone`` / ``--phyphox``, a phone).

Runs a guided session in real time (band lunges) on the emulated sensor and
measures, at every view update, how old the newest sample on screen is: the
display time minus the time the device took that sample (device clock mapped
to host time). As a baseline in the same run it measures the transport alone:
for every notification, receive time minus the time of its newest sample.
The ratio shows what the analysis and display add on top of the link.

    .venv/bin/python benchmarks/live_latency.py [--seconds 40] [--tick-hz 25]
    .venv/bin/python benchmarks/live_latency.py --phone [--push-period 0.2]
    .venv/bin/python benchmarks/live_latency.py --phyphox [--push-period 0.05]

With ``--phone`` the sensor is an emulated phone pushing Sensor Logger's HTTP
messages every ``--push-period`` seconds to the session's push URL (real HTTP
on this computer); "transport" is then sample -> push received. With ``--phyphox`` the
phone runs dorsi's phyphox experiment with remote access on and the session polls it every
``--push-period`` seconds (real HTTP on this computer); "transport" is sample -> answer received.

Last line: one JSON object (``feedback_p50_ms``, ``feedback_p99_ms``,
``transport_p50_ms``, ``transport_p99_ms``, ``p99_ratio``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from dorsi.recording import read_recording
from dorsi.routine import Routine, default_routine
from dorsi.session.emulated import emulated_sensors
from dorsi.session.patient import EmulatedPatient
from dorsi.session.runner import run_session
from dorsi.sources.recording_source import decode_slot


#: The emulated patient's lunges, and the set's target: the set ends once they are counted (with
#: the routine's 30, an unattended set that never reaches them runs 1.5 x 30 x 6 s = 270 s, and
#: the figures were those of four minutes of standing still).
REPS = 8


async def measure(tick_hz: float, max_latency_s: float, exercise_s: float, path: Path,
                  push_period_s: float | None = None, phyphox: bool = False):
    spec = default_routine()["band_lunge"]
    routine = Routine("latency benchmark", (replace(spec, target=replace(spec.target, reps=REPS, sets=None)),))
    if phyphox:
        return await measure_phyphox(routine, tick_hz, exercise_s, path, push_period_s or 0.05)
    if push_period_s is not None:
        return await measure_phone(routine, tick_hz, exercise_s, path, push_period_s)
    async with emulated_sensors(speed=1.0, seed=21, device_options={"max_latency_s": max_latency_s},
                                reps={"band_lunge": REPS}) as setup:
        result = await run_session(routine, path, roles=("shin",), auto_advance=True,
                                   link_options=setup.link_options, on_exercise_start=setup.patient.perform,
                                   on_exercise_request=setup.patient.prepare,
                                   tick_hz=tick_hz, max_exercise_s=exercise_s)
    return result


async def measure_phone(routine: Routine, tick_hz: float, exercise_s: float, path: Path, period_s: float):
    from dorsi.session.emulated_phone import EmulatedPhone
    from dorsi.session.phone_link import PhoneLink

    patient = EmulatedPatient(seed=21, reps={"band_lunge": REPS})
    phone = EmulatedPhone(patient.make_devices(speed=1.0)["shin"], period_s=period_s)
    link = PhoneLink("127.0.0.1", 0, on_waiting=phone.start, first_data_timeout_s=30.0)
    try:
        return await _run(routine, tick_hz, exercise_s, path, patient, link)
    finally:
        await phone.stop()


async def measure_phyphox(routine: Routine, tick_hz: float, exercise_s: float, path: Path, poll_s: float):
    from dorsi.session.emulated_phyphox import EmulatedPhyphox
    from dorsi.session.phyphox_link import PhyphoxLink

    patient = EmulatedPatient(seed=21, reps={"band_lunge": REPS})
    phone = EmulatedPhyphox(patient.make_devices(speed=1.0)["shin"])
    try:
        link = PhyphoxLink(await phone.start(), poll_s=poll_s, first_data_timeout_s=30.0)
        return await _run(routine, tick_hz, exercise_s, path, patient, link)
    finally:
        await phone.stop()


async def _run(routine: Routine, tick_hz: float, exercise_s: float, path: Path, patient: EmulatedPatient, link):
    """The session on an emulated phone's link, the patient doing the exercise."""
    return await run_session(routine, path, roles=("shin",), auto_advance=True, link=link,
                             on_exercise_start=patient.perform, on_exercise_request=patient.prepare,
                             tick_hz=tick_hz, max_exercise_s=exercise_s)


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
    ap.add_argument("--phone", action="store_true", help="an emulated phone pushing over HTTP, not the BLE board")
    ap.add_argument("--phyphox", action="store_true",
                    help="an emulated phone running phyphox, polled over HTTP (its remote access)")
    ap.add_argument("--push-period", type=float, default=None,
                    help="--phone: seconds between pushes (default 0.2); --phyphox: between polls (default 0.05)")
    args = ap.parse_args()
    if args.phone and args.phyphox:
        ap.error("one phone at a time: --phone or --phyphox")
    period = args.push_period if args.push_period is not None else (0.05 if args.phyphox else 0.2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "latency.dorsi"
        result = asyncio.run(measure(args.tick_hz, args.device_latency, args.seconds, path,
                                     period if (args.phone or args.phyphox) else None, args.phyphox))
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
    source = (f"an emulated phone pushing every {period * 1e3:.0f} ms" if args.phone else
              f"an emulated phone running phyphox, polled every {period * 1e3:.0f} ms" if args.phyphox else
              f"device partial packets after {args.device_latency * 1e3:.0f} ms")
    figures["source"] = "phone" if args.phone else "phyphox" if args.phyphox else "ble"
    print(f"view updates: {figures['updates']} at {args.tick_hz:g} Hz, {source}")
    print(f"transport (sample -> host receive): p50 {figures['transport_p50_ms']} ms, "
          f"p99 {figures['transport_p99_ms']} ms")
    print(f"feedback (sample -> display):      p50 {figures['feedback_p50_ms']} ms, "
          f"p99 {figures['feedback_p99_ms']} ms  (goal p99 < 100 ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
