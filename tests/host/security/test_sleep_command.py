"""SLEEP from the host (``dorsi sleep``): obeyed over the bond, the sensor goes quiet, its button wakes it."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from dorsi.ble.discovery import scan_sensors
from dorsi.ble.events import StreamPacket
from dorsi.ble.link_security import SecurityPolicy
from dorsi.ble.pairing import pair_sensor
from dorsi.ble.sleep import SleepError, put_to_sleep
from dorsi.ble.transport import SensorLink
from dorsi.cli import main
from dorsi.emulator import ReplayDevice, analytic_motion, replay
from dorsi.protocol import Status, encode_command, parse_command
from dorsi.protocol.spec import Command, Result

from .helpers import run, secured, until


def test_a_bonded_computer_puts_the_sensor_to_sleep_and_the_button_wakes_it() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured() as rig:
            sensor = rig.sensor
            result = await put_to_sleep(sensor.address, client_backend=rig.backends.client)  # pairs in the window
            await until(lambda: sensor.asleep_)
            quiet = await scan_sensors(0.5, scanner_backend=rig.backends.scanner)
            await sensor.wake()  # the button
            found = await scan_sensors(0.5, scanner_backend=rig.backends.scanner)
            packets: list[StreamPacket] = []
            link = SensorLink(("shin",), scanner_backend=rig.backends.scanner, client_backend=rig.backends.client,
                              on_event=lambda e: packets.append(e) if isinstance(e, StreamPacket) else None,
                              scan_timeout=3.0)
            async with link:
                await until(lambda: sum(p.count for p in packets) >= 50)
            return result, quiet, found, packets, sensor.boots_

    result, quiet, found, packets, boots = run(scenario())
    assert result.status.last_command == Command.SLEEP and result.status.result is Result.OK
    assert quiet == []  # asleep: not advertising
    assert [s.role for s in found] == ["shin"]
    assert boots == 2 and packets[0].seq == 0  # woken with a reset: seq from 0


def test_a_computer_without_the_bond_cannot_put_it_to_sleep() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured(SecurityPolicy(pairing_window_s=0.0)) as rig:
            with pytest.raises(SleepError) as caught:
                await put_to_sleep(rig.sensor.address, client_backend=rig.backends.client, timeout=3.0)
            await asyncio.sleep(0.5)
            return str(caught.value), rig.sensor.asleep_

    message, asleep = run(scenario())
    assert not asleep
    assert message.startswith("cannot connect") and "dorsi pair" in message
    assert "\n" not in message


def test_a_sensor_that_cannot_be_woken_refuses_to_sleep() -> None:
    """Without a peripheral to power it down (as a board without a wake button) SLEEP is INVALID_STATE."""

    async def scenario() -> Status:
        model = ReplayDevice(analytic_motion("shin", 5.0))
        model.boot()
        await model.control(encode_command(Command.SLEEP))
        return Status.unpack(model.status())

    status = asyncio.run(scenario())
    assert status.last_command == Command.SLEEP and status.result is Result.INVALID_STATE


def test_an_old_firmware_answer_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    """Firmware older than SLEEP answers UNKNOWN_COMMAND: the user is told to update it."""

    async def scenario():  # type: ignore[no-untyped-def]
        async with secured() as rig:
            await pair_sensor(rig.sensor.address, client_backend=rig.backends.client, identify_s=1)
            await until(lambda: not rig.sensor.is_connected)

            def old_parse(data: bytes):  # type: ignore[no-untyped-def]
                opcode, argument, result = parse_command(data)
                return (opcode, 0, Result.UNKNOWN_COMMAND) if opcode == Command.SLEEP else (opcode, argument, result)

            monkeypatch.setattr(replay, "parse_command", old_parse)
            with pytest.raises(SleepError, match="firmware is older"):
                await put_to_sleep(rig.sensor.address, client_backend=rig.backends.client)
            return rig.sensor.asleep_

    assert run(scenario()) is False


def test_cli_sleep_emulated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sleep", "--emulate", "--foot"]) == 0
    out = capsys.readouterr().out
    assert out.count("asleep. Press its button") == 2
    assert "emulated dorsi-S1: asleep" in out and "emulated dorsi-F1: asleep" in out


def test_cli_sleep_refuses_foot_without_emulate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sleep", "--foot"]) == 2
    assert main(["sleep", "--emulate", "--timeout", "0"]) == 2
    np.testing.assert_equal(capsys.readouterr().out.count("must be positive"), 1)
