"""``dorsi simulate``: write simulated sensor data (generic IMU CSV) and its ground truth."""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate an exercise (or the whole routine) and write shin.csv [foot.csv] truth.json",
        description="Simulate the dorsi sensors during one exercise or the whole routine.",
    )
    p.add_argument("exercise", help="an exercise identifier, or 'routine' for the whole routine")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    p.add_argument("--out", required=True, type=Path, help="output directory")
    p.add_argument("--rate", type=float, default=100.0, help="sample rate in Hz (default 100)")
    p.add_argument("--side", choices=("left", "right"), default="right")
    p.add_argument("--strap-deg", type=float, default=0.0, help="strap turned about the shin, degrees")
    p.add_argument("--foot", action="store_true", help="also simulate the foot sensor")
    p.add_argument("--loss", type=float, default=0.0, help="fraction of BLE packets lost (bursty)")
    p.add_argument("--posture-wander", type=float, default=0.0, metavar="DEG",
                   help="the person's stance drifts this much (RMS deg, over half a minute to minutes), "
                        "so the rest between reps is not the start's (default 0)")
    p.add_argument("--interval-jitter", type=float, default=0.0, metavar="FRACTION",
                   help="sample intervals vary by up to this fraction of the period, the times wandering off "
                        "the grid as a phone's do (default 0: the board's crystal-timed grid); the CSV then "
                        "has no seq column")
    p.add_argument("--clock-error", type=float, default=0.0, metavar="FRACTION",
                   help="the sampling clock runs this fraction fast (+) or slow (-) against --rate (default 0)")
    p.add_argument("--routine", type=Path, default=None,
                   help="routine TOML giving the order and targets (with 'routine'; default: the built-in one)")
    p.add_argument("--reps", type=int, default=None, help="override the repetition / hold count")
    p.add_argument("--hold", type=float, default=None, help="override the hold (or rolling) seconds")
    p.add_argument("--no-quat", action="store_true", help="raw data only (no device quaternions)")
    p.add_argument("--ideal", action="store_true", help="no sensor errors, no jitter")
    p.add_argument("--no-traces", action="store_true", help="leave per-sample traces out of truth.json")
    p.add_argument("--sensor-logger", choices=("android", "ios"), metavar="PLATFORM",
                   help="write the shin sensor as a phone's Sensor Logger export (sensor_logger.zip, 'android' or "
                        "'ios', with a note at each exercise's start and end) in place of shin.csv; "
                        "with --interval-jitter for a phone's timing")
    p.add_argument("--phyphox", type=int, choices=range(1, 6), metavar="VARIANT",
                   help="write the shin sensor as a phone's phyphox export (phyphox.zip, in phyphox's CSV variant "
                        "1-5: 1 comma, 2 tab, 3 semicolon with a decimal point; 4 tab, 5 semicolon with a decimal "
                        "comma) in place of shin.csv, with phyphox.segments.csv beside it (phyphox keeps no "
                        "notes); with --interval-jitter for a phone's timing")
    p.add_argument("--axivity", action="store_true",
                   help="write the sensors as Axivity AX6 loggers record them (shin.cwa, and foot.cwa with --foot) "
                        "in place of the CSVs, with shin.segments.csv beside them (the logger keeps no notes); "
                        "the rate must be one the AX6 runs at (25, 50, 100, 200 Hz)")
    p.add_argument("--packets", action="store_true",
                   help="also write <role>.packets: protocol v1 notifications, each prefixed by its u16 length")
    p.set_defaults(func=run)


