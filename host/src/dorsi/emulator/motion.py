"""A small analytic shin/foot motion, for tests and demos without the simulator.

The shin rocks in the sagittal plane, ``theta(t) = A sin(2 pi f t)`` about the
sensor +y axis; the worn sensor has +x up the shin, so at ``theta = 0`` the
sensor-to-earth rotation is ``R_y(-90 deg)`` (sensor +x to earth +Z). With
``phi = theta - 90 deg`` for the shin (``phi = theta`` for the foot, whose
sensor lies flat with +z up):

* quaternion ``q = (cos(phi/2), 0, sin(phi/2), 0)``,
* gyroscope ``omega = (0, theta'(t), 0)``,
* specific force ``R^T g_up = g (-sin phi, 0, cos phi)`` (linear acceleration
  neglected: the sensor pivots about its own location).
"""

from __future__ import annotations

import numpy as np

from dorsi.protocol.spec import STANDARD_GRAVITY
from dorsi.samples import ROLES, SampleBatch


def analytic_motion(
    role: str = "shin",
    duration_s: float = 10.0,
    rate_hz: float = 100.0,
    amplitude_deg: float = 30.0,
    frequency_hz: float = 1.0,
) -> SampleBatch:
    """Samples of the sagittal rocking motion described in the module docstring."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    if duration_s <= 0 or rate_hz <= 0:
        raise ValueError("duration_s and rate_hz must be positive")
    n = max(2, int(round(duration_s * rate_hz)))
    t = np.arange(n) / rate_hz
    amplitude = np.deg2rad(amplitude_deg)
    w = 2 * np.pi * frequency_hz
    theta = amplitude * np.sin(w * t)
    theta_dot = amplitude * w * np.cos(w * t)
    phi = theta - np.pi / 2 if role == "shin" else theta
    zeros = np.zeros(n)
    quat = np.column_stack([np.cos(phi / 2), zeros, np.sin(phi / 2), zeros])
    gyr = np.column_stack([zeros, theta_dot, zeros])
    acc = STANDARD_GRAVITY * np.column_stack([-np.sin(phi), zeros, np.cos(phi)])
    return SampleBatch(role, np.arange(n, dtype=np.int64), t, acc, gyr, quat, {"sample_rate_hz": rate_hz})
