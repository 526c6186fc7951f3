# Measures the firmware's sampling hot path under the unix `micropython`:
# heap bytes allocated per sample (gc.mem_alloc deltas and a heap_lock check),
# time per sample, the same for a plain-Python float Mahony reference, and
# notification payload per sample at several MTUs. Prints one JSON line.
#
#   micropython loop_probe.py MOTION.dsim N_SAMPLES
# (needs firmware/, firmware/hostsim/ and a `bluetooth` module on MICROPYPATH)
import gc
import json
import math
import struct
import sys
import time

import micropython

import bluetooth
import motion_file
from app import Device
from sim_clock import SimClock
from sim_imu import SimI2C, SimLSM6DS


class Cfg:
    pass


def make_device(motion, cfg=None):
    clock = SimClock()
    i2c = SimI2C()
    i2c.attach(0x6A, SimLSM6DS(clock, motion, 0x6C))
    ble = bluetooth.BLE()
    dev = Device(cfg or Cfg(), i2c, ble, clock, log=lambda s: None)
    return dev, clock, ble


def firmware_loop(dev, clock, n):
    """n samples, one per call, as the main loop meets them at 100 Hz."""
    period = dev.period_us
    got = 0
    idle = 0
    while got < n:
        clock.advance(period)
        m = dev.sample()
        got += m
        idle = 0 if m else idle + 1
        if idle > 10:
            raise RuntimeError("the motion file ran out")
    return got


def sim_only_loop(dev, clock, n):
    """The simulated bus alone: the same register reads, no fusion."""
    imu = dev.imu
    raw = dev.raw
    period = dev.period_us
    got = 0
    idle = 0
    while got < n:
        clock.advance(period)
        m = imu.read(raw, 16)
        got += m
        idle = 0 if m else idle + 1
        if idle > 10:
            raise RuntimeError("the motion file ran out")
    return got


def reference_loop(dev, clock, n):
    """The same loop in plain Python: the same bus reads, then a float Mahony
    (normalise, correct, integrate, renormalise) and struct.pack_into per sample."""
    imu = dev.imu
    raw = dev.raw
    period = dev.period_us
    dt = period * 1e-6
    out = bytearray(20 * 64)
    qw, qx, qy, qz = 1.0, 0.0, 0.0, 0.0
    kp = 0.5
    ka = 4.0 / 32768
    kg = 500.0 / 32768 * math.pi / 180
    got = 0
    slot = 0
    while got < n:
        clock.advance(period)
        m = imu.read(raw, 16)
        if m == 0 and imu.bus.i2c.devices[imu.addr].exhausted():
            raise RuntimeError("the motion file ran out")
        for k in range(m):
            b = 6 * k
            ax, ay, az = raw[b] * ka, raw[b + 1] * ka, raw[b + 2] * ka
            gx, gy, gz = raw[b + 3] * kg, raw[b + 4] * kg, raw[b + 5] * kg
            norm = math.sqrt(ax * ax + ay * ay + az * az)
            if norm > 0:
                ax /= norm
                ay /= norm
                az /= norm
                vx = 2 * (qx * qz - qw * qy)
                vy = 2 * (qw * qx + qy * qz)
                vz = qw * qw - qx * qx - qy * qy + qz * qz
                gx += kp * (ay * vz - az * vy)
                gy += kp * (az * vx - ax * vz)
                gz += kp * (ax * vy - ay * vx)
            h = 0.5 * dt
            dw = (-qx * gx - qy * gy - qz * gz) * h
            dx = (qw * gx + qy * gz - qz * gy) * h
            dy = (qw * gy - qx * gz + qz * gx) * h
            dz = (qw * gz + qx * gy - qy * gx) * h
            qw += dw
            qx += dx
            qy += dy
            qz += dz
            norm = 1 / math.sqrt(qw * qw + qx * qx + qy * qy + qz * qz)
            qw *= norm
            qx *= norm
            qy *= norm
            qz *= norm
            struct.pack_into("<10h", out, slot * 20, int(qw * 16384), int(qx * 16384), int(qy * 16384),
                             int(qz * 16384), raw[b], raw[b + 1], raw[b + 2], raw[b + 3], raw[b + 4], raw[b + 5])
            slot = (slot + 1) % 64
        got += m
    return got


def measure(fn, *args):
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    t0 = time.ticks_us()
    got = fn(*args)
    t1 = time.ticks_us()
    a1 = gc.mem_alloc()
    gc.enable()
    return got, a1 - a0, time.ticks_diff(t1, t0)


def heap_locked(dev, clock, n):
    """True when the firmware loop ran with the heap locked (any allocation raises MemoryError)."""
    gc.collect()
    micropython.heap_lock()
    try:
        firmware_loop(dev, clock, n)
        ok = True
    except MemoryError:
        ok = False
    micropython.heap_unlock()
    return ok


def payload(motion, mtu):
    dev, clock, ble = make_device(motion)
    ble.central_connect(1, mtu)
    ble.central_subscribe(dev.link.h_stream)
    for _ in range(1000):  # 5 s
        dev.step()
        ble.drain()
        clock.sleep_ms(5)
    stream = [p for c, h, p in ble.notifications if h == dev.link.h_stream]
    total = sum(len(p) for p in stream)
    samples = dev.ring.sent
    first = stream[0]
    per_note = first[3] if first[0] & 0x80 == 0 else 1
    return {"bytes_per_sample": total / samples, "samples_per_notification": per_note,
            "notifications_per_sample": len(stream) / samples}


def main():
    motion = motion_file.load(sys.argv[1])
    n = int(sys.argv[2])
    dev, clock, _ = make_device(motion)
    firmware_loop(dev, clock, 200)  # warm up: aligned, bias learning, steady state
    got, alloc, _ = measure(firmware_loop, dev, clock, n // 5)  # allocation over a long stretch
    locked_ok = heap_locked(dev, clock, 1000)
    _, ref_alloc, _ = measure(reference_loop, dev, clock, 100)  # gc off: a short run
    ref_alloc = ref_alloc / 100
    # timing: the three loops interleaved in chunks, best chunk of each (a shared,
    # busy machine only ever makes a chunk slower)
    chunk = n // 5
    us = sim_us = ref_us = None
    for _ in range(4):
        _, _, t = measure(firmware_loop, dev, clock, chunk)
        us = t if us is None or t < us else us
        _, _, t = measure(sim_only_loop, dev, clock, chunk)
        sim_us = t if sim_us is None or t < sim_us else sim_us
        gc.collect()
        t0 = time.ticks_us()
        reference_loop(dev, clock, chunk)  # with the collector on, as it would have to run
        t = time.ticks_diff(time.ticks_us(), t0)
        ref_us = t if ref_us is None or t < ref_us else ref_us
    us, sim_us, ref_us = us / chunk, sim_us / chunk, ref_us / chunk
    result = {
        "samples": got,
        "alloc_bytes_per_sample": alloc / got,
        "heap_lock_ok": locked_ok,
        "us_per_sample": us,
        "sim_bus_us_per_sample": sim_us,
        "reference_us_per_sample": ref_us,
        "reference_alloc_bytes_per_sample": ref_alloc,
        "fuse_pack_us_per_sample": us - sim_us,
        "fuse_pack_ratio_to_reference": (us - sim_us) / (ref_us - sim_us),
        "ratio_to_reference": us / ref_us,
        "payload_bytes_per_sample": {str(m): payload(motion, m) for m in (23, 185, 247)},
    }
    print(json.dumps(result))


main()
