"""Paired-only control over the emulated air: strangers are refused, the bonded host is obeyed."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from bleak import BleakClient
from bleak.exc import BleakError

from dorsi.ble.link_security import (
    INSUFFICIENT_AUTHENTICATION,
    INSUFFICIENT_ENCRYPTION,
    SecurityPolicy,
    access_error,
)
from dorsi.ble.pairing import PairingError, pair_sensor
from dorsi.ble.transport import SensorLink, StreamPacket
from dorsi.protocol import Command, Result, Status, encode_command, spec

from .helpers import ForeignCentral, run, secured, until


@pytest.mark.parametrize(
    ("required", "encrypted", "bonded", "expected"),
    [
        (False, False, False, None),
        (True, True, True, None),
        (True, False, True, INSUFFICIENT_ENCRYPTION),
        (True, False, False, INSUFFICIENT_AUTHENTICATION),
        (True, True, False, INSUFFICIENT_AUTHENTICATION),  # encrypted without a bond (no keys kept)
    ],
)
def test_access_decision_table(required: bool, encrypted: bool, bonded: bool, expected: int | None) -> None:
    assert access_error(required, encrypted, bonded) == expected


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="pairing_window_s"):
        SecurityPolicy(pairing_window_s=-1)
    with pytest.raises(ValueError, match="max_bonds"):
        SecurityPolicy(max_bonds=0)


def test_unpaired_central_connects_but_cannot_command_and_the_sensor_keeps_running() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy.strict()) as rig:
            async with BleakClient(rig.sensor.address, backend=rig.backends.client) as client:
                before = Status.unpack(bytes(await client.read_gatt_char(spec.STATUS_UUID)))
                errors = []
                for command in (encode_command(Command.START), encode_command(Command.SET_RATE, 200),
                                encode_command(Command.TARE), encode_command(Command.BACKLOG, 0)):
                    with pytest.raises(BleakError, match="Insufficient Authentication") as info:
                        await client.write_gatt_char(spec.CONTROL_UUID, command, response=True)
                    errors.append(str(info.value))
                with pytest.raises(BleakError, match="Insufficient Authentication"):
                    await client.start_notify(spec.STREAM_UUID, lambda *_: None)
                await asyncio.sleep(0.3)
                after = Status.unpack(bytes(await client.read_gatt_char(spec.STATUS_UUID)))
                info_name = bytes(await client.read_gatt_char(spec.MANUFACTURER_NAME_UUID))
                return before, after, errors, rig.sensor.denied_, rig.sensor.link_encrypted, info_name

    before, after, errors, denied, encrypted, info_name = run(scenario())
    assert not encrypted and denied == 5
    assert all("dorsi pair" in e for e in errors)  # the message tells the user what to do
    # nothing reached the device model: no command, no counter step, same rate, no subscriber
    assert after.command_counter == before.command_counter == 0 and after.result is Result.NONE
    assert after.rate_hz == before.rate_hz and not after.subscribed  # no stream reached a stranger
    # and it kept sampling into its ring
    assert after.next_seq > before.next_seq
    assert info_name  # public, non-personal information stays readable


def test_bonded_central_is_obeyed_and_reencrypts_on_reconnection() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy.strict()) as rig:
            result = await pair_sensor(rig.sensor.address, client_backend=rig.backends.client, identify_s=3)
            bonds = await rig.sensor.bonds()
            # a new connection: no pairing, the stored bond encrypts on the sensor's first refusal
            async with BleakClient(rig.sensor.address, backend=rig.backends.client) as client:
                received: list[bytes] = []
                await client.start_notify(spec.STREAM_UUID, lambda _c, d: received.append(bytes(d)))
                await client.write_gatt_char(spec.CONTROL_UUID, encode_command(Command.SET_RATE, 50), response=True)
                await client.write_gatt_char(spec.CONTROL_UUID, encode_command(Command.START), response=True)
                await until(lambda: len(received) >= 3)
                status = Status.unpack(bytes(await client.read_gatt_char(spec.STATUS_UUID)))
                return result, bonds, status, rig.sensor.link_encrypted, len(received)

    result, bonds, status, encrypted, n = run(scenario())
    assert result.status.identifying and result.status.result is Result.OK
    assert len(bonds) == 1
    assert encrypted and n >= 3
    assert status.rate_hz == 50 and status.streaming and status.last_command == Command.START


def test_replayed_write_from_a_foreign_central_is_refused() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy()) as rig:
            await pair_sensor(rig.sensor.address, client_backend=rig.backends.client, identify_s=1)
            captured = encode_command(Command.SET_RATE, 25)  # what a sniffer saw the owner send
            async with BleakClient(rig.sensor.address, backend=rig.backends.client) as owner:
                await owner.write_gatt_char(spec.CONTROL_UUID, encode_command(Command.SET_RATE, 200), response=True)
            await until(lambda: not rig.sensor.is_connected)
            denied_before = rig.sensor.denied_  # the owner's first write met the refusal, then encrypted
            stranger = await ForeignCentral(rig.air).connect(rig.sensor.address)
            try:
                before = await stranger.status()
                with_response = await stranger.write(spec.CONTROL_UUID, captured, with_response=True)
                without_response = await stranger.write(spec.CONTROL_UUID, captured, with_response=False)
                pairing_refused = rig.sensor.pairings_refused_
                await asyncio.sleep(0.2)
                after = await stranger.status()
            finally:
                await stranger.close()
            return before, after, with_response, without_response, rig.sensor.denied_ - denied_before, pairing_refused

    before, after, with_response, without_response, denied, _ = run(scenario())
    assert with_response == INSUFFICIENT_AUTHENTICATION
    assert without_response is None  # a write command gets no answer ...
    assert denied == 2  # ... but it was refused all the same
    assert before.rate_hz == after.rate_hz == 200
    assert after.command_counter == before.command_counter


def test_spoofed_owner_address_without_the_key_cannot_encrypt() -> None:
    """A stranger that takes the owner's address has no LTK: encryption fails, control is refused."""

    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy()) as rig:
            await pair_sensor(rig.sensor.address, client_backend=rig.backends.client, identify_s=1)
            owner_address = (await rig.sensor.bonds())[0]
            central = await rig.air.central()
            await central.power_off()  # the owner's computer is away
            stranger = ForeignCentral(rig.air, "spoof", address=owner_address)
            await stranger.connect(rig.sensor.address)
            try:
                connection = stranger.peer.connection  # type: ignore[union-attr]
                # it claims the bond with a made-up key
                from bumble.keys import PairingKeys

                keys = PairingKeys()
                keys.ltk = PairingKeys.Key(value=bytes(range(16)))
                await stranger.device.keystore.update(str(connection.peer_address), keys)  # type: ignore[union-attr]
                encrypt_failed = False
                try:
                    await asyncio.wait_for(connection.encrypt(), 5)
                except (Exception, asyncio.CancelledError):  # the sensor's controller rejects the wrong key
                    encrypt_failed = True
                await asyncio.sleep(0.1)
                code = None
                if rig.sensor.is_connected:
                    code = await stranger.write(spec.CONTROL_UUID, encode_command(Command.START))
                return encrypt_failed, code, rig.sensor.is_connected, rig.sensor.link_encrypted, \
                    rig.sensor.model.status()
            finally:
                await stranger.close()

    encrypt_failed, code, connected, encrypted, status = run(scenario())
    assert encrypt_failed and not encrypted
    # a key mismatch ends the link (as a MIC failure does on a radio), or the write meets the refusal
    assert not connected or code == INSUFFICIENT_ENCRYPTION
    assert Status.unpack(status).last_command == Command.IDENTIFY  # the owner's command, nothing later


