"""Orientation from raw samples with x-io Fusion (``imufusion``), the reference AHRS.

Fusion is a revised Madgwick/Mahony filter in C with gyroscope-range recovery
and acceleration rejection; its Python binding takes degrees/s and g. It runs
one Python call per sample, so it sets the speed baseline for the raw path;
the sample period is taken from ``seq`` (lost samples widen the step).
"""

from __future__ import annotations

import imufusion
import numpy as np

from dorsi.orientation.quaternion import up_in_sensor
from dorsi.samples import SampleBatch

G = 9.80665


class FusionOrientation:
    """Sensor orientation from accelerometer + gyroscope with ``imufusion.Ahrs``.

    Parameters
    ----------
    gain : float
        Fusion's accelerometer gain (0.5 is the library default).
    acceleration_rejection_deg : float
        Accelerometer samples farther than this from the estimated gravity are
        ignored (0 disables rejection).
    rejection_timeout_s : float
        Time after which rejected accelerometer data is trusted again.

    Attributes
    ----------
    quat_ : (N, 4) array
        Sensor-to-earth quaternion (w, x, y, z), earth +Z up.
    up_ : (N, 3) array
        Earth up in the sensor frame.

    Notes
    -----
    ``estimate`` starts a fresh filter; ``update`` continues the same filter
    state, so feeding chunks gives the same result as one call.
    """

    def __init__(self, gain: float = 0.5, acceleration_rejection_deg: float = 10.0,
                 rejection_timeout_s: float = 5.0) -> None:
        self.gain = gain
        self.acceleration_rejection_deg = acceleration_rejection_deg
        self.rejection_timeout_s = rejection_timeout_s
        self._ahrs: imufusion.Ahrs | None = None
        self._last_seq: int | None = None
        self._period = 0.0
        self._rate = 0.0

    def estimate(self, batch: SampleBatch) -> "FusionOrientation":
        """Fuse a whole batch from a fresh filter state; returns self."""
        self._ahrs = None
        return self.update(batch)

    def update(self, batch: SampleBatch) -> "FusionOrientation":
        """Fuse the next chunk, continuing the filter state; returns self."""
        n = len(batch)
        if self._ahrs is None:
            self._start(batch)
        ahrs = self._ahrs
        assert ahrs is not None
        steps = np.diff(batch.seq, prepend=batch.seq[0] - 1 if self._last_seq is None else self._last_seq)
        steps = np.maximum(steps, 1)
        gyr_deg = np.degrees(batch.gyr)
        acc_g = batch.acc / G
        quat = np.empty((n, 4))
        change = np.flatnonzero(steps != np.concatenate([[self._period * self._rate], steps[:-1]]))
        change_set = set(change.tolist())
        update = ahrs.update_no_magnetometer
        get = ahrs.get_quaternion
        for i in range(n):
            if i in change_set:
                ahrs.set_sample_period(float(steps[i]) / self._rate)
            update(gyr_deg[i], acc_g[i])
            quat[i] = get()
        if n:
            self._last_seq = int(batch.seq[-1])
            self._period = float(steps[-1]) / self._rate
        self.quat_ = quat
        self.up_ = up_in_sensor(quat) if n else np.empty((0, 3))
        return self

    def _start(self, batch: SampleBatch) -> None:
        rate = batch.rate_hz or float(batch.meta.get("sample_rate_hz", 100.0))
        self._rate = rate
        self._period = 1.0 / rate
        self._last_seq = None
        ahrs = imufusion.Ahrs()
        ahrs.set_settings(imufusion.AhrsSettings(
            sample_rate=rate,
            convention=imufusion.CONVENTION_NWU,
            gain=self.gain,
            gyroscope_range=2000.0,
            acceleration_rejection=self.acceleration_rejection_deg,
            magnetic_rejection=0.0,
            rejection_timeout=self.rejection_timeout_s,  # seconds in imufusion 1.3
        ))
        ahrs.set_sample_period(self._period)
        self._ahrs = ahrs
