"""Putting a sensor to sleep from the host: the SLEEP command through bleak's public API.

The sensor sleeps by itself once nobody has been connected and it has lain
still for a few minutes (``docs/firmware.md``, Sleep); ``dorsi sleep`` does it
at once, e.g. before a sensor goes into a bag. Like every control command,
SLEEP is obeyed only over an encrypted link with a bonded computer, so the
client connects with ``pair=True`` (re-encrypting with the bond), writes the
command, waits for the status notification that answers it
(:func:`dorsi.ble.command_answer.command_answer`) and lets the sensor drop
the link (it does, 0.3 s after answering).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bleak import BleakClient
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from dorsi.ble.command_answer import command_answer
from dorsi.protocol import ProtocolError, Status, encode_command
from dorsi.protocol.spec import Command, Result

_REFUSALS = {
    Result.NOT_AUTHORIZED: "it is not paired with this computer (dorsi pair), so it takes no commands from it",
    Result.INVALID_STATE: "its board has no wake button, so it does not sleep: switch it off instead",
    Result.UNKNOWN_COMMAND: "its firmware is older than the SLEEP command: update it (dorsi firmware deploy)",
}


class SleepError(RuntimeError):
    """The sensor did not go to sleep (message: one line for the user)."""


@dataclass(frozen=True)
class SleepResult:
    """A sensor that answered SLEEP with OK (it is asleep a moment later)."""

    address: str
    name: str | None
    status: Status


async def put_to_sleep(
    device: BLEDevice | str,
    *,
    client_backend: type[BaseBleakClient] | None = None,
    timeout: float = 10.0,
    answer_timeout: float = 3.0,
) -> SleepResult:
    """Send SLEEP to one sensor and check its answer.

    Parameters
    ----------
    device : BLEDevice or str
        The sensor (from a scan) or its address.
    client_backend : type or None
        bleak client backend (``None``: the platform's).
    timeout : float
        Seconds for connecting (and re-encrypting with the bond).
    answer_timeout : float
        Seconds to wait for the status record that answers the command.

    Raises
    ------
    SleepError
        Not reachable, or the sensor refused (not bonded with this computer,
        a board that cannot be woken, firmware without the command).
    """
    address = device.address if isinstance(device, BLEDevice) else device
    name = device.name if isinstance(device, BLEDevice) else None
    client = BleakClient(device, backend=client_backend, timeout=timeout, pair=True)
    try:
        await asyncio.wait_for(client.connect(), timeout + 1.0)
    except (BleakError, TimeoutError, OSError) as exc:
        raise SleepError(f"cannot connect to {address} over a bond ({exc}); "
                         "is it paired with this computer (dorsi pair)?") from None
    try:
        try:
            status = await command_answer(client, encode_command(Command.SLEEP), answer_timeout)
        except (BleakError, ProtocolError, TimeoutError, OSError) as exc:
            raise SleepError(f"{address} did not answer the command: {exc or 'no answer'}") from None
        if status.last_command != Command.SLEEP:
            raise SleepError(f"{address} did not answer the command (its status shows command "
                             f"0x{status.last_command:02x})")
        if status.result is not Result.OK:
            reason = _REFUSALS.get(status.result, f"it answered {status.result.name}")
            raise SleepError(f"{address} stays on: {reason}")
        return SleepResult(address, name, status)
    finally:
        try:  # the sensor drops the link itself as it goes to sleep
            await asyncio.wait_for(client.disconnect(), timeout)
        except (BleakError, TimeoutError, OSError):
            pass

