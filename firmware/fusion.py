# Orientation fusion on the device: a fixed-point Mahony filter.
#
# The hot path (`fuse`) is one @micropython.viper function working on native
# machine ints only, so it allocates nothing (a float op would allocate a
# boxed float). Every product is bounded to stay inside 31 bits, because the
# ESP32's viper ints are 32-bit machine words; the bounds are listed next to
# each step and derived in docs/firmware.md.
#
# Units inside the filter:
#   q      quaternion sensor->earth (w, x, y, z), Q30 (1.0 = 2**30)
#   h      half rotation angle per sample (0.5 * omega * dt), Q19 radians
#   a12    accelerometer in g, Q12 (1 g = 4096), clamped to +-4 g
#   v, e   gravity direction / error vector, Q14
#   bias   gyroscope bias in counts, Q12 (|bias| < 2**27)
#   integ  Mahony integral term, h units << 8 (Q27)
#
# `fuse` also writes each finished sample straight into the store-and-forward
# ring (ring.py): 10 little-endian int16 (protocol SAMPLE_FMT) + u32 time.
# Holds @micropython.viper code: precompile with the board's arch, e.g.
# `mpy-cross -march=xtensawin fusion.py` (without -march mpy-cross stops at
# "invalid arch"); imported as .py the board compiles it for itself.
import math
import micropython
from array import array
from micropython import const

# state array indices
_QW = const(0)
_QX = const(1)
_QY = const(2)
_QZ = const(3)
_IX = const(4)
_IY = const(5)
_IZ = const(6)
_BX = const(7)
_BY = const(8)
_BZ = const(9)
_KP_RUN = const(10)
_KP_FAST = const(11)
_FAST_LEFT = const(12)
_KI = const(13)
_KG = const(14)
_SG = const(15)
_ACC_MUL = const(16)
_GATE_LO = const(17)
_GATE_HI = const(18)
_STILL_THR = const(19)
_STILL_COUNT = const(20)
_STILL_NEED = const(21)
_BIAS_SHIFT = const(22)
_STATUS = const(23)
_REMAP = const(24)  # 24..26 source axis, 27..29 sign (+1/-1)
_SLOT = const(30)  # next ring slot to write
_CAP = const(31)  # ring capacity (slots)
_T_NEXT = const(32)  # time stamp of the next sample (us, modulo 2**30)
_PERIOD = const(33)  # sample period (us)
_HCLAMP = const(34)
_ICLAMP = const(35)
_COUNT = const(36)  # samples fused since reset (saturating)
_NSTATE = const(40)

STATUS_STILL = const(1)
STATUS_ACC_USED = const(2)

Q30 = 1 << 30  # not const(): above the 31-bit small-int range of 32-bit ports
_H_Q = const(19)
_TS_MASK = const(0x3FFFFFFF)
SLOT_SIZE = const(24)  # 20-byte sample + u32 time stamp


