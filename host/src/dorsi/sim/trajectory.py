"""Smooth scalar trajectories: minimum-jerk keyframe tracks and band-limited wobble.

A ``Track`` is a list of keyframes ``(t_i, v_i)``; between consecutive keyframes
the value follows the minimum-jerk profile

    s(u) = 10 u^3 - 15 u^4 + 6 u^5,   u = (t - t_i) / (t_{i+1} - t_i),

so velocity and acceleration are zero at every keyframe (humans start and stop
movements smoothly). Evaluation is vectorised with ``searchsorted`` and
returns a :class:`~dorsi.sim.jet.Jet` with exact derivatives.
"""

from __future__ import annotations

import numpy as np

from dorsi.sim.jet import Jet


class Track:
    """Keyframed scalar trajectory built forward in time.

    Parameters
    ----------
    value : float
        Initial value (held before the first move).
    t : float
        Time of the first keyframe.
    """

    def __init__(self, value: float = 0.0, t: float = 0.0) -> None:
        self._t: list[float] = [float(t)]
        self._v: list[float] = [float(value)]

    @property
    def last_t(self) -> float:
        return self._t[-1]

    @property
    def last_v(self) -> float:
        return self._v[-1]

    def hold_until(self, t: float) -> "Track":
        """Keep the current value until time ``t`` (no-op if ``t`` is not later)."""
        if t > self._t[-1] + 1e-9:
            self._t.append(float(t))
            self._v.append(self._v[-1])
        return self

    def move_to(self, t_end: float, value: float) -> "Track":
        """Minimum-jerk move from the current keyframe to ``value`` at ``t_end``."""
        if t_end <= self._t[-1] + 1e-9:
            raise ValueError(f"keyframes must increase in time: {t_end} after {self._t[-1]}")
        self._t.append(float(t_end))
        self._v.append(float(value))
        return self

    def move(self, duration: float, value: float) -> "Track":
        """Minimum-jerk move to ``value`` lasting ``duration`` seconds."""
        return self.move_to(self._t[-1] + duration, value)

    def shifted(self, dt: float) -> "Track":
        """A copy with every keyframe delayed by ``dt``."""
        out = Track()
        out._t = [x + dt for x in self._t]
        out._v = list(self._v)
        return out

    def extend(self, other: "Track") -> "Track":
        """Append the keyframes of ``other`` (which must start after this one ends)."""
        for t, v in zip(other._t, other._v):
            if t > self._t[-1] + 1e-9:
                self._t.append(t)
                self._v.append(v)
            elif abs(v - self._v[-1]) > 1e-12:
                raise ValueError("cannot join tracks: the value jumps at the junction")
        return self

    def evaluate(self, t: np.ndarray) -> Jet:
        """Value, first and second derivative at times ``t``."""
        kt = np.asarray(self._t)
        kv = np.asarray(self._v)
        t = np.asarray(t, dtype=float)
        if len(kt) == 1:
            return Jet.const(kv[0], len(t))
        i = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 2)
        span = kt[i + 1] - kt[i]
        u = np.clip((t - kt[i]) / span, 0.0, 1.0)
        dv = kv[i + 1] - kv[i]
        s = u**3 * (10 - 15 * u + 6 * u**2)
        s1 = 30 * u**2 * (1 - u) ** 2
        s2 = 60 * u * (1 - u) * (1 - 2 * u)
        return Jet(kv[i] + dv * s, dv * s1 / span, dv * s2 / span**2)


class Wobble:
    """Band-limited random motion: a sum of sinusoids with random frequency and phase.

    The random parameters are drawn once, so the same wobble can be evaluated on
    several time grids (shin and foot sensors sample at slightly different instants).

    Parameters
    ----------
    rng : numpy.random.Generator
    rms : float
        Root-mean-square amplitude of the sum.
    f_lo, f_hi : float
        Frequency band in Hz; frequencies are drawn log-uniformly.
    components : int
        Number of sinusoids.
    """

    def __init__(self, rng: np.random.Generator, rms: float, f_lo: float, f_hi: float,
                 components: int = 6) -> None:
        if not 0 < f_lo <= f_hi:
            raise ValueError("need 0 < f_lo <= f_hi")
        self.rms = float(rms)
        self.omega = 2 * np.pi * np.exp(rng.uniform(np.log(f_lo), np.log(f_hi), components))
        self.phase = rng.uniform(0, 2 * np.pi, components)
        self.amp = self.rms * np.sqrt(2.0 / components) * rng.uniform(0.6, 1.4, components)

    def evaluate(self, t: np.ndarray) -> Jet:
        """Value and exact derivatives at times ``t``."""
        t = np.asarray(t, dtype=float)
        if self.rms == 0.0:
            return Jet.zeros(len(t))
        arg = np.outer(t, self.omega) + self.phase
        s, c = np.sin(arg), np.cos(arg)
        w = self.omega
        return Jet(s @ self.amp, c @ (self.amp * w), -(s @ (self.amp * w**2)))
