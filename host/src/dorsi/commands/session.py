"""``dorsi session``: the guided routine with live feedback."""

from __future__ import annotations

import argparse
from pathlib import Path


#: ``--emulate-worn``: how the emulated patient wears the sensors (``EmulatedPatient`` options).
WORN: dict[str, dict] = {
    "right": {},
    "calf": {"strap_rotation_deg": 180.0},
    "foot-reversed": {"foot_turned_round": True},
    "boards-swapped": {"straps_swapped": True},
    "foot-on-shin": {"worn_on": {"foot": "shin"}},
}


def add_session_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--routine", type=Path, help="routine TOML file (default: the physiotherapist's routine)")
    p.add_argument("--emulate", action="store_true", help="use emulated sensors on an in-process BLE link")
    p.add_argument("--foot", action="store_true", help="also use a sensor on the foot")
    p.add_argument("--speed", type=float, default=1.0, help="emulated sensors: run this many times faster")
    p.add_argument("--seed", type=int, default=7, help="emulated patient's random seed")
    p.add_argument("--emulate-worn", choices=tuple(WORN), default="right",
                   help="emulated patient: wear the sensors wrongly, to see what dorsi makes of it "
                        "(calf: the shin sensor on the back of the leg; the others need --foot)")
    p.add_argument("--phone", action="store_true",
                   help="the shin sensor is a phone running Sensor Logger with HTTP Push to the URL shown "
                        "(no board; with --emulate, an emulated phone)")
    p.add_argument("--phone-port", type=int, default=8766, help="port the phone pushes to (default 8766)")
    p.add_argument("--phyphox", metavar="ADDRESS", nargs="?", const="",
                   help="the shin sensor is a phone running phyphox with dorsi's experiment (the file "
                        "dorsi/data/dorsi-shin.phyphox of the installed package) and remote access on: give the "
                        "address it shows, e.g. http://192.168.1.23:8080 (no board; with --emulate, an emulated "
                        "phone, no address)")
    p.add_argument("--out", type=Path, help="recording file (default: under the data folder)")
    p.add_argument("--home", type=Path, help="data folder (default: $DORSI_HOME or ~/.local/share/dorsi)")
    p.add_argument("--side", choices=("left", "right"), help="which leg wears the sensor")
    p.add_argument("--shank-length", type=float, help="knee joint line to ankle, metres")
    p.add_argument("--foot-length", type=float, help="heel to toe tip, metres")
    p.add_argument("--shin-address", help="BLE address of the shin sensor (default: scan)")
    p.add_argument("--foot-address", help="BLE address of the foot sensor (default: scan)")
    p.add_argument("--auto", action="store_true", default=None, help="advance by itself once a target is met")
    p.add_argument("--no-history", action="store_true", help="do not add the session to the history")


def config_from(args: argparse.Namespace, routine=None):
    from dorsi.routine import load_routine
    from dorsi.session.app import SessionConfig

    profile = {}
    if args.side:
        profile["side"] = args.side
    if args.shank_length:
        profile["shank_length_m"] = args.shank_length
    if args.foot_length:
        profile["foot_length_m"] = args.foot_length
    addresses = {r: a for r, a in (("shin", args.shin_address), ("foot", args.foot_address)) if a}
    return SessionConfig(
        routine=routine or load_routine(args.routine), emulate=args.emulate, foot=args.foot, speed=args.speed,
        seed=args.seed, out=args.out, home=args.home, profile=profile, auto=args.auto, addresses=addresses,
        keep_history=not args.no_history, patient=dict(WORN[args.emulate_worn]),
        phone=args.phone, phone_port=args.phone_port, phyphox=args.phyphox,
    )


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("session", help="guided routine with live feedback")
    add_session_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dorsi.session.app import run as run_app

    check_emulation(args, "session")
    return run_app(config_from(args))


def check_emulation(args: argparse.Namespace, command: str) -> None:
    """The emulation options make sense only with ``--emulate`` (and the foot's with ``--foot``)."""
    if args.speed != 1.0 and not args.emulate:
        raise SystemExit(f"dorsi {command}: --speed only applies to --emulate")
    if args.emulate_worn != "right" and not args.emulate:
        raise SystemExit(f"dorsi {command}: --emulate-worn only applies to --emulate")
    phone = "--phone" if args.phone else "--phyphox" if args.phyphox is not None else None
    if args.phone and args.phyphox is not None:
        raise SystemExit(f"dorsi {command}: one phone at a time: --phone (Sensor Logger) or --phyphox")
    if phone and (args.foot or args.shin_address or args.foot_address):
        raise SystemExit(f"dorsi {command}: {phone} is the one sensor: no --foot, no sensor addresses")
    if phone and args.emulate_worn != "right":
        raise SystemExit(f"dorsi {command}: --emulate-worn applies to the emulated boards, not {phone}")
    if args.phyphox == "" and not args.emulate:
        raise SystemExit(f"dorsi {command}: --phyphox needs the address phyphox shows for remote access "
                         "(e.g. --phyphox http://192.168.1.23:8080), or --emulate")
    if not 0 <= args.phone_port <= 65535:
        raise SystemExit(f"dorsi {command}: --phone-port must be within 0..65535")
    if args.emulate_worn not in ("right", "calf") and not args.foot:
        raise SystemExit(f"dorsi {command}: --emulate-worn {args.emulate_worn} needs --foot")
