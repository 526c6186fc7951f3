"""Translate a bumble GATT client's discovered attributes into bleak's objects.

bleak's ``BleakGATTServiceCollection`` holds ``BleakGATTService`` /
``BleakGATTCharacteristic`` / ``BleakGATTDescriptor`` objects whose ``obj``
attribute is backend specific; here it is the bumble proxy, so the client can
read, write and subscribe through it.
"""

from __future__ import annotations

import uuid as uuidlib

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bumble import core, gatt
from bumble.gatt_client import ServiceProxy

_PROPERTY_NAMES = {
    gatt.Characteristic.Properties.BROADCAST: "broadcast",
    gatt.Characteristic.Properties.READ: "read",
    gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    gatt.Characteristic.Properties.WRITE: "write",
    gatt.Characteristic.Properties.NOTIFY: "notify",
    gatt.Characteristic.Properties.INDICATE: "indicate",
    gatt.Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    gatt.Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}


def bleak_uuid(uuid: core.UUID) -> str:
    """bleak's spelling of a UUID: lower-case, dashed, always 128-bit."""
    return str(uuidlib.UUID(bytes=bytes(reversed(uuid.to_bytes(force_128=True)))))


def property_names(properties: int) -> list[str]:
    """bleak property names for a bumble characteristic property bit mask."""
    return [name for flag, name in _PROPERTY_NAMES.items() if properties & flag]


def build_service_collection(services: list[ServiceProxy], mtu: int) -> BleakGATTServiceCollection:
    """bleak's view of discovered services (characteristics and descriptors included).

    ``mtu`` is the ATT MTU at discovery time; a write without response can
    carry ``mtu - 3`` bytes.
    """
    collection = BleakGATTServiceCollection()
    for service in services:
        bleak_service = BleakGATTService(service, service.handle, bleak_uuid(service.uuid))
        collection.add_service(bleak_service)
        for characteristic in service.characteristics:
            bleak_char = BleakGATTCharacteristic(
                characteristic,
                characteristic.handle,
                bleak_uuid(characteristic.uuid),
                property_names(int(characteristic.properties)),  # type: ignore[arg-type]
                lambda: mtu - 3,
                bleak_service,
            )
            collection.add_characteristic(bleak_char)
            for descriptor in characteristic.descriptors:
                collection.add_descriptor(
                    BleakGATTDescriptor(descriptor, descriptor.handle, bleak_uuid(descriptor.type), bleak_char)
                )
    return collection