@micropython.viper
def fuse(S, raw, n: int, ring):
    """Fuse ``n`` chip-frame samples from ``raw`` (int16 ax ay az gx gy gz each)
    and append them to ``ring`` (SLOT_SIZE-byte slots). Allocates nothing."""
    s = ptr32(S)
    r = ptr16(raw)
    d16 = ptr16(ring)
    d32 = ptr32(ring)
    # sign bit, built at run time (a folded 1 << 31 would be a big-int object on
    # 32-bit ports): (v ^ sb) - sb sign-extends a 32-bit load on 64-bit hosts, no-op on 32-bit
    sb = 1
    sb = sb << 31
    one30 = 1
    one30 = one30 << 30
    k = 0
    while k < n:
        # --- remap chip axes to the worn frame (x up the shin, z out of the front)
        base = k * 6
        i0 = s[24]
        i1 = s[25]
        i2 = s[26]
        sg0 = (s[27] ^ sb) - sb
        sg1 = (s[28] ^ sb) - sb
        sg2 = (s[29] ^ sb) - sb
        ax = ((r[base + i0] ^ 0x8000) - 0x8000) * sg0
        ay = ((r[base + i1] ^ 0x8000) - 0x8000) * sg1
        az = ((r[base + i2] ^ 0x8000) - 0x8000) * sg2
        gx = ((r[base + 3 + i0] ^ 0x8000) - 0x8000) * sg0
        gy = ((r[base + 3 + i1] ^ 0x8000) - 0x8000) * sg1
        gz = ((r[base + 3 + i2] ^ 0x8000) - 0x8000) * sg2
        # |ax..gz| <= 32768

        # --- gyroscope minus bias, Q4 counts: |rq| <= 2**20 after the clamp
        bx = (s[7] ^ sb) - sb
        by = (s[8] ^ sb) - sb
        bz = (s[9] ^ sb) - sb
        rx = (gx << 4) - (bx >> 8)
        ry = (gy << 4) - (by >> 8)
        rz = (gz << 4) - (bz >> 8)
        lim = 1 << 20
        if rx > lim:
            rx = lim
        if rx < -lim:
            rx = -lim
        if ry > lim:
            ry = lim
        if ry < -lim:
            ry = -lim
        if rz > lim:
            rz = lim
        if rz < -lim:
            rz = -lim
        # half angle per sample, Q19: kg < 2**10 so |rq * kg| < 2**30
        kg = s[14]
        shg = s[15]
        hx = (rx * kg) >> shg
        hy = (ry * kg) >> shg
        hz = (rz * kg) >> shg

        # --- accelerometer in Q12 g, clamped to +-4 g: |a12| <= 2**14
        am = s[16]
        a12x = (ax * am) >> 3
        a12y = (ay * am) >> 3
        a12z = (az * am) >> 3
        lim = 1 << 14
        if a12x > lim:
            a12x = lim
        if a12x < -lim:
            a12x = -lim
        if a12y > lim:
            a12y = lim
        if a12y < -lim:
            a12y = -lim
        if a12z > lim:
            a12z = lim
        if a12z < -lim:
            a12z = -lim
        n2 = a12x * a12x + a12y * a12y + a12z * a12z  # Q24, <= 3 * 2**28

        # --- quaternion to Q14 (|q14| <= 2**14, products <= 2**28)
        w = (s[0] ^ sb) - sb
        x = (s[1] ^ sb) - sb
        y = (s[2] ^ sb) - sb
        z = (s[3] ^ sb) - sb
        w14 = w >> 16
        x14 = x >> 16
        y14 = y >> 16
        z14 = z >> 16

        status = 0
        if s[17] <= n2 and n2 <= s[18]:
            status = 2  # STATUS_ACC_USED
            # gravity (earth +Z) seen in the sensor frame, Q14
            vx = (x14 * z14 - w14 * y14) >> 13
            vy = (w14 * x14 + y14 * z14) >> 13
            vz = (w14 * w14 - x14 * x14 - y14 * y14 + z14 * z14) >> 14
            # error = measured up x estimated up, Q14
            ex = (a12y * vz - a12z * vy) >> 12
            ey = (a12z * vx - a12x * vz) >> 12
            ez = (a12x * vy - a12y * vx) >> 12
            kp = s[10]
            fast = s[12]
            if fast > 0:
                kp = s[11]
            ki = s[13]
            ix = ((s[4] ^ sb) - sb) + ((ex * ki) >> 14)
            iy = ((s[5] ^ sb) - sb) + ((ey * ki) >> 14)
            iz = ((s[6] ^ sb) - sb) + ((ez * ki) >> 14)
            lim = s[35]
            if ix > lim:
                ix = lim
            if ix < -lim:
                ix = -lim
            if iy > lim:
                iy = lim
            if iy < -lim:
                iy = -lim
            if iz > lim:
                iz = lim
            if iz < -lim:
                iz = -lim
            s[4] = ix
            s[5] = iy
            s[6] = iz
            hx += ((ex * kp) >> 14) + (ix >> 8)
            hy += ((ey * kp) >> 14) + (iy >> 8)
            hz += ((ez * kp) >> 14) + (iz >> 8)
        else:
            hx += ((s[4] ^ sb) - sb) >> 8
            hy += ((s[5] ^ sb) - sb) >> 8
            hz += ((s[6] ^ sb) - sb) >> 8
        if s[12] > 0:
            s[12] = s[12] - 1

        # --- gyroscope bias while still: every axis under the threshold for
        # STILL_NEED samples and the accelerometer near 1 g
        thr = s[19] << 4
        if status != 0 and -thr < rx and rx < thr and -thr < ry and ry < thr and -thr < rz and rz < thr:
            c = s[20]
            if c < s[21]:
                s[20] = c + 1
            else:
                status |= 1  # STATUS_STILL
                bs = s[22]
                s[7] = bx + (((gx << 12) - bx) >> bs)
                s[8] = by + (((gy << 12) - by) >> bs)
                s[9] = bz + (((gz << 12) - bz) >> bs)
        else:
            s[20] = 0
        s[23] = status

        # --- clamp |h| per axis to 2**16 (0.125 rad per sample)
        lim = s[34]
        if hx > lim:
            hx = lim
        if hx < -lim:
            hx = -lim
        if hy > lim:
            hy = lim
        if hy < -lim:
            hy = -lim
        if hz > lim:
            hz = lim
        if hz < -lim:
            hz = -lim

        # --- integrate: q += q (x) (0, h); products Q14*Q19 = Q33, sums < 2**31
        w += (-x14 * hx - y14 * hy - z14 * hz) >> 3
        x += (w14 * hx + y14 * hz - z14 * hy) >> 3
        y += (w14 * hy - x14 * hz + z14 * hx) >> 3
        z += (w14 * hz + x14 * hy - y14 * hx) >> 3

        # --- renormalise: q *= 1 - (|q|^2 - 1) / 2  (first-order 1/sqrt)
        w15 = w >> 15
        x15 = x >> 15
        y15 = y >> 15
        z15 = z >> 15
        err = (w15 * w15 + x15 * x15 + y15 * y15 + z15 * z15) - one30
        e13 = err >> 13
        w -= (w >> 18) * e13
        x -= (x >> 18) * e13
        y -= (y >> 18) * e13
        z -= (z >> 18) * e13
        s[0] = w
        s[1] = x
        s[2] = y
        s[3] = z

        # --- pack the sample into the ring slot (protocol SAMPLE_FMT, little-endian)
        slot = s[30]
        o = slot * 12  # int16 index of the slot (24 bytes)
        d16[o] = (w + 32768) >> 16
        d16[o + 1] = (x + 32768) >> 16
        d16[o + 2] = (y + 32768) >> 16
        d16[o + 3] = (z + 32768) >> 16
        d16[o + 4] = ax
        d16[o + 5] = ay
        d16[o + 6] = az
        cx = (rx + 8) >> 4
        cy = (ry + 8) >> 4
        cz = (rz + 8) >> 4
        if cx > 32767:
            cx = 32767
        if cx < -32768:
            cx = -32768
        if cy > 32767:
            cy = 32767
        if cy < -32768:
            cy = -32768
        if cz > 32767:
            cz = 32767
        if cz < -32768:
            cz = -32768
        d16[o + 7] = cx
        d16[o + 8] = cy
        d16[o + 9] = cz
        t = s[32]
        d32[slot * 6 + 5] = t
        s[32] = (t + s[33]) & _TS_MASK
        slot += 1
        if slot >= s[31]:
            slot = 0
        s[30] = slot
        c = s[36]
        if c < (1 << 29):
            s[36] = c + 1
        k += 1


