"""Sensor axes re-expressed as dorsi's axes as worn.

dorsi's shin axes: +x up the shin toward the knee, +z out of the front of the
shin, +y = z x x (the foot: +x toward the toes, +z out of the dorsum). Another
sensor, or the same one mounted another way (a phone in an armband, a Movella
DOT in its strap), has its own; an :class:`AxisMap` says which of its signed
axes is each of dorsi's, given (``"y,-x,z"``) or detected from the data
(:meth:`AxisMap.detect`), and turns vectors and quaternions over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

_AXIS_RE = re.compile(r"^\s*([+-]?)\s*([xyz])\s*$", re.IGNORECASE)
#: ``axes`` value asking a reader to detect the map from the data.
AUTO = "auto"


@dataclass(frozen=True)
class AxisMap:
    """Which source axis becomes each dorsi axis.

    ``AxisMap.parse("y,-x,z")`` means: dorsi +x = source +y, dorsi +y = source
    -x, dorsi +z = source +z. Only proper rotations are accepted (a mirror would
    turn a right-handed frame left-handed and flip every rotation's sign).

    Attributes
    ----------
    matrix : (3, 3) ndarray
        ``v_dorsi = matrix @ v_source``.
    """

    matrix: np.ndarray

    @classmethod
    def parse(cls, spec: str) -> "AxisMap":
        """Parse ``"a,b,c"`` where each item is an optionally signed ``x``, ``y`` or ``z``.

        Raises
        ------
        ValueError
            Malformed spec, a repeated axis, or a left-handed (mirroring) map.
        """
        parts = spec.split(",")
        if len(parts) != 3:
            raise ValueError(f"axes {spec!r}: expected three comma-separated axes such as 'y,-x,z'")
        matrix = np.zeros((3, 3))
        used = set()
        for row, part in enumerate(parts):
            m = _AXIS_RE.match(part)
            if m is None:
                raise ValueError(f"axes {spec!r}: {part.strip()!r} is not one of x, y, z with an optional sign")
            sign, axis = m.groups()
            col = "xyz".index(axis.lower())
            if col in used:
                raise ValueError(f"axes {spec!r}: source axis {axis} used twice")
            used.add(col)
            matrix[row, col] = -1.0 if sign == "-" else 1.0
        if np.linalg.det(matrix) < 0:
            raise ValueError(f"axes {spec!r}: this map mirrors the frame (left-handed); flip one sign")
        return cls(matrix)

    @classmethod
    def detect(cls, acc: np.ndarray, min_tilt_deg: float = 10.0) -> "AxisMap":
        """Guess the map of a sensor worn on the shin from its own data (``--axes auto``).

        * dorsi +x (up the shin) is the signed source axis closest to the
          median specific-force direction (gravity reaction, upward);
        * dorsi +z (out of the front) is found from the tilts: leaning the knee
          forward tips the sensor's front downward, so while the shank is
          tilted more than ``min_tilt_deg`` the specific force perpendicular
          to the shin points, on average, toward the back (-z). The exercises
          tilt the shank forward far more than backward.

        Both are snapped to signed source axes, so the sensor must be worn with
        its axes roughly along the shin (any of the 24 such orientations).

        Raises
        ------
        ValueError
            No clear up axis, or no forward tilt to tell front from back.
        """
        acc = np.asarray(acc, dtype=float)
        unit = acc / np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-9)
        up = np.median(unit, axis=0)
        if np.linalg.norm(up) < 0.5:
            raise ValueError("no clear 'up' direction in the data (is the sensor on the shin?)")
        x_axis = int(np.argmax(np.abs(up)))
        x_sign = float(np.sign(up[x_axis]))
        tilt = np.degrees(np.arccos(np.clip(unit[:, x_axis] * x_sign, -1.0, 1.0)))
        leaning = tilt > min_tilt_deg
        if np.count_nonzero(leaning) < 10:
            raise ValueError("the shank never tilts: front and back cannot be told apart (pass --axes)")
        perp = unit[leaning].mean(axis=0)
        perp[x_axis] = 0.0
        z_axis = int(np.argmax(np.abs(perp)))
        if abs(perp[z_axis]) < 0.05:
            raise ValueError("tilts forward and backward balance out: pass --axes")
        z_sign = -float(np.sign(perp[z_axis]))  # the specific force leans to the back
        matrix = np.zeros((3, 3))
        matrix[0, x_axis] = x_sign
        matrix[2, z_axis] = z_sign
        matrix[1] = np.cross(matrix[2], matrix[0])  # y = z cross x
        return cls(matrix)

    def __str__(self) -> str:
        out = []
        for row in self.matrix:
            col = int(np.flatnonzero(row)[0])
            out.append(("-" if row[col] < 0 else "") + "xyz"[col])
        return ",".join(out)

    def vectors(self, v: np.ndarray) -> np.ndarray:
        """Re-express ``(N, 3)`` source-frame vectors in dorsi's frame."""
        return v @ self.matrix.T

    def quaternions(self, q: np.ndarray) -> np.ndarray:
        """Re-express ``(N, 4)`` (w, x, y, z) source-to-earth quaternions as dorsi-to-earth.

        ``R_dorsi = R_source @ M^T`` since a dorsi-frame vector is ``M^T`` of
        itself in the source frame.
        """
        rot = Rotation.from_quat(q, scalar_first=True) * Rotation.from_matrix(self.matrix.T)
        return rot.as_quat(scalar_first=True)


IDENTITY_AXES = AxisMap.parse("x,y,z")
