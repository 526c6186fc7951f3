"""Vectorised quaternion helpers, (w, x, y, z) order, rotating sensor -> earth."""

from __future__ import annotations

import numpy as np


def quat_multiply(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product ``p * q`` of (..., 4) arrays."""
    pw, px, py, pz = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
    qw, qx, qy, qz = np.moveaxis(np.asarray(q, dtype=float), -1, 0)
    return np.stack([
        pw * qw - px * qx - py * qy - pz * qz,
        pw * qx + px * qw + py * qz - pz * qy,
        pw * qy - px * qz + py * qw + pz * qx,
        pw * qz + px * qy - py * qx + pz * qw,
    ], axis=-1)


def quat_conjugate(q: np.ndarray) -> np.ndarray:
    """Conjugate (the inverse rotation for unit quaternions)."""
    q = np.asarray(q, dtype=float)
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate sensor-frame vectors ``v`` (..., 3) into the earth frame by ``q``."""
    q = np.asarray(q, dtype=float)
    v = np.asarray(v, dtype=float)
    w = q[..., :1]
    u = q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def up_in_sensor(q: np.ndarray) -> np.ndarray:
    """Earth +Z (up) expressed in the sensor frame: the third row of R(q).

    Parameters
    ----------
    q : (N, 4) array
        Sensor-to-earth quaternions (w, x, y, z); normalised here.

    Returns
    -------
    (N, 3) array of unit vectors.
    """
    q = np.asarray(q, dtype=float)
    w, x, y, z = np.ascontiguousarray(np.moveaxis(q, -1, 0))
    s = 2.0 / (w * w + x * x + y * y + z * z)  # normalising q scales every product by 1 / |q|^2
    out = np.empty((3,) + q.shape[:-1])
    out[0] = (x * z - w * y) * s
    out[1] = (y * z + w * x) * s
    out[2] = 1.0 - (x * x + y * y) * s
    return np.moveaxis(out, 0, -1)