def parse_axes(spec):
    """``"-y+x+z"`` -> (sources, signs): worn axis i = sign[i] * chip axis source[i]."""
    spec = spec.replace(" ", "").lower()
    if len(spec) != 6:
        raise ValueError("axes must look like '+x+y+z', got %r" % spec)
    src = []
    sgn = []
    for i in range(3):
        s, a = spec[2 * i], spec[2 * i + 1]
        if s not in "+-" or a not in "xyz":
            raise ValueError("bad axis %r in %r" % (s + a, spec))
        src.append("xyz".index(a))
        sgn.append(1 if s == "+" else -1)
    if sorted(src) != [0, 1, 2]:
        raise ValueError("axes %r must use each of x, y, z once" % spec)
    # the worn frame must be right-handed
    m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
    for i in range(3):
        m[i][src[i]] = sgn[i]
    det = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
           - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
           + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
    if det != 1:
        raise ValueError("axes %r give a left-handed frame" % spec)
    return src, sgn


class Mahony:
    """Fixed-point Mahony filter with gyroscope bias estimation at rest.

    Parameters (floats are only used here, at set-up):
    kp, ki        proportional / integral gains (rad/s per unit error) in use
    kp_fast       proportional gain for the first ``fast_s`` seconds (convergence)
    acc_gate      accept the accelerometer when | |a| - 1 g | < acc_gate (g)
    still_dps     per-axis rate under which the sensor counts as still
    still_s       how long it must stay still before the bias is learned
    bias_tau      time constant of the bias average at rest (s)
    """

    def __init__(self, acc_fs_g, gyr_fs_dps, period_us, axes="+x+y+z", kp=0.5, ki=0.05,
                 kp_fast=8.0, fast_s=1.5, acc_gate=0.15, still_dps=3.0, still_s=0.5, bias_tau=0.64):
        self.S = array("i", [0] * _NSTATE)
        self.kp = kp
        self.ki = ki
        self.kp_fast = kp_fast
        self.fast_s = fast_s
        self.acc_gate = acc_gate
        self.still_dps = still_dps
        self.still_s = still_s
        self.bias_tau = bias_tau
        self.set_axes(axes)
        self.configure(acc_fs_g, gyr_fs_dps, period_us)
        self.reset()

    def set_axes(self, axes):
        src, sgn = parse_axes(axes)
        S = self.S
        for i in range(3):
            S[_REMAP + i] = src[i]
            S[_REMAP + 3 + i] = sgn[i]
        self.axes = axes

    def configure(self, acc_fs_g, gyr_fs_dps, period_us):
        """Scale factors for a full-scale range and sample period (set-up only)."""
        if acc_fs_g not in (2, 4, 8, 16):
            raise ValueError("accelerometer full scale must be 2, 4, 8 or 16 g")
        if not 125 <= gyr_fs_dps <= 2000:
            raise ValueError("gyroscope full scale out of range")
        if not 1000 <= period_us <= 100000:
            raise ValueError("sample period out of range")
        S = self.S
        dt = period_us * 1e-6
        # h[Q19] = rq[Q4 counts] * kg >> sg  with 2**9 <= kg < 2**10
        k = 0.5 * dt * (gyr_fs_dps / 32768.0) * (math.pi / 180.0) / 16.0 * (1 << _H_Q)
        sg = 0
        while k * (1 << sg) < 512 and sg < 40:
            sg += 1
        S[_KG] = int(k * (1 << sg) + 0.5)
        S[_SG] = sg
        S[_ACC_MUL] = acc_fs_g
        lo = (1.0 - self.acc_gate) * 4096
        hi = (1.0 + self.acc_gate) * 4096
        S[_GATE_LO] = int(lo * lo)
        S[_GATE_HI] = int(hi * hi)
        S[_KP_RUN] = int(0.5 * self.kp * dt * (1 << _H_Q) + 0.5)
        S[_KP_FAST] = int(0.5 * self.kp_fast * dt * (1 << _H_Q) + 0.5)
        S[_KI] = int(0.5 * self.ki * dt * dt * (1 << (_H_Q + 8)) + 0.5)
        S[_STILL_THR] = max(1, int(self.still_dps * 32768 / gyr_fs_dps))
        S[_STILL_NEED] = max(1, int(self.still_s / dt))
        shift = 1
        while (1 << shift) * dt < self.bias_tau and shift < 12:
            shift += 1
        S[_BIAS_SHIFT] = shift
        S[_PERIOD] = period_us
        S[_HCLAMP] = 1 << 16
        S[_ICLAMP] = 1 << 19
        self.acc_fs_g = acc_fs_g
        self.gyr_fs_dps = gyr_fs_dps
        self.period_us = period_us

    def reset(self, keep_bias=False):
        """Forget the attitude; the next sample realigns it with gravity."""
        S = self.S
        S[_QW] = Q30
        S[_QX] = S[_QY] = S[_QZ] = 0
        S[_IX] = S[_IY] = S[_IZ] = 0
        if not keep_bias:
            S[_BX] = S[_BY] = S[_BZ] = 0
        S[_STILL_COUNT] = 0
        S[_FAST_LEFT] = int(self.fast_s * 1e6 / self.period_us)
        S[_COUNT] = 0
        self.aligned = False

    def set_ring(self, capacity, slot=0):
        self.S[_CAP] = capacity
        self.S[_SLOT] = slot

    def set_time(self, t_us):
        self.S[_T_NEXT] = t_us & _TS_MASK

    @property
    def next_time(self):
        return self.S[_T_NEXT]

    @property
    def slot(self):
        return self.S[_SLOT]

    def align(self, raw, k=0):
        """Set the attitude from the gravity seen in sample ``k`` of ``raw`` (heading 0)."""
        S = self.S
        a = [0.0, 0.0, 0.0]
        for i in range(3):
            a[i] = raw[6 * k + S[_REMAP + i]] * S[_REMAP + 3 + i]
        n = math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])
        if n < 1:
            return False
        ax, ay, az = a[0] / n, a[1] / n, a[2] / n
        # rotation taking the measured up (sensor frame) onto earth +Z, zero heading
        roll = math.atan2(ay, az)
        pitch = math.atan2(-ax, math.sqrt(ay * ay + az * az))
        cr, sr = math.cos(roll / 2), math.sin(roll / 2)
        cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
        self._set_q(cr * cp, sr * cp, cr * sp, -sr * sp)
        self.aligned = True
        return True

    def _set_q(self, w, x, y, z):
        n = math.sqrt(w * w + x * x + y * y + z * z)
        S = self.S
        S[_QW] = int(w / n * Q30)
        S[_QX] = int(x / n * Q30)
        S[_QY] = int(y / n * Q30)
        S[_QZ] = int(z / n * Q30)

    def quaternion(self):
        """Current attitude as floats (w, x, y, z); not for the hot path."""
        S = self.S
        return (S[_QW] / Q30, S[_QX] / Q30, S[_QY] / Q30, S[_QZ] / Q30)

    def tare(self):
        """Zero the heading (rotation about earth Z) and relearn the gyro bias fast."""
        w, x, y, z = self.quaternion()
        yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
        c, s = math.cos(-yaw / 2), math.sin(-yaw / 2)
        # q' = (c, 0, 0, s) (x) q
        self._set_q(c * w - s * z, c * x - s * y, c * y + s * x, c * z + s * w)
        S = self.S
        S[_STILL_COUNT] = 0
        S[_FAST_LEFT] = int(self.fast_s * 1e6 / self.period_us)

    @property
    def still(self):
        return bool(self.S[_STATUS] & STATUS_STILL)

    def bias_dps(self):
        S = self.S
        k = self.gyr_fs_dps / 32768.0 / 4096.0
        return (S[_BX] * k, S[_BY] * k, S[_BZ] * k)
