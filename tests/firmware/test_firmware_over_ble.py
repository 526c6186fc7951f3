"""End to end: the real firmware (``FirmwareDevice``) on the emulated BLE air, read by ``SensorLink``.

The firmware runs in ``micropython`` behind ``EmulatedPeripheral``; the host side
is the real bleak API on the bumble backend. A forced disconnect mid-stream
must be healed by the host's BACKLOG request to the firmware's ring: every
sample exactly once.
"""

from __future__ import annotations

import asyncio

import numpy as np

from dorsi.ble import EmulatedAir
from dorsi.ble.events import LinkEvent, StreamPacket
from dorsi.ble.transport import SensorLink
from dorsi.emulator import DEFAULT_RSSI, EmulatedPeripheral
from dorsi.emulator.firmware_device import FirmwareDevice
from dorsi.protocol import Status, StreamDecoder

from .test_firmware_device import batch_from_motion, wait_for


class Collector:
    """Keeps the stream packets ``SensorLink`` delivers."""

    def __init__(self) -> None:
        self.packets: list[StreamPacket] = []

    def __call__(self, event: LinkEvent) -> None:
        if isinstance(event, StreamPacket):
            self.packets.append(event)

    def seqs(self) -> np.ndarray:
        parts = [np.arange(p.seq, p.seq + p.count) for p in self.packets]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def delivered_through(self, seq: int) -> bool:
        s = self.seqs()
        return s.size > 0 and int(s[-1]) >= seq


def test_real_firmware_over_emulated_ble_reconnects_without_loss() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with EmulatedAir() as air:
            model = FirmwareDevice(batch_from_motion(), speed=2.0)
            shin = await EmulatedPeripheral(air, model, rssi_dbm=DEFAULT_RSSI["shin"]).start()
            backends = air.backends()
            got = Collector()
            async with SensorLink(("shin",), scanner_backend=backends.scanner, client_backend=backends.client,
                                  on_event=got, scan_timeout=5.0) as link:
                await wait_for(lambda: got.delivered_through(100), timeout=30)
                await shin.disconnect()
                await asyncio.sleep(0.4)  # the firmware's ring fills while the link is down
                target = Status.unpack(model.status()).next_seq + 150
                await wait_for(lambda: got.delivered_through(target), timeout=30)
                return got, link.gaps_, model

    got, gaps, model = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert gaps == []
    seqs = got.seqs()
    np.testing.assert_array_equal(seqs, np.arange(seqs.size))
    assert any(p.backlog for p in got.packets)
    decoder = StreamDecoder(errors="raise")
    assert decoder.feed([p.payload for p in got.packets]) is not None
    assert decoder.stats.gaps == [] and decoder.stats.duplicates == 0
    assert model.log_[0].startswith("imu: LSM6DSOX")


def test_real_firmware_sleeps_on_command_and_when_left_alone() -> None:
    """SLEEP from ``dorsi sleep``'s code path, then the idle timer; each time the emulated radio
    goes quiet, and the button (``wake``) boots the firmware afresh."""
    from dorsi.ble.discovery import scan_sensors
    from dorsi.ble.sleep import put_to_sleep

    async def scenario():  # type: ignore[no-untyped-def]
        async with EmulatedAir() as air:
            still = batch_from_motion(still_s=6, moving_s=0, after_s=0)
            model = FirmwareDevice(still, speed=2.0, config={"SLEEP_AFTER_S": 2, "PAIRING_WINDOW_S": 0})
            shin = await EmulatedPeripheral(air, model, rssi_dbm=DEFAULT_RSSI["shin"]).start()
            backends = air.backends()
            answer = await put_to_sleep(shin.address, client_backend=backends.client)
            await wait_for(lambda: shin.asleep_, timeout=10)
            asked_log = list(model.log_)
            quiet = await scan_sensors(0.3, scanner_backend=backends.scanner)
            await shin.wake()
            found = await scan_sensors(0.5, scanner_backend=backends.scanner)
            await wait_for(lambda: shin.asleep_, timeout=20)  # nobody connects: asleep again by itself
            return answer, asked_log, quiet, found, list(model.log_), shin.boots_

    answer, asked_log, quiet, found, idle_log, boots = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert answer.status.last_command == 0x07 and answer.status.result == 0
    assert "sleep: asked by the central" in asked_log
    assert quiet == [] and [s.role for s in found] == ["shin"]
    assert "sleep: idle 2 s" in idle_log and boots == 2
