# IMU drivers, chosen at boot by WHO_AM_I.
#
# Every driver offers the same small interface:
#   configure(rate_hz, acc_fs_g, gyr_fs_dps) -> sets period_us, acc_code, gyr_code
#   read(raw, max_n) -> n samples written to raw (array('h'), 6 per sample:
#                       ax ay az gx gy gz in chip axes and chip counts)
#   stop()           -> low-power idle
#   name             -> chip name
from imu.bus import Bus
from imu.lsm6ds import LSM6DS, WHO_AM_I as _LSM_WHO, WHO_IDS as _LSM_IDS
from imu.mpu6x import MPU6x, WHO_AM_I as _MPU_WHO, WHO_IDS as _MPU_IDS

LSM_ADDRS = (0x6A, 0x6B)
MPU_ADDRS = (0x68, 0x69)


def detect(bus, kind="auto", addr=None):
    """Find the IMU on ``bus`` (an imu.bus.Bus) and return its driver.

    ``kind`` is "auto", "lsm6ds" or "mpu6x"; ``addr`` pins the I2C address.
    Raises OSError when no known chip answers.
    """
    tries = []
    if kind in ("auto", "lsm6ds"):
        for a in (addr,) if addr is not None else LSM_ADDRS:
            tries.append((a, _LSM_WHO, _LSM_IDS, LSM6DS))
    if kind in ("auto", "mpu6x"):
        for a in (addr,) if addr is not None else MPU_ADDRS:
            tries.append((a, _MPU_WHO, _MPU_IDS, MPU6x))
    if not tries:
        raise ValueError("unknown IMU kind %r" % kind)
    for a, reg, ids, cls in tries:
        try:
            who = bus.read_u8(a, reg)
        except OSError:
            continue
        if who in ids:
            return cls(bus, a, who)
    raise OSError("no supported IMU found (kind=%s)" % kind)
