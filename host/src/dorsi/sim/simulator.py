"""Render a motion script into sensor data and ground truth.

Pipeline per sensor: sample instants (nominal grid + jitter) -> exact
kinematics -> sensor errors -> on-device fusion (quaternions) -> bursty packet
loss. Ground truth is taken on the shin sensor's loss-free grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dorsi.samples import SampleBatch
from dorsi.sim.body import Body
from dorsi.sim.fusion import DeviceFusion
from dorsi.sim.imu_errors import ImuErrorModel
from dorsi.sim.jet import Jet, matrix_to_quaternion, rotation
from dorsi.sim.kinematics import (
    MotionRenderer, SensorMotion, foot_sensor, heel_height, knee_front_x, shin_sensor, toe_x,
)
from dorsi.sim.options import SimOptions
from dorsi.sim.packet_loss import BurstLoss
from dorsi.sim.script import Script
from dorsi.sim.truth import HoldTruth, RepTruth, Segment, Truth

# independent random streams, so e.g. adding the foot sensor leaves the shin data unchanged
STREAMS = {"profile": 0, "script": 1, "sway": 2, "shin_clock": 3, "shin_imu": 4, "shin_link": 5,
           "foot_clock": 6, "foot_imu": 7, "foot_link": 8, "posture": 9}


def stream(seed: int, name: str) -> np.random.Generator:
    """The random generator of one named stream of a seed."""
    return np.random.default_rng([int(seed), STREAMS[name]])


def mount_matrix(about_x_deg: float, about_y_deg: float) -> np.ndarray:
    """Constant sensor-on-segment rotation ``Rx(a) Ry(b)``."""
    rx = rotation(0, Jet.const(np.deg2rad(about_x_deg), 1)).v[0]
    ry = rotation(1, Jet.const(np.deg2rad(about_y_deg), 1)).v[0]
    return rx @ ry


@dataclass
class SensorTrack:
    """One simulated sensor: ideal motion, the delivered batch and what the link dropped."""

    ideal: SensorMotion
    batch: SampleBatch
    lost_bursts: list[tuple[int, int]]


class Simulator:
    """Turn a :class:`~dorsi.sim.script.Script` into sensor batches and ground truth.

    Parameters
    ----------
    options : SimOptions
    seed : int
        Seeds every random stream (sway, jitter, sensor errors, loss).
    seated_incl_deg : float
        Shank inclination at which the seated knee is placed (the profile's seated rest).

    Attributes
    ----------
    shin_, foot_ : SensorTrack, SensorTrack or None
    truth_ : Truth
    """

    def __init__(self, options: SimOptions, seed: int, seated_incl_deg: float) -> None:
        self.options = options
        self.seed = seed
        self.seated_incl_deg = seated_incl_deg
        self.body = Body.from_options(options)

    def run(self, script: Script) -> "Simulator":
        """Simulate ``script``; results in ``shin_``, ``foot_``, ``truth_``."""
        opts = self.options
        renderer = MotionRenderer(script, self.body, stream(self.seed, "sway"),
                                  opts.sway_deg, self.seated_incl_deg, opts.heading_drift_deg,
                                  opts.posture_wander_deg, stream(self.seed, "posture"))
        n = int(np.floor(script.duration * opts.rate_hz)) + 1
        t_shin = self._instants(n, stream(self.seed, "shin_clock"))
        motion = renderer.evaluate(t_shin)
        shin_mount = mount_matrix(opts.strap_rotation_deg, opts.strap_tilt_deg)
        self.shin_ = self._sensor("shin", shin_sensor(renderer, motion, shin_mount))
        self.foot_ = None
        if opts.foot_sensor:
            t_foot = self._instants(n, stream(self.seed, "foot_clock"))
            foot_motion = renderer.evaluate(t_foot)
            foot_mount = mount_matrix(0.0, opts.foot_mount_tilt_deg)
            self.foot_ = self._sensor("foot", foot_sensor(renderer, foot_motion, foot_mount))
        self.truth_ = self._truth(script, renderer, motion)
        return self

    def _instants(self, n: int, rng: np.random.Generator) -> np.ndarray:
        opts = self.options
        t = np.arange(n) / opts.rate_hz
        if opts.noise and opts.jitter_s > 0:
            limit = min(3 * opts.jitter_s, 0.25 / opts.rate_hz)
            jitter = np.clip(rng.normal(0.0, opts.jitter_s, n), -limit, limit)
            jitter[0] = 0.0
            t = t + jitter
        if opts.noise and (opts.interval_jitter > 0 or opts.clock_error != 0):
            # free-running timing (after the grid's draws, so those stay as they were): as many
            # instants as fit in the same span
            period = 1.0 / (opts.rate_hz * (1.0 + opts.clock_error))
            m = int(n * (1.0 + abs(opts.clock_error)) * 1.1) + 2
            steps = period * (1.0 + rng.uniform(-opts.interval_jitter, opts.interval_jitter, m - 1))
            free = np.concatenate([[0.0], np.cumsum(steps)])
            t = free[free <= (n - 1) / opts.rate_hz]
        return t

    def _sensor(self, role: str, ideal: SensorMotion) -> SensorTrack:
        opts = self.options
        acc, gyr = ideal.acc, ideal.gyr
        if opts.noise:
            errors = ImuErrorModel.from_options(opts).apply(acc, gyr, ideal.t, stream(self.seed, f"{role}_imu"))
            acc, gyr = errors.acc_, errors.gyr_
        quat = None
        if opts.quaternions and opts.noise:
            quat = DeviceFusion(opts.rate_hz, gyroscope_range_dps=opts.gyr_full_scale_dps).run(acc, gyr).quat_
        elif opts.quaternions:
            quat = matrix_to_quaternion(ideal.rot)  # ideal data: the exact orientation
        loss = BurstLoss(opts.packet_loss, opts.loss_burst_packets, opts.samples_per_packet)
        loss.apply(len(acc), stream(self.seed, f"{role}_link"))
        keep = loss.keep_
        seq = np.arange(len(acc), dtype=np.int64)[keep]
        meta = {"sample_rate_hz": opts.rate_hz, "placement": role, "side": opts.side, "source": "dorsi.sim",
                "seed": self.seed}
        if opts.noise and (opts.interval_jitter > 0 or opts.clock_error != 0):
            meta["timing"] = "free"  # the times are the samples' own; seq only counts them
        batch = SampleBatch(role, seq, ideal.t[keep], acc[keep], gyr[keep],
                            None if quat is None else quat[keep], meta)
        return SensorTrack(ideal, batch, loss.bursts_)

    def _truth(self, script: Script, renderer: MotionRenderer, m) -> Truth:
        t = m.t
        incl = np.rad2deg(m.incl.v)
        pitch = np.rad2deg(m.foot_pitch.v)
        ankle = incl + pitch
        traces = {"incl": incl, "ankle": ankle, "-incl": -incl}
        distance = (knee_front_x(renderer, m) - toe_x(renderer, m)) * 100.0
        reps = []
        for r in script.reps:
            i0, i1 = np.searchsorted(t, [r.start_s, r.end_s])
            i1 = max(i1, i0 + 1)
            k = i0 + int(np.argmax(traces[r.peak_signal][i0:i1]))
            reps.append(RepTruth(
                start_s=float(r.start_s), end_s=float(r.end_s), peak_s=float(t[k]),
                peak_angle_deg=float(ankle[k]), peak_inclination_deg=float(incl[k]),
                heel_lift=r.heel_lift, lowering_s=None if r.lowering_s is None else float(r.lowering_s),
                distance_cm=float(distance[k]) if r.knee_to_wall else None, exercise=r.exercise,
                direction=r.direction,
            ))
        holds = []
        for h in script.holds:
            sel = (t >= h.start_s) & (t <= h.end_s)
            holds.append(HoldTruth(float(h.start_s), float(h.end_s), float(h.end_s - h.start_s),
                                   float(ankle[sel].mean()), float(incl[sel].mean()), h.exercise))
        segments = [Segment(n, float(a), float(b)) for n, a, b in script.segments]
        activities = [Segment(seg.exercise, float(a), float(b))
                      for a, b in script.activities for seg in segments if seg.start_s <= a < seg.end_s]
        return Truth(
            t=t, ankle_angle_deg=ankle, tibial_inclination_deg=incl,
            frontal_tilt_deg=np.rad2deg(m.frontal.v), foot_pitch_deg=pitch,
            heel_height_m=heel_height(renderer, m),
            reps=reps, holds=holds, heel_lifts=[(float(a), float(b)) for a, b in script.heel_lifts],
            segments=segments, fidgets=[(float(a), float(b)) for a, b in script.fidgets],
            activities=activities,
        )
