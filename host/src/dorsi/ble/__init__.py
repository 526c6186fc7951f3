"""BLE for dorsi: the host transport over bleak, and a bleak backend on an emulated air.

``SensorLink`` (:mod:`dorsi.ble.transport`) talks to sensors through bleak's
public API only; pass the backends of an ``EmulatedAir`` (``air.backends()``)
to run it against the emulated sensors of :mod:`dorsi.emulator` instead of a
radio. See ``docs/ble.md``.
"""

from dorsi.ble.air import EmulatedAir
from dorsi.ble.bumble_backend import BleakBackends, BumbleClient, BumbleScanner, make_backends
from dorsi.ble.discovery import AdapterError, LinkOpenError
from dorsi.ble.events import Gap, LinkEvent, StreamPacket
from dorsi.ble.transport import SensorLink, SensorNotFoundError

__all__ = [
    "AdapterError", "BleakBackends", "BumbleClient", "BumbleScanner", "EmulatedAir", "Gap", "LinkEvent",
    "LinkOpenError", "SensorLink", "SensorNotFoundError", "StreamPacket", "make_backends",
]
