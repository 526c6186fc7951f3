"""An AHRS's start-up transient, found and bridged from the accelerometer.

An attitude filter (the device's on-board AHRS, or ``imufusion`` started on
the host) starts from a guess, typically the identity, and converges within
a second or so. Until then its "up" can be off by up to 90 deg, which would
read as a huge first movement. At rest the accelerometer alone gives "up"
exactly (``u = f / |f|``), so the filter is trusted from the first moment it
has agreed with the accelerometer over a short still stretch; before that,
still samples take their up vector from the accelerometer and moving ones are
marked unusable. Vectorised and causal, state carried between chunks.
"""

from __future__ import annotations

import numpy as np


class AhrsStartup:
    """Detect the end of an AHRS start-up transient and bridge it.

    Parameters
    ----------
    g : float
        The accelerometer's reading of g at rest.
    rate_hz : float
        Nominal sample rate.
    agree_deg : float
        Largest angle between the AHRS and the accelerometer up vectors that
        counts as agreement (the filter's own lag during sway stays below it).
    hold_s : float
        Agreement must last this long over still samples.
    still_rate_rad_s, still_acc_m_s2 : float
        A sample is still when its angular rate and the departure of its
        specific-force norm from ``g`` stay below these.
    max_s : float
        After this long the AHRS is trusted whatever it reads (an AHRS that
        disagrees with the accelerometer at rest for longer is not starting up).

    Attributes
    ----------
    settled_ : bool
        The transient is over; later chunks pass through untouched.
    unusable_ : (N,) bool
        Samples of the last chunk inside the transient that were moving (no
        reliable up vector from either source).
    """

    def __init__(self, g: float, rate_hz: float, agree_deg: float = 5.0, hold_s: float = 0.2,
                 still_rate_rad_s: float = 0.2, still_acc_m_s2: float = 0.3, max_s: float = 10.0) -> None:
        if g <= 0 or rate_hz <= 0:
            raise ValueError("g and rate_hz must be positive")
        self.g = g
        self.rate_hz = rate_hz
        self.agree_deg = agree_deg
        self.hold_s = hold_s
        self.still_rate_rad_s = still_rate_rad_s
        self.still_acc_m_s2 = still_acc_m_s2
        self.max_s = max_s
        self.settled_ = False
        self._run = 0      # consecutive agreeing still samples at the end of the last chunk
        self._count = 0    # samples seen

    def update(self, up: np.ndarray, acc: np.ndarray, omega: np.ndarray) -> np.ndarray:
        """Up vectors for the next chunk, with the transient bridged.

        Parameters
        ----------
        up : (N, 3) array
            The AHRS's earth-up in the sensor frame.
        acc : (N, 3) array
            Specific force (m/s^2), sensor frame.
        omega : (N, 3) array
            Bias-free angular rate (rad/s).

        Returns
        -------
        (N, 3) array
            ``up`` itself once settled; before, the accelerometer direction.
        """
        n = len(up)
        self.unusable_ = np.zeros(n, dtype=bool)
        if self.settled_ or n == 0:
            return up
        acc_norm = np.linalg.norm(acc, axis=1)
        acc_up = acc / np.maximum(acc_norm, 1e-9)[:, None]
        still = (np.linalg.norm(omega, axis=1) < self.still_rate_rad_s) & \
                (np.abs(acc_norm - self.g) < self.still_acc_m_s2)
        agree = np.einsum("ij,ij->i", up, acc_up) > np.cos(np.radians(self.agree_deg))
        ok = still & agree
        idx = np.arange(n)
        last_bad = np.maximum.accumulate(np.where(ok, -1, idx))
        run = np.where(last_bad < 0, idx + 1 + self._run, idx - last_bad)   # agreeing run ending here
        need = max(1, int(round(self.hold_s * self.rate_hz)))
        done = (run >= need) | (self._count + idx >= int(round(self.max_s * self.rate_hz)))
        hits = np.flatnonzero(done)
        stop = int(hits[0]) if len(hits) else n
        self._count += n
        self._run = int(run[-1])
        self.settled_ = stop < n
        out = np.array(up, dtype=np.float64, copy=True)
        out[:stop] = acc_up[:stop]
        self.unusable_[:stop] = ~still[:stop]
        return out
