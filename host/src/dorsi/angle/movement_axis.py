"""Which way the shank moves in the sensor, against the calibration: a strap that has turned.

The calibration finds the shin's sagittal plane from the first movements, so a lunge turns the
shank about the calibrated lateral axis: its rate has no forward component. If the strap then
turns on the shin by ``psi`` (knocked, or slid while lunging), the same lunge turns about an
axis ``psi`` away in the sensor, and the estimates go wrong without any sign of it: the
sagittal angle reads ``cos(psi)`` of the truth and ``sin(psi)`` of it leaks into the frontal
tilt (at 25 deg: peaks 10 % low, or every lunge flagged as the foot rolling in).

With ``(w_lat, w_fwd, w_up)`` the rate about the calibrated lateral, forward and long axes,
each moving sample points at ``phi = atan2(w_fwd, w_lat)``. A lunge goes forward and back, so
``phi`` and ``phi + 180 deg`` are one axis: the offset is half the angle of the rate-weighted
mean of ``2 phi`` (the axial mean),

    offset = 1/2 atan2(sum 2 w_lat w_fwd, sum (w_lat^2 - w_fwd^2)),

which fast, clean sagittal turning dominates and sway hardly moves.

A knee that drifts in or out as the lunge deepens (frontal tilt ``a = k theta``, ``theta``
the sagittal angle from rest) moves the offset too, by ``atan k``, but it is not a turn about a
fixed axis: the body rate is ``theta' (k, cos a, -sin a)`` in (fwd, lat, up), so the rate about
the long axis carries ``-theta' sin(k theta)``, which a turned sensor (a fixed axis, the long
axis unchanged) does not. The rate along the movement axis, ``r = w_lat cos(offset) + w_fwd
sin(offset)``, is ``theta' sqrt(1 + k^2)`` whatever the turn, so with ``delta = atan k`` the
drift's angle, ``w_up ~ -sin(delta) theta r``: the least-squares fit ``w_up = c1 r + c2 theta r``
over the moving samples gives ``delta = asin(-c2)`` (``c1`` takes a long axis slightly off
the calibrated one; the calibration separates drift and axis the same way,
``dorsi.angle.calibration``), and the strap's turn is what is left:

    turn = offset - delta.

Only movements about the ankle compare with the calibration's lunges: seated movements turn
about the knee, whose axis differs from the ankle's by the tibial torsion (20-30 deg in
adults).
"""

from __future__ import annotations

import math

import numpy as np

from dorsi.angle.trace import AngleTrace


