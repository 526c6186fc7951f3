"""Emulated dorsi sensors on an in-process BLE air (bumble), for a host with no radio.

``EmulatedPeripheral`` is the radio side (advertising, GATT, faults);
``DeviceModel`` is the sensor behind it (``ReplayDevice`` replays a
``SampleBatch``). ``start_sensors`` puts one or two on an ``EmulatedAir``.
"""

from __future__ import annotations

from dorsi.ble.air import EmulatedAir
from dorsi.emulator.device import DeviceModel, NotifyFn
from dorsi.emulator.faults import LinkFaults
from dorsi.emulator.motion import analytic_motion
from dorsi.emulator.peripheral import EmulatedPeripheral
from dorsi.emulator.replay import ReplayDevice
from dorsi.samples import SampleBatch

DEFAULT_RSSI = {"shin": -52, "foot": -61}

__all__ = [
    "DEFAULT_RSSI", "DeviceModel", "EmulatedAir", "EmulatedPeripheral", "LinkFaults", "NotifyFn", "ReplayDevice",
    "analytic_motion", "start_sensors",
]


async def start_sensors(
    air: EmulatedAir, batches: list[SampleBatch], *, tx_buffer: int = 24, **replay_kwargs: object
) -> list[EmulatedPeripheral]:
    """Start one ``ReplayDevice`` peripheral per batch (one per role) on ``air``.

    ``replay_kwargs`` go to every ``ReplayDevice`` (``speed``, ``ring_s``, ...).
    """
    roles = [b.role for b in batches]
    if len(set(roles)) != len(roles):
        raise ValueError(f"one batch per role, got roles {roles}")
    peripherals = []
    for batch in batches:
        model = ReplayDevice(batch, **replay_kwargs)  # type: ignore[arg-type]
        peripheral = EmulatedPeripheral(air, model, rssi_dbm=DEFAULT_RSSI[batch.role], tx_buffer=tx_buffer)
        peripherals.append(await peripheral.start())
    return peripherals
