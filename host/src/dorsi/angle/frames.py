"""Segment frames and the plane angles read from the up vector.

A segment frame is three orthonormal sensor-frame axes: ``up`` (the segment's
long axis: shank toward the knee; for the foot, the sole normal), ``fwd``
(anterior; for the foot, toward the toes) and ``lat = up x fwd`` (points to the
person's left on either leg). With ``u`` the earth's up direction seen in the
sensor frame and the segment orientation ``R = Ry(theta) Rx(phi)`` (sagittal
rotation outermost, as the tibial inclination is defined), the components of
``u`` in the frame are ``(cos phi cos theta, -sin theta, sin phi cos theta)``,
so both angles come back exactly, with no cross-talk:

    theta = atan2(-u_fwd, hypot(u_up, u_lat))     phi = atan2(u_lat, u_up)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class SegmentFrame:
    """Orthonormal segment axes expressed in the sensor frame.

    Attributes
    ----------
    up, fwd, lat : (3,) arrays
        Unit vectors; ``lat = up x fwd``.
    """

    up: np.ndarray
    fwd: np.ndarray
    lat: np.ndarray

    @cached_property
    def matrix(self) -> np.ndarray:
        """(3, 3) rows ``up, fwd, lat``: sensor vectors -> frame components (read-only)."""
        m = np.vstack([self.up, self.fwd, self.lat])
        m.setflags(write=False)
        return m

    @classmethod
    def from_axes(cls, long_axis: np.ndarray, lateral: np.ndarray) -> "SegmentFrame":
        """Frame with ``up`` along ``long_axis`` and ``lat`` as close to ``lateral`` as allowed."""
        up = _unit(long_axis)
        fwd = _unit(np.cross(lateral, up))
        return cls(up, fwd, np.cross(up, fwd))

    def rotated_about_lat(self, angle_rad: float) -> "SegmentFrame":
        """The frame turned about ``lat`` by ``angle_rad`` (``up`` toward ``fwd``)."""
        c, s = np.cos(angle_rad), np.sin(angle_rad)
        return SegmentFrame(c * self.up + s * self.fwd, c * self.fwd - s * self.up, self.lat)

    def to_json(self) -> dict:
        return {k: [float(v) for v in getattr(self, k)] for k in ("up", "fwd", "lat")}


def plane_angles(up_components: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sagittal and frontal angles (radians) from up-vector frame components.

    Parameters
    ----------
    up_components : (N, 3) array
        Earth up in frame components ``(up, fwd, lat)`` (need not be unit).

    Returns
    -------
    sagittal : (N,) array
        Rotation about ``lat``, positive = the segment's top toward ``fwd``.
    frontal : (N,) array
        Rotation about ``fwd``, positive = the segment's top toward ``-lat``.
    """
    u_up, u_fwd, u_lat = up_components[:, 0], up_components[:, 1], up_components[:, 2]
    return np.arctan2(-u_fwd, np.hypot(u_up, u_lat)), np.arctan2(u_lat, u_up)


def wrap_pi(angle: np.ndarray) -> np.ndarray:
    """``angle`` (radians) in (-pi, pi]; values already there come back untouched (bit for bit),
    and an array wholly inside is returned as it is (no copy: this runs on every notification)."""
    out = np.asarray(angle, dtype=float)
    if out.size == 0 or (out.max() <= np.pi and out.min() > -np.pi):
        return out
    out = out.copy()
    outside = (out > np.pi) | (out <= -np.pi)
    out[outside] = np.pi - np.mod(np.pi - out[outside], 2.0 * np.pi)
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    n = np.linalg.norm(v)
    if not np.isfinite(n) or n < 1e-9:
        raise ValueError("degenerate axis")
    return v / n
