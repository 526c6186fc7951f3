# Wire protocol v1, firmware side: stream packet encoder, fragments, status, commands.
#
# The spec is docs/protocol.md; the host mirror is host/src/dorsi/protocol/.
# Everything on the sampling path writes into buffers allocated once here.
from micropython import const
import struct

VERSION = const(1)

HEADER_FMT = "<BBBBHII"  # version, flags, ranges, count, period_us, seq, t0_us
HEADER_SIZE = const(14)
SAMPLE_FMT = "<10h"  # qw qx qy qz (Q14), ax ay az, gx gy gz (full-scale counts)
SAMPLE_SIZE = const(20)
MAX_SAMPLES = const(12)
PACKET_MAX = const(254)  # HEADER_SIZE + MAX_SAMPLES * SAMPLE_SIZE

ROLE_SHIN = const(0)
ROLE_FOOT = const(1)
FLAG_BACKLOG = const(0x04)
FLAG_OVERFLOW = const(0x08)

FRAG_MARKER = const(0x80)
FRAG_HEADER_SIZE = const(3)
ATT_OVERHEAD = const(3)

# full-scale codes (bits 0-1 accelerometer, bits 2-4 gyroscope)
ACC_FS_G = (2, 4, 8, 16)
GYR_FS_DPS = (125, 250, 500, 1000, 2000)

# control commands and results
CMD_START = const(0x01)
CMD_STOP = const(0x02)
CMD_SET_RATE = const(0x03)
CMD_TARE = const(0x04)
CMD_IDENTIFY = const(0x05)
CMD_BACKLOG = const(0x06)
CMD_SLEEP = const(0x07)

RES_OK = const(0)
RES_UNKNOWN_COMMAND = const(1)
RES_BAD_LENGTH = const(2)
RES_OUT_OF_RANGE = const(3)
RES_INVALID_STATE = const(4)
RES_NOT_AUTHORIZED = const(5)
RES_NONE = const(0xFF)

RATE_MIN_HZ = const(25)
RATE_MAX_HZ = const(200)
IDENTIFY_MAX_S = const(30)
BACKLOG_ALL = const(0xFFFFFFFF)

# argument length of each command (bytes after the opcode)
_ARG_LEN = {CMD_START: 0, CMD_STOP: 0, CMD_SET_RATE: 2, CMD_TARE: 0, CMD_IDENTIFY: 1, CMD_BACKLOG: 4,
            CMD_SLEEP: 0}

STATUS_FMT = "<BBBBHBBBBBBIIII"
STATUS_SIZE = const(28)

STATE_STREAMING = const(0x01)
STATE_IMU_OK = const(0x02)
STATE_SUBSCRIBED = const(0x04)
STATE_STILL = const(0x08)
STATE_IDENTIFY = const(0x10)
STATE_OVERFLOW = const(0x20)


def ranges_byte(acc_code, gyr_code):
    return (acc_code & 0x03) | ((gyr_code & 0x07) << 2)


def samples_per_packet(mtu):
    """Samples per notification at ATT MTU ``mtu`` (1 when fragmenting)."""
    n = (mtu - ATT_OVERHEAD - HEADER_SIZE) // SAMPLE_SIZE
    if n < 1:
        return 1
    if n > MAX_SAMPLES:
        return MAX_SAMPLES
    return n


