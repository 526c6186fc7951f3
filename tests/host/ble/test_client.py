"""BleakClient over the bumble backend: GATT table, MTU, notifications, control, disconnects."""

from __future__ import annotations

import asyncio
import struct

import numpy as np
import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from dorsi.ble import BumbleClient
from dorsi.protocol import Command, Result, Status, StreamDecoder, encode_command, spec

from .helpers import emulated, run, until


def _period_us(packet: bytes) -> int:
    return struct.unpack_from(spec.HEADER_FORMAT, packet)[4]


async def _connect_first(rig, **kwargs):  # type: ignore[no-untyped-def]
    device = await BleakScanner.find_device_by_name("dorsi-S1", timeout=2.0, backend=rig.backends.scanner)
    assert device is not None
    return BleakClient(device, backend=kwargs.pop("backend", rig.backends.client), **kwargs)


def test_gatt_table_mtu_and_reads() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            async with await _connect_first(rig) as client:
                props = {c.uuid: c.properties for s in client.services for c in s.characteristics}
                texts = [
                    bytes(await client.read_gatt_char(u)).decode()
                    for u in (spec.MANUFACTURER_NAME_UUID, spec.MODEL_NUMBER_UUID, spec.FIRMWARE_REVISION_UUID)
                ]
                battery = (await client.read_gatt_char(spec.BATTERY_LEVEL_UUID))[0]
                status = Status.unpack(bytes(await client.read_gatt_char(spec.STATUS_UUID)))
                return client.mtu_size, props, texts, battery, status, client.is_connected

    mtu, props, texts, battery, status, connected = run(scenario())
    assert connected and mtu == 247
    assert props[spec.STREAM_UUID] == ["notify"]
    assert props[spec.CONTROL_UUID] == ["write"]
    assert sorted(props[spec.STATUS_UUID]) == ["notify", "read"]
    assert sorted(props[spec.BATTERY_LEVEL_UUID]) == ["notify", "read"]
    assert texts == ["dorsi", "dorsi-S1", "1.0"]
    assert 0 <= battery <= 100
    assert status.role == spec.Role.SHIN and status.streaming and status.result is Result.NONE


def test_service_filter_limits_discovery() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            async with await _connect_first(rig, services=[spec.BATTERY_SERVICE_UUID]) as client:
                return [s.uuid for s in client.services]

    assert run(scenario()) == [spec.BATTERY_SERVICE_UUID]


def test_att_errors_surface_as_bleak_errors() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            async with await _connect_first(rig) as client:
                with pytest.raises(BleakError, match="WRITE_NOT_PERMITTED"):
                    await client.write_gatt_char(spec.STATUS_UUID, b"\x00", response=True)
                with pytest.raises(BleakError, match="WRITE_NOT_PERMITTED"):
                    await client.write_gatt_char(spec.MANUFACTURER_NAME_UUID, b"evil", response=True)
                with pytest.raises(BleakError, match="READ_NOT_PERMITTED"):
                    await client.read_gatt_char(spec.CONTROL_UUID)
                assert bytes(await client.read_gatt_char(spec.MANUFACTURER_NAME_UUID)) == b"dorsi"
                return Status.unpack(bytes(await client.read_gatt_char(spec.STATUS_UUID)))  # link still fine

    assert run(scenario()).role == spec.Role.SHIN


def test_notifications_arrive_in_order_at_100hz_with_none_lost() -> None:
    """Real time (speed 1): 1.5 s of stream decodes to contiguous 100 Hz samples matching the source."""

    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            async with await _connect_first(rig) as client:
                payloads: list[bytes] = []
                await client.start_notify(spec.STREAM_UUID, lambda _c, d: payloads.append(bytes(d)))
                await until(lambda: len(payloads) >= 14)
                await client.stop_notify(spec.STREAM_UUID)
                return payloads, client.mtu_size

    payloads, mtu = run(scenario())
    assert all(len(p) <= mtu - 3 for p in payloads)
    decoder = StreamDecoder(errors="raise")
    batch = decoder.feed(payloads)
    assert batch is not None
    assert decoder.stats.gaps == [] and decoder.stats.duplicates == 0
    np.testing.assert_array_equal(batch.seq, np.arange(batch.seq[0], batch.seq[0] + len(batch)))
    assert batch.seq[0] == 0
    np.testing.assert_allclose(np.diff(batch.t), 0.01, atol=1e-6)
    # the analytic shin motion: theta = 30 deg sin(2 pi t), pitch about +y, phi = theta - 90 deg
    t = batch.t - batch.t[0]
    phi = np.deg2rad(30.0) * np.sin(2 * np.pi * t) - np.pi / 2
    np.testing.assert_allclose(batch.quat[:, 0], np.cos(phi / 2), atol=2e-3)
    np.testing.assert_allclose(batch.quat[:, 2], np.sin(phi / 2), atol=2e-3)


