"""Throughput of the analysis path against an ``imufusion`` baseline, in one run.

Prints samples/s for
  (a) baseline: ``imufusion`` alone over a 1-hour 100 Hz raw stream, one
      ``update_no_magnetometer`` and one quaternion read per sample, plain loop;
  (b) the full pipeline from raw samples to events and score;
  (c) the full pipeline from the device quaternions (``orientation="device"``:
      the angle straight from the on-device orientation, no filter);
then the ratios (b)/(a) (goal >= 0.8) and (c)/(a) (goal >= 10), the live path's
per-notification processing time (11-sample BLE notifications; goal p99 < 1 ms)
and the peak memory of (b) relative to the raw arrays (goal < 4).

The stream is the simulator's routine (three seeds back to back, cut at one
hour), so events and scores run on realistic data. The last line is one JSON
object. Timings are best of ``--repeat`` runs (the machine is shared).

Usage: ``python benchmarks/throughput.py [--minutes 60] [--repeat 2]``
"""

from __future__ import annotations

import argparse
import gc
import json
import time
import tracemalloc

import imufusion
import numpy as np

from dorsi.angle import AngleEstimator
from dorsi.samples import SampleBatch
from dorsi.sim import SimOptions, simulate_routine

G = 9.80665
RATE_HZ = 100.0
PER_NOTIFICATION = 11


def make_stream(minutes: float) -> tuple[SampleBatch, list[tuple[str, float, float]]]:
    """Simulated routines back to back (raw + device quaternions) and their exercise segments."""
    n_target = int(minutes * 60 * RATE_HZ)
    parts, segments = [], []
    t_off, seq_off, seed = 0.0, 0, 1
    while sum(len(p) for p in parts) < n_target:
        s = simulate_routine(seed=seed, options=SimOptions(rate_hz=RATE_HZ, quaternions=True))
        b = s.shin
        parts.append(SampleBatch("shin", b.seq + seq_off, b.t + t_off, b.acc, b.gyr, b.quat, b.meta))
        segments += [(g.exercise, g.start_s + t_off, g.end_s + t_off) for g in s.truth.segments]
        t_off = float(parts[-1].t[-1]) + 5.0
        seq_off = int(parts[-1].seq[-1]) + int(5.0 * RATE_HZ)
        seed += 1
    stream = SampleBatch.concatenate(parts).slice(0, n_target)
    t_end = float(stream.t[-1])
    segments = [(e, a, min(b, t_end)) for e, a, b in segments if a < t_end]
    return stream, segments


def raw_only(batch: SampleBatch) -> SampleBatch:
    return SampleBatch(batch.role, batch.seq, batch.t, batch.acc, batch.gyr, None, batch.meta)


def baseline_imufusion(batch: SampleBatch) -> float:
    """(a): imufusion per sample, plain loop; returns seconds."""
    gyr = np.degrees(batch.gyr)
    acc = batch.acc / G
    ahrs = imufusion.Ahrs()
    ahrs.set_sample_period(1.0 / RATE_HZ)
    out = np.empty((len(batch), 4))
    t0 = time.perf_counter()
    for i in range(len(batch)):
        ahrs.update_no_magnetometer(gyr[i], acc[i])
        out[i] = ahrs.get_quaternion()
    return time.perf_counter() - t0


def full_pipeline(batch: SampleBatch, segments: list, orientation: str = "auto") -> tuple[float, str]:
    """(b)/(c): samples -> angle -> events -> score; returns seconds and what ran."""
    from dorsi.pipeline import analyze

    t0 = time.perf_counter()
    analyze(batch, segments=segments, orientation=orientation)
    return time.perf_counter() - t0, "dorsi.pipeline.analyze"


def angle_only(batch: SampleBatch, orientation: str = "auto") -> float:
    """The angle part of (b)/(c) alone; returns seconds."""
    t0 = time.perf_counter()
    AngleEstimator(orientation=orientation).estimate(batch)
    return time.perf_counter() - t0


