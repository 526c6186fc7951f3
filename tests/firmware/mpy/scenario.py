# Runs the real firmware (app.Device) under the `micropython` interpreter on a
# simulated board: SimClock, SimI2C with a simulated IMU fed from a motion
# file, and the recording `bluetooth` fake. A JSON scenario says when the
# central connects, subscribes, writes, disconnects, and when faults hit.
#
# Security: by default every "connect" is the owner's phone, which secures the
# link at once (pairs on the first connection, re-encrypts with the bond
# afterwards), as dorsi's SensorConnection(pair=True) does; "auto_pair": false
# leaves that to "pair" events. Other centrals: "connect" with a dict argument
# {"conn", "addr" (hex ble_addr_t), "mtu", "pair"}; "write" with [conn, hex];
# "pair"/"disconnect" with a conn; "button" true/false; "reboot" (same bond
# storage and clock, a new Device and radio); "bond_file" persists the keys.
# Sleep: the board's deep sleep is a recorded call ("sleeper": false gives the
# device none; "sleep_result": false plays a board with no wake source); while
# the device sleeps the loop does not run it, and a "button" press wakes it
# with a reset (as "reboot", the firmware starting as the button is released).
#
#   micropython scenario.py SCENARIO.json OUT.json
import json
import sys

import bluetooth
import motion_file
from app import Device
from bonds import BondStore, FileStorage
from sim_clock import SimClock
from sim_imu import SimI2C, SimLSM6DS, SimMPU6x

CHIPS = {
    "lsm6dsox": (SimLSM6DS, 0x6A, 0x6C),
    "lsm6ds3trc": (SimLSM6DS, 0x6B, 0x6A),
    "mpu6050": (SimMPU6x, 0x68, 0x68),
    "mpu6500": (SimMPU6x, 0x69, 0x70),
}


class Cfg:
    pass