class StreamEncoder:
    """Builds stream packets in one preallocated buffer.

    ``begin`` starts a packet, ``add`` (values) or ``add_record`` (a 20-byte
    sample already packed, e.g. from the ring) appends samples, ``packet``
    fills the header and returns a memoryview of the finished bytes. No call
    allocates: the per-length views are made once here.
    """

    def __init__(self, role, acc_code, gyr_code, period_us, max_samples=MAX_SAMPLES):
        self.buf = bytearray(PACKET_MAX)
        mv = memoryview(self.buf)
        self._views = [mv[: HEADER_SIZE + k * SAMPLE_SIZE] for k in range(MAX_SAMPLES + 1)]
        self._mv = mv
        self.role = role
        self.ranges = ranges_byte(acc_code, gyr_code)
        self.period_us = period_us
        self.set_capacity(max_samples)
        self.count = 0
        self.seq = 0
        self.t0_us = 0
        self.flags = 0

    def set_capacity(self, max_samples):
        if max_samples < 1:
            max_samples = 1
        if max_samples > MAX_SAMPLES:
            max_samples = MAX_SAMPLES
        self.capacity = max_samples

    def begin(self, seq, t0_us, flags=0):
        self.seq = seq
        self.t0_us = t0_us
        self.flags = flags
        self.count = 0

    def add(self, qw, qx, qy, qz, ax, ay, az, gx, gy, gz):
        struct.pack_into(
            SAMPLE_FMT, self.buf, HEADER_SIZE + self.count * SAMPLE_SIZE,
            qw, qx, qy, qz, ax, ay, az, gx, gy, gz,
        )
        self.count += 1
        return self.count >= self.capacity

    def add_record(self, record, offset=0):
        """Append one sample already packed as SAMPLE_FMT at ``record[offset:]``."""
        dst = self.buf
        base = HEADER_SIZE + self.count * SAMPLE_SIZE
        for i in range(SAMPLE_SIZE):
            dst[base + i] = record[offset + i]
        self.count += 1
        return self.count >= self.capacity

    def packet(self):
        struct.pack_into(
            HEADER_FMT, self.buf, 0,
            VERSION, (self.role & 0x03) | (self.flags & 0x0C), self.ranges, self.count,
            self.period_us, self.seq & 0xFFFFFFFF, self.t0_us & 0xFFFFFFFF,
        )
        return self._views[self.count]


class Fragmenter:
    """Splits a packet into notifications that fit a small ATT MTU (< 37)."""

    def __init__(self):
        self.buf = bytearray(PACKET_MAX)
        mv = memoryview(self.buf)
        self._views = [mv[:k] for k in range(PACKET_MAX + 1)]
        self.tag = 0

    def count(self, packet_len, mtu):
        chunk = mtu - ATT_OVERHEAD - FRAG_HEADER_SIZE
        return (packet_len + chunk - 1) // chunk

    def fragment(self, packet, index, mtu):
        """Fragment ``index`` of ``packet`` as a memoryview (same tag for one packet)."""
        chunk = mtu - ATT_OVERHEAD - FRAG_HEADER_SIZE
        total = (len(packet) + chunk - 1) // chunk
        start = index * chunk
        end = start + chunk
        if end > len(packet):
            end = len(packet)
        buf = self.buf
        buf[0] = FRAG_MARKER | VERSION
        buf[1] = (index << 4) | total
        buf[2] = self.tag
        for i in range(end - start):
            buf[FRAG_HEADER_SIZE + i] = packet[start + i]
        return self._views[FRAG_HEADER_SIZE + end - start]

    def next_packet(self):
        self.tag = (self.tag + 1) & 0xFF


def pack_status(buf, role, state, acc_code, gyr_code, rate_hz, last_cmd, last_result,
                cmd_counter, battery, fw_major, fw_minor, ring_held, ring_dropped,
                i2c_errors, next_seq):
    struct.pack_into(
        STATUS_FMT, buf, 0, VERSION, role, state, ranges_byte(acc_code, gyr_code),
        rate_hz, last_cmd, last_result, cmd_counter & 0xFF, battery, fw_major, fw_minor,
        ring_held, ring_dropped, i2c_errors, next_seq & 0xFFFFFFFF,
    )
    return buf


def parse_command(data):
    """Validate a control write. Returns ``(opcode, argument, result)``.

    ``result`` is RES_OK or the error code; ``argument`` is an int (0 when the
    command has none). Never raises on any byte string.
    """
    n = len(data)
    if n == 0:
        return 0, 0, RES_BAD_LENGTH
    op = data[0]
    want = _ARG_LEN.get(op)
    if want is None:
        return op, 0, RES_UNKNOWN_COMMAND
    if n != 1 + want:
        return op, 0, RES_BAD_LENGTH
    arg = 0
    for i in range(want):  # little-endian
        arg |= data[1 + i] << (8 * i)
    if op == CMD_SET_RATE and not (RATE_MIN_HZ <= arg <= RATE_MAX_HZ):
        return op, arg, RES_OUT_OF_RANGE
    if op == CMD_IDENTIFY and not (1 <= arg <= IDENTIFY_MAX_S):
        return op, arg, RES_OUT_OF_RANGE
    return op, arg, RES_OK

# t0_us counts microseconds modulo 2**30, the period of MicroPython's
# time.ticks_us(), so timestamps stay small ints (no allocation) on the MCU.
TIMESTAMP_WRAP_US = const(0x40000000)
