"""Pairing and bonding: LE Secure Connections set-up and the host's pairing procedure.

Two halves:

* :func:`prepare_device` configures a bumble ``Device`` (the emulated central
  or an emulated sensor) for LE Secure Connections with bonding, a random
  identity resolving key (IRK) and the static random address as identity
  address, so a bond made once is found again on every reconnection;
  ``accept`` decides whether a pairing request is accepted (the sensor's
  pairing window).
* :func:`pair_sensor` is what ``dorsi pair`` does through bleak's public API
  on any backend: forget an old bond, connect, ``BleakClient.pair()``, then prove the bond by a
  protected control write (``IDENTIFY``: the sensor's LED blinks, so the user
  sees that the computer bonded with the sensor in their hand).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bleak import BleakClient
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bumble.device import Device
from bumble.pairing import PairingConfig, PairingDelegate

from dorsi.ble.command_answer import command_answer
from dorsi.protocol import ProtocolError, Status, encode_command
from dorsi.protocol.spec import Command, Result

AcceptPairing = Callable[[], Awaitable[bool]]


class PairingError(RuntimeError):
    """Pairing did not produce a working bond (message: one line for the user)."""


class _Delegate(PairingDelegate):
    """Just Works (no display, no keyboard on the sensor), with an accept hook."""

    def __init__(self, accept: AcceptPairing | None) -> None:
        super().__init__(io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT)
        self._accept = accept

    async def accept(self) -> bool:
        return True if self._accept is None else bool(await self._accept())


def pairing_config(accept: AcceptPairing | None = None) -> PairingConfig:
    """LE Secure Connections, bonding, static random identity address, Just Works.

    ``mitm`` is not requested: neither side has a display or keyboard, so a
    MITM-protected method cannot be negotiated (the sensor's LED blink in
    :func:`pair_sensor` is the out-of-band check a user can make).
    """
    return PairingConfig(
        sc=True, mitm=False, bonding=True, delegate=_Delegate(accept),
        identity_address_type=PairingConfig.AddressType.RANDOM,
    )


def prepare_device(device: Device, accept: AcceptPairing | None = None) -> Device:
    """Configure a bumble device for LE SC bonding (call before ``power_on``); returns it."""
    device.irk = secrets.token_bytes(16)  # bumble's default IRK is all zeros
    device.pairing_config_factory = lambda _connection: pairing_config(accept)
    return device


@dataclass(frozen=True)
class PairingResult:
    """A bond proved by a protected control write."""

    address: str
    name: str | None
    status: Status
    identify_s: int


async def pair_sensor(
    device: BLEDevice | str,
    *,
    client_backend: type[BaseBleakClient] | None = None,
    identify_s: int = 5,
    timeout: float = 15.0,
) -> PairingResult:
    """Pair and bond with one sensor, then check that it obeys this computer.

    Parameters
    ----------
    device : BLEDevice or str
        The sensor (from a scan) or its address.
    client_backend : type or None
        bleak client backend (``None``: the platform's).
    identify_s : int
        Seconds the sensor blinks after bonding (1-30): the user's check that
        the right sensor bonded.
    timeout : float
        Seconds for connecting and for pairing.

    Raises
    ------
    PairingError
        The connection or pairing failed (e.g. the sensor's pairing window is
        closed), or the sensor still refuses control writes after pairing.
    """
    command = encode_command(Command.IDENTIFY, identify_s)
    address = device.address if isinstance(device, BLEDevice) else device
    name = device.name if isinstance(device, BLEDevice) else None
    client = BleakClient(device, backend=client_backend, timeout=timeout)
    try:  # a fresh bond: forget an old one (the sensor may have been reset since)
        await client.unpair()
    except (BleakError, NotImplementedError, OSError):
        pass
    try:
        await asyncio.wait_for(client.connect(), timeout + 1.0)
    except (BleakError, TimeoutError, OSError) as exc:
        raise PairingError(f"cannot connect to {address}: {exc}") from None
    try:
        try:
            await asyncio.wait_for(client.pair(), timeout)
        except (BleakError, TimeoutError, OSError) as exc:
            raise PairingError(
                f"{address} refused to pair ({exc}); open its pairing window (press the button or "
                "switch it off and on) and try again"
            ) from None
        try:
            status = await command_answer(client, command)
        except (BleakError, ProtocolError, TimeoutError) as exc:
            raise PairingError(f"{address} paired but refuses control commands: {exc or 'no answer'}") from None
        if status.last_command != Command.IDENTIFY or status.result is not Result.OK:
            raise PairingError(f"{address} paired but answered IDENTIFY with {status.result.name}")
        return PairingResult(address, name, status, identify_s)
    finally:
        try:
            await asyncio.wait_for(client.disconnect(), timeout)
        except (BleakError, TimeoutError, OSError):
            pass
