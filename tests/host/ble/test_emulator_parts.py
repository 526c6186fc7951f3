"""The emulator's pieces on their own: ring, faults, device model, GATT-free behaviour."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.emulator import LinkFaults, ReplayDevice, analytic_motion
from dorsi.emulator.replay import heading
from dorsi.emulator.ring import SampleRing
from dorsi.orientation import quat_multiply
from dorsi.protocol import Command, Result, Status, StreamDecoder, encode_command, spec


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 50), st.lists(st.integers(0, 80), min_size=1, max_size=20))
def test_ring_holds_the_last_capacity_samples(capacity: int, chunks: list[int]) -> None:
    ring = SampleRing(capacity)
    total = 0
    for n in chunks:
        t = np.arange(total, total + n, dtype=float)
        ring.append(t, np.zeros((n, 3)), np.zeros((n, 3)), np.zeros((n, 4)), 10_000)
        total += n
    assert ring.head == total and ring.oldest == max(0, total - capacity) and ring.held == min(total, capacity)
    if ring.held:
        np.testing.assert_array_equal(ring.t[ring.slots(ring.oldest, ring.held)], np.arange(ring.oldest, total))
    with pytest.raises(IndexError):
        ring.slots(ring.oldest - 1 if ring.oldest else total, 1)


def test_fault_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        LinkFaults(delay_s=-1)
    with pytest.raises(ValueError):
        LinkFaults(drop_probability=1.5)
    with pytest.raises(ValueError):
        LinkFaults(burst_length=0)
    with pytest.raises(ValueError):
        LinkFaults().stall(clears_on="never")  # type: ignore[arg-type]


def test_random_bursts_lose_whole_bursts() -> None:
    faults = LinkFaults(drop_probability=0.05, burst_length=4, seed=7)
    lost = np.array([faults.lose() for _ in range(4000)])
    starts = np.flatnonzero(np.diff(lost.astype(int)) == 1) + 1
    assert faults.dropped_ == lost.sum() > 0
    # bursts are runs of at least burst_length (back-to-back bursts merge)
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate(([0], lost.astype(int), [0]))) != 0))[::2]
    assert len(starts) > 0 and np.all(runs % 4 == 0)


def test_quaternion_helpers() -> None:
    yaw = np.deg2rad(40.0)
    q = np.array([np.cos(yaw / 2), 0, 0, np.sin(yaw / 2)])
    assert heading(q) == pytest.approx(yaw)
    back = quat_multiply(np.array([np.cos(-yaw / 2), 0, 0, np.sin(-yaw / 2)]), q)
    np.testing.assert_allclose(back, [1, 0, 0, 0], atol=1e-12)


class Recorder:
    """A notify callback that accepts everything (a perfect link)."""

    def __init__(self) -> None:
        self.sent: dict[str, list[bytes]] = {"stream": [], "status": [], "battery": []}

    async def __call__(self, char: str, payload: bytes) -> bool:
        self.sent[char].append(payload)
        return True


def _device(**kwargs: object) -> tuple[ReplayDevice, Recorder]:
    device = ReplayDevice(analytic_motion("foot", 5.0, amplitude_deg=kwargs.pop("amplitude", 30.0)), **kwargs)  # type: ignore[arg-type]
    recorder = Recorder()
    device.attach(recorder)
    return device, recorder


def test_replay_device_store_and_forward_then_backlog_flag() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        device, rec = _device(speed=20.0)
        device.boot()
        device.connected(247)
        running = asyncio.create_task(device.run())
        await asyncio.sleep(0.1)  # about 200 samples at speed 20, nobody subscribed
        held = device.next_seq
        device.subscribed(True)
        await asyncio.sleep(0.1)
        running.cancel()
        return rec, held

    rec, held = asyncio.run(scenario())
    decoder = StreamDecoder(errors="raise")
    batch = decoder.feed(rec.sent["stream"])
    assert batch is not None and batch.seq[0] == 0 and decoder.stats.gaps == []
    flags = batch.meta["flags"]
    first_live = np.flatnonzero((flags & spec.FLAG_BACKLOG) == 0)
    assert first_live.size and np.all(flags[: first_live[0]] & spec.FLAG_BACKLOG)
    assert first_live[0] * spec.samples_per_notification(247) >= held - spec.samples_per_notification(247)


def test_replay_device_commands_and_status() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        device, rec = _device(speed=10.0, amplitude=0.0)
        device.boot()
        await asyncio.sleep(0.1)
        for data in (
            encode_command(Command.TARE),
            encode_command(Command.STOP),
            encode_command(Command.START),
            encode_command(Command.SET_RATE, 200),
            b"\x03\x01",
        ):
            await device.control(data)
        return [Status.unpack(s) for s in rec.sent["status"]], device

    statuses, device = asyncio.run(scenario())
    assert [s.result for s in statuses] == [Result.OK, Result.OK, Result.OK, Result.OK, Result.BAD_LENGTH]
    assert not statuses[1].streaming and statuses[2].streaming and statuses[3].rate_hz == 200
    assert statuses[0].still and [s.command_counter for s in statuses] == [1, 2, 3, 4, 5]
    assert device.role == "foot" and device.name == "dorsi-F1"


def test_replay_device_rejects_bad_construction() -> None:
    batch = analytic_motion("shin", 1.0)
    with pytest.raises(ValueError, match="speed"):
        ReplayDevice(batch, speed=0)
    with pytest.raises(ValueError, match="rate_hz"):
        ReplayDevice(batch, rate_hz=1000)
    with pytest.raises(ValueError, match="at least 2"):
        ReplayDevice(batch.slice(0, 1))
