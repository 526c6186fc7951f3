"""On-device orientation, as the sensor's fusion filter would output it (``imufusion``).

The device runs a complementary AHRS on its raw data at the nominal sample
period; the simulator does the same on the noisy simulated data with x-io
Fusion (``imufusion.Ahrs`` fed through ``imufusion.Bias``, the gyroscope offset
tracker that learns the zero-rate level whenever the sensor is still) so the
quaternions carry realistic filter behaviour (start-up convergence,
acceleration rejection, residual gyro bias, heading drift).
"""

from __future__ import annotations

import imufusion
import numpy as np

from dorsi.sim.kinematics import GRAVITY


class DeviceFusion:
    """Orientation quaternions (w, x, y, z), sensor to earth (+Z up), from raw IMU data.

    Parameters
    ----------
    rate_hz : float
        Nominal sample rate (the device uses its configured period, not the jittered one).
    gain : float
        Fusion filter gain.
    acceleration_rejection_deg : float
        Accelerometer rejection threshold.
    gyroscope_range_dps : float
        Gyroscope full scale (over-range recovery).
    bias_tracking : bool
        Track the gyroscope offset while stationary (``imufusion.Bias``) as the firmware does.
    stationary_s : float
        Stillness needed before the offset is updated.
    """

    def __init__(self, rate_hz: float, gain: float = 0.5, acceleration_rejection_deg: float = 10.0,
                 gyroscope_range_dps: float = 2000.0, bias_tracking: bool = True,
                 stationary_s: float = 1.0) -> None:
        if rate_hz <= 0:
            raise ValueError("rate_hz must be positive")
        self.rate_hz = rate_hz
        self.gain = gain
        self.acceleration_rejection_deg = acceleration_rejection_deg
        self.gyroscope_range_dps = gyroscope_range_dps
        self.bias_tracking = bias_tracking
        self.stationary_s = stationary_s
        self._ahrs: imufusion.Ahrs | None = None
        self._offset: imufusion.Bias | None = None

    def run(self, acc: np.ndarray, gyr: np.ndarray) -> "DeviceFusion":
        """Filter ``acc`` (m/s^2) and ``gyr`` (rad/s) from a fresh filter; result in ``quat_`` (N, 4)."""
        self._ahrs = None
        return self.update(acc, gyr)

    def update(self, acc: np.ndarray, gyr: np.ndarray) -> "DeviceFusion":
        """Filter the next samples, continuing the filter (and offset tracker) state, as a device
        that keeps running does; result in ``quat_`` (N, 4)."""
        if self._ahrs is None:
            self._start()
        ahrs, offset = self._ahrs, self._offset
        assert ahrs is not None
        acc_g = np.ascontiguousarray(acc / GRAVITY, dtype=np.float64)
        gyr_dps = np.ascontiguousarray(np.rad2deg(gyr), dtype=np.float64)
        out = np.empty((len(acc), 4))
        update = ahrs.update_no_magnetometer
        get = ahrs.get_quaternion
        if offset is not None:
            correct = offset.update
            for i in range(len(acc)):
                update(correct(gyr_dps[i]), acc_g[i])
                out[i] = get()
        else:
            for i in range(len(acc)):
                update(gyr_dps[i], acc_g[i])
                out[i] = get()
        out *= np.where(out[:, :1] < 0, -1.0, 1.0)
        self.quat_ = out
        return self

    def _start(self) -> None:
        ahrs = imufusion.Ahrs()
        ahrs.set_settings(imufusion.AhrsSettings(
            sample_rate=self.rate_hz,
            convention=imufusion.CONVENTION_NWU,
            gain=self.gain,
            gyroscope_range=self.gyroscope_range_dps,
            acceleration_rejection=self.acceleration_rejection_deg,
            magnetic_rejection=0.0,
            rejection_timeout=int(5 * self.rate_hz),
        ))
        ahrs.set_sample_period(1.0 / self.rate_hz)
        self._ahrs = ahrs
        self._offset = None
        if self.bias_tracking:
            offset = imufusion.Bias()
            offset.set_settings(imufusion.BiasSettings(sample_rate=self.rate_hz, stationary_threshold=3.0,
                                                       stationary_period=self.stationary_s))
            self._offset = offset
