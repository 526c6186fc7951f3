"""Inertial sensor error model (LSM6DSOX-class): scale, bias, bias walk, noise, quantisation.

Per axis ``k``, for the accelerometer and the gyroscope alike,

    y_k = Q( (1 + s_k) x_k + b_k + w_k(t) + n_k(t) )

with ``s_k ~ N(0, scale_error^2)`` a scale-factor error, ``b_k ~ N(0, bias^2)``
the turn-on bias, ``w_k`` a random walk of intensity ``sigma_w`` (units per
sqrt(s), increments ``N(0, sigma_w^2 dt)``), ``n_k`` white noise of density
``rho`` (units per sqrt(Hz)) whose per-sample standard deviation is
``rho * sqrt(f_s / 2)`` (the digital filter passes up to Nyquist), and ``Q``
rounding to the 16-bit step ``full_scale / 32768`` with optional clipping to
``[-32768, 32767]`` counts.
"""

from __future__ import annotations

import numpy as np

from dorsi.sim.kinematics import GRAVITY
from dorsi.sim.options import SimOptions


class ImuErrorModel:
    """Corrupt ideal accelerometer and gyroscope signals like a MEMS IMU.

    Parameters
    ----------
    acc_noise_ug_rthz, gyr_noise_mdps_rthz : float
        White-noise densities (micro-g/sqrt(Hz), milli-deg/s/sqrt(Hz)).
    acc_bias_mg, gyr_bias_dps : float
        Standard deviation of the constant bias.
    acc_bias_walk_mg_rts, gyr_bias_walk_dps_rts : float
        Bias random-walk intensity per sqrt(second).
    acc_scale_error, gyr_scale_error : float
        Standard deviation of the scale-factor error (fraction).
    acc_full_scale_g, gyr_full_scale_dps : float
        Full scale of the 16-bit output.
    saturate : bool
        Clip at full scale.
    """

    def __init__(self, acc_noise_ug_rthz: float = 70.0, gyr_noise_mdps_rthz: float = 3.8,
                 acc_bias_mg: float = 10.0, gyr_bias_dps: float = 0.5,
                 acc_bias_walk_mg_rts: float = 0.02, gyr_bias_walk_dps_rts: float = 0.002,
                 acc_scale_error: float = 0.005, gyr_scale_error: float = 0.005,
                 acc_full_scale_g: float = 8.0, gyr_full_scale_dps: float = 2000.0,
                 saturate: bool = True) -> None:
        self.acc_noise_ug_rthz = acc_noise_ug_rthz
        self.gyr_noise_mdps_rthz = gyr_noise_mdps_rthz
        self.acc_bias_mg = acc_bias_mg
        self.gyr_bias_dps = gyr_bias_dps
        self.acc_bias_walk_mg_rts = acc_bias_walk_mg_rts
        self.gyr_bias_walk_dps_rts = gyr_bias_walk_dps_rts
        self.acc_scale_error = acc_scale_error
        self.gyr_scale_error = gyr_scale_error
        self.acc_full_scale_g = acc_full_scale_g
        self.gyr_full_scale_dps = gyr_full_scale_dps
        self.saturate = saturate

    @classmethod
    def from_options(cls, opts: SimOptions) -> "ImuErrorModel":
        names = ("acc_noise_ug_rthz", "gyr_noise_mdps_rthz", "acc_bias_mg", "gyr_bias_dps",
                 "acc_bias_walk_mg_rts", "gyr_bias_walk_dps_rts", "acc_scale_error",
                 "gyr_scale_error", "acc_full_scale_g", "gyr_full_scale_dps", "saturate")
        return cls(**{n: getattr(opts, n) for n in names})

    # SI units per datasheet unit
    _MG = GRAVITY * 1e-3
    _UG = GRAVITY * 1e-6
    _DPS = np.pi / 180

    @property
    def acc_lsb(self) -> float:
        """Accelerometer quantisation step in m/s^2."""
        return self.acc_full_scale_g * GRAVITY / 32768.0

    @property
    def gyr_lsb(self) -> float:
        """Gyroscope quantisation step in rad/s."""
        return self.gyr_full_scale_dps * self._DPS / 32768.0

    def acc_noise_std(self, rate_hz: float) -> float:
        """Per-sample accelerometer white-noise standard deviation (m/s^2)."""
        return self.acc_noise_ug_rthz * self._UG * np.sqrt(rate_hz / 2.0)

    def gyr_noise_std(self, rate_hz: float) -> float:
        """Per-sample gyroscope white-noise standard deviation (rad/s)."""
        return self.gyr_noise_mdps_rthz * 1e-3 * self._DPS * np.sqrt(rate_hz / 2.0)

    def apply(self, acc: np.ndarray, gyr: np.ndarray, t: np.ndarray,
              rng: np.random.Generator) -> "ImuErrorModel":
        """Corrupt ideal ``acc`` (m/s^2) and ``gyr`` (rad/s) sampled at ``t``.

        Results: ``acc_``, ``gyr_`` (measured), ``acc_bias_``, ``gyr_bias_`` (N, 3) total bias,
        ``acc_scale_``, ``gyr_scale_`` (3,) scale factors.
        """
        if acc.shape != gyr.shape or acc.shape != (len(t), 3):
            raise ValueError("acc and gyr must both have shape (len(t), 3)")
        rate = 1.0 / np.median(np.diff(t)) if len(t) > 1 else 100.0
        dt = np.diff(t, prepend=t[0])
        self.acc_scale_ = 1.0 + rng.normal(0.0, self.acc_scale_error, 3)
        self.gyr_scale_ = 1.0 + rng.normal(0.0, self.gyr_scale_error, 3)
        # the turn-on biases before anything whose draws depend on the length: the same sensor
        # (rng stream) has the same biases in every session, however long
        acc_b0 = rng.normal(0.0, self.acc_bias_mg * self._MG, 3)
        gyr_b0 = rng.normal(0.0, self.gyr_bias_dps * self._DPS, 3)
        self.acc_bias_ = self._bias(rng, dt, acc_b0, self.acc_bias_walk_mg_rts * self._MG)
        self.gyr_bias_ = self._bias(rng, dt, gyr_b0, self.gyr_bias_walk_dps_rts * self._DPS)
        acc_n = rng.normal(0.0, self.acc_noise_std(rate), acc.shape)
        gyr_n = rng.normal(0.0, self.gyr_noise_std(rate), gyr.shape)
        self.acc_ = self._quantise(acc * self.acc_scale_ + self.acc_bias_ + acc_n, self.acc_lsb)
        self.gyr_ = self._quantise(gyr * self.gyr_scale_ + self.gyr_bias_ + gyr_n, self.gyr_lsb)
        return self

    @staticmethod
    def _bias(rng: np.random.Generator, dt: np.ndarray, b0: np.ndarray, walk: float) -> np.ndarray:
        steps = rng.normal(0.0, 1.0, (len(dt), 3)) * (walk * np.sqrt(dt))[:, None]
        return b0 + np.cumsum(steps, axis=0)

    def _quantise(self, x: np.ndarray, lsb: float) -> np.ndarray:
        counts = np.rint(x / lsb)
        if self.saturate:
            counts = np.clip(counts, -32768, 32767)
        return counts * lsb