def main(spec_path, out_path):
    with open(spec_path) as f:
        spec = json.load(f)
    clock = SimClock(spec.get("t0_us", 0))
    motion = motion_file.load(spec["motion"])
    i2c = SimI2C()
    chip = None
    if spec.get("chip", "lsm6dsox") != "none":  # "none": nothing answers on the bus
        cls, addr, who = CHIPS[spec.get("chip", "lsm6dsox")]
        chip = i2c.attach(addr, cls(clock, motion, who))
    cfg = Cfg()
    for k, v in spec.get("config", {}).items():
        setattr(cfg, k, tuple(v) if isinstance(v, list) else v)
    logs = []
    battery_level = spec.get("battery", 77)
    class Watchdog:
        feeds = 0

        def feed(self):
            self.feeds += 1

    wdt = Watchdog()
    storage = FileStorage(spec["bond_file"]) if spec.get("bond_file") else None
    button = [bool(spec.get("button_at_boot", False))]
    auto_pair = spec.get("auto_pair", True)
    central_keys = {}  # the centrals keep their keys across a sensor reboot
    earlier = {"notifications": [], "status_updates": [], "att_errors": [], "adv": []}

    sleeps = []

    def sleeper():
        sleeps.append(clock.t_us)
        return spec.get("sleep_result")

    def boot():
        ble = bluetooth.BLE()
        ble.capacity = spec.get("capacity", 1000000)
        ble.central_keys = central_keys
        bonds = BondStore(storage, clock, getattr(cfg, "MAX_BONDS", 4),
                          int(getattr(cfg, "PAIRING_WINDOW_S", 120) * 1000), logs.append)
        button_fn = (lambda: button[0]) if spec.get("button", True) else None
        return ble, Device(cfg, i2c, ble, clock, wdt=wdt, battery=lambda: battery_level, log=logs.append,
                           bonds=bonds, button=button_fn, sleeper=sleeper if spec.get("sleeper", True) else None)

    ble, dev = boot()
    pair_results = []
    steps = 0
    stream = ble.handle_of("d0510001-5eb5-4f3a-9c1d-2b7a6f0e4d01")
    control = ble.handle_of("d0510002-5eb5-4f3a-9c1d-2b7a6f0e4d01")
    status = ble.handle_of("d0510003-5eb5-4f3a-9c1d-2b7a6f0e4d01")
    events = sorted(spec.get("events", []), key=lambda e: e[0])
    step_ms = spec.get("step_ms", 5)
    end_us = int(spec["duration_s"] * 1e6)
    marks = []  # (event, ring head at that moment)
    statuses = []
    ei = 0
    while clock.t_us < end_us:
        while ei < len(events) and events[ei][0] * 1e6 <= clock.t_us:
            ev = events[ei]
            ei += 1
            kind = ev[1]
            arg = ev[2] if len(ev) > 2 else None
            if kind == "connect":
                c = arg if isinstance(arg, dict) else {"mtu": arg}
                addr = bytes.fromhex(c["addr"]) if "addr" in c else bluetooth.OWNER
                ble.central_connect(c.get("conn", 1), c.get("mtu") or 247, addr)
                if c.get("pair", auto_pair):
                    pair_results.append(ble.central_pair(c.get("conn", 1)))
            elif kind == "pair":
                pair_results.append(ble.central_pair(arg))
            elif kind == "subscribe":
                ble.central_subscribe(stream, True, arg)
            elif kind == "disconnect":
                ble.central_disconnect(arg)
            elif kind == "write":
                if isinstance(arg, list):
                    ble.central_write(control, bytes.fromhex(arg[1]), arg[0])
                else:
                    ble.central_write(control, bytes.fromhex(arg))
            elif kind == "button":
                button[0] = bool(arg)
                # a press wakes the board with a reset; the firmware starts once it is released
                # (a short press: held at boot, the button would start the factory-reset check)
                if not arg and dev.asleep:
                    for key in ("notifications", "status_updates", "att_errors", "adv"):
                        earlier[key] += getattr(ble, key)
                    ble, dev = boot()
            elif kind == "reboot":
                dev.bonds.flush()  # what the loop would have written by then
                for key in ("notifications", "status_updates", "att_errors", "adv"):
                    earlier[key] += getattr(ble, key)
                ble, dev = boot()
            elif kind == "forget":  # the centrals drop their keys (the user "forgets" the sensor)
                central_keys.clear()
            elif kind == "stack_permissions":
                ble.enforce_permissions = bool(arg)
            elif kind == "flood":  # arg: list of hex writes, repeated until the next step
                for h in arg:
                    ble.central_write(control, bytes.fromhex(h))
            elif kind == "i2c_fail":
                i2c.fail(arg)
            elif kind == "radio_fault":
                ble.raise_next = arg
            elif kind == "read_status":
                statuses.append(bytes(ble.gatts_read(status)).hex())
            marks.append([kind, dev.ring.head, clock.t_us, len(ble.notifications)])
        if not dev.asleep:
            dev.step()
            steps += 1
        ble.drain()
        clock.sleep_ms(step_ms)
    statuses.append(bytes(ble.gatts_read(status)).hex())
    notifications = earlier["notifications"] + ble.notifications
    out = {
        "notifications": [p.hex() for c, h, p in notifications if h == stream],
        "notified_conns": sorted(set(c for c, h, p in notifications if h == stream)),
        "other_notifications": [[h, p.hex()] for c, h, p in notifications if h != stream],
        "status_updates": [[h, p.hex()] for h, p in earlier["status_updates"] + ble.status_updates],
        "statuses": statuses,
        "adv": [[i, a.hex() if a else None, r.hex() if r else None] for i, a, r in earlier["adv"] + ble.adv],
        "att_errors": [list(e) for e in earlier["att_errors"] + ble.att_errors],
        "pair_results": pair_results,
        "bonds": [p.hex() for p in dev.bonds.peers()],
        "bond_saves": dev.bonds.saves,
        "bonds_refused": dev.bonds.refused,
        "bonds_corrupt": dev.bonds.corrupt,
        "pairings_refused": dev.link.pairings_refused,
        "denied_subscriptions": dev.link.denied_subscriptions,
        "privacy": dev.link.privacy,
        "factory_reset": dev.factory_reset,
        "control_flags": ble.flags_of[control],
        "mic_failures": ble.mic_failures,
        "services": [[s[0].text, [c[0].text for c in s[1]]] for s in ble.services],
        "values": {ble.uuid_of[h]: ble.values[h].hex() for h in ble.uuid_of},
        "config": {k: v for k, v in ble.configured.items()},
        "marks": marks,
        "log": logs,
        "imu": dev.imu.name if dev.imu else None,
        "period_us": dev.period_us if dev.imu_ok else 0,
        "head": dev.ring.head,
        "sent": dev.ring.sent,
        "dropped": dev.ring.dropped,
        "i2c_failures": i2c.failures,
        "i2c_errors": dev.bus.errors,
        "errors": dev.errors,
        "radio_resets": dev.link.resets,
        "steps": steps,
        "wdt_feeds": wdt.feeds,
        "activations": ble.activations,
        "exchange_requests": ble.exchange_requests,
        "ring_capacity": dev.ring.capacity,
        "sim_samples": chip.n if chip else 0,
        "sleeps": sleeps,
        "asleep": dev.asleep,
        "imu_regs": bytes(chip.regs).hex() if chip else None,
    }
    with open(out_path, "w") as f:
        json.dump(out, f)


main(sys.argv[1], sys.argv[2])
