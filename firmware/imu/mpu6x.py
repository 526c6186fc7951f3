# InvenSense MPU-6050 / MPU-6500 (and MPU-9250's accel+gyro), read through the FIFO.
# Holds @micropython.viper code: precompile with the board's arch, e.g.
# `mpy-cross -march=xtensawin mpu6x.py` (without -march mpy-cross stops at
# "invalid arch"); imported as .py the board compiles it for itself.
import micropython
from micropython import const

WHO_AM_I = const(0x75)
WHO_IDS = {0x68: "MPU-6050", 0x70: "MPU-6500", 0x71: "MPU-9250"}

_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)  # DLPF_CFG[2:0]
_GYRO_CONFIG = const(0x1B)  # FS_SEL[4:3]
_ACCEL_CONFIG = const(0x1C)  # AFS_SEL[4:3]
_FIFO_EN = const(0x23)  # XG YG ZG ACCEL = 0x78
_INT_STATUS = const(0x3A)  # FIFO_OFLOW[4]
_USER_CTRL = const(0x6A)  # FIFO_EN[6] FIFO_RESET[2]
_PWR_MGMT_1 = const(0x6B)  # DEVICE_RESET[7] SLEEP[6] CLKSEL[2:0]
_FIFO_COUNTH = const(0x72)
_FIFO_R_W = const(0x74)
_RECORD = const(12)  # accel xyz, gyro xyz, big-endian

_FS_XL = {2: 0, 4: 1, 8: 2, 16: 3}  # AFS_SEL = protocol code
_FS_G = {250: 0, 500: 1, 1000: 2, 2000: 3}  # FS_SEL; protocol code = FS_SEL + 1


@micropython.viper
def _parse(buf, n: int, raw):
    b = ptr8(buf)
    r = ptr16(raw)
    i = 0
    while i < n * 6:
        r[i] = (b[2 * i] << 8) | b[2 * i + 1]
        i += 1


class MPU6x:
    def __init__(self, bus, addr, who, max_batch=16):
        self.bus = bus
        self.addr = addr
        self.who = who
        self.name = WHO_IDS.get(who, "MPU-6x")
        self.fifo = True
        self.max_batch = max_batch
        self._buf = bytearray(_RECORD * max_batch)
        mv = memoryview(self._buf)
        self._views = [mv[: _RECORD * k] for k in range(max_batch + 1)]
        self._cnt = bytearray(2)
        self._one = bytearray(1)
        self.overruns = 0
        self.period_us = 0
        self.acc_code = 0
        self.gyr_code = 0

    def configure(self, rate_hz, acc_fs_g, gyr_fs_dps):
        if acc_fs_g not in _FS_XL or gyr_fs_dps not in _FS_G:
            raise ValueError("unsupported full scale")
        div = (1000 + rate_hz // 2) // rate_hz - 1
        if div < 0:
            div = 0
        if div > 255:
            div = 255
        w = self.bus.write_u8
        a = self.addr
        w(a, _PWR_MGMT_1, 0x80)  # reset
        w(a, _PWR_MGMT_1, 0x01)  # wake, PLL with gyro x clock
        w(a, _CONFIG, 0x03)  # DLPF 44 Hz: 1 kHz internal rate
        w(a, _SMPLRT_DIV, div)
        w(a, _GYRO_CONFIG, _FS_G[gyr_fs_dps] << 3)
        w(a, _ACCEL_CONFIG, _FS_XL[acc_fs_g] << 3)
        self.acc_code = _FS_XL[acc_fs_g]
        self.gyr_code = _FS_G[gyr_fs_dps] + 1
        self._reset_fifo()
        self.period_us = 1000 * (1 + div)
        return self.period_us

    def _reset_fifo(self):
        w = self.bus.write_u8
        w(self.addr, _USER_CTRL, 0x04)  # FIFO reset
        w(self.addr, _FIFO_EN, 0x78)  # gyro xyz + accel
        w(self.addr, _USER_CTRL, 0x40)  # FIFO on

    def stop(self):
        self.bus.write_u8(self.addr, _FIFO_EN, 0)
        self.bus.write_u8(self.addr, _PWR_MGMT_1, 0x40)  # sleep

    def read(self, raw, max_n):
        if max_n > self.max_batch:
            max_n = self.max_batch
        bus = self.bus
        bus.read_into(self.addr, _INT_STATUS, self._one)
        if self._one[0] & 0x10:  # overflow: the FIFO is no longer record-aligned
            self.overruns += 1
            self._reset_fifo()
            return 0
        bus.read_into(self.addr, _FIFO_COUNTH, self._cnt)
        n = ((self._cnt[0] << 8) | self._cnt[1]) // _RECORD
        if n > max_n:
            n = max_n
        if n == 0:
            return 0
        bus.read_into(self.addr, _FIFO_R_W, self._views[n])
        _parse(self._buf, n, raw)
        return n