def _write_segments(session, path: Path) -> Path:
    """The session's exercise segments as a segments file, in the time base of an export that counts
    from the shin's first sample (phyphox from its start, an AX6 reader from its first sample)."""
    t0 = float(session.shin.t[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("exercise,start_s,end_s\n" + "".join(
        f"{g.exercise},{g.start_s - t0:.3f},{g.end_s - t0:.3f}\n" for g in session.truth.segments))
    return path


def _write_axivity(session, out: Path) -> list[Path]:
    """``shin.cwa`` (``foot.cwa``) and ``shin.segments.csv``."""
    from dorsi.sim.axivity_writer import write_cwa

    segments = _write_segments(session, out / "shin.segments.csv")
    return [write_cwa(b, out / f"{b.role}.cwa") for b in session.batches()] + [segments]


def run(args: argparse.Namespace) -> int:
    from dorsi.sim import EXERCISES, SimOptions, simulate, simulate_routine

    try:
        opts = SimOptions(rate_hz=args.rate, side=args.side, strap_rotation_deg=args.strap_deg,
                          foot_sensor=args.foot, packet_loss=args.loss, quaternions=not args.no_quat,
                          noise=not args.ideal, posture_wander_deg=args.posture_wander,
                          interval_jitter=args.interval_jitter, clock_error=args.clock_error)
        if args.exercise == "routine":
            if args.reps is not None or args.hold is not None:
                raise ValueError("--reps/--hold apply to a single exercise, not the routine")
            routine = None
            if args.routine is not None:
                from dorsi.routine import load_routine

                routine = load_routine(args.routine)
            session = simulate_routine(seed=args.seed, options=opts, routine=routine)
        elif args.routine is not None:
            raise ValueError("--routine applies to 'routine' only")
        elif args.exercise in EXERCISES:
            session = simulate(args.exercise, seed=args.seed, options=opts, reps=args.reps, hold_s=args.hold)
        else:
            raise ValueError(f"unknown exercise {args.exercise!r}; expected 'routine' or one of: "
                             + ", ".join(EXERCISES))
        if args.packets and args.no_quat:
            raise ValueError("--packets needs quaternions (drop --no-quat)")
        phone = "--sensor-logger" if args.sensor_logger else "--phyphox" if args.phyphox else None
        if phone and (args.foot or args.packets):
            raise ValueError(f"{phone} writes one phone on the shin: no --foot, no --packets")
        if sum(map(bool, (args.sensor_logger, args.phyphox, args.axivity))) > 1:
            raise ValueError("one export at a time: --sensor-logger, --phyphox or --axivity")
        if args.axivity:
            paths = _write_axivity(session, args.out)
            paths.append(session.write_truth(args.out, traces=not args.no_traces))
        elif args.phyphox:
            from dorsi.sim.phyphox_writer import write_phyphox

            segments_path = _write_segments(session, args.out / "phyphox.segments.csv")
            paths = [write_phyphox(session.shin, args.out / "phyphox.zip", args.phyphox), segments_path,
                     session.write_truth(args.out, traces=not args.no_traces)]
        elif args.sensor_logger:
            from dorsi.sim.sensor_logger_writer import write_sensor_logger

            segments = [(g.exercise, g.start_s, g.end_s) for g in session.truth.segments]
            paths = [write_sensor_logger(session.shin, args.out / "sensor_logger.zip", args.sensor_logger, segments),
                     session.write_truth(args.out, traces=not args.no_traces)]
        else:
            paths = session.to_csv(args.out, traces=not args.no_traces)
        if args.packets:
            for batch in session.batches():
                path = args.out / f"{batch.role}.packets"
                with path.open("wb") as fh:
                    for payload in session.packets(batch.role):
                        fh.write(struct.pack("<H", len(payload)) + payload)
                paths.append(path)
    except (ValueError, OSError) as exc:  # RoutineError is a ValueError
        print(f"dorsi simulate: {exc}", file=sys.stderr)
        return 2
    t = session.truth
    print(f"simulated {args.exercise}: {session.duration_s:.1f} s at {args.rate:g} Hz, "
          f"{len(session.shin)} shin samples, {len(t.reps)} reps, {len(t.holds)} holds, "
          f"{len(t.heel_lifts)} heel lifts")
    for path in paths:
        print(f"  wrote {path}")
    return 0
