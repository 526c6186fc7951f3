"""Helpers for the security tests: a secured sensor on the air, and a foreign central."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bumble import att, core, hci
from bumble.device import Device, Peer

from dorsi.ble import BleakBackends, EmulatedAir
from dorsi.ble.link_security import SecurityPolicy
from dorsi.ble.pairing import prepare_device
from dorsi.emulator import EmulatedPeripheral, ReplayDevice, analytic_motion
from dorsi.protocol import Status, spec

from ..ble.helpers import TEST_TIMEOUT_S, run, until  # noqa: F401  (shared with the BLE tests)


@dataclass
class SecureRig:
    air: EmulatedAir
    backends: BleakBackends
    sensor: EmulatedPeripheral


@asynccontextmanager
async def secured(policy: SecurityPolicy | None = None, seconds: float = 20.0) -> AsyncIterator[SecureRig]:
    """An air with one shin sensor whose control point needs a bonded, encrypted link."""
    async with EmulatedAir() as air:
        model = ReplayDevice(analytic_motion("shin", seconds))
        sensor = await EmulatedPeripheral(air, model, security=policy or SecurityPolicy()).start()
        yield SecureRig(air, air.backends(), sensor)


class ForeignCentral:
    """Another central on the same air (a stranger's phone), driven with bumble directly.

    It speaks raw ATT: no dorsi or bleak logic that could hide what the sensor does.
    """

    def __init__(self, air: EmulatedAir, name: str = "mallory", address: str | None = None) -> None:
        self.air = air
        self.device: Device = prepare_device(air.new_device(name, address))
        self.peer: Peer | None = None

    async def connect(self, address: str) -> ForeignCentral:
        await self.device.power_on()
        async with self.air.connect_lock:
            target = hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS)
            connection = await asyncio.wait_for(self.device.connect(target, timeout=5.0), 6.0)
        self.peer = Peer(connection)
        await self.peer.request_mtu(247)
        await self.peer.discover_services()
        for service in self.peer.services:
            await self.peer.discover_characteristics(service=service)
            for characteristic in service.characteristics:
                await self.peer.discover_descriptors(characteristic=characteristic)
        return self

    def characteristic(self, uuid: str):  # type: ignore[no-untyped-def]
        assert self.peer is not None
        found = self.peer.get_characteristics_by_uuid(core.UUID(uuid))
        assert found, f"no characteristic {uuid}"
        return found[0]

    async def write(self, uuid: str, data: bytes, with_response: bool = True) -> int | None:
        """Write; returns the ATT error code the sensor answered, ``None`` for success."""
        assert self.peer is not None
        try:
            await asyncio.wait_for(self.peer.write_value(self.characteristic(uuid), data, with_response=with_response), 5)
        except att.ATT_Error as error:
            return int(error.error_code)
        return None

    async def subscribe(self, uuid: str) -> int | None:
        assert self.peer is not None
        try:
            await asyncio.wait_for(self.peer.subscribe(self.characteristic(uuid), lambda _v: None), 5)
        except att.ATT_Error as error:
            return int(error.error_code)
        return None

    async def status(self) -> Status:
        assert self.peer is not None
        return Status.unpack(bytes(await self.peer.read_value(self.characteristic(spec.STATUS_UUID))))

    async def close(self) -> None:
        connection = self.peer.connection if self.peer is not None else None
        if connection is not None:
            try:
                await asyncio.wait_for(connection.disconnect(), 2)
            except Exception:
                pass
        try:
            await self.device.power_off()
        except Exception:
            pass
