"""Analytic shin motion for the firmware tests: truth orientation plus what an IMU would measure.

The shin pivots about the ankle in the sagittal plane (a lunge): the sensor
sits ``lever_m`` up the shin, so the accelerometer sees tangential and
centripetal acceleration as well as gravity. Frames: earth X forward, Y left,
Z up; worn sensor frame x up the shin, z out of the front, y = z cross x.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

G = 9.80665
# standing upright: sensor x -> earth up, y -> earth right (-Y), z -> earth forward
R_STAND = Rotation.from_matrix(np.array([[0.0, 0.0, 1.0], [0.0, -1.0, 0.0], [1.0, 0.0, 0.0]]))


@dataclass(frozen=True)
class Motion:
    rate_hz: float
    t: np.ndarray  # (N,)
    quat: np.ndarray  # (N, 4) w x y z, sensor (worn) -> earth
    acc_g: np.ndarray  # (N, 3) worn frame, specific force in g
    gyr_dps: np.ndarray  # (N, 3) worn frame

    def segment(self, t0: float, t1: float) -> np.ndarray:
        return (self.t >= t0) & (self.t < t1)


def lunge(rate_hz: float, still_s: float = 4.0, moving_s: float = 8.0, after_s: float = 3.0,
          depth_deg: float = 30.0, freq_hz: float = 1.0, lever_m: float = 0.25,
          gyro_bias_dps=(0.4, -0.3, 0.2), noise: float = 0.0, yaw_deg: float = 25.0, seed: int = 1) -> Motion:
    """Still, then ``depth_deg`` lunges at ``freq_hz`` (0 -> depth -> 0 each cycle), then still."""
    n = int(round((still_s + moving_s + after_s) * rate_hz))
    t = np.arange(n) / rate_hz
    tm = np.clip(t - still_s, 0.0, moving_s)
    moving = (t >= still_s) & (t < still_s + moving_s)
    w = 2 * np.pi * freq_hz
    amp = np.deg2rad(depth_deg) / 2
    theta = amp * (1 - np.cos(w * tm))
    dtheta = np.where(moving, amp * w * np.sin(w * tm), 0.0)
    ddtheta = np.where(moving, amp * w * w * np.cos(w * tm), 0.0)

    yaw = Rotation.from_euler("z", yaw_deg, degrees=True)
    tilt = Rotation.from_rotvec(np.outer(theta, [0.0, 1.0, 0.0]))  # about earth +Y: the shin leans forward
    rot = yaw * tilt * R_STAND
    # position of the sensor: lever along the shin axis (sensor x) in earth
    axis = rot.apply([1.0, 0.0, 0.0])
    tangent = yaw.apply(np.stack([np.cos(theta), np.zeros(n), -np.sin(theta)], axis=1))  # d(axis)/dtheta
    normal = -axis  # d(tangent)/dtheta
    acc_earth = lever_m * (ddtheta[:, None] * tangent + (dtheta**2)[:, None] * normal)
    f_earth = acc_earth / G + np.array([0.0, 0.0, 1.0])
    acc = rot.inv().apply(f_earth)
    omega_earth = yaw.apply(np.outer(dtheta, [0.0, 1.0, 0.0]))
    gyr = np.rad2deg(rot.inv().apply(omega_earth)) + np.asarray(gyro_bias_dps)
    if noise:
        rng = np.random.default_rng(seed)
        acc = acc + rng.normal(0, 0.002 * noise, acc.shape)
        gyr = gyr + rng.normal(0, 0.05 * noise, gyr.shape)
    q = rot.as_quat()[:, [3, 0, 1, 2]]
    return Motion(rate_hz, t, q, acc, gyr)


def to_chip(values: np.ndarray, axes: str) -> np.ndarray:
    """Worn-frame vectors -> chip-frame vectors for a firmware AXES string such as '-y+x+z'."""
    out = np.zeros_like(values)
    for i in range(3):
        sign = 1.0 if axes[2 * i] == "+" else -1.0
        src = "xyz".index(axes[2 * i + 1])
        out[:, src] = sign * values[:, i]
    return out


def write_dsim(path: Path, motion: Motion, axes: str = "+x+y+z") -> Path:
    """Write the DSIM v1 file the simulated IMU (firmware/hostsim) reads."""
    data = np.hstack([to_chip(motion.acc_g, axes), to_chip(motion.gyr_dps, axes)]).astype("<f4")
    with open(path, "wb") as f:
        f.write(struct.pack("<4sHHfI", b"DSIM", 1, 0, motion.rate_hz, len(data)))
        f.write(data.tobytes())
    return path


def attitude_error_deg(q_est: np.ndarray, q_true: np.ndarray, align_index: int = 0) -> np.ndarray:
    """Angle between estimated and true attitude after removing one constant heading offset.

    The device's heading is arbitrary (earth +Z up only), so the yaw difference at
    ``align_index`` is removed once; later heading drift still counts as error.
    """
    est = Rotation.from_quat(q_est[:, [1, 2, 3, 0]])
    true = Rotation.from_quat(q_true[:, [1, 2, 3, 0]])
    diff = est[align_index] * true[align_index].inv()
    yaw = diff.as_euler("ZYX")[0]
    aligned = Rotation.from_euler("z", yaw) * true
    return np.rad2deg((est * aligned.inv()).magnitude())


def tilt_error_deg(q_est: np.ndarray, q_true: np.ndarray) -> np.ndarray:
    """Angle between the estimated and true gravity direction in the sensor frame."""
    est = Rotation.from_quat(q_est[:, [1, 2, 3, 0]]).inv().apply([0, 0, 1.0])
    true = Rotation.from_quat(q_true[:, [1, 2, 3, 0]]).inv().apply([0, 0, 1.0])
    return np.rad2deg(np.arccos(np.clip(np.einsum("ij,ij->i", est, true), -1, 1)))
