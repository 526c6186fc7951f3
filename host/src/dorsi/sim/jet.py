"""Second-order jets: a value with its exact first and second time derivatives.

The simulator builds every trajectory (angles, positions, rotation matrices) as
a ``Jet`` so that velocities, accelerations and angular rates follow from the
product and chain rules exactly, with no numerical differentiation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Jet:
    """Arrays ``v`` (value), ``d1`` (d/dt) and ``d2`` (d^2/dt^2), leading axis = time.

    Scalars have shape (N,), vectors (N, 3), matrices (N, 3, 3).
    """

    v: np.ndarray
    d1: np.ndarray
    d2: np.ndarray

    @staticmethod
    def const(value: np.ndarray, n: int) -> "Jet":
        """A constant (zero derivatives) broadcast to ``n`` samples."""
        v = np.broadcast_to(np.asarray(value, dtype=float), (n, *np.shape(value))).copy()
        z = np.zeros_like(v)
        return Jet(v, z, z.copy())

    @staticmethod
    def zeros(n: int, shape: tuple[int, ...] = ()) -> "Jet":
        z = np.zeros((n, *shape))
        return Jet(z, z.copy(), z.copy())

    def __len__(self) -> int:
        return len(self.v)

    def __add__(self, other: "Jet") -> "Jet":
        return Jet(self.v + other.v, self.d1 + other.d1, self.d2 + other.d2)

    def __sub__(self, other: "Jet") -> "Jet":
        return Jet(self.v - other.v, self.d1 - other.d1, self.d2 - other.d2)

    def __neg__(self) -> "Jet":
        return Jet(-self.v, -self.d1, -self.d2)

    def scale(self, k: float | np.ndarray) -> "Jet":
        """Multiply by a constant (scalar or per-sample array broadcast on trailing axes)."""
        return Jet(self.v * k, self.d1 * k, self.d2 * k)

    def mul(self, other: "Jet") -> "Jet":
        """Product of two scalar jets, or of a scalar jet (``self``) and a vector jet."""
        a, b = self, other
        extra = (slice(None),) + (None,) * (b.v.ndim - a.v.ndim)
        av, a1, a2 = a.v[extra], a.d1[extra], a.d2[extra]
        return Jet(av * b.v, a1 * b.v + av * b.d1, a2 * b.v + 2 * a1 * b.d1 + av * b.d2)

    def matmul(self, other: "Jet") -> "Jet":
        """Matrix jet times matrix or vector jet (per sample)."""
        mm = _matvec if other.v.ndim == 2 else _matmul
        return Jet(
            mm(self.v, other.v),
            mm(self.d1, other.v) + mm(self.v, other.d1),
            mm(self.d2, other.v) + 2 * mm(self.d1, other.d1) + mm(self.v, other.d2),
        )

    def apply(self, vec: np.ndarray) -> "Jet":
        """Matrix jet times a constant vector (3,) or per-sample vectors (N, 3)."""
        vec = np.asarray(vec, dtype=float)
        return Jet(_matvec(self.v, vec), _matvec(self.d1, vec), _matvec(self.d2, vec))

    def times_const(self, mat: np.ndarray) -> "Jet":
        """Matrix jet times a constant matrix on the right."""
        return Jet(_matmul(self.v, mat), _matmul(self.d1, mat), _matmul(self.d2, mat))

    def take(self, index: int) -> "Jet":
        """Component ``index`` of a vector jet, as a scalar jet."""
        return Jet(self.v[:, index], self.d1[:, index], self.d2[:, index])

    def where(self, mask: np.ndarray, other: "Jet") -> "Jet":
        """Per sample, ``self`` where ``mask`` else ``other``."""
        m = mask.reshape((-1,) + (1,) * (self.v.ndim - 1))
        return Jet(np.where(m, self.v, other.v), np.where(m, self.d1, other.d1), np.where(m, self.d2, other.d2))


def _matvec(mat: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Per-sample (N, 3, 3) @ (3,) or (N, 3), unrolled (faster than stacked matmul for 3x3)."""
    v = vec[None, :] if vec.ndim == 1 else vec
    return mat[:, :, 0] * v[:, None, 0] + mat[:, :, 1] * v[:, None, 1] + mat[:, :, 2] * v[:, None, 2]


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-sample (N, 3, 3) @ (N, 3, 3) or (3, 3)."""
    return np.matmul(a, b)


def rotation(axis: int, angle: Jet) -> Jet:
    """Jet of the rotation matrix about coordinate ``axis`` (0=x, 1=y, 2=z) by ``angle`` (rad).

    With ``K`` the skew matrix of the axis, ``R = exp(theta K)``,
    ``dR = K R theta'`` and ``d2R = K R theta'' + K^2 R theta'^2``; for an
    elementary rotation ``K R`` and ``K^2 R`` are again sine/cosine patterns.
    """
    c, s = np.cos(angle.v), np.sin(angle.v)
    zero, one = np.zeros_like(c), np.ones_like(c)
    i, j = ((1, 2), (2, 0), (0, 1))[axis]

    def pattern(on_axis: np.ndarray, diag: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
        m = [[zero] * 3 for _ in range(3)]
        m[axis][axis] = on_axis
        m[i][i] = m[j][j] = diag
        m[j][i] = lower
        m[i][j] = upper
        return np.stack([m[r][k] for r in range(3) for k in range(3)], axis=-1).reshape(-1, 3, 3)

    w1, w2 = angle.d1, angle.d2
    r = pattern(one, c, s, -s)
    d1 = pattern(zero, -s * w1, c * w1, -c * w1)  # K R theta'
    d2 = pattern(zero, -s * w2 - c * w1**2, c * w2 - s * w1**2, -c * w2 + s * w1**2)
    return Jet(r, d1, d2)


def body_rates(r: Jet) -> tuple[np.ndarray, np.ndarray]:
    """Angular velocity of a rotation-matrix jet: (body frame, world frame), rad/s.

    ``[w_body]x = R^T dR`` and ``w_world = R w_body``.
    """
    skew = np.einsum("nji,njk->nik", r.v, r.d1)
    w_body = np.stack([skew[:, 2, 1] - skew[:, 1, 2], skew[:, 0, 2] - skew[:, 2, 0],
                       skew[:, 1, 0] - skew[:, 0, 1]], axis=1) / 2.0
    return w_body, np.einsum("nij,nj->ni", r.v, w_body)


def matrix_to_quaternion(r: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) to unit quaternions (N, 4) ``(w, x, y, z)``, ``w >= 0``."""
    m = r
    tr = m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2]
    cands = np.stack([
        1 + tr,
        1 + m[:, 0, 0] - m[:, 1, 1] - m[:, 2, 2],
        1 - m[:, 0, 0] + m[:, 1, 1] - m[:, 2, 2],
        1 - m[:, 0, 0] - m[:, 1, 1] + m[:, 2, 2],
    ], axis=1)
    best = np.argmax(cands, axis=1)
    q = np.empty((len(m), 4))
    s = np.sqrt(np.maximum(cands[np.arange(len(m)), best], 1e-300)) * 2  # 4 * |component|
    b0, b1, b2, b3 = (best == k for k in range(4))
    q[b0] = np.stack([s[b0] / 4, (m[b0, 2, 1] - m[b0, 1, 2]) / s[b0], (m[b0, 0, 2] - m[b0, 2, 0]) / s[b0],
                      (m[b0, 1, 0] - m[b0, 0, 1]) / s[b0]], axis=1)
    q[b1] = np.stack([(m[b1, 2, 1] - m[b1, 1, 2]) / s[b1], s[b1] / 4, (m[b1, 0, 1] + m[b1, 1, 0]) / s[b1],
                      (m[b1, 0, 2] + m[b1, 2, 0]) / s[b1]], axis=1)
    q[b2] = np.stack([(m[b2, 0, 2] - m[b2, 2, 0]) / s[b2], (m[b2, 0, 1] + m[b2, 1, 0]) / s[b2], s[b2] / 4,
                      (m[b2, 1, 2] + m[b2, 2, 1]) / s[b2]], axis=1)
    q[b3] = np.stack([(m[b3, 1, 0] - m[b3, 0, 1]) / s[b3], (m[b3, 0, 2] + m[b3, 2, 0]) / s[b3],
                      (m[b3, 1, 2] + m[b3, 2, 1]) / s[b3], s[b3] / 4], axis=1)
    q *= np.where(q[:, :1] < 0, -1.0, 1.0)
    return q / np.linalg.norm(q, axis=1, keepdims=True)
