"""Emulated sensors worn by an emulated patient, on the in-process BLE air."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import AsyncIterator

from ..ble.air import EmulatedAir
from ..ble.link_security import SecurityPolicy
from ..emulator import EmulatedPeripheral
from .patient import EmulatedPatient


@dataclass
class EmulatedSetup:
    air: EmulatedAir
    patient: EmulatedPatient
    peripherals: list[EmulatedPeripheral]

    @property
    def link_options(self) -> dict:
        backends = self.air.backends()
        # the emulated sensors protect their control point like the real firmware: pair and bond
        return {"scanner_backend": backends.scanner, "client_backend": backends.client, "pair": True}


@contextlib.asynccontextmanager
async def emulated_sensors(foot_sensor: bool = False, speed: float = 1.0, seed: int = 7,
                           device_options: dict | None = None, **patient_options) -> AsyncIterator[EmulatedSetup]:
    """Start the emulated air with the patient's sensors advertising on it."""
    patient = EmulatedPatient(foot_sensor=foot_sensor, seed=seed, **patient_options)
    async with EmulatedAir() as air:
        peripherals = []
        try:
            for device in patient.make_devices(speed=speed, **(device_options or {})).values():
                peripherals.append(await EmulatedPeripheral(air, device, security=SecurityPolicy()).start())
            yield EmulatedSetup(air, patient, peripherals)
        finally:
            for p in peripherals:
                with contextlib.suppress(Exception):
                    await p.close()
