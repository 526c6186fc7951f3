"""The fixed-pivot rotation model: lever arm fit and predicted acceleration.

A point at ``r`` (sensor frame, from the pivot) on a rigid segment turning
about a fixed pivot accelerates by ``a = alpha x r + omega x (omega x r)``
(body-frame expression, ``alpha = d omega / dt``). The accelerometer reads
``f = a - g``, so with the earth up ``u`` seen in the sensor frame,
``f - |g| u = K(omega, alpha) r``, linear in ``r``: the lever arm is a least
squares fit over the moving samples, together with (damped) accelerometer
offset and per-axis scale errors, which otherwise leak into the vertical as
the sensor tilts. Samples that break the model (a rising
ankle during a heel lift) are trimmed in a second pass.
"""

from __future__ import annotations

import numpy as np


def skew(v: np.ndarray) -> np.ndarray:
    """(N, 3) vectors -> (N, 3, 3) cross-product matrices."""
    z = np.zeros(len(v))
    x, y, w = v[:, 0], v[:, 1], v[:, 2]
    return np.stack([np.stack([z, -w, y], -1), np.stack([w, z, -x], -1), np.stack([-y, x, z], -1)], -2)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (N, 3) arrays (or one (3,) vector), without ``np.cross`` overhead."""
    ax, ay, az = a[..., 0], a[..., 1], a[..., 2]
    bx, by, bz = b[..., 0], b[..., 1], b[..., 2]
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[..., 0] = ay * bz - az * by
    out[..., 1] = az * bx - ax * bz
    out[..., 2] = ax * by - ay * bx
    return out


def cross_matrix(r: np.ndarray) -> np.ndarray:
    """``[r]x`` transposed for rows: ``v @ cross_matrix(r) == np.cross(v, r)``."""
    return np.array([[0.0, -r[2], r[1]], [r[2], 0.0, -r[0]], [-r[1], r[0], 0.0]])


def pivot_acceleration(omega: np.ndarray, alpha: np.ndarray, r: np.ndarray,
                       rx: np.ndarray | None = None) -> np.ndarray:
    """``alpha x r + omega x (omega x r)`` for (N, 3) rates and a fixed (3,) lever arm.

    With ``r`` fixed, ``alpha x r`` is the matrix product ``alpha [r]x`` (rows)
    and ``omega x (omega x r) = omega (omega . r) - r |omega|^2``. ``rx`` is
    ``cross_matrix(r)`` when the caller keeps it.
    """
    r = np.asarray(r, dtype=float)
    if rx is None:
        rx = cross_matrix(r)
    w_dot_r = omega @ r
    w_sq = np.einsum("ij,ij->i", omega, omega)
    return alpha @ rx + omega * w_dot_r[:, None] - w_sq[:, None] * r


def angular_acceleration(omega: np.ndarray, dt: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Causal backward difference ``(w[k] - w[k-1]) / dt[k]`` (zero at a stream's first sample)."""
    d = np.empty_like(omega, dtype=np.float64)
    if len(omega):
        d[0] = 0.0 if previous is None else omega[0] - previous
        np.subtract(omega[1:], omega[:-1], out=d[1:])
    d /= np.maximum(dt, 1e-6)[:, None]
    return d


class LeverArmFit:
    """Least-squares lever arm of the fixed-pivot model.

    Parameters
    ----------
    min_rate_rad_s : float
        Samples slower than this carry no information and are skipped.
    trim : float
        Fraction of the worst-fitting samples dropped before the final fit.

    ridge : float
        Damping of the accelerometer-offset terms (keeps them small where the
        movement does not observe them).

    Attributes
    ----------
    lever_arm_ : (3,) array or None
        Sensor position relative to the pivot (sensor frame, metres); None
        when the movement does not determine it.
    acc_offset_ : (3,) array
        Constant accelerometer offset fitted alongside (m/s^2; zeros if none).
    acc_scale_ : (3,) array
        Per-axis accelerometer scale error fitted alongside (fraction).
    rms_residual_ : float
        RMS model residual of the kept samples (m/s^2).
    """

    def __init__(self, min_rate_rad_s: float = 0.3, trim: float = 0.1, ridge: float = 0.01) -> None:
        self.min_rate_rad_s = min_rate_rad_s
        self.trim = trim
        self.ridge = ridge

    def fit(self, omega: np.ndarray, alpha: np.ndarray, acc: np.ndarray, up: np.ndarray,
            g: float, basis: np.ndarray | None = None, prior: np.ndarray | None = None,
            prior_weight: np.ndarray | None = None) -> "LeverArmFit":
        """Fit ``r`` from body rates, angular accelerations, specific force and up; returns self.

        ``basis`` (K, 3) restricts ``r`` to the span of its rows: the lever
        arm's component along a flexion axis is unobservable from rotation
        about that axis, so the fit keeps to the sagittal plane. ``prior``
        (K,) with ``prior_weight`` (K,) (rad^2/s^4 per sample) pulls the
        coordinates toward known values (the profile's sensor height) where
        slow movements leave them poorly determined.
        """
        self.lever_arm_ = None
        self.acc_offset_ = np.zeros(3)
        self.acc_scale_ = np.zeros(3)
        self.rms_residual_ = float("nan")
        keep = np.linalg.norm(omega, axis=1) > self.min_rate_rad_s
        if keep.sum() < 20:
            return self
        w, al = omega[keep], alpha[keep]
        basis = np.eye(3) if basis is None else np.asarray(basis, dtype=float)
        k = (skew(al) + skew(w) @ skew(w)) @ basis.T  # (N, 3, K)
        if np.linalg.cond(np.einsum("nij,nik->jk", k, k)) > 1e6:
            return self
        scale_cols = np.einsum("ij,nj->nij", np.eye(3), g * up[keep])  # per-axis scale error
        design = np.concatenate([k, np.broadcast_to(np.eye(3), (len(k), 3, 3)), scale_cols], axis=2)
        a = acc[keep] - g * up[keep]
        nb = len(basis)
        x = self._solve(design, a, nb, prior, prior_weight)
        res = np.linalg.norm(a - design @ x, axis=1)
        good = res <= np.quantile(res, 1.0 - self.trim)
        x = self._solve(design[good], a[good], nb, prior, prior_weight)
        self.lever_arm_ = basis.T @ x[:nb]
        self.acc_offset_ = x[nb:nb + 3]
        self.acc_scale_ = x[nb + 3:]
        resid = a[good] - design[good] @ x
        self.rms_residual_ = float(np.sqrt(np.mean(resid ** 2)))
        return self

    def _solve(self, design: np.ndarray, a: np.ndarray, nb: int, prior: np.ndarray | None,
               prior_weight: np.ndarray | None) -> np.ndarray:
        m = design.shape[2]
        dd = design.reshape(-1, m)
        pw = np.zeros(nb) if prior_weight is None else np.asarray(prior_weight, dtype=float)
        damp = np.diag(np.concatenate([pw, [self.ridge] * 3, [self.ridge * 20.0] * 3]))
        lhs = dd.T @ dd + damp * len(design)
        rhs = dd.T @ a.reshape(-1)
        if prior is not None:
            rhs[:nb] += pw * np.asarray(prior, dtype=float) * len(design)
        return np.linalg.solve(lhs, rhs)
