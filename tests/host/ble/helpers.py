"""Helpers for the BLE tests: an emulated air with sensors, polling, event bookkeeping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import numpy as np

from dorsi.ble import BleakBackends, EmulatedAir
from dorsi.ble.events import Gap, LinkEvent, StreamPacket
from dorsi.emulator import DEFAULT_RSSI, EmulatedPeripheral, ReplayDevice, analytic_motion

TEST_TIMEOUT_S = 40.0


def run(coro) -> object:  # type: ignore[no-untyped-def]
    """Run one test coroutine on a fresh event loop (with a hard time limit)."""
    return asyncio.run(asyncio.wait_for(coro, TEST_TIMEOUT_S))


@dataclass
class Rig:
    air: EmulatedAir
    backends: BleakBackends
    sensors: dict[str, EmulatedPeripheral]


@asynccontextmanager
async def emulated(
    *roles: str, seconds: float = 20.0, amplitude_deg: float = 30.0, tx_buffer: int = 24, **replay: object
) -> AsyncIterator[Rig]:
    """An open air with one ReplayDevice peripheral per role (analytic motion)."""
    async with EmulatedAir() as air:
        sensors = {}
        for role in roles or ("shin",):
            model = ReplayDevice(analytic_motion(role, seconds, amplitude_deg=amplitude_deg), **replay)  # type: ignore[arg-type]
            sensors[role] = await EmulatedPeripheral(air, model, rssi_dbm=DEFAULT_RSSI[role], tx_buffer=tx_buffer).start()
        yield Rig(air, air.backends(), sensors)


async def until(predicate: Callable[[], bool], timeout: float = 15.0, period: float = 0.02) -> None:
    """Poll ``predicate`` until true; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(period)


async def settled(count: Callable[[], int], quiet_s: float = 0.15, timeout: float = 15.0) -> int:
    """Wait until ``count()`` has not changed for ``quiet_s`` (what was in flight has landed, however
    loaded the machine); return it. Fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = count()
    while True:
        await asyncio.sleep(quiet_s)
        now = count()
        if now == last:
            return now
        if loop.time() > deadline:
            raise AssertionError(f"still changing after {timeout} s")
        last = now


class Collector:
    """Collects SensorLink events per role (use as ``on_event``)."""

    def __init__(self) -> None:
        self.events: list[LinkEvent] = []

    def __call__(self, event: LinkEvent) -> None:
        self.events.append(event)

    def packets(self, role: str) -> list[StreamPacket]:
        return [e for e in self.events if isinstance(e, StreamPacket) and e.role == role]

    def gaps(self, role: str) -> list[Gap]:
        return [e for e in self.events if isinstance(e, Gap) and e.role == role]

    def seqs(self, role: str, epoch: int = 0) -> np.ndarray:
        """Delivered sample indices of one role and epoch, in delivery order."""
        parts = [np.arange(p.seq, p.seq + p.count) for p in self.packets(role) if p.epoch == epoch]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def delivered_through(self, role: str, seq: int, epoch: int = 0) -> bool:
        s = self.seqs(role, epoch)
        return s.size > 0 and int(s[-1]) >= seq
