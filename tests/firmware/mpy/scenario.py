# Runs the real firmware (app.Device) under the `micropython` interpreter on a
# simulated board: SimClock, SimI2C with a simulated IMU fed from a motion
# file, and the recording `bluetooth` fake. A JSON scenario says when the
# central connects, subscribes, writes, disconnects, and when faults hit.
#
#   micropython scenario.py SCENARIO.json OUT.json
import json
import sys

import bluetooth
import motion_file
from app import Device
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
    ble = bluetooth.BLE()
    ble.capacity = spec.get("capacity", 1000000)
    logs = []
    battery_level = spec.get("battery", 77)
    class Watchdog:
        feeds = 0

        def feed(self):
            self.feeds += 1

    wdt = Watchdog()
    dev = Device(cfg, i2c, ble, clock, wdt=wdt, battery=lambda: battery_level, log=logs.append)
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
                ble.central_connect(1, arg or 247)
            elif kind == "subscribe":
                ble.central_subscribe(stream, True)
            elif kind == "disconnect":
                ble.central_disconnect()
            elif kind == "write":
                ble.central_write(control, bytes.fromhex(arg))
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
        dev.step()
        steps += 1
        ble.drain()
        clock.sleep_ms(step_ms)
    statuses.append(bytes(ble.gatts_read(status)).hex())
    out = {
        "notifications": [p.hex() for c, h, p in ble.notifications if h == stream],
        "other_notifications": [[h, p.hex()] for c, h, p in ble.notifications if h != stream],
        "status_updates": [[h, p.hex()] for h, p in ble.status_updates],
        "statuses": statuses,
        "adv": [[i, a.hex() if a else None, r.hex() if r else None] for i, a, r in ble.adv],
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
    }
    with open(out_path, "w") as f:
        json.dump(out, f)


main(sys.argv[1], sys.argv[2])
