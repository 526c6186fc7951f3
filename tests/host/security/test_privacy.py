"""No personal data on the air, and a resolvable private address the bonded host still finds."""

from __future__ import annotations

import numpy as np
from bleak import BleakScanner
from bumble.core import AdvertisingData
from bumble.hci import Address

from dorsi.ble.link_security import SecurityPolicy
from dorsi.ble.pairing import pair_sensor
from dorsi.ble.transport import SensorLink, StreamPacket
from dorsi.emulator import EmulatedPeripheral, ReplayDevice, analytic_motion
from dorsi.emulator.peripheral import advertising_data
from dorsi.protocol import spec

from .helpers import run, secured, until


def test_advertising_carries_flags_service_and_a_role_name_only() -> None:
    fields = AdvertisingData.from_bytes(advertising_data("dorsi-S1")).ad_structures
    assert [t for t, _ in fields] == [AdvertisingData.FLAGS, AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                                      AdvertisingData.COMPLETE_LOCAL_NAME]

    async def scenario():  # type: ignore[no-untyped-def]
        async with secured() as rig:
            found = await BleakScanner.discover(timeout=0.5, backend=rig.backends.scanner, return_adv=True)
            return [adv for _device, adv in found.values()]

    (adv,) = run(scenario())
    assert adv.local_name == "dorsi-S1" and adv.service_uuids == [spec.SERVICE_UUID]
    assert adv.manufacturer_data == {} and adv.service_data == {} and adv.tx_power is None


def test_resolvable_private_address_and_a_bonded_reconnection() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with secured() as rig:
            model = ReplayDevice(analytic_motion("foot", 20.0))
            foot = await EmulatedPeripheral(rig.air, model, security=SecurityPolicy(), privacy=True).start()
            found = await BleakScanner.discover(timeout=0.5, backend=rig.backends.scanner, return_adv=True)
            seen = {adv.local_name: address for address, (_d, adv) in found.items()}
            await pair_sensor(seen["dorsi-F1"], client_backend=rig.backends.client, identify_s=1)
            packets: list[StreamPacket] = []
            link = SensorLink(("foot",), names={"foot": "dorsi-F1"}, scanner_backend=rig.backends.scanner,
                              client_backend=rig.backends.client, scan_timeout=3.0,
                              on_event=lambda e: packets.append(e) if isinstance(e, StreamPacket) else None)
            async with link:
                await until(lambda: sum(p.count for p in packets) >= 100)
                await foot.disconnect()
                seen_before = sum(p.count for p in packets)
                await until(lambda: sum(p.count for p in packets) >= seen_before + 100)
            seqs = np.concatenate([np.arange(p.seq, p.seq + p.count) for p in packets])
            return seen["dorsi-F1"], foot.address, await foot.bonds(), seqs, link.sensors["foot"].reconnects_

    advertised, identity, bonds, seqs, reconnects = run(scenario())
    address = Address(advertised, Address.RANDOM_DEVICE_ADDRESS)
    assert address.is_resolvable and advertised != identity  # the identity address never goes on the air
    assert len(bonds) == 1 and reconnects == 1
    np.testing.assert_array_equal(seqs, np.arange(seqs[0], seqs[0] + len(seqs)))