class MovementAxis:
    """Offset of the shank's movement axis from the calibrated lateral axis, and its parts.

    ``measure`` takes a whole trace; ``update`` takes it chunk by chunk (the live session,
    per notification) and gives the same figures: only sums are kept.

    Parameters
    ----------
    min_rate_rad_s : float
        Samples turning slower than this (about 30 deg/s) are left out: sway and holds say
        little about the axis.
    min_moving_s : float
        Less movement than this (seconds of moving samples) gives no offset (the attributes
        None): three knee-to-wall trials give about 2 s.
    min_swing_deg : float
        The knee's drift is fitted only when the sagittal angle spans this much over the
        moving samples (else it is taken as none).

    Attributes
    ----------
    offset_deg_ : float or None
        The movement axis, degrees from the calibrated lateral axis toward the forward one
        (within +-90), or None when too little movement was seen.
    drift_deg_ : float or None
        The part of it the knee's drift with depth explains (``atan k``).
    turn_deg_ : float or None
        The rest: how far the sensor has turned about the shin since calibration.
    samples_ : int
        Moving samples it was measured on.
    """

    def __init__(self, min_rate_rad_s: float = 0.5, min_moving_s: float = 1.0, min_swing_deg: float = 5.0) -> None:
        self.min_rate_rad_s = min_rate_rad_s
        self.min_moving_s = min_moving_s
        self.min_swing_deg = min_swing_deg
        self.reset()

    def reset(self) -> "MovementAxis":
        """Forget every sample seen; returns self."""
        self._gram = np.zeros((5, 5))  # moments of (w_lat, w_fwd, theta w_lat, theta w_fwd, w_up)
        self._theta_lo, self._theta_hi = math.inf, -math.inf
        self._period = math.inf  # the smallest mean sample step of a chunk: the nominal period
        self.samples_ = 0
        self._result: tuple | None = (None, None, None)
        return self

    def measure(self, trace: AngleTrace) -> "MovementAxis":
        """Measure on the valid samples of ``trace`` (its ``shank_rates``); returns self."""
        return self.reset().update(trace)

    def update(self, trace: AngleTrace) -> "MovementAxis":
        """Add the next chunk of a stream (its valid samples); returns self. Only sums are
        kept; the figures are solved from them when read."""
        rates = trace.shank_rates
        n = len(trace)
        if rates is None or not n:
            return self
        if n > 1:
            self._period = min(self._period, (float(trace.t[-1]) - float(trace.t[0])) / (n - 1))
        across = rates[:, :2]
        moving = np.einsum("ij,ij->i", across, across) > self.min_rate_rad_s ** 2
        moving &= trace.channel_valid("knee_swing")
        rows = np.flatnonzero(moving)
        if not len(rows):
            return self
        theta = np.asarray(trace.knee_swing_deg)[rows] * (-math.pi / 180.0)  # sagittal angle from rest
        x = np.empty((len(rows), 5))
        x[:, (0, 1, 4)] = rates[rows]
        np.multiply(x[:, :2], theta[:, None], out=x[:, 2:4])
        self._gram += x.T @ x
        self._theta_lo = min(self._theta_lo, float(theta.min()))
        self._theta_hi = max(self._theta_hi, float(theta.max()))
        self.samples_ += len(rows)
        self._result = None
        return self

    @property
    def offset_deg_(self) -> float | None:
        return self._solved()[0]

    @property
    def drift_deg_(self) -> float | None:
        return self._solved()[1]

    @property
    def turn_deg_(self) -> float | None:
        return self._solved()[2]

    def _solved(self) -> tuple:
        if self._result is None:
            self._result = self._solve()
        return self._result

    def _solve(self) -> tuple:
        if self.samples_ < 2 or self.samples_ * self._period < self.min_moving_s:
            return None, None, None
        m = self._gram.tolist()  # rows/columns: w_lat, w_fwd, theta w_lat, theta w_fwd, w_up
        # sum 2 w_lat w_fwd and sum (w_lat^2 - w_fwd^2): the axial mean
        offset = 0.5 * math.atan2(2.0 * m[0][1], m[0][0] - m[1][1])
        drift = 0.0
        if self._theta_hi - self._theta_lo >= math.radians(self.min_swing_deg):
            # the fit w_up = c1 r + c2 theta r with r = w_lat c + w_fwd s, from the kept moments
            c, s = math.cos(offset), math.sin(offset)
            cc, cs, ss = c * c, c * s, s * s
            a11 = cc * m[0][0] + 2.0 * cs * m[0][1] + ss * m[1][1]          # sum r^2
            a12 = cc * m[0][2] + cs * (m[0][3] + m[1][2]) + ss * m[1][3]    # sum theta r^2
            a22 = cc * m[2][2] + 2.0 * cs * m[2][3] + ss * m[3][3]          # sum theta^2 r^2
            y1, y2 = c * m[0][4] + s * m[1][4], c * m[2][4] + s * m[3][4]  # sum r w_up, theta r w_up
            det = a11 * a22 - a12 * a12
            if det > 1e-12 * a11 * a22:
                c2 = (a11 * y2 - a12 * y1) / det
                drift = math.asin(min(max(-c2, -0.5), 0.5))  # within +-30 deg, as the calibration's
        offset_deg, drift_deg = math.degrees(offset), math.degrees(drift)
        return offset_deg, drift_deg, offset_deg - drift_deg
