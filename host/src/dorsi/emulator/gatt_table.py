"""The protocol v1 GATT table as bumble services.

dorsi service (``SERVICE_UUID``): stream (notify), control (write with
response), status (read + notify); Device Information (0x180A: manufacturer,
model number, firmware revision); Battery (0x180F: level, read + notify).
Reads and writes are delegated to callables so the table holds no state.
An operation a characteristic does not offer is answered with the ATT error a
real stack sends (read / write not permitted), since bumble's server does not
check permissions itself and would otherwise leave the request unanswered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bumble import att, gatt
from bumble.att import Attribute

from dorsi.protocol import spec

_P = gatt.Characteristic.Properties
_R = Attribute.Permissions.READABLE
_W = Attribute.Permissions.WRITEABLE


def _read_not_permitted(_connection: object) -> bytes:
    raise att.ATT_Error(att.ATT_READ_NOT_PERMITTED_ERROR, message="characteristic is not readable")


def _write_not_permitted(_connection: object, _value: bytes) -> None:
    raise att.ATT_Error(att.ATT_WRITE_NOT_PERMITTED_ERROR, message="characteristic is not writable")


def _value(
    read: Callable[[object], bytes] | None = None, write: Callable[[object, bytes], Awaitable[None]] | None = None
) -> gatt.CharacteristicValue:
    return gatt.CharacteristicValue(read=read or _read_not_permitted, write=write or _write_not_permitted)


def _constant(data: bytes) -> gatt.CharacteristicValue:
    return _value(read=lambda _connection: data)


@dataclass(frozen=True)
class GattTable:
    """The bumble services plus the characteristics the peripheral notifies on."""

    services: list[gatt.Service]
    stream: gatt.Characteristic
    control: gatt.Characteristic
    status: gatt.Characteristic
    battery: gatt.Characteristic

    def by_name(self, name: str) -> gatt.Characteristic:
        """``"stream"``, ``"status"`` or ``"battery"``."""
        if name not in ("stream", "status", "battery"):
            raise ValueError(f"no notifiable characteristic named {name!r}")
        return getattr(self, name)


def build_gatt_table(
    *,
    read_status: Callable[[object], bytes],
    read_battery: Callable[[object], bytes],
    write_control: Callable[[object, bytes], Awaitable[None]],
    manufacturer: str,
    model_number: str,
    firmware_revision: str,
) -> GattTable:
    """Build the v1 table; callbacks receive the bumble connection first."""
    stream = gatt.Characteristic(spec.STREAM_UUID, _P.NOTIFY, _R, _value())
    control = gatt.Characteristic(spec.CONTROL_UUID, _P.WRITE, _W, _value(write=write_control))
    status = gatt.Characteristic(spec.STATUS_UUID, _P.READ | _P.NOTIFY, _R, _value(read=read_status))
    battery = gatt.Characteristic(spec.BATTERY_LEVEL_UUID, _P.READ | _P.NOTIFY, _R, _value(read=read_battery))
    info = [
        gatt.Characteristic(spec.MANUFACTURER_NAME_UUID, _P.READ, _R, _constant(manufacturer.encode())),
        gatt.Characteristic(spec.MODEL_NUMBER_UUID, _P.READ, _R, _constant(model_number.encode())),
        gatt.Characteristic(spec.FIRMWARE_REVISION_UUID, _P.READ, _R, _constant(firmware_revision.encode())),
    ]
    services = [
        gatt.Service(spec.SERVICE_UUID, [stream, control, status]),
        gatt.Service(spec.DEVICE_INFORMATION_SERVICE_UUID, info),
        gatt.Service(spec.BATTERY_SERVICE_UUID, [battery]),
    ]
    return GattTable(services, stream, control, status, battery)
