"""``FirmwareDevice``: the real firmware behind the emulator's device-model interface."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from dorsi.emulator.device import DeviceModel
from dorsi.emulator.firmware_device import FirmwareDevice
from dorsi.protocol import Status, StreamDecoder, encode_command
from dorsi.protocol.spec import Command, Result
from dorsi.samples import SampleBatch

from .motion import G, lunge


def batch_from_motion(rate: float = 104.0, still_s: float = 3, moving_s: float = 4, after_s: float = 1) -> SampleBatch:
    m = lunge(rate, still_s=still_s, moving_s=moving_s, after_s=after_s)
    return SampleBatch("shin", np.arange(len(m.t)), m.t, m.acc_g * G, np.deg2rad(m.gyr_dps), m.quat)


class Central:
    """Collects what the device notifies; can refuse for a while (a full link)."""

    def __init__(self) -> None:
        self.stream: list[bytes] = []
        self.status: list[bytes] = []
        self.refuse = 0

    async def notify(self, char: str, payload: bytes) -> bool:
        if char == "stream":
            if self.refuse > 0:
                self.refuse -= 1
                return False
            self.stream.append(payload)
        elif char == "status":
            self.status.append(payload)
        return True


async def wait_for(predicate, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


def test_firmware_device_streams_and_answers_commands():
    async def scenario() -> tuple[FirmwareDevice, Central]:
        dev = FirmwareDevice(batch_from_motion(), speed=4.0)
        central = Central()
        dev.attach(central.notify)
        task = asyncio.create_task(dev.run())
        try:
            await wait_for(lambda: dev.advertising_)
            dev.connected(23)
            dev.connected(247)
            dev.subscribed(True)
            central.refuse = 5  # the link is full for a moment: nothing may be lost
            await wait_for(lambda: sum(p[3] for p in central.stream) >= 300)
            await dev.control(encode_command(Command.IDENTIFY, 2))
            await wait_for(lambda: any(Status.unpack(s).command_counter == 1 for s in central.status))
            await dev.control(b"\x03\x01")  # SET_RATE with a short argument
            await wait_for(lambda: any(Status.unpack(s).command_counter == 2 for s in central.status))
            dev.disconnected()
            await asyncio.sleep(0.5)  # samples pile up in the firmware's ring
            dev.connected(185)
            dev.subscribed(True)
            await wait_for(lambda: sum(p[3] for p in central.stream) >= 900)
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        return dev, central

    dev, central = asyncio.run(scenario())
    assert isinstance(dev, DeviceModel)
    assert dev.log_[0].startswith("imu: LSM6DSOX")
    assert b"dorsi-S1" in dev.advertising_[0][0]
    decoder = StreamDecoder(errors="raise")
    batch = decoder.feed(central.stream)
    np.testing.assert_array_equal(batch.seq, np.arange(len(batch.seq)))  # nothing lost, nothing twice
    assert decoder.stats.lost_samples == 0 and decoder.stats.duplicates == 0
    last = Status.unpack(central.status[-1])
    results = {Status.unpack(s).command_counter: Status.unpack(s).last_result for s in central.status}
    assert results[1] == Result.OK and results[2] == Result.BAD_LENGTH
    assert last.firmware_major == 1 and dev.battery() == 80
    # orientation is the firmware's own: unit quaternions that move during the lunges
    tilt = np.degrees(np.arccos(np.clip(np.abs(batch.quat[:, 0]), 0, 1))) * 2
    assert tilt.max() - tilt.min() > 20


def test_a_short_motion_loops_and_sampling_never_ends():
    async def scenario() -> Central:
        dev = FirmwareDevice(batch_from_motion(still_s=1.0, moving_s=0.5, after_s=0.0), speed=6.0)
        central = Central()
        dev.attach(central.notify)
        task = asyncio.create_task(dev.run())
        try:
            await wait_for(lambda: dev.advertising_)
            dev.connected(247)
            dev.subscribed(True)
            await wait_for(lambda: sum(p[3] for p in central.stream) >= 500)  # over three passes of the motion
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        return central

    central = asyncio.run(scenario())
    batch = StreamDecoder(errors="raise").feed(central.stream)
    np.testing.assert_array_equal(batch.seq, np.arange(len(batch.seq)))
    assert len(batch.seq) >= 500


def test_bad_settings_are_refused():
    batch = batch_from_motion()
    with pytest.raises(ValueError):
        FirmwareDevice(batch, chip="bmi270")
    with pytest.raises(ValueError):
        FirmwareDevice(batch, name="much-too-long")
    with pytest.raises(ValueError):
        FirmwareDevice(batch, speed=0)
