"""Finding dorsi sensors: scan by service UUID, tell shin from foot by name.

Sensors advertise the dorsi service UUID and a short name
``dorsi-<R><n>`` where ``R`` is ``S`` (shin) or ``F`` (foot); the role is
confirmed from the status characteristic after connecting.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.exc import BleakError

from dorsi.protocol import spec

_ROLE_LETTERS = {"S": "shin", "F": "foot"}


def role_from_name(name: str | None) -> str | None:
    """``"shin"`` for ``dorsi-S1``, ``"foot"`` for ``dorsi-F1``, else ``None``."""
    prefix = spec.DEFAULT_NAME_PREFIX + "-"
    if not name or not name.startswith(prefix) or len(name) <= len(prefix):
        return None
    return _ROLE_LETTERS.get(name[len(prefix)].upper())


class LinkOpenError(RuntimeError):
    """The sensors could not be reached as a session began (its message says why)."""


class AdapterError(LinkOpenError):
    """The computer's Bluetooth cannot be used (no adapter, it is off, or no BlueZ/D-Bus)."""

    @classmethod
    def because(cls, cause: BaseException) -> "AdapterError":
        return cls(f"the Bluetooth adapter cannot be used ({cause})")


@dataclass(frozen=True)
class SensorInfo:
    """A sensor seen on the air."""

    name: str | None
    address: str
    rssi: int
    role: str | None
    device: BLEDevice
    battery: int | None = None


async def scan_sensors(
    timeout: float = 2.0,
    roles: tuple[str, ...] | None = None,
    scanner_backend: type[BaseBleakScanner] | None = None,
    names: tuple[str, ...] | None = None,
) -> list[SensorInfo]:
    """Scan for dorsi sensors (service UUID filter), strongest first.

    With ``roles`` (and/or ``names``), stops as soon as one sensor of each
    role (and every named sensor) has been seen.
    """
    wanted = set(roles or ())
    wanted_names = set(names or ())
    found: dict[str, SensorInfo] = {}
    complete = asyncio.Event()

    def on_advertisement(device: BLEDevice, adv: AdvertisementData) -> None:
        if spec.SERVICE_UUID not in adv.service_uuids:
            return
        name = adv.local_name or device.name
        found[device.address] = SensorInfo(name, device.address, adv.rssi, role_from_name(name), device)
        if (wanted or wanted_names) and wanted <= {s.role for s in found.values()}:
            if wanted_names <= {s.name for s in found.values()}:
                complete.set()

    scanner = BleakScanner(on_advertisement, service_uuids=[spec.SERVICE_UUID], backend=scanner_backend)
    try:
        await scanner.start()
    except (OSError, BleakError) as exc:  # a missing adapter shows as a failing D-Bus socket, say
        raise AdapterError.because(exc) from exc
    try:
        await asyncio.wait_for(complete.wait(), timeout)
    except asyncio.TimeoutError:
        pass
    finally:
        await scanner.stop()
    return sorted(found.values(), key=lambda s: -s.rssi)


async def read_battery(
    sensor: SensorInfo, client_backend: type[BaseBleakClient] | None = None, timeout: float = 5.0
) -> SensorInfo:
    """``sensor`` with its battery level read over a short connection (``None`` on failure)."""
    try:
        async with asyncio.timeout(timeout):
            async with BleakClient(sensor.device, backend=client_backend, timeout=timeout) as client:
                level = (await client.read_gatt_char(spec.BATTERY_LEVEL_UUID))[0]
    except (TimeoutError, BleakError, OSError):
        level = None
    return SensorInfo(sensor.name, sensor.address, sensor.rssi, sensor.role, sensor.device, level)
