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


def live_path(batch: SampleBatch, segments: list) -> dict:
    """Per-notification processing over one whole routine, as the live session runs it.

    The angle estimator is calibrated on the first 30 s, then every 11-sample
    notification goes through ``AngleEstimator.update`` and, inside an exercise
    segment, that exercise's ``StreamingEventDetector`` (a new one per segment,
    finished at its end). CPU time per notification, overall and per exercise.
    """
    from dorsi.events.exercise import ExerciseEventDetector
    from dorsi.events.streaming import StreamingEventDetector
    from dorsi.routine.loader import default_routine

    routine = default_routine()
    # one routine: the segments up to the first repeat of the opening exercise
    ids = [seg[0] for seg in segments]
    repeat = ids.index(ids[0], 1) if ids.count(ids[0]) > 1 else len(ids)
    first = segments[:repeat]
    n = int(np.searchsorted(batch.t, first[-1][2], side="right"))
    est = AngleEstimator()
    est.calibrate(batch.slice(0, int(30 * RATE_HZ)))
    wall, cpu, angle_cpu, per_ex = [], [], [], {}
    k, stream = 0, None
    gc.collect()
    for i in range(0, n, PER_NOTIFICATION):
        chunk = batch.slice(i, min(i + PER_NOTIFICATION, n))
        w0, c0 = time.perf_counter(), time.thread_time()
        trace = est.update(chunk)
        c1 = time.thread_time()
        while k < len(first) and len(trace) and trace.t[0] >= first[k][2]:  # segment over
            if stream is not None:
                stream.finish()
            stream, k = None, k + 1
        if k < len(first) and len(trace) and trace.t[-1] >= first[k][1]:
            if stream is None:
                stream = StreamingEventDetector(ExerciseEventDetector(routine[first[k][0]], source=trace.source))
            stream.update(trace.slice_time(first[k][1], first[k][2]))
        c2 = time.thread_time()
        cpu.append(c2 - c0)
        angle_cpu.append(c1 - c0)
        wall.append(time.perf_counter() - w0)
        if stream is not None:
            per_ex.setdefault(first[k][0], []).append(c2 - c0)
    pct = lambda x, q: float(np.percentile(np.asarray(x) * 1e3, q))  # noqa: E731
    return {"wall_p50_ms": pct(wall, 50), "wall_p99_ms": pct(wall, 99),
            "cpu_p50_ms": pct(cpu, 50), "cpu_p99_ms": pct(cpu, 99),
            "angle_p50_ms": pct(angle_cpu, 50), "angle_p99_ms": pct(angle_cpu, 99),
            "notifications": len(cpu), "minutes": n / RATE_HZ / 60,
            "per_exercise_p99_ms": {ex: round(pct(v, 99), 3) for ex, v in per_ex.items()}}


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

    live = live_path(raw, segments)
    print(f"live path, one whole routine ({live['minutes']:.1f} min, {live['notifications']} notifications of "
          f"{PER_NOTIFICATION} samples; angle + the exercise's streaming events): "
          f"wall p50 {live['wall_p50_ms']:.3f} ms p99 {live['wall_p99_ms']:.3f} ms; "
          f"cpu p50 {live['cpu_p50_ms']:.3f} ms p99 {live['cpu_p99_ms']:.3f} ms (goal p99 < 1 ms); "
          f"angle part alone cpu p50 {live['angle_p50_ms']:.3f} ms p99 {live['angle_p99_ms']:.3f} ms")
    print("    cpu p99 per exercise (ms): " + ", ".join(f"{k} {v:.2f}" for k, v in live["per_exercise_p99_ms"].items()))

    mem = peak_memory_ratio(raw, segments)
    print(f"peak traced memory of (b) = {mem:.2f} x the raw arrays (goal < 4)")
    print(json.dumps({
        "baseline_sps": round(a), "raw_sps": round(b), "quat_sps": round(c),
        "raw_ratio": round(b / a, 3), "quat_ratio": round(c / a, 3),
        "live_p99_ms": round(live["cpu_p99_ms"], 4), "live_wall_p99_ms": round(live["wall_p99_ms"], 4),
        "live_angle_p99_ms": round(live["angle_p99_ms"], 4), "live_p50_ms": round(live["cpu_p50_ms"], 4),
        "live_p99_ms_by_exercise": live["per_exercise_p99_ms"],
        "angle_raw_sps": round(n / t_ang), "angle_quat_sps": round(n / t_ang_q),
        "peak_mem_ratio": round(mem, 3), "samples": n, "pipeline": what,
    }))


if __name__ == "__main__":
    main()
