"""Streaming sagittal/frontal angles of one calibrated segment.

Orientation sources (``orientation``):

* ``"gyro"``: ``AxisAngleFilter`` on the bias-free gyroscope about the
  calibrated axes, anchored by the accelerometer's gravity direction after the
  fixed-pivot acceleration ``alpha x r + omega x (omega x r)`` is taken out
  (so lunging does not read as tilt). Vectorised.
* ``"device"``: the device quaternions as they are (on-device AHRS, vectorised;
  the fastest path, a few numpy passes per sample), their start-up transient
  bridged by the accelerometer (``AhrsStartup``).
* ``"fusion"``: ``imufusion`` on the raw samples (the reference AHRS; one
  Python call per sample).
* ``"auto"``: ``"gyro"``. Every batch carries the raw gyroscope and
  accelerometer next to any device quaternion, and the cleaned-accelerometer
  filter is the more accurate (see ``docs/algorithms-angle.md``): a generic
  AHRS reads the tangential and centripetal acceleration of a lunge as tilt,
  and the device filter's start-up transient lasts seconds.

All state is carried between chunks.
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.calibration import SensorCalibration
from dorsi.angle.frames import plane_angles, wrap_pi
from dorsi.angle.lever_arm import angular_acceleration, cross_matrix, pivot_acceleration
from dorsi.orientation.axis_filter import AxisAngleFilter
from dorsi.orientation.fusion import FusionOrientation
from dorsi.orientation.quaternion import up_in_sensor
from dorsi.orientation.startup import AhrsStartup
from dorsi.samples import SampleBatch


ORIENTATIONS = ("auto", "gyro", "device", "fusion")
#: Gaps up to this many sample steps are bridged by the gyroscope; longer ones re-anchor ...
MAX_BRIDGED_STEPS = 3
#: ... and so are gaps up to this long (s) at any rate.
MAX_BRIDGED_S = 0.1
#: After a long gap the filter restarts from the references that follow it (their running
#: mean, each carried forward by the gyroscope; ``AxisAngleFilter``) when it and its reference
#: differed by more than this just before the gap, else the reference's change is the increment
#: there. With the centred reference (``_centre``) the references after a gap are good enough to
#: restart always (0): a 0.9 s gap up to mid-rise of a 25 Hz lunge read its peak 4.7 deg low
#: with the change carried over (the reference at the first sample after a gap, mid-swing, is
#: still several degrees off), 1.0 deg now; benchmark peak maxima fell on most seed bases
#: (docs/algorithms-angle.md). Before the centred reference 3 deg was best: restarting always
#: then cost the eccentric drop's peak max 1.73 -> 2.60 deg.
RESTART_DEVIATION_DEG = 0.0


class SegmentTilt:
    """Sagittal and frontal angle of one segment, chunk by chunk.

    Parameters
    ----------
    calibration : SensorCalibration
    lever_arm_m : (3,) array or None
        Fixed-pivot lever arm used to clean the accelerometer (raw path).
    time_constant_s : float
        Complementary-filter crossover (raw path).
    orientation : str
        ``"auto"``, ``"gyro"``, ``"device"`` or ``"fusion"``.
    rate_hz : float
        Nominal sample rate (sets dt from ``seq`` steps).
    reanchor : bool, optional
        After a long gap, take the angle change from the accelerometer
        reference rather than bridging with the gyroscope. Default: when a
        lever arm cleans the reference (a raw shin accelerometer mid-lunge is
        a poor anchor; a foot's, near its pivot, is a good one).

    Attributes
    ----------
    sagittal_, frontal_ : (N,) arrays
        Angles in radians (sagittal + = top toward ``fwd``; frontal + = top
        toward ``-lat``).
    up_ : (N, 3) array
        Earth up in the sensor frame implied by the angles.
    free_acc_ : (N, 3) array
        Specific force minus the fixed-pivot acceleration (sensor frame, backward-difference
        angular acceleration); computed on first access (the gyro filter's reference uses the
        centred one, and these rows only where that is not available).
    rates_ : (N, 3) array
        Body rate about the calibrated lateral, forward and long axes (rad/s): the sagittal,
        frontal and axial turning rates.
    gap_ : (N,) bool
        Samples that follow lost samples.
    settling_ : (N,) bool
        ``"device"``/``"fusion"``: moving samples inside the AHRS start-up
        transient (no trustworthy angle; see ``dorsi.orientation.startup``).
    """

    def __init__(self, calibration: SensorCalibration, lever_arm_m: np.ndarray | None, rate_hz: float,
                 time_constant_s: float = 1.0, orientation: str = "auto", reanchor: bool | None = None) -> None:
        if orientation not in ORIENTATIONS:
            raise ValueError(f"orientation must be one of {ORIENTATIONS}, got {orientation!r}")
        self.calibration = calibration
        self.set_lever_arm(lever_arm_m)
        m = calibration.frame.matrix
        self._to_frame, self._rate_axes = m.T, m[[2, 1, 0]].T  # earth-up components; (lat, fwd, up) rates
        self.rate_hz = rate_hz
        self.time_constant_s = time_constant_s
        self.orientation = orientation
        self.reanchor = lever_arm_m is not None if reanchor is None else reanchor
        self._filter = AxisAngleFilter(time_constant_s, np.radians(RESTART_DEVIATION_DEG))
        self._fusion: FusionOrientation | None = None
        self._last_seq: int | None = None
        self._last_omega: np.ndarray | None = None
        self._pending: tuple | None = None
        self._startup = AhrsStartup(calibration.g_reading, rate_hz)
        self._free: np.ndarray | None = None
        self._centre_state: tuple | None = None  # last rows for the centred reference (``_centre``)

    def set_lever_arm(self, lever_arm_m: np.ndarray | None) -> None:
        """Use this lever arm from the next chunk on (the filter state is kept)."""
        self.lever_arm_m = None if lever_arm_m is None else np.asarray(lever_arm_m, dtype=float)
        self._lever_x = None if self.lever_arm_m is None else cross_matrix(self.lever_arm_m)

    def update(self, batch: SampleBatch) -> "SegmentTilt":
        """Process the next chunk; returns self."""
        cal = self.calibration
        m = cal.frame.matrix
        n = len(batch)
        seq = np.asarray(batch.seq)
        steps = np.empty(n, dtype=np.int64)
        if n:
            steps[0] = 1 if self._last_seq is None else int(seq[0]) - self._last_seq
            np.subtract(seq[1:], seq[:-1], out=steps[1:])
        self.gap_ = steps > 1
        dt = np.maximum(steps, 1) / self.rate_hz
        omega = batch.gyr - cal.gyr_bias
        mode = self.orientation
        if mode == "auto":
            mode = "gyro"
        if mode == "device" and batch.quat is None:
            raise ValueError(f"orientation {mode!r} needs device quaternions; this batch is raw-only")
        self.settling_ = np.zeros(n, dtype=bool)
        self.rates_ = omega @ self._rate_axes
        # the angular acceleration and the cleaned accelerometer anchor the raw filter;
        # with device/fusion orientation they are only computed if free_acc_ is read
        self._pending = (batch.acc, omega, steps, dt, self._last_omega)
        self._free = None
        if mode in ("device", "fusion"):
            if mode == "fusion":
                self._fusion = self._fusion or FusionOrientation()
                up = self._fusion.update(batch).up_
            else:
                assert batch.quat is not None  # checked above, before any state changed
                up = up_in_sensor(batch.quat)
            # the AHRS's first moments (converging from its initial guess) are bridged
            up = self._startup.update(up, batch.acc, omega)
            self.settling_ = self._startup.unusable_
            sag, fro = plane_angles(up @ self._to_frame)
        else:
            reference = np.empty((n, 2))
            centred = (self._centre(reference, batch.acc, omega, steps, dt, self.lever_arm_m)
                       if self.lever_arm_m is not None else np.zeros(n, dtype=bool))
            if not centred.all():  # the rest: each sample's own cleaned reading
                rows = np.flatnonzero(~centred)
                reference[rows, 0], reference[rows, 1] = plane_angles(self._free_rows(rows) @ self._to_frame)
            self._filter.filter(reference, self.rates_[:, :2], dt, 1.0 / self.rate_hz,
                                reanchor=self._reanchor_mask(steps) if self.reanchor else None)
            sag, fro = self._filter.angle_[:, 0], self._filter.angle_[:, 1]
            up = _up_from_angles(sag, fro) @ m
            # the filter runs unwrapped (continuous across its state), but with the leg out
            # horizontal (long sitting on a roller) the frontal angle is undefined and may wind
            # whole turns; reported per sample in (-pi, pi], as the device path reads it
            fro = wrap_pi(fro)
        if n:
            self._last_seq = int(batch.seq[-1])
            self._last_omega = omega[-1].copy()
        self.sagittal_ = sag
        self.frontal_ = fro
        self.up_ = up
        self.omega_ = omega
        self.dt_ = dt
        return self

    @property
    def free_acc_(self) -> np.ndarray:
        """Specific force minus the fixed-pivot acceleration of the last chunk (sensor frame)."""
        if self._pending is None:
            raise AttributeError("free_acc_ is set by update()")
        if self._free is None:
            acc, omega, steps, dt, last_omega = self._pending
            free = acc
            if self.lever_arm_m is not None:
                free = acc - pivot_acceleration(omega, self._alpha(omega, steps, dt, last_omega), self.lever_arm_m,
                                                self._lever_x)
            self._free = free
        return self._free

    def _free_rows(self, rows: np.ndarray) -> np.ndarray:
        """``free_acc_[rows]`` of the last chunk, computing only those rows."""
        assert self._pending is not None  # (set by update, before this is called)
        acc, omega, steps, dt, last_omega = self._pending
        if self.lever_arm_m is None:
            return acc[rows]
        alpha = self._alpha(omega, steps, dt, last_omega)[rows]
        return acc[rows] - pivot_acceleration(omega[rows], alpha, self.lever_arm_m, self._lever_x)

    def _alpha(self, omega: np.ndarray, steps: np.ndarray, dt: np.ndarray,
               last_omega: np.ndarray | None) -> np.ndarray:
        """Angular acceleration: backward differences, forward ones after a gap."""
        n = len(omega)
        alpha = angular_acceleration(omega, dt, last_omega)
        if last_omega is None and n:
            alpha[0] = 0.0
        # after a gap the backward difference spans the gap: use the forward one
        # (a gap starts a BLE notification, so the next sample is in the same chunk)
        gaps = (steps > 1).nonzero()[0]
        if not len(gaps):
            return alpha
        fwd_ok = gaps + 1 < n
        fwd_ok[fwd_ok] &= steps[gaps[fwd_ok] + 1] == 1
        alpha[gaps] = 0.0
        g_ok = gaps[fwd_ok]
        alpha[g_ok] = (omega[g_ok + 1] - omega[g_ok]) * self.rate_hz
        # with two samples after it, the one-sided second-order difference (error O(dt^2), not
        # O(dt)): the reference there anchors the angle after a long gap, and mid-lunge at 25 Hz
        # the first-order difference's half-sample shift alone tilts it by several degrees
        two = g_ok[g_ok + 2 < n]
        two = two[steps[two + 2] == 1]
        alpha[two] = (4.0 * omega[two + 1] - 3.0 * omega[two] - omega[two + 2]) * (0.5 * self.rate_hz)
        return alpha

    def _centre(self, reference: np.ndarray, acc: np.ndarray, omega: np.ndarray, steps: np.ndarray,
                dt: np.ndarray, lever_arm_m: np.ndarray) -> np.ndarray:
        """Reference angles from the previous sample's centred angular acceleration, carried to
        each sample by the gyroscope increment (in place, where three samples in a row exist;
        returns where that is).

        The fixed-pivot model needs the angular acceleration *at* the sample; a backward
        difference is half a sample late, which mid-lunge at 25 Hz tilts the reference by up to
        15-20 deg (a centred difference: mostly under 1 deg). Sample ``k`` has only the past, so
        it takes the centred reference of ``k - 1`` (which needs ``w[k]``) plus the rotation
        from ``k - 1`` to ``k``: causal, no added lag.
        """
        n = len(omega)
        if n == 0:
            return np.zeros(0, dtype=bool)
        contiguous = steps == 1
        prev = self._centre_state
        if prev is None:  # the stream's first sample has no predecessor (placeholder rows, unused)
            contiguous[0] = False
            prev = (np.zeros((2, 3)), np.zeros((1, 3)), np.ones(1), np.zeros(1, bool))
        # rows of samples k - 2 .. n - 1 (omega), k - 1 .. n - 1 (the rest)
        om_e = np.concatenate([prev[0], omega])
        acc_e = np.concatenate([prev[1], acc])
        dt_e = np.concatenate([prev[2], dt])
        ok_e = np.concatenate([prev[3], contiguous])
        self._centre_state = (om_e[-2:], acc_e[-1:], dt_e[-1:], ok_e[-1:])
        ok = ok_e[1:] & ok_e[:-1]  # samples k - 2, k - 1, k in a row
        if not ok.any():
            return ok
        w_prev, w_now = om_e[1:-1], om_e[2:]
        alpha = w_now - om_e[:-2]
        alpha /= (dt_e[1:] + dt_e[:-1])[:, None]  # at k - 1
        free = acc_e[:-1] - pivot_acceleration(w_prev, alpha, lever_arm_m, self._lever_x)
        sag, fro = plane_angles(free @ self._to_frame)
        step = (w_prev + w_now) @ self._rate_axes[:, :2]  # rotation from k - 1 to k (trapezoid)
        step *= (0.5 * dt_e[1:])[:, None]
        sag += step[:, 0]
        fro += step[:, 1]
        if ok.all():
            reference[:, 0], reference[:, 1] = sag, fro
        else:
            reference[ok, 0], reference[ok, 1] = sag[ok], fro[ok]
        return ok

    def _reanchor_mask(self, steps: np.ndarray) -> np.ndarray:
        """Samples after a long gap: the filter re-anchors there on the reference."""
        return steps > max(MAX_BRIDGED_STEPS, MAX_BRIDGED_S * self.rate_hz)


def _up_from_angles(sag: np.ndarray, fro: np.ndarray) -> np.ndarray:
    """Frame components of earth up for ``R = Ry(sag) Rx(fro)``."""
    c = np.cos(sag)
    out = np.empty((len(sag), 3))
    out[:, 0] = np.cos(fro) * c
    out[:, 1] = -np.sin(sag)
    out[:, 2] = np.sin(fro) * c
    return out
