# ST LSM6DSOX (FIFO, tagged words) and its LSM6DS3TR-C / LSM6DSL siblings
# (same control and output registers; read by data-ready burst reads).
# Holds @micropython.viper code: precompile with the board's arch, e.g.
# `mpy-cross -march=xtensawin lsm6ds.py` (without -march mpy-cross stops at
# "invalid arch"); imported as .py the board compiles it for itself.
import micropython
from micropython import const

WHO_AM_I = const(0x0F)
WHO_IDS = {0x6C: "LSM6DSOX", 0x6A: "LSM6DS3TR-C/LSM6DSL"}
_WHO_DSOX = const(0x6C)

_FIFO_CTRL3 = const(0x09)  # BDR_GY[7:4] | BDR_XL[3:0]
_FIFO_CTRL4 = const(0x0A)  # FIFO_MODE[2:0]
_CTRL1_XL = const(0x10)  # ODR_XL[7:4] FS_XL[3:2]
_CTRL2_G = const(0x11)  # ODR_G[7:4] FS_G[3:2] FS_125[1]
_CTRL3_C = const(0x12)  # BDU[6] IF_INC[2] SW_RESET[0]
_STATUS_REG = const(0x1E)  # GDA[1] XLDA[0]
_OUTX_L_G = const(0x22)  # gyro x,y,z then accel x,y,z (12 bytes, little-endian)
_FIFO_STATUS1 = const(0x3A)  # DIFF_FIFO[7:0]
_FIFO_STATUS2 = const(0x3B)  # WTM[7] OVR[6] FULL[5] DIFF_FIFO[9:8]
_FIFO_DATA_OUT_TAG = const(0x78)  # tag byte + 6 data bytes per word

_FIFO_CONTINUOUS = const(6)
_TAG_GYRO = const(0x01)
_TAG_ACC = const(0x02)
_WORD = const(7)

# ODR / BDR codes (CTRL1_XL, CTRL2_G, FIFO_CTRL3 share them)
_ODR = ((26, 2), (52, 3), (104, 4), (208, 5), (416, 6))
# full-scale register bits and protocol codes
_FS_XL = {2: (0b00, 0), 4: (0b10, 1), 8: (0b11, 2), 16: (0b01, 3)}
_FS_G = {125: (0b0010, 0), 250: (0b0000, 1), 500: (0b0100, 2), 1000: (0b1000, 3), 2000: (0b1100, 4)}


@micropython.viper
def _parse_words(buf, nwords: int, raw, pend) -> int:
    """Tagged FIFO words -> samples (ax ay az gx gy gz). ``pend`` (int16 x8)
    carries a half-finished sample between reads: [has_g, has_a, g xyz, a xyz]."""
    b = ptr8(buf)
    r = ptr16(raw)
    p = ptr16(pend)
    out = 0
    i = 0
    while i < nwords:
        o = i * 7
        tag = b[o] >> 3
        if tag == 1:  # gyroscope
            p[2] = b[o + 1] | (b[o + 2] << 8)
            p[3] = b[o + 3] | (b[o + 4] << 8)
            p[4] = b[o + 5] | (b[o + 6] << 8)
            p[0] = 1
        elif tag == 2:  # accelerometer
            p[5] = b[o + 1] | (b[o + 2] << 8)
            p[6] = b[o + 3] | (b[o + 4] << 8)
            p[7] = b[o + 5] | (b[o + 6] << 8)
            p[1] = 1
        if p[0] and p[1]:
            d = out * 6
            r[d] = p[5]
            r[d + 1] = p[6]
            r[d + 2] = p[7]
            r[d + 3] = p[2]
            r[d + 4] = p[3]
            r[d + 5] = p[4]
            p[0] = 0
            p[1] = 0
            out += 1
        i += 1
    return out


@micropython.viper
def _parse_out(buf, raw, k: int):
    """One data-ready burst (gyro xyz, accel xyz, little-endian) -> sample k."""
    b = ptr8(buf)
    r = ptr16(raw)
    d = k * 6
    r[d] = b[6] | (b[7] << 8)
    r[d + 1] = b[8] | (b[9] << 8)
    r[d + 2] = b[10] | (b[11] << 8)
    r[d + 3] = b[0] | (b[1] << 8)
    r[d + 4] = b[2] | (b[3] << 8)
    r[d + 5] = b[4] | (b[5] << 8)


class LSM6DS:
    def __init__(self, bus, addr, who, max_batch=16):
        self.bus = bus
        self.addr = addr
        self.who = who
        self.name = WHO_IDS.get(who, "LSM6DS?")
        self.fifo = who == _WHO_DSOX
        self.max_batch = max_batch
        self._words = bytearray(_WORD * 2 * max_batch)
        mv = memoryview(self._words)
        self._views = [mv[: _WORD * k] for k in range(2 * max_batch + 1)]
        self._status = bytearray(2)
        self._out = bytearray(12)
        self._pend = bytearray(16)  # int16 x8, see _parse_words
        self.overruns = 0
        self.period_us = 0
        self.acc_code = 0
        self.gyr_code = 0

    def configure(self, rate_hz, acc_fs_g, gyr_fs_dps):
        if acc_fs_g not in _FS_XL or gyr_fs_dps not in _FS_G:
            raise ValueError("unsupported full scale")
        odr, code = _ODR[-1]
        for o, c in _ODR:
            if o >= rate_hz:
                odr, code = o, c
                break
        fs_xl, self.acc_code = _FS_XL[acc_fs_g]
        fs_g, self.gyr_code = _FS_G[gyr_fs_dps]
        w = self.bus.write_u8
        a = self.addr
        w(a, _CTRL3_C, 0x01)  # software reset
        w(a, _CTRL3_C, 0x44)  # BDU + address auto-increment
        w(a, _CTRL1_XL, (code << 4) | (fs_xl << 2))
        w(a, _CTRL2_G, (code << 4) | fs_g)
        if self.fifo:
            w(a, _FIFO_CTRL4, 0)  # bypass: clears the FIFO
            w(a, _FIFO_CTRL3, (code << 4) | code)
            w(a, _FIFO_CTRL4, _FIFO_CONTINUOUS)
        for i in range(16):
            self._pend[i] = 0
        self.odr_hz = odr
        self.period_us = (1000000 + odr // 2) // odr
        return self.period_us

    def stop(self):
        w = self.bus.write_u8
        w(self.addr, _CTRL1_XL, 0)
        w(self.addr, _CTRL2_G, 0)
        if self.fifo:
            w(self.addr, _FIFO_CTRL4, 0)

    def read(self, raw, max_n):
        """Up to ``max_n`` new samples into ``raw``; returns how many."""
        if max_n > self.max_batch:
            max_n = self.max_batch
        bus = self.bus
        if not self.fifo:
            bus.read_into(self.addr, _STATUS_REG, self._status)
            if (self._status[0] & 0x03) != 0x03:
                return 0
            bus.read_into(self.addr, _OUTX_L_G, self._out)
            _parse_out(self._out, raw, 0)
            return 1
        st = self._status
        bus.read_into(self.addr, _FIFO_STATUS1, st)
        level = st[0] | ((st[1] & 0x03) << 8)
        if st[1] & 0x40:
            self.overruns += 1
        if level > 2 * max_n:
            level = 2 * max_n
        if level == 0:
            return 0
        bus.read_into(self.addr, _FIFO_DATA_OUT_TAG, self._views[level])
        return _parse_words(self._words, level, raw, self._pend)
