"""``dorsi pair``: bond this computer with a sensor (LE Secure Connections), step by step.

The sensor obeys control commands only from bonded computers. The command
finds the sensor (or takes ``--address``), pairs through bleak's
``BleakClient.pair()``, then sends ``IDENTIFY`` over the new bond: the
sensor's LED blinks, which shows the user that the computer bonded with the
sensor in their hand and not with another one nearby. ``--emulate`` runs the
same steps against an emulated sensor whose control point is protected.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from dorsi.ble.pairing import PairingResult


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pair", help="pair and bond this computer with a sensor")
    p.add_argument("--emulate", action="store_true", help="pair with an emulated sensor instead of the radio")
    p.add_argument("--role", choices=("shin", "foot"), default="shin", help="which sensor to pair (default shin)")
    p.add_argument("--address", help="the sensor's BLE address (default: the strongest one found by scanning)")
    p.add_argument("--identify", type=int, default=5, help="seconds the sensor blinks after bonding (1-30)")
    p.add_argument("--timeout", type=float, default=15.0, help="seconds for scanning, connecting and pairing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from dorsi.ble.pairing import PairingError

    console = Console()
    if not 1 <= args.identify <= 30:
        console.print("[red]--identify must be 1-30 seconds[/red]")
        return 2
    if args.timeout <= 0:
        console.print("[red]--timeout must be positive[/red]")
        return 2
    console.print("1. Switch the sensor on (or press its button): it accepts a new computer for two minutes.")
    try:
        result = asyncio.run(_pair(args, console))
    except PairingError as error:
        console.print(f"[red]pairing failed:[/red] {error}")
        return 1
    except Exception as error:  # no adapter, BlueZ errors ...
        console.print(f"[red]pairing failed:[/red] {error}")
        if not args.emulate:
            console.print("no Bluetooth adapter? try [bold]dorsi pair --emulate[/bold]")
        return 1
    if result is None:
        console.print(f"[red]no {args.role} sensor found[/red]: is it switched on (asleep: press its button) "
                      "and close by?")
        return 1
    console.print(f"3. Bonded with [bold]{result.name or result.address}[/bold] ({result.address}).")
    console.print(f"4. Its light blinks for {result.identify_s} s: if the sensor in your hand does not blink, "
                  "you bonded with another sensor: remove the bond in your Bluetooth settings and try again.")
    return 0


async def _pair(args: argparse.Namespace, console: Console) -> PairingResult | None:
    if not args.emulate:
        return await _find_and_pair(args, console, None, None)

    from dorsi.ble import EmulatedAir
    from dorsi.ble.link_security import SecurityPolicy
    from dorsi.emulator import EmulatedPeripheral, ReplayDevice, analytic_motion

    async with EmulatedAir() as air:
        model = ReplayDevice(analytic_motion(args.role, 10.0))
        await EmulatedPeripheral(air, model, security=SecurityPolicy()).start()
        backends = air.backends()
        return await _find_and_pair(args, console, backends.scanner, backends.client)


async def _find_and_pair(args: argparse.Namespace, console: Console, scanner_backend: Any,
                         client_backend: Any) -> PairingResult | None:
    from dorsi.ble.discovery import scan_sensors
    from dorsi.ble.pairing import pair_sensor

    target = args.address
    if target is None:
        console.print(f"2. Looking for the {args.role} sensor ...")
        found = await scan_sensors(min(args.timeout, 5.0), roles=(args.role,), scanner_backend=scanner_backend)
        found = [s for s in found if s.role == args.role]
        if not found:
            return None
        target = found[0].device
        console.print(f"   found {found[0].name} ({found[0].address}, {found[0].rssi} dBm); pairing ...")
    else:
        console.print(f"2. Pairing with {target} ...")
    return await pair_sensor(target, client_backend=client_backend, identify_s=args.identify, timeout=args.timeout)
