"""``dorsi sleep``: put the sensors to sleep now (their button wakes them).

A sensor sleeps by itself five minutes after the last computer left, once it
lies still; this does it at once (before it goes into a bag, or to save the
battery between two patients). It finds the dorsi sensors in range (or takes
``--address``) and sends each the SLEEP command over its bond. ``--emulate``
runs the same steps against emulated sensors and then checks that they went
quiet.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sleep", help="put the sensors to sleep now (their button wakes them)")
    p.add_argument("--role", choices=("shin", "foot", "both"), default="both",
                   help="which sensors found by scanning (default both)")
    p.add_argument("--address", help="one sensor's BLE address instead of scanning")
    p.add_argument("--emulate", action="store_true", help="emulated sensors instead of the radio")
    p.add_argument("--foot", action="store_true", help="with --emulate: a foot sensor as well")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds for scanning and for each connection")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console()
    if args.timeout <= 0:
        console.print("[red]--timeout must be positive[/red]")
        return 2
    if args.foot and not args.emulate:
        console.print("[red]--foot only applies with --emulate[/red]")
        return 2
    try:
        return asyncio.run(_sleep(args, console))
    except Exception as error:  # no adapter, BlueZ errors ...
        console.print(f"[red]sleep failed:[/red] {error}")
        if not args.emulate:
            console.print("no Bluetooth adapter? try [bold]dorsi sleep --emulate[/bold]")
        return 1


async def _sleep(args: argparse.Namespace, console: Console) -> int:
    if not args.emulate:
        return await _find_and_sleep(args, console, None, None)

    from dorsi.ble import EmulatedAir
    from dorsi.ble.link_security import SecurityPolicy
    from dorsi.emulator import EmulatedPeripheral, ReplayDevice, analytic_motion

    async with EmulatedAir() as air:
        roles = ("shin", "foot") if args.foot else ("shin",)
        peripherals = [await EmulatedPeripheral(air, ReplayDevice(analytic_motion(role, 10.0)),
                                                security=SecurityPolicy()).start() for role in roles]
        backends = air.backends()
        code = await _find_and_sleep(args, console, backends.scanner, backends.client)
        await asyncio.sleep(0.5)  # the sensors drop their links 0.3 s after answering
        for p in peripherals:
            console.print(f"   emulated {p.name}: {'asleep, no longer advertising' if p.asleep_ else 'awake'}")
        return code


async def _find_and_sleep(args: argparse.Namespace, console: Console, scanner_backend: Any,
                          client_backend: Any) -> int:
    from dorsi.ble.discovery import scan_sensors
    from dorsi.ble.sleep import SleepError, put_to_sleep

    if args.address is not None:
        targets: list[tuple[Any, str]] = [(args.address, args.address)]
    else:
        roles = ("shin", "foot") if args.role == "both" else (args.role,)
        found = await scan_sensors(min(args.timeout, 5.0), roles=roles, scanner_backend=scanner_backend)
        found = [s for s in found if s.role in roles]
        if not found:
            console.print("[red]no dorsi sensor found[/red]: already asleep, switched off or out of range")
            return 1
        targets = [(s.device, f"{s.name} ({s.address})") for s in found]
    failed = 0
    for device, label in targets:
        try:
            await put_to_sleep(device, client_backend=client_backend, timeout=args.timeout)
        except SleepError as error:
            console.print(f"[red]{label}:[/red] {error}")
            failed += 1
            continue
        console.print(f"{label}: asleep. Press its button to wake it.")
    return 1 if failed else 0
