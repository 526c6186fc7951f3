"""Scanning through bleak's public API finds the emulated sensors with their advertisement data."""

from __future__ import annotations

import pytest
from bleak import BleakScanner

from dorsi.ble import BumbleScanner, EmulatedAir
from dorsi.ble.discovery import role_from_name, scan_sensors
from dorsi.cli import main
from dorsi.emulator import ReplayDevice, analytic_motion
from dorsi.emulator.peripheral import ADVERTISING_DATA_MAX, advertising_data
from dorsi.protocol import spec

from .helpers import emulated, run


def test_discover_reports_name_service_and_rssi() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            found = await BleakScanner.discover(
                timeout=0.3, return_adv=True, service_uuids=[spec.SERVICE_UUID], backend=rig.backends.scanner
            )
            return found, rig.sensors["shin"].address, rig.sensors["shin"].rssi_dbm

    found, address, rssi = run(scenario())
    assert list(found) == [address]
    device, adv = found[address]
    assert device.name == adv.local_name == "dorsi-S1"
    assert adv.service_uuids == [spec.SERVICE_UUID]
    assert adv.rssi == rssi


def test_find_by_name_and_filter() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", "foot") as rig:
            scanner = rig.backends.scanner
            by_name = await BleakScanner.find_device_by_name("dorsi-F1", timeout=2.0, backend=scanner)
            by_filter = await BleakScanner.find_device_by_filter(
                lambda d, ad: spec.SERVICE_UUID in ad.service_uuids and ad.rssi > -55, timeout=2.0, backend=scanner
            )
            missing = await BleakScanner.find_device_by_name("dorsi-X9", timeout=0.2, backend=scanner)
            return by_name, by_filter, missing, {r: p.address for r, p in rig.sensors.items()}

    by_name, by_filter, missing, addresses = run(scenario())
    assert by_name is not None and by_name.address == addresses["foot"]
    assert by_filter is not None and by_filter.address == addresses["shin"]  # shin is the stronger one
    assert missing is None


def test_scan_sensors_finds_both_roles_strongest_first() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin", "foot") as rig:
            return await scan_sensors(2.0, ("shin", "foot"), rig.backends.scanner)

    sensors = run(scenario())
    assert [s.role for s in sensors] == ["shin", "foot"]
    assert sensors[0].rssi > sensors[1].rssi


@pytest.mark.parametrize(
    ("name", "role"), [("dorsi-S1", "shin"), ("dorsi-F2", "foot"), ("dorsi-Q1", None), ("other", None), (None, None)]
)
def test_role_from_name(name: str | None, role: str | None) -> None:
    assert role_from_name(name) == role


def test_names_must_fit_the_advertising_data() -> None:
    assert len(advertising_data("dorsi-S1")) <= ADVERTISING_DATA_MAX
    with pytest.raises(ValueError, match="does not fit"):
        advertising_data("dorsi-shin-1")
    with pytest.raises(ValueError, match="8 bytes"):
        ReplayDevice(analytic_motion("shin", 1.0), name="dorsi-shin-left")


def test_cli_scan_emulated_lists_both_sensors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--emulate", "--foot", "--timeout", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "dorsi-S1" in out and "dorsi-F1" in out and "2 found" in out


def test_bare_backend_classes_use_the_current_air() -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        async with emulated("shin") as rig:
            device = await BleakScanner.find_device_by_name("dorsi-S1", timeout=2.0, backend=BumbleScanner)
            return device, rig.sensors["shin"].address

    device, address = run(scenario())
    assert device is not None and device.address == address
    with pytest.raises(RuntimeError, match="no EmulatedAir is open"):
        EmulatedAir.current()


def test_air_address_prefix_is_validated() -> None:
    with pytest.raises(ValueError, match="5 hex bytes"):
        EmulatedAir("F0:D0:51")
    with pytest.raises(ValueError, match="static random"):
        EmulatedAir("10:D0:51:00:00")


class _NoAdapter(BumbleScanner):
    """A scanner backend on a computer without Bluetooth: BlueZ's D-Bus socket is not there."""

    async def start(self) -> None:
        raise FileNotFoundError(2, "No such file or directory")


def test_no_bluetooth_is_an_adapter_error() -> None:
    from dorsi.ble import AdapterError

    with pytest.raises(AdapterError, match="the Bluetooth adapter cannot be used"):
        run(scan_sensors(0.1, scanner_backend=_NoAdapter))


@pytest.mark.parametrize("command", ["session", "knee-to-wall"])
def test_live_commands_without_bluetooth_say_so_and_leave_no_recording(command, tmp_path, monkeypatch,
                                                                       capsys) -> None:
    import dorsi.ble.discovery as discovery

    real = discovery.BleakScanner
    monkeypatch.setattr(discovery, "BleakScanner", lambda *a, **k: real(*a, **dict(k, backend=_NoAdapter)))
    assert main([command, "--home", str(tmp_path), "--no-history"]) == 1
    out = capsys.readouterr().out
    assert "the Bluetooth adapter cannot be used" in out and f"dorsi {command} --emulate" in " ".join(out.split())
    assert "Traceback" not in out
    assert not [p for p in tmp_path.rglob("*.dorsi")]  # the session never started: nothing half-written


def test_cli_scan_finding_nothing_says_how_to_wake_a_sleeping_sensor(capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from dorsi.commands import scan

    async def nothing(_args):  # type: ignore[no-untyped-def]
        return []

    monkeypatch.setattr(scan, "_scan", nothing)
    assert main(["scan", "--emulate"]) == 1
    assert "wakes with a press of its button" in capsys.readouterr().out