def test_pairing_needs_the_window_open() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy(pairing_window_s=0.0)) as rig:
            with pytest.raises(PairingError, match="refused to pair"):
                await pair_sensor(rig.sensor.address, client_backend=rig.backends.client)
            refused, bonds_closed = rig.sensor.pairings_refused_, await rig.sensor.bonds()
            rig.sensor.open_pairing_window(30.0)  # the user presses the button
            result = await pair_sensor(rig.sensor.address, client_backend=rig.backends.client)
            return refused, bonds_closed, result, await rig.sensor.bonds()

    refused, bonds_closed, result, bonds = run(scenario())
    assert refused == 1 and bonds_closed == []
    assert result.status.result is Result.OK and len(bonds) == 1


def test_bond_table_is_bounded() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy(max_bonds=1, pairing_window_s=None)) as rig:
            await pair_sensor(rig.sensor.address, client_backend=rig.backends.client, identify_s=1)
            await until(lambda: not rig.sensor.is_connected)
            stranger = await ForeignCentral(rig.air).connect(rig.sensor.address)
            try:
                error = None
                try:
                    await asyncio.wait_for(stranger.peer.connection.pair(), 5)  # type: ignore[union-attr]
                except Exception as exc:
                    error = exc
            finally:
                await stranger.close()
            return error, rig.sensor.pairings_refused_, await rig.sensor.bonds()

    error, refused, bonds = run(scenario())
    assert error is not None and refused == 1 and len(bonds) == 1


