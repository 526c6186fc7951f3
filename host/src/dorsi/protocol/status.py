"""The status characteristic: device state, scales, last command result, ring health."""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass

from .errors import ProtocolError
from .spec import (
    ACC_FULL_SCALE_G,
    GYR_FULL_SCALE_DPS,
    PROTOCOL_VERSION,
    STATE_IDENTIFY,
    STATE_IMU_OK,
    STATE_OVERFLOW,
    STATE_STILL,
    STATE_STREAMING,
    STATE_SUBSCRIBED,
    STATUS_FORMAT,
    STATUS_SIZE,
    Command,
    Result,
    Role,
)


@dataclass(frozen=True)
class Status:
    role: Role
    state: int
    acc_code: int
    gyr_code: int
    rate_hz: int
    last_command: int
    last_result: int
    command_counter: int
    battery_percent: int
    firmware_major: int
    firmware_minor: int
    ring_held: int
    ring_dropped: int
    i2c_errors: int
    next_seq: int

    @property
    def streaming(self) -> bool:
        return bool(self.state & STATE_STREAMING)

    @property
    def imu_ok(self) -> bool:
        return bool(self.state & STATE_IMU_OK)

    @property
    def subscribed(self) -> bool:
        return bool(self.state & STATE_SUBSCRIBED)

    @property
    def still(self) -> bool:
        return bool(self.state & STATE_STILL)

    @property
    def identifying(self) -> bool:
        return bool(self.state & STATE_IDENTIFY)

    @property
    def overflowed(self) -> bool:
        return bool(self.state & STATE_OVERFLOW)

    @property
    def acc_full_scale_g(self) -> int:
        return ACC_FULL_SCALE_G[self.acc_code]

    @property
    def gyr_full_scale_dps(self) -> int:
        return GYR_FULL_SCALE_DPS[self.gyr_code]

    @property
    def acc_lsb_g(self) -> float:
        return self.acc_full_scale_g / 32768.0

    @property
    def gyr_lsb_dps(self) -> float:
        return self.gyr_full_scale_dps / 32768.0

    @property
    def result(self) -> Result:
        return Result(self.last_result) if self.last_result in Result._value2member_map_ else Result.NONE

    def pack(self) -> bytes:
        return struct.pack(
            STATUS_FORMAT, PROTOCOL_VERSION, int(self.role), self.state,
            (self.acc_code & 0x03) | ((self.gyr_code & 0x07) << 2), self.rate_hz,
            self.last_command, self.last_result, self.command_counter & 0xFF,
            self.battery_percent, self.firmware_major, self.firmware_minor,
            self.ring_held, self.ring_dropped, self.i2c_errors, self.next_seq & 0xFFFFFFFF,
        )

    @classmethod
    def unpack(cls, data: bytes) -> "Status":
        if len(data) != STATUS_SIZE:
            raise ProtocolError(f"status is {len(data)} bytes, expected {STATUS_SIZE}")
        (version, role, state, ranges, rate, last_cmd, last_res, counter, battery,
         fw_major, fw_minor, held, dropped, i2c, next_seq) = struct.unpack(STATUS_FORMAT, data)
        if version != PROTOCOL_VERSION:
            raise ProtocolError(f"status of unsupported protocol version {version}")
        if role not in (0, 1):
            raise ProtocolError(f"status names unknown sensor role {role}")
        gyr_code = (ranges >> 2) & 0x07
        if gyr_code >= len(GYR_FULL_SCALE_DPS) or ranges & 0xE0:
            raise ProtocolError(f"status has invalid range byte 0x{ranges:02x}")
        if battery > 100 and battery != 0xFF:
            raise ProtocolError(f"status battery {battery}% out of range")
        return cls(Role(role), state, ranges & 0x03, gyr_code, rate, last_cmd, last_res, counter,
                   battery, fw_major, fw_minor, held, dropped, i2c, next_seq)

    def describe(self) -> dict:
        d = asdict(self)
        d["role"] = self.role.name.lower()
        d["last_command"] = Command(self.last_command).name if self.last_command in Command._value2member_map_ else None
        d["last_result"] = self.result.name
        return d
