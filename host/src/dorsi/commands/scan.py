"""``dorsi scan``: list nearby dorsi sensors (name, address, RSSI, battery).

``--emulate`` starts an emulated air with a shin sensor (and ``--foot``) and
scans it through the same bleak code path as a real radio.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from dorsi.ble.discovery import SensorInfo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="list nearby dorsi sensors with RSSI and battery")
    p.add_argument("--timeout", type=float, default=None, help="seconds to scan (default 3, 0.5 with --emulate)")
    p.add_argument("--emulate", action="store_true", help="scan emulated sensors instead of the radio")
    p.add_argument("--foot", action="store_true", help="with --emulate: add a foot sensor")
    p.add_argument("--no-battery", action="store_true", help="do not connect to read battery levels")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console()
    if args.timeout is not None and args.timeout <= 0:
        console.print("[red]--timeout must be positive[/red]")
        return 2
    if args.foot and not args.emulate:
        console.print("[red]--foot only applies with --emulate[/red]")
        return 2
    try:
        sensors = asyncio.run(_scan(args))
    except Exception as error:  # the platform radio may be missing entirely
        console.print(f"[red]scan failed:[/red] {error}")
        if not args.emulate:
            console.print("no Bluetooth adapter? try [bold]dorsi scan --emulate[/bold]")
        return 1
    console.print(_table(sensors))
    if not sensors:
        console.print("none in range; a sleeping sensor wakes with a press of its button")
    return 0 if sensors else 1


async def _scan(args: argparse.Namespace) -> list[SensorInfo]:
    from dorsi.ble.discovery import read_battery, scan_sensors

    timeout = args.timeout if args.timeout is not None else (0.5 if args.emulate else 3.0)
    if not args.emulate:
        sensors = await scan_sensors(timeout)
        return sensors if args.no_battery else [await read_battery(s) for s in sensors]

    from dorsi.ble import EmulatedAir
    from dorsi.emulator import analytic_motion, start_sensors

    async with EmulatedAir() as air:
        roles = ("shin", "foot") if args.foot else ("shin",)
        await start_sensors(air, [analytic_motion(role, 10.0) for role in roles])
        backends = air.backends()
        sensors = await scan_sensors(timeout, scanner_backend=backends.scanner)
        if not args.no_battery:
            sensors = [await read_battery(s, backends.client) for s in sensors]
        return sensors


def _table(sensors: list[SensorInfo]) -> Table:
    from rich.table import Table

    table = Table(title=f"dorsi sensors ({len(sensors)} found)")
    for column in ("name", "role", "address"):
        table.add_column(column, justify="left")
    for column in ("RSSI dBm", "battery %"):
        table.add_column(column, justify="right")
    for s in sensors:
        battery = "?" if s.battery is None else str(s.battery)
        table.add_row(s.name or "?", s.role or "?", s.address, str(s.rssi), battery)
    return table