def test_sensor_link_streams_through_a_bonded_link() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy.strict()) as rig:
            await pair_sensor(rig.sensor.address, client_backend=rig.backends.client, identify_s=1)
            packets: list[StreamPacket] = []
            link = SensorLink(("shin",), scanner_backend=rig.backends.scanner, client_backend=rig.backends.client,
                              on_event=lambda e: packets.append(e) if isinstance(e, StreamPacket) else None,
                              scan_timeout=3.0)
            async with link:
                await until(lambda: sum(p.count for p in packets) >= 200)
                await rig.sensor.disconnect()  # a reconnection re-encrypts with the bond
                seen = sum(p.count for p in packets)
                await until(lambda: sum(p.count for p in packets) >= seen + 200)
            seqs = np.concatenate([np.arange(p.seq, p.seq + p.count) for p in packets])
            return seqs, link.sensors["shin"].reconnects_, rig.sensor.denied_

    seqs, reconnects, denied = run(scenario())
    assert reconnects == 1
    np.testing.assert_array_equal(seqs, np.arange(seqs[0], seqs[0] + len(seqs)))  # none lost, none twice
    assert denied >= 1  # the first subscription after each connection met the sensor's refusal, then encrypted


def test_unbonded_sensor_link_fails_with_a_clear_message() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy()) as rig:
            link = SensorLink(("shin",), scanner_backend=rig.backends.scanner, client_backend=rig.backends.client,
                              scan_timeout=3.0)
            with pytest.raises(BleakError, match="dorsi pair"):
                await link.open()
            await link.close()

    run(scenario())


def test_sensor_link_pairs_on_connection_when_asked() -> None:
    """``pair=True`` (bleak's pair-before-use) bonds during the pairing window, then streams."""

    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy.strict()) as rig:
            packets: list[StreamPacket] = []
            link = SensorLink(("shin",), scanner_backend=rig.backends.scanner, client_backend=rig.backends.client,
                              scan_timeout=3.0, pair=True,
                              on_event=lambda e: packets.append(e) if isinstance(e, StreamPacket) else None)
            async with link:
                await until(lambda: sum(p.count for p in packets) >= 50)
            return await rig.sensor.bonds(), rig.sensor.denied_

    bonds, denied = run(scenario())
    assert len(bonds) == 1 and denied == 0  # secured before the first protected operation


def test_pair_command_walks_through_pairing(capsys: pytest.CaptureFixture[str]) -> None:
    from dorsi.cli import main

    assert main(["pair", "--emulate", "--identify", "2"]) == 0
    out = capsys.readouterr().out
    assert "Bonded with dorsi-S1" in out and "blinks for 2 s" in out
    assert main(["pair", "--emulate", "--identify", "0"]) == 2


def test_a_sensor_that_forgot_the_bond_gives_a_clear_error_and_pairs_again() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy()) as rig:
            await pair_sensor(rig.sensor.address, client_backend=rig.backends.client, identify_s=1)
            await until(lambda: not rig.sensor.is_connected)
            await rig.sensor.forget_bonds()  # factory reset of the sensor
            link = SensorLink(("shin",), scanner_backend=rig.backends.scanner, client_backend=rig.backends.client,
                              scan_timeout=3.0)
            with pytest.raises(BleakError, match="pair it again|dorsi pair"):
                await link.open()
            await link.close()
            await until(lambda: not rig.sensor.is_connected)
            result = await pair_sensor(rig.sensor.address, client_backend=rig.backends.client, identify_s=1)
            return result, await rig.sensor.bonds()

    result, bonds = run(scenario())
    assert result.status.result is Result.OK and len(bonds) == 1


def test_a_session_with_an_unpaired_sensor_stops_before_writing_anything(tmp_path) -> None:
    from dorsi.ble import LinkOpenError
    from dorsi.routine import default_routine
    from dorsi.session.runner import run_session

    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy()) as rig:
            options = {"scanner_backend": rig.backends.scanner, "client_backend": rig.backends.client,
                       "scan_timeout": 3.0}
            with pytest.raises(LinkOpenError, match="dorsi pair"):
                await run_session(default_routine(), tmp_path / "s.dorsi", link_options=options)

    run(scenario())
    assert not (tmp_path / "s.dorsi").exists()
