# Simulated I2C IMUs with register maps close enough to the real chips that
# the real drivers run unchanged: LSM6DSOX (tagged FIFO), LSM6DS3TR-C
# (data-ready registers) and MPU-6050/6500 (FIFO). Measurements come from a
# motion (motion_file.load) resampled to the configured output data rate and
# quantised at the configured full scale when the chip is configured, so
# reads are integer copies (the benchmark measures the firmware, not this).


def _copy(dst, src, start, n):
    # a plain loop (no slices: they would allocate inside the measured loop);
    # no viper here so this host-only file compiles with a bare mpy-cross too.
    # Wraps around the end of src (a looped motion).
    size = len(src)
    j = start % size
    for i in range(n):
        dst[i] = src[j]
        j += 1
        if j == size:
            j = 0


def _counts(value, full_scale):
    c = int(round(value * 32768.0 / full_scale))
    if c > 32767:
        return 32767
    if c < -32768:
        return -32768
    return c


class _Chip:
    """Shared timing: sample k (0-based) measures the motion at start + k * period
    (motion time counted from the chip's creation) and is ready one period later."""

    def __init__(self, clock, motion, who):
        self.clock = clock
        self.rate, self.count, self.data = motion
        self.regs = bytearray(128)
        self.who = who
        self.period_us = 0
        self.start_us = 0
        self.consumed = 0  # samples handed out
        self.bytes_out = 0  # bytes of the current record already read
        self.stream = bytearray(0)
        self.n = 0
        self.origin_us = clock.t_us  # motion time 0
        self.loop = False  # True: the motion repeats forever

    def produced(self):
        if self.period_us == 0:
            return 0
        k = (self.clock.t_us - self.start_us) // self.period_us
        if k > self.n and not self.loop:
            k = self.n
        return k

    def exhausted(self):
        return bool(self.period_us) and not self.loop and self.consumed >= self.n

    def _resample(self, period_us, acc_fs, gyr_fs, record, encode):
        """Quantised records at the new rate: ``record`` bytes each, via ``encode``."""
        now = self.clock.t_us
        offset = (now - self.origin_us) * 1e-6 * self.rate  # motion index at the first new sample
        if self.loop and self.count:
            offset = offset % self.count
        key = (period_us, acc_fs, gyr_fs, int(offset))
        if key == getattr(self, "_key", None):
            self.start_us = self.clock.t_us
            self.consumed = 0
            self.bytes_out = 0
            self.period_us = period_us
            return
        self._key = key
        step = period_us * 1e-6 * self.rate
        n = int((self.count - 1 - offset) / step) + 1 if self.count > offset else 0
        out = bytearray(n * record)
        d = self.data
        for k in range(n):
            j = int(offset + k * step + 0.5)
            if j >= self.count:
                j = self.count - 1
            b = 6 * j
            encode(out, k * record,
                   _counts(d[b], acc_fs), _counts(d[b + 1], acc_fs), _counts(d[b + 2], acc_fs),
                   _counts(d[b + 3], gyr_fs), _counts(d[b + 4], gyr_fs), _counts(d[b + 5], gyr_fs))
        self.stream = out
        self.n = n
        self.period_us = period_us
        self.start_us = self.clock.t_us
        self.consumed = 0
        self.bytes_out = 0


def _put_le(buf, o, v):
    buf[o] = v & 0xFF
    buf[o + 1] = (v >> 8) & 0xFF


def _put_be(buf, o, v):
    buf[o] = (v >> 8) & 0xFF
    buf[o + 1] = v & 0xFF


def _tagged(out, o, ax, ay, az, gx, gy, gz):
    out[o] = 0x01 << 3  # gyroscope word first, then accelerometer
    _put_le(out, o + 1, gx)
    _put_le(out, o + 3, gy)
    _put_le(out, o + 5, gz)
    out[o + 7] = 0x02 << 3
    _put_le(out, o + 8, ax)
    _put_le(out, o + 10, ay)
    _put_le(out, o + 12, az)


def _plain_le(out, o, ax, ay, az, gx, gy, gz):
    for i, v in enumerate((gx, gy, gz, ax, ay, az)):
        _put_le(out, o + 2 * i, v)


def _mpu_record(out, o, ax, ay, az, gx, gy, gz):
    for i, v in enumerate((ax, ay, az, gx, gy, gz)):
        _put_be(out, o + 2 * i, v)


_LSM_ODR = {1: 12.5, 2: 26, 3: 52, 4: 104, 5: 208, 6: 416, 7: 833}
_LSM_FS_XL = {0: 2, 1: 16, 2: 4, 3: 8}
_LSM_FS_G = {0: 250, 1: 500, 2: 1000, 3: 2000}