def test_control_write_reports_result_in_status() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=4.0) as rig:
            async with await _connect_first(rig) as client:
                statuses: list[Status] = []
                payloads: list[bytes] = []
                await client.start_notify(spec.STATUS_UUID, lambda _c, d: statuses.append(Status.unpack(bytes(d))))
                await client.start_notify(spec.STREAM_UUID, lambda _c, d: payloads.append(bytes(d)))
                await client.write_gatt_char(spec.CONTROL_UUID, encode_command(Command.SET_RATE, 50), response=True)
                await client.write_gatt_char(spec.CONTROL_UUID, encode_command(Command.IDENTIFY, 5), response=True)
                await until(lambda: len(statuses) == 2)
                await until(lambda: sum(_period_us(p) == 20_000 for p in payloads) >= 3)
                return statuses, payloads

    statuses, payloads = run(scenario())
    assert [(s.last_command, s.result, s.command_counter) for s in statuses] == [
        (Command.SET_RATE, Result.OK, 1),
        (Command.IDENTIFY, Result.OK, 2),
    ]
    assert statuses[0].rate_hz == 50 and statuses[1].identifying
    decoder = StreamDecoder(errors="raise")
    batch = decoder.feed(payloads)
    assert batch is not None and decoder.stats.gaps == []
    periods = np.array([_period_us(p) for p in payloads])
    switch = int(np.argmax(periods == 20_000))  # one clean switch from 100 Hz to 50 Hz packets
    assert switch > 0 and np.all(periods[:switch] == 10_000) and np.all(periods[switch:] == 20_000)
    np.testing.assert_allclose(np.diff(batch.t)[-3:], 0.02, atol=1e-6)


@pytest.mark.parametrize(
    ("data", "result"),
    [
        (b"", Result.BAD_LENGTH),
        (b"\x7f", Result.UNKNOWN_COMMAND),
        (bytes([Command.SET_RATE]), Result.BAD_LENGTH),
        (bytes([Command.SET_RATE]) + (500).to_bytes(2, "little"), Result.OUT_OF_RANGE),
        (bytes([Command.IDENTIFY, 0]), Result.OUT_OF_RANGE),
        (bytes([Command.BACKLOG]) + (10**9).to_bytes(4, "little"), Result.OUT_OF_RANGE),
        (bytes([Command.TARE]), Result.INVALID_STATE),  # the shin is moving: no bias estimate
    ],
)
def test_invalid_control_gets_error_status_and_stream_continues(data: bytes, result: Result) -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=4.0) as rig:
            async with await _connect_first(rig) as client:
                statuses: list[Status] = []
                payloads: list[bytes] = []
                await client.start_notify(spec.STATUS_UUID, lambda _c, d: statuses.append(Status.unpack(bytes(d))))
                await client.start_notify(spec.STREAM_UUID, lambda _c, d: payloads.append(bytes(d)))
                await until(lambda: len(payloads) >= 2)
                await client.write_gatt_char(spec.CONTROL_UUID, data, response=True)
                await until(lambda: len(statuses) == 1)
                n_before = len(payloads)
                await until(lambda: len(payloads) >= n_before + 4)
                return statuses[0], payloads

    status, payloads = run(scenario())
    assert status.result is result and status.command_counter == 1 and status.streaming
    decoder = StreamDecoder(errors="raise")
    batch = decoder.feed(payloads)
    assert batch is not None and decoder.stats.gaps == [] and decoder.stats.duplicates == 0


def test_peripheral_disconnect_fires_disconnected_callback_once() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            fired: list[BleakClient] = []
            client = await _connect_first(rig, disconnected_callback=fired.append)
            await client.connect()
            assert await rig.sensors["shin"].disconnect()
            await until(lambda: len(fired) == 1)
            after_drop = client.is_connected
            await client.connect()  # the sensor advertises again
            reconnected = client.is_connected
            await client.disconnect()  # asked for: no callback
            await asyncio.sleep(0.1)
            return fired, client, after_drop, reconnected

    fired, client, after_drop, reconnected = run(scenario())
    assert fired == [client]
    assert not after_drop and reconnected


def test_small_mtu_sends_fragments_that_reassemble() -> None:
    """A central that keeps the default MTU 23 gets fragmented packets; nothing is lost."""

    class SmallMtuClient(BumbleClient):
        requested_mtu = 23

    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", speed=2.0) as rig:
            SmallMtuClient.air = rig.air
            async with await _connect_first(rig, backend=SmallMtuClient) as client:
                payloads: list[bytes] = []
                await client.start_notify(spec.STREAM_UUID, lambda _c, d: payloads.append(bytes(d)))
                await until(lambda: len(payloads) >= 40)
                return client.mtu_size, payloads

    mtu, payloads = run(scenario())
    assert mtu == 23 and all(len(p) <= 20 for p in payloads)
    assert all(p[0] & spec.FRAGMENT_MARKER for p in payloads)
    decoder = StreamDecoder(errors="raise")
    batch = decoder.feed(payloads)
    assert batch is not None and len(batch) >= 15
    assert decoder.stats.gaps == [] and decoder.stats.duplicates == 0


@pytest.mark.parametrize("pair", [False, True])
def test_pairing_encrypts_the_link(pair: bool) -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            async with await _connect_first(rig, pair=pair) as client:
                level = (await client.read_gatt_char(spec.BATTERY_LEVEL_UUID))[0]
                return rig.sensors["shin"].link_encrypted, level

    encrypted, level = run(scenario())
    assert encrypted is pair and 0 <= level <= 100
