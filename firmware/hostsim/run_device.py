# The real firmware as an emulated BLE device on the host: app.Device on a
# simulated IMU (fed from a DSIM motion file, looped), a clock running at
# `speed` x real time, and the line-protocol radio of line_ble.py.
#
#   micropython run_device.py MOTION.dsim CONFIG_JSON
# CONFIG_JSON: {"chip": "lsm6dsox", "speed": 1.0, "battery": 80, "config": {...}}
import json
import select
import sys
import time

import line_ble

sys.modules["bluetooth"] = line_ble

import motion_file  # noqa: E402
from app import Device  # noqa: E402
from sim_imu import SimI2C, SimLSM6DS, SimMPU6x  # noqa: E402

CHIPS = {"lsm6dsox": (SimLSM6DS, 0x6A, 0x6C), "mpu6050": (SimMPU6x, 0x68, 0x68)}


class ScaledClock:
    """Device time = speed x real time, with the ticks API of `time`."""

    def __init__(self, speed):
        self.speed = speed
        self._last = time.ticks_us()
        self._t = 0.0
        self.t_us = 0

    def _update(self):
        now = time.ticks_us()
        self._t += time.ticks_diff(now, self._last) * self.speed
        self._last = now
        self.t_us = int(self._t)

    def ticks_us(self):
        self._update()
        return self.t_us & 0x3FFFFFFF

    def ticks_ms(self):
        self._update()
        return (self.t_us // 1000) & 0x3FFFFFFF

    def ticks_diff(self, a, b):
        return ((a - b + 0x20000000) & 0x3FFFFFFF) - 0x20000000

    def ticks_add(self, a, d):
        return (a + d) & 0x3FFFFFFF

    def sleep_ms(self, ms):
        time.sleep_ms(max(1, int(ms / self.speed)))
        self._update()


class Cfg:
    pass


def main():
    motion = motion_file.load(sys.argv[1])
    opts = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    clock = ScaledClock(float(opts.get("speed", 1.0)))
    cls, addr, who = CHIPS[opts.get("chip", "lsm6dsox")]
    i2c = SimI2C()
    chip = i2c.attach(addr, cls(clock, motion, who))
    chip.loop = True  # the sensor keeps sampling: the motion repeats
    cfg = Cfg()
    # Link security is enforced in front of this process, by the emulated
    # peripheral's bumble stack and its SecurityPolicy (docs/security.md): the
    # line radio carries no encryption state, so the firmware's own bonded-only
    # check is off here unless the config turns it on.
    cfg.SECURE_CONTROL = False
    cfg.SECURE_STREAM = False
    for k, v in opts.get("config", {}).items():
        setattr(cfg, k, tuple(v) if isinstance(v, list) else v)
    ble = line_ble.BLE()
    level = int(opts.get("battery", 80))
    def sleeper():  # deep sleep: the host side drops the link and stops this process (the wake is a reset)
        line_ble.out("sleep")

    dev = Device(cfg, i2c, ble, clock, battery=lambda: level, log=lambda s: line_ble.out("log " + s),
                 sleeper=sleeper)
    line_ble.out("ready")
    poll = select.poll()
    poll.register(sys.stdin, select.POLLIN)
    while True:
        while poll.poll(0):
            line = sys.stdin.readline()
            if not line or not ble.handle_line(line.strip()):
                return
        if not dev.asleep:
            dev.step()
        clock.sleep_ms(5)


main()
