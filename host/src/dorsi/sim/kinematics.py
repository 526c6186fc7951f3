"""Rigid-body kinematics: from scripted channels to exact sensor-point motion.

Chain (frame ``H`` = the body's heading frame, ``W`` = world, both Z up):

* shank orientation ``R_s = Rz(psi) Ry(theta) Rx(s alpha) R0 Rx(beta)`` with ``theta``
  the tibial inclination, ``alpha`` the frontal tilt (+ medial; ``s = -1`` on the
  right leg, ``+1`` on the left), ``beta`` the axial rotation and ``R0`` the
  shank-at-rest frame (x up, z anterior);
* foot orientation ``R_f = Rz(psi) Ry(-phi) Rx(-s rho)`` with ``phi`` the foot pitch
  (+ toes up) and ``rho`` the inversion;
* the ankle position blends three models: standing (the foot pivots about the
  metatarsal heads when the heel lifts, about the heel when the toes lift), seated
  (the knee is fixed, the ankle hangs from it) and long sitting (explicit roller
  displacement);
* sensor points: ``p = Rz(psi) (ankle + R r)`` with ``r`` the sensor position in the
  segment frame.

Every quantity is a :class:`~dorsi.sim.jet.Jet`, so the specific force
``f = R^T (p'' - g)`` and the body rate ``[w]x = R^T R'`` are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dorsi.sim.body import SHANK_REST, Body
from dorsi.sim.jet import Jet, body_rates, rotation
from dorsi.sim.script import Script
from dorsi.sim.trajectory import Wobble

GRAVITY = 9.80665
G_UP = np.array([0.0, 0.0, GRAVITY])  # p'' - g with g = (0, 0, -9.80665)


@dataclass
class Motion:
    """Channel jets (radians, metres) on one time grid."""

    t: np.ndarray
    incl: Jet
    frontal: Jet
    axial: Jet
    heading: Jet
    foot_pitch: Jet
    foot_roll: Jet
    ankle: Jet  # (N, 3), frame H
    shank_h: Jet  # (N, 3, 3) shank orientation in frame H
    foot_h: Jet  # (N, 3, 3) foot orientation in frame H


@dataclass
class SensorMotion:
    """Ideal sensor signals and pose on one time grid."""

    t: np.ndarray
    acc: np.ndarray  # specific force, sensor frame, m/s^2
    gyr: np.ndarray  # body rate, sensor frame, rad/s
    rot: np.ndarray  # (N, 3, 3) sensor to world
    pos: np.ndarray  # (N, 3) world position of the sensor point


class MotionRenderer:
    """Evaluate a script's channels, with sway, into a :class:`Motion` on any time grid.

    Parameters
    ----------
    script : Script
        The keyframed channels.
    body : Body
        Leg geometry.
    rng : numpy.random.Generator
        Draws the sway and heading-drift sinusoids once (the same on every grid).
    sway_deg : float
        RMS postural sway of the shank at ``sway`` = 1.
    seated_incl_deg : float
        Shank inclination at which the seated knee position is defined.
    heading_drift_deg : float
        RMS of the slow heading drift.
    posture_wander_deg : float
        RMS of the slow wander of the shank's inclination (0.004-0.03 Hz), added throughout.
    posture_rng : numpy.random.Generator, optional
        Draws the wander (its own stream, so the sway and heading draws do not depend on it).
    """

    def __init__(self, script: Script, body: Body, rng: np.random.Generator, sway_deg: float,
                 seated_incl_deg: float, heading_drift_deg: float = 2.0, posture_wander_deg: float = 0.0,
                 posture_rng: np.random.Generator | None = None) -> None:
        self.script = script
        self.body = body
        self.sway_sagittal = Wobble(rng, sway_deg, 0.08, 0.8)
        self.sway_frontal = Wobble(rng, 0.6 * sway_deg, 0.08, 0.8)
        self.heading_drift = Wobble(rng, heading_drift_deg, 0.004, 0.03, components=4)
        self.posture_wander = (Wobble(posture_rng if posture_rng is not None else rng, posture_wander_deg,
                                      0.004, 0.03, components=4) if posture_wander_deg > 0 else None)
        self.knee = body.seated_knee(seated_incl_deg)
        self.free_ankle = body.long_sitting_ankle()

    def evaluate(self, t: np.ndarray) -> Motion:
        """The channels at times ``t`` as jets in radians / metres."""
        tr = {name: track.evaluate(t) for name, track in self.script.tracks.items()}
        sway = tr["sway"]
        incl = tr["incl"] + sway.mul(self.sway_sagittal.evaluate(t))
        if self.posture_wander is not None:
            incl = incl + self.posture_wander.evaluate(t)
        frontal = tr["frontal"] + sway.mul(self.sway_frontal.evaluate(t))
        rad = np.pi / 180
        incl, frontal = incl.scale(rad), frontal.scale(rad)
        axial = tr["axial"].scale(rad)
        heading = (tr["heading"] + self.heading_drift.evaluate(t)).scale(rad)
        pitch, roll = tr["foot_pitch"].scale(rad), tr["foot_roll"].scale(rad)
        shank = self.shank_rotation_h(incl, frontal, axial)
        ankle = self._ankle(t, tr, shank, pitch)
        foot = self.foot_rotation_h(pitch, roll)
        return Motion(t, incl, frontal, axial, heading, pitch, roll, ankle, shank, foot)

    def shank_rotation_h(self, incl: Jet, frontal: Jet, axial: Jet) -> Jet:
        """Shank orientation in the heading frame (no heading)."""
        s = self.body.side_sign
        r = rotation(1, incl).matmul(rotation(0, frontal.scale(s)))
        return r.times_const(SHANK_REST).matmul(rotation(0, axial))

    def foot_rotation_h(self, pitch: Jet, roll: Jet) -> Jet:
        return rotation(1, -pitch).matmul(rotation(0, roll.scale(-self.body.side_sign)))

    def _ankle(self, t: np.ndarray, tr: dict[str, Jet], shank: Jet, pitch: Jet) -> Jet:
        n = len(t)
        b = self.body
        # standing: rigid foot pivoting about the metatarsal heads (heel up) or the heel (toes up)
        heel_up = pitch.v < 0
        pivot = np.where(heel_up[:, None], b.metatarsals, b.heel)
        floor = rotation(1, -pitch).apply(b.ankle - pivot)
        floor = Jet(floor.v + pivot, floor.d1, floor.d2)
        # seated: the knee stays put, the ankle hangs below it
        knee = shank.apply(np.array([-b.shank_length, 0.0, 0.0]))
        knee = Jet(knee.v + self.knee, knee.d1, knee.d2)
        # long sitting on a roller: explicit displacement
        zero = Jet.zeros(n)
        disp = Jet(np.stack([tr["roll_x"].v, zero.v, tr["roll_z"].v], 1),
                   np.stack([tr["roll_x"].d1, zero.d1, tr["roll_z"].d1], 1),
                   np.stack([tr["roll_x"].d2, zero.d2, tr["roll_z"].d2], 1))
        free = Jet(disp.v + self.free_ankle, disp.d1, disp.d2)
        w_knee, w_free = tr["w_knee"], tr["w_free"]
        w_floor = Jet(1.0 - w_knee.v - w_free.v, -w_knee.d1 - w_free.d1, -w_knee.d2 - w_free.d2)
        return w_floor.mul(floor) + w_knee.mul(knee) + w_free.mul(free)


def shin_sensor(renderer: MotionRenderer, m: Motion, mount: np.ndarray) -> SensorMotion:
    """Ideal specific force and body rate of the shin sensor."""
    point_h = m.ankle + m.shank_h.apply(renderer.body.shin_sensor_local)
    return _sensor(m, m.shank_h, point_h, mount)


def foot_sensor(renderer: MotionRenderer, m: Motion, mount: np.ndarray) -> SensorMotion:
    """Ideal specific force and body rate of the foot sensor."""
    b = renderer.body
    point_h = m.ankle + m.foot_h.apply(b.foot_sensor - b.ankle)
    return _sensor(m, m.foot_h, point_h, mount)


def heel_height(renderer: MotionRenderer, m: Motion) -> np.ndarray:
    """Height of the back of the heel above the floor."""
    b = renderer.body
    return m.ankle.v[:, 2] + np.einsum("nij,j->ni", m.foot_h.v, b.heel - b.ankle)[:, 2]


def knee_front_x(renderer: MotionRenderer, m: Motion) -> np.ndarray:
    """Forward position (frame H) of the front of the knee."""
    b = renderer.body
    local = np.array([b.shank_length, 0.0, b.knee_front])
    return m.ankle.v[:, 0] + np.einsum("nij,j->ni", m.shank_h.v, local)[:, 0]


def toe_x(renderer: MotionRenderer, m: Motion) -> np.ndarray:
    """Forward position (frame H) of the toe tip."""
    b = renderer.body
    return m.ankle.v[:, 0] + np.einsum("nij,j->ni", m.foot_h.v, b.toe - b.ankle)[:, 0]


def _sensor(m: Motion, seg_h: Jet, point_h: Jet, mount: np.ndarray) -> SensorMotion:
    world = rotation(2, m.heading)
    rot = world.matmul(seg_h).times_const(mount)
    pos = world.matmul(point_h)
    acc = np.einsum("nji,nj->ni", rot.v, pos.d2 + G_UP)
    gyr, _ = body_rates(rot)
    return SensorMotion(m.t, acc, gyr, rot.v, pos.v)
