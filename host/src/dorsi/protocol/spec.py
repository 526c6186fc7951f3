"""Protocol v1 constants: GATT UUIDs, packet layout, scales and command codes.

This module is the host-side mirror of ``docs/protocol.md`` and of
``firmware/protocol.py``. The cross-implementation vectors in ``tests/vectors``
keep the three in agreement.
"""

from __future__ import annotations

import struct
from enum import IntEnum

PROTOCOL_VERSION = 1

# --- GATT ------------------------------------------------------------------
SERVICE_UUID = "d0510000-5eb5-4f3a-9c1d-2b7a6f0e4d01"
STREAM_UUID = "d0510001-5eb5-4f3a-9c1d-2b7a6f0e4d01"  # notify
CONTROL_UUID = "d0510002-5eb5-4f3a-9c1d-2b7a6f0e4d01"  # write with response
STATUS_UUID = "d0510003-5eb5-4f3a-9c1d-2b7a6f0e4d01"  # read + notify

DEVICE_INFORMATION_SERVICE_UUID = "0000180a-0000-1000-8000-00805f9b34fb"
MANUFACTURER_NAME_UUID = "00002a29-0000-1000-8000-00805f9b34fb"
MODEL_NUMBER_UUID = "00002a24-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION_UUID = "00002a26-0000-1000-8000-00805f9b34fb"
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

DEFAULT_NAME_PREFIX = "dorsi"

# --- ATT sizes ---------------------------------------------------------------
ATT_DEFAULT_MTU = 23
ATT_NOTIFY_OVERHEAD = 3  # opcode + handle

# --- stream packet -------------------------------------------------------------
# header: version, flags, ranges, count, period_us, seq (sample index), t0_us
HEADER_FORMAT = "<BBBBHII"
HEADER_SIZE = struct.calcsize(HEADER_FORMAT)  # 14
# per sample: quaternion w,x,y,z (Q14), accelerometer x,y,z, gyroscope x,y,z
SAMPLE_FORMAT = "<10h"
SAMPLE_SIZE = struct.calcsize(SAMPLE_FORMAT)  # 20
MAX_SAMPLES_PER_PACKET = 12  # keeps a packet within MTU 247

FLAG_ROLE_MASK = 0x03
FLAG_BACKLOG = 0x04  # samples come from the store-and-forward ring
FLAG_OVERFLOW = 0x08  # the ring dropped samples before this packet
FLAG_RESERVED_MASK = 0xF0

# fragment (only when a whole packet does not fit one notification, MTU < 37)
FRAGMENT_MARKER = 0x80  # set in byte 0 of a fragment; never set in a packet's version
FRAGMENT_HEADER_FORMAT = "<BBB"  # marker|version, index<<4|total, packet tag
FRAGMENT_HEADER_SIZE = struct.calcsize(FRAGMENT_HEADER_FORMAT)

QUAT_SCALE = 1 << 14  # quaternion component = raw / 16384

TIMESTAMP_WRAP_US = 1 << 30  # t0_us counts device microseconds modulo 2**30 (MicroPython ticks_us period: stays a small int on the MCU)
SEQ_WRAP = 1 << 32


class Role(IntEnum):
    SHIN = 0
    FOOT = 1


# full-scale codes carried in the header's ``ranges`` byte
ACC_FULL_SCALE_G = (2, 4, 8, 16)  # bits 0-1
GYR_FULL_SCALE_DPS = (125, 250, 500, 1000, 2000)  # bits 2-4
RANGES_RESERVED_MASK = 0xE0

STANDARD_GRAVITY = 9.80665


def acc_lsb_g(code: int) -> float:
    """Accelerometer resolution (g per count) for a full-scale code."""
    return ACC_FULL_SCALE_G[code] / 32768.0


def gyr_lsb_dps(code: int) -> float:
    """Gyroscope resolution (deg/s per count) for a full-scale code."""
    return GYR_FULL_SCALE_DPS[code] / 32768.0


def samples_per_notification(mtu: int) -> int:
    """How many samples one notification carries at ATT MTU ``mtu``.

    Returns 1 when even one sample needs fragmenting (MTU below 37).
    """
    room = mtu - ATT_NOTIFY_OVERHEAD - HEADER_SIZE
    return max(1, min(MAX_SAMPLES_PER_PACKET, room // SAMPLE_SIZE))


# --- control ---------------------------------------------------------------
class Command(IntEnum):
    START = 0x01  # no arguments
    STOP = 0x02  # no arguments
    SET_RATE = 0x03  # u16 sample rate in Hz, 25..200
    TARE = 0x04  # no arguments: zero heading, re-estimate gyro bias
    IDENTIFY = 0x05  # u8 seconds to blink, 1..30
    BACKLOG = 0x06  # u32 first sample index wanted (0xFFFFFFFF: everything held)
    SLEEP = 0x07  # no arguments: deep sleep once the answer is out (the button wakes it)


COMMAND_ARG_FORMATS = {
    Command.START: "",
    Command.STOP: "",
    Command.SET_RATE: "<H",
    Command.TARE: "",
    Command.IDENTIFY: "<B",
    Command.BACKLOG: "<I",
    Command.SLEEP: "",
}
RATE_MIN_HZ = 25
RATE_MAX_HZ = 200
IDENTIFY_MAX_S = 30
BACKLOG_ALL = 0xFFFFFFFF


class Result(IntEnum):
    OK = 0
    UNKNOWN_COMMAND = 1
    BAD_LENGTH = 2
    OUT_OF_RANGE = 3
    INVALID_STATE = 4
    NOT_AUTHORIZED = 5
    NONE = 0xFF  # no command received yet


# --- status -------------------------------------------------------------------
# version, role, state bits, ranges, rate_hz, last command, last result,
# command counter, battery %, firmware major, minor, ring samples held,
# samples dropped from the ring, i2c errors, next sample index
STATUS_FORMAT = "<BBBBHBBBBBBIIII"
STATUS_SIZE = struct.calcsize(STATUS_FORMAT)

STATE_STREAMING = 0x01
STATE_IMU_OK = 0x02
STATE_SUBSCRIBED = 0x04
STATE_STILL = 0x08  # gyro bias estimator sees the sensor at rest
STATE_IDENTIFY = 0x10
STATE_OVERFLOW = 0x20  # the ring has dropped samples since boot
