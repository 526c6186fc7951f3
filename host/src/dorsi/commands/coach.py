"""``dorsi coach``: the guided session with a live coach page in the browser.

The same session as ``dorsi session`` (same pipeline, guide and recording);
the page is one more view of its state, pushed over a WebSocket, served from
this process on 127.0.0.1 (or, opt-in, on the local network with a token).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

LOOPBACK = ("127.0.0.1", "localhost")


def register(sub: argparse._SubParsersAction) -> None:
    from dorsi.commands.session import add_session_options

    p = sub.add_parser("coach", help="guided routine with a live coach page in the browser",
                       description="Run the guided session and show it on a web page (readable from 2 m, "
                                   "or on a phone with --host 0.0.0.0).")
    add_session_options(p)
    p.add_argument("--port", type=int, default=8765, help="TCP port of the page (default 8765; 0: any free port)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to serve on (default 127.0.0.1: this computer only; 0.0.0.0: the local network, "
                        "with a secret token in the URL)")
    p.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    p.add_argument("--no-terminal", action="store_true", help="no live view in the terminal (the page only)")
    p.add_argument("--linger", type=float, default=None, metavar="S",
                   help="after the session, serve the report this many seconds (default: until Ctrl-C)")
    p.add_argument("--patient", action="append", default=[], metavar="KEY=VALUE",
                   help="emulated patient option, e.g. heel_lift_probability=1.0 or "
                        "'hold_s={\"soleus_stretch\": 8}' (repeatable; --emulate only)")
    p.set_defaults(func=run)


def patient_options(items: list[str]) -> dict:
    """``KEY=VALUE`` strings -> options of the emulated patient (values read as JSON, else text)."""
    from dataclasses import fields

    from dorsi.sim import SimOptions

    allowed = {f.name for f in fields(SimOptions)} - {"rate_hz", "foot_sensor", "quaternions"} | {"reps", "hold_s"}
    out = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--patient expects KEY=VALUE, got {item!r}")
        if key not in allowed:
            raise ValueError(f"--patient: unknown option {key!r} (one of: {', '.join(sorted(allowed))})")
        try:
            out[key] = json.loads(text)
        except json.JSONDecodeError:
            out[key] = text
    return out


def has_display() -> bool:
    """Whether a browser window could appear (macOS/Windows, or X11/Wayland on Linux)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    import asyncio

    from dorsi.commands.session import check_emulation, config_from
    from dorsi.routine import RoutineError

    check_emulation(args, "coach")
    if args.patient and not args.emulate:
        raise SystemExit("dorsi coach: --patient only applies to --emulate")
    if not 0 <= args.port <= 65535:
        raise SystemExit(f"dorsi coach: --port must be within 0..65535, got {args.port}")
    if args.linger is not None and args.linger < 0:
        raise SystemExit("dorsi coach: --linger must not be negative")
    try:
        cfg = config_from(args)
        cfg.patient = {**cfg.patient, **patient_options(args.patient)}
    except (RoutineError, ValueError, OSError) as exc:
        print(f"dorsi coach: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    cfg.show = not args.no_terminal
    try:
        return asyncio.run(_coach(cfg, args))
    except OSError as exc:
        print(f"dorsi coach: error: {exc}", file=sys.stderr)
        return 2


async def _coach(cfg, args: argparse.Namespace) -> int:
    import asyncio
    import signal
    import webbrowser

    from rich.console import Console

    from dorsi.session.app import link_errors, link_failure, print_summary, run_guided
    from dorsi.views.web import AccessPolicy, CoachHub, CoachServer, create_app, new_token, publish_report
    from dorsi.views.web.server import lan_address
    from dorsi.views.web.terminal_qr import qr_text

    console = Console()
    hub = CoachHub(time_scale=cfg.speed if cfg.emulate else 1.0)
    local = args.host in LOOPBACK
    server = CoachServer(None, "127.0.0.1" if args.host == "localhost" else args.host, args.port)
    port = server.bind()
    token = None if local else new_token()
    server.app = create_app(hub, AccessPolicy.local(port) if token is None else AccessPolicy.network(token))
    await server.start()
    if local:
        url = f"http://127.0.0.1:{port}/"
    else:
        shown = lan_address() if args.host in ("0.0.0.0", "") else args.host
        url = f"http://{shown}:{port}/?token={token}"
    try:
        console.print(f"Coach page: [bold]{url}[/bold]", highlight=False, soft_wrap=True)
        if not local:
            console.print(qr_text(url), highlight=False, soft_wrap=True)
            console.print("Scan with the phone (same Wi-Fi). Anyone with this address can watch and control the "
                          "session: keep it private.")
        print(f"dorsi coach: serving {url}", flush=True)
        if not args.no_browser and has_display():
            await asyncio.get_running_loop().run_in_executor(None, webbrowser.open, url)
        try:
            result, analysis = await run_guided(cfg, console, views=[hub], commands=[hub.poll])
        except link_errors() as error:
            return link_failure(console, error, "coach")
        print_summary(console, result, analysis)
        report_url = url.replace("/?", "/report?") if "?" in url else url + "report"
        if await publish_report(hub, result.recording, cfg.routine, cfg.home):
            console.print(f"Session report: [bold]{report_url}[/bold]", highlight=False, soft_wrap=True)
        print(f"dorsi coach: report {hub.report_status_}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        try:
            for sig in (signal.SIGTERM, signal.SIGINT):  # the session is saved: stopping now is normal
                loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not on this platform / thread
            pass
        if args.linger is None:
            console.print("The page stays available until you press Ctrl-C.")
            await stop.wait()
        else:
            try:
                await asyncio.wait_for(stop.wait(), args.linger)
            except asyncio.TimeoutError:
                pass
    finally:
        await server.stop()
    return 0