def live_path(batch: SampleBatch, seconds: float = 120.0) -> dict:
    """Per-notification processing: AngleEstimator.update (+ streaming events when present)."""
    n = int(seconds * RATE_HZ)
    head = batch.slice(0, n)
    est = AngleEstimator()
    est.calibrate(head)
    stream_events = None
    try:
        from dorsi.events.exercise import ExerciseEventDetector
        from dorsi.events.streaming import StreamingEventDetector
        from dorsi.routine.loader import default_routine

        spec = default_routine()["band_lunge"]
        stream_events = StreamingEventDetector(ExerciseEventDetector(spec, source="inclination"))
    except Exception:  # noqa: BLE001 - optional part of the live path
        stream_events = None
    wall, cpu, angle_cpu = [], [], []
    gc.collect()
    for i in range(0, n, PER_NOTIFICATION):
        chunk = head.slice(i, i + PER_NOTIFICATION)
        w0, c0 = time.perf_counter(), time.thread_time()
        trace = est.update(chunk)
        c1 = time.thread_time()
        if stream_events is not None:
            stream_events.update(trace)
        cpu.append(time.thread_time() - c0)
        angle_cpu.append(c1 - c0)
        wall.append(time.perf_counter() - w0)
    wall_ms, cpu_ms, angle_ms = np.array(wall) * 1e3, np.array(cpu) * 1e3, np.array(angle_cpu) * 1e3
    return {"wall_p50_ms": float(np.percentile(wall_ms, 50)), "wall_p99_ms": float(np.percentile(wall_ms, 99)),
            "cpu_p50_ms": float(np.percentile(cpu_ms, 50)), "cpu_p99_ms": float(np.percentile(cpu_ms, 99)),
            "angle_p50_ms": float(np.percentile(angle_ms, 50)), "angle_p99_ms": float(np.percentile(angle_ms, 99)),
            "with_events": stream_events is not None}


def peak_memory_ratio(batch: SampleBatch, segments: list) -> float:
    raw_bytes = batch.seq.nbytes + batch.t.nbytes + batch.acc.nbytes + batch.gyr.nbytes
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    full_pipeline(batch, segments)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / raw_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    stream, segments = make_stream(args.minutes)
    raw = raw_only(stream)
    n = len(stream)
    print(f"stream: {n} samples at {RATE_HZ:g} Hz ({n / RATE_HZ / 60:.1f} min), {len(segments)} exercise segments")

    t_a = min(baseline_imufusion(raw) for _ in range(args.repeat))
    t_b, what = min(full_pipeline(raw, segments) for _ in range(args.repeat))
    t_c, _ = min(full_pipeline(stream, segments, "device") for _ in range(args.repeat))
    a, b, c = n / t_a, n / t_b, n / t_c
    print(f"(a) baseline imufusion loop      : {a:12,.0f} samples/s")
    print(f"(b) raw samples -> events, score : {b:12,.0f} samples/s   ({what})")
    print(f"(c) device quaternions -> score  : {c:12,.0f} samples/s")
    t_ang = min(angle_only(raw) for _ in range(args.repeat))
    t_ang_q = min(angle_only(stream, "device") for _ in range(args.repeat))
    print(f"    of which the angle part (raw)  : {n / t_ang:12,.0f} samples/s  (ratio {n / t_ang / a:.2f})")
    print(f"    of which the angle part (quat) : {n / t_ang_q:12,.0f} samples/s  (ratio {n / t_ang_q / a:.2f})")
    print(f"    events + score alone           : {n / max(t_c - t_ang_q, 1e-9):12,.0f} samples/s  "
          f"(from (c) less its angle part)")
    print(f"ratio (b)/(a) = {b / a:.2f}   (goal >= 0.8)")
    print(f"ratio (c)/(a) = {c / a:.2f}   (goal >= 10)")

    live = live_path(raw)
    print(f"live path per {PER_NOTIFICATION}-sample notification"
          f"{' (angle + streaming events)' if live['with_events'] else ' (angle)'}: "
          f"wall p50 {live['wall_p50_ms']:.3f} ms p99 {live['wall_p99_ms']:.3f} ms; "
          f"cpu p50 {live['cpu_p50_ms']:.3f} ms p99 {live['cpu_p99_ms']:.3f} ms (goal p99 < 1 ms); "
          f"angle part alone cpu p50 {live['angle_p50_ms']:.3f} ms p99 {live['angle_p99_ms']:.3f} ms")

    mem = peak_memory_ratio(raw, segments)
    print(f"peak traced memory of (b) = {mem:.2f} x the raw arrays (goal < 4)")
    print(json.dumps({
        "baseline_sps": round(a), "raw_sps": round(b), "quat_sps": round(c),
        "raw_ratio": round(b / a, 3), "quat_ratio": round(c / a, 3),
        "live_p99_ms": round(live["cpu_p99_ms"], 4), "live_wall_p99_ms": round(live["wall_p99_ms"], 4),
        "live_angle_p99_ms": round(live["angle_p99_ms"], 4),
        "angle_raw_sps": round(n / t_ang), "angle_quat_sps": round(n / t_ang_q),
        "peak_mem_ratio": round(mem, 3), "samples": n, "pipeline": what,
    }))


if __name__ == "__main__":
    main()
