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

    #: Steps between samples longer than this (s, lost samples) count as this much moving time.
    MAX_STEP_S = 0.1

    def __init__(self, min_rate_rad_s: float = 0.5, min_moving_s: float = 1.0, min_swing_deg: float = 5.0) -> None:
        self.min_rate_rad_s = min_rate_rad_s
        self.min_moving_s = min_moving_s
        self.min_swing_deg = min_swing_deg
        self.reset()

    def reset(self) -> "MovementAxis":
        """Forget every sample seen; returns self."""
        self._axial = np.zeros(2)       # sums of 2 w_lat w_fwd and w_lat^2 - w_fwd^2
        self._moments = np.zeros((4, 4))  # of (w_lat, w_fwd, theta w_lat, theta w_fwd) ...
        self._with_up = np.zeros(4)       # ... and of each with w_up
        self._theta_range = [np.inf, -np.inf]
        self._moving_s = 0.0
        self._last_t: float | None = None
        self.samples_ = 0
        self._solve()
        return self

    def measure(self, trace: AngleTrace) -> "MovementAxis":
        """Measure on the valid samples of ``trace`` (its ``shank_rates``); returns self."""
        return self.reset().update(trace)

    def update(self, trace: AngleTrace) -> "MovementAxis":
        """Add the next chunk of a stream (its valid samples); returns self."""
        if trace.shank_rates is None or not len(trace):
            return self
        t = np.asarray(trace.t, dtype=np.float64)
        step = np.diff(t, prepend=t[0] if self._last_t is None else self._last_t)
        self._last_t = float(t[-1])
        ok = trace.channel_valid("knee_swing")
        rates = np.asarray(trace.shank_rates, dtype=np.float64)
        w_lat, w_fwd = rates[:, 0], rates[:, 1]
        moving = ok & (w_lat * w_lat + w_fwd * w_fwd > self.min_rate_rad_s ** 2)
        count = int(np.count_nonzero(moving))
        if not count:
            return self
        w_lat, w_fwd, w_up = w_lat[moving], w_fwd[moving], rates[moving, 2]
        theta = np.radians(-np.asarray(trace.knee_swing_deg, dtype=np.float64)[moving])  # sagittal, from rest
        self.samples_ += count
        self._moving_s += float(np.minimum(step[moving], self.MAX_STEP_S).sum())
        self._axial += (2.0 * float(w_lat @ w_fwd), float(w_lat @ w_lat - w_fwd @ w_fwd))
        x = np.column_stack([w_lat, w_fwd, theta * w_lat, theta * w_fwd])
        self._moments += x.T @ x
        self._with_up += x.T @ w_up
        self._theta_range = [min(self._theta_range[0], float(theta.min())),
                             max(self._theta_range[1], float(theta.max()))]
        self._solve()
        return self

    def _solve(self) -> None:
        self.offset_deg_: float | None = None
        self.drift_deg_: float | None = None
        self.turn_deg_: float | None = None
        if self.samples_ < 2 or self._moving_s < self.min_moving_s:
            return
        offset = 0.5 * float(np.arctan2(self._axial[0], self._axial[1]))
        drift = 0.0
        if self._theta_range[1] - self._theta_range[0] >= np.radians(self.min_swing_deg):
            c, s = np.cos(offset), np.sin(offset)
            # the fit w_up = c1 r + c2 theta r with r = w_lat c + w_fwd s, from the kept moments
            to_design = np.array([[c, s, 0.0, 0.0], [0.0, 0.0, c, s]])
            normal = to_design @ self._moments @ to_design.T
            c2 = float(np.linalg.lstsq(normal, to_design @ self._with_up, rcond=None)[0][1])
            drift = float(np.arcsin(np.clip(-c2, -0.5, 0.5)))  # within +-30 deg, as the calibration's
        self.offset_deg_ = float(np.degrees(offset))
        self.drift_deg_ = float(np.degrees(drift))
        self.turn_deg_ = self.offset_deg_ - self.drift_deg_