class SimLSM6DS(_Chip):
    """LSM6DSOX (who=0x6C, FIFO) or LSM6DS3TR-C/LSM6DSL (who=0x6A, no FIFO model)."""

    FIFO_WORDS = 1024

    def __init__(self, clock, motion, who=0x6C):
        super().__init__(clock, motion, who)
        self.fifo = who == 0x6C
        self.overrun = False
        self.regs[0x0F] = who

    def _config(self):
        r = self.regs
        odr = r[0x10] >> 4
        if odr == 0 or (r[0x11] >> 4) != odr:
            self.period_us = 0
            return
        acc_fs = _LSM_FS_XL[(r[0x10] >> 2) & 3]
        gyr_fs = 125 if r[0x11] & 0x02 else _LSM_FS_G[(r[0x11] >> 2) & 3]
        period = int(1e6 / _LSM_ODR[odr] + 0.5)
        if self.fifo:
            self._resample(period, acc_fs, gyr_fs, 14, _tagged)
        else:
            self._resample(period, acc_fs, gyr_fs, 12, _plain_le)

    def write(self, reg, data):
        for i in range(len(data)):
            a = reg + i
            self.regs[a] = data[i]
            if a == 0x12 and data[i] & 0x01:  # software reset
                who = self.regs[0x0F]
                for j in range(128):
                    self.regs[j] = 0
                self.regs[0x0F] = who
                self.period_us = 0
            elif a in (0x10, 0x11) or (a == 0x0A and self.fifo):
                self._config()

    def _fifo_words(self):
        words = 2 * (self.produced() - self.consumed) - self.bytes_out // 7
        if words > self.FIFO_WORDS:  # continuous mode: the oldest words are overwritten
            lost = (words - self.FIFO_WORDS + 1) // 2
            self.consumed += lost
            self.overrun = True
            words -= 2 * lost
        return words

    def read(self, reg, buf):
        n = len(buf)
        if self.fifo and reg == 0x3A:
            words = self._fifo_words() if (self.regs[0x0A] & 7) == 6 else 0
            buf[0] = words & 0xFF
            if n > 1:
                buf[1] = ((words >> 8) & 0x03) | (0x40 if self.overrun else 0)
                self.overrun = False
            return
        if self.fifo and reg == 0x78:
            words = n // 7
            avail = self._fifo_words()
            if words > avail:
                raise OSError(5)  # reading an empty FIFO is a driver bug here
            start = self.consumed * 14 + self.bytes_out
            _copy(buf, self.stream, start, words * 7)
            total = self.bytes_out + words * 7
            self.consumed += total // 14
            self.bytes_out = total % 14
            return
        if not self.fifo and reg == 0x1E:
            ready = self.produced() > self.consumed
            buf[0] = 0x03 if ready else 0
            return
        if not self.fifo and reg == 0x22:
            k = self.produced() - 1
            if k < 0:
                k = 0
            _copy(buf, self.stream, (k % self.n) * 12, min(n, 12))
            self.consumed = k + 1
            return
        for i in range(n):
            buf[i] = self.regs[(reg + i) & 0x7F]


_MPU_FS_XL = (2, 4, 8, 16)
_MPU_FS_G = (250, 500, 1000, 2000)


class SimMPU6x(_Chip):
    """MPU-6050 (who=0x68) / MPU-6500 (who=0x70) with its 1024-byte FIFO."""

    FIFO_BYTES = 1024

    def __init__(self, clock, motion, who=0x68):
        super().__init__(clock, motion, who)
        self.regs[0x75] = who
        self.overflow = False
        self.enabled = False

    def write(self, reg, data):
        for i in range(len(data)):
            a = reg + i
            v = data[i]
            self.regs[a] = v
            if a == 0x6B and v & 0x80:
                who = self.regs[0x75]
                for j in range(128):
                    self.regs[j] = 0
                self.regs[0x75] = who
                self.enabled = False
            elif a == 0x6A:
                if v & 0x04:  # FIFO reset
                    self.enabled = False
                    self.overflow = False
                if v & 0x40 and self.regs[0x23] == 0x78 and not self.regs[0x6B] & 0x40:
                    r = self.regs
                    div = r[0x19]
                    rate = 1000 if (r[0x1A] & 7) else 8000
                    period = (1 + div) * 1000000 // rate
                    self._resample(period, _MPU_FS_XL[(r[0x1C] >> 3) & 3], _MPU_FS_G[(r[0x1B] >> 3) & 3],
                                   12, _mpu_record)
                    self.enabled = True

    def _fifo_bytes(self):
        if not self.enabled:
            return 0
        b = 12 * (self.produced() - self.consumed) - self.bytes_out
        if b > self.FIFO_BYTES:
            self.overflow = True
            lost = (b - self.FIFO_BYTES + 11) // 12
            self.consumed += lost
            b -= 12 * lost
        return b

    def read(self, reg, buf):
        n = len(buf)
        if reg == 0x72:
            b = self._fifo_bytes()
            buf[0] = (b >> 8) & 0xFF
            if n > 1:
                buf[1] = b & 0xFF
            return
        if reg == 0x3A:
            self._fifo_bytes()
            buf[0] = 0x10 if self.overflow else 0
            self.overflow = False
            return
        if reg == 0x74:
            if n > self._fifo_bytes():
                raise OSError(5)
            start = self.consumed * 12 + self.bytes_out
            _copy(buf, self.stream, start, n)
            total = self.bytes_out + n
            self.consumed += total // 12
            self.bytes_out = total % 12
            return
        for i in range(n):
            buf[i] = self.regs[(reg + i) & 0x7F]


class SimI2C:
    """machine.I2C stand-in: devices by address, optional injected failures.

    ``fail(n)`` makes the next ``n`` transfers raise OSError(EIO), like a
    loose connector; ``transfers`` and ``failures`` count what happened.
    """

    def __init__(self):
        self.devices = {}
        self._fail = 0
        self.transfers = 0
        self.failures = 0

    def attach(self, addr, chip):
        self.devices[addr] = chip
        return chip

    def fail(self, n):
        self._fail = n

    def _dev(self, addr):
        self.transfers += 1
        if self._fail > 0:
            self._fail -= 1
            self.failures += 1
            raise OSError(5)
        d = self.devices.get(addr)
        if d is None:
            raise OSError(19)  # ENODEV: nobody acknowledged the address
        return d

    def readfrom_mem_into(self, addr, reg, buf):
        self._dev(addr).read(reg, buf)

    def writeto_mem(self, addr, reg, buf):
        self._dev(addr).write(reg, buf)
