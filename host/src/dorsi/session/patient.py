"""An emulated patient wearing emulated sensors, for the demo and the tests.

When the guided session starts an exercise, the patient performs it: the
simulator (``dorsi.sim``) generates the motion and the patient's sensors
(``PatientDevice``, a ``ReplayDevice`` whose motion can be extended while it
runs) stream it over the emulated BLE link. Orientation is fused once,
continuously across exercises, as the firmware would (imufusion), so there
is no filter restart between exercises (``dorsi.sim.fusion.DeviceFusion``: the
firmware's filter with its gyroscope offset tracking).
"""

from __future__ import annotations

import math

import numpy as np

from ..emulator import ReplayDevice
from ..pipeline.foot_direction import half_turn
from ..routine import ExerciseSpec
from ..samples import SampleBatch
from ..sim.fusion import DeviceFusion


class PatientDevice(ReplayDevice):
    """A replaying sensor whose source motion grows as the patient moves.

    ``perform`` appends a movement; ``idle`` motion (quiet standing) fills the
    time after it until the next movement replaces it. Past the end of all
    motion the last sample is held.
    """

    def __init__(self, first: SampleBatch, idle: SampleBatch | None = None, **kwargs) -> None:
        super().__init__(first, loop=False, **kwargs)
        self._src_duration = math.inf  # never stop sampling
        self._active_end = float(self._src_t[-1])
        if idle is not None:
            self._append_idle(idle)

    def _append_idle(self, idle: SampleBatch) -> None:
        dt = float(np.median(np.diff(self._src_t)))
        self._src_t = np.concatenate([self._src_t, self._active_end + dt + idle.t - idle.t[0]])
        self._src_acc = np.concatenate([self._src_acc, idle.acc])
        self._src_gyr = np.concatenate([self._src_gyr, idle.gyr])
        self._src_quat = np.concatenate([self._src_quat, idle.quat])

    def _next_sample_time(self, tau: float) -> float:
        """The device's first sampling instant at or after ``tau``: a movement starts on the
        sample grid, so each of its samples is taken once, as an IMU's clock would."""
        tau0, _ = self._segment
        return tau0 + math.ceil((tau - tau0) * self._rate - 1e-6) / self._rate

    def perform(self, batch: SampleBatch, idle: SampleBatch | None = None) -> float:
        """Play ``batch`` from now (or when the current movement ends); returns its device start time."""
        start = self._next_sample_time(max(self.device_time(), self._active_end))
        keep = self._src_t < start
        rel = batch.t - batch.t[0]
        self._src_t = np.concatenate([self._src_t[keep], start + rel])
        self._src_acc = np.concatenate([self._src_acc[keep], batch.acc])
        self._src_gyr = np.concatenate([self._src_gyr[keep], batch.gyr])
        self._src_quat = np.concatenate([self._src_quat[keep], batch.quat])
        self._active_end = float(start + rel[-1])
        if idle is not None:
            self._append_idle(idle)
        return start


class EmulatedPatient:
    """Performs the routine's exercises on demand.

    Like a person, the patient is somewhere between exercises: still in the last
    exercise's posture (standing, seated, long sitting), and moving into the next
    one's when it is shown (``prepare``) or, if nobody asked, just before doing it.

    Parameters
    ----------
    foot_sensor : bool
        Wear a second sensor on the foot.
    seed : int
        Seeds the simulator (the same person and sensor for every exercise).
    options : dict
        Extra ``SimOptions`` fields (side, strap rotation, ...).
    reps_scale : float
        Perform this fraction of each target (the demo uses short sets).
    straps_swapped : bool
        The board set up as the shin sensor is strapped on the foot and the foot's on the shin
        (each streams what its own place does, under its own role).
    worn_on : dict, optional
        Where each board is strapped, by the role it is set up as (missing: its own place);
        ``{"foot": "shin"}`` is the foot's board strapped on the shin beside the shin's.
        ``straps_swapped`` is ``{"shin": "foot", "foot": "shin"}``.
    foot_turned_round : bool
        The foot's board worn half a turn round on the foot (arrow toward the ankle).
    """

    def __init__(self, foot_sensor: bool = False, seed: int = 7, rate_hz: float = 100.0,
                 reps: dict[str, int] | None = None, hold_s: dict[str, float] | None = None,
                 straps_swapped: bool = False, worn_on: dict[str, str] | None = None,
                 foot_turned_round: bool = False, **options) -> None:
        from ..sim import SimOptions

        self.rate_hz = rate_hz
        self.seed = seed
        self.reps = dict(reps or {})
        self.hold_s = dict(hold_s or {})
        self.options = SimOptions(rate_hz=rate_hz, foot_sensor=foot_sensor, quaternions=False, **options)
        self.roles = ("shin", "foot") if foot_sensor else ("shin",)
        swapped = {"shin": "foot", "foot": "shin"} if straps_swapped and foot_sensor else {}
        self.worn_on = {**swapped, **(worn_on or {})} if foot_sensor else {}
        self.foot_turned_round = foot_turned_round
        # one filter per sensor, kept running across exercises, as the firmware's (offset tracking)
        self._fusion = {role: DeviceFusion(rate_hz, gyroscope_range_dps=self.options.gyr_full_scale_dps)
                        for role in self.roles}
        self.devices: dict[str, PatientDevice] = {}
        self._count = 0
        self.performed: list[str] = []
        self.truths: list[tuple[str, object]] = []  # (exercise, simulator ground truth) as performed
        self.posture = "standing"

    def _simulate(self, exercise: str, **kwargs):
        from ..sim import simulate

        # one seed for the whole session: the simulator draws the body (postures, sensor
        # errors) from it, so every exercise is done by the same person wearing the same sensor
        self._count += 1
        return simulate(exercise, seed=self.seed, options=self.options, **kwargs)

    def _batches(self, session) -> dict[str, SampleBatch]:
        out = {}
        for role in self.roles:
            raw = getattr(session, self.worn_on.get(role, role))
            if role == "foot" and self.foot_turned_round:
                raw = half_turn(raw)
            quat = self._fusion[role].update(raw.acc, raw.gyr).quat_
            out[role] = SampleBatch(role, raw.seq, raw.t, raw.acc, raw.gyr, quat)
        return out

    def make_devices(self, speed: float = 1.0, **device_options) -> dict[str, PatientDevice]:
        """The sensors, already playing the calibration movement (stand still, 3 knee bends).

        ``device_options`` go to each ``PatientDevice`` (``ReplayDevice`` options such as
        ``max_latency_s``).
        """
        first = self._batches(self._simulate("band_lunge", reps=3))
        idle = self._idle()
        device_options.setdefault("max_latency_s", 0.03)  # partial packets: live feedback under 100 ms
        self.devices = {role: PatientDevice(b, idle[role], speed=speed, **device_options)
                        for role, b in first.items()}
        return self.devices

    def _idle(self) -> dict[str, SampleBatch]:
        """Keeping still in the current posture until the next movement (5 minutes; replaced
        when it starts)."""
        from ..sim import simulate_rest

        return self._batches(simulate_rest(self.posture, seed=self.seed, options=self.options, duration_s=300.0))

    def _move_to(self, posture: str) -> None:
        """Change posture (a few seconds of movement), then keep still in the new one."""
        from ..sim import simulate_rest

        change = simulate_rest(posture, seed=self.seed, options=self.options, duration_s=1.0,
                               from_posture=self.posture)
        self.posture = posture
        moves, idle = self._batches(change), self._idle()
        for role, batch in moves.items():
            self.devices[role].perform(batch, idle[role])

    def prepare(self, spec: ExerciseSpec) -> None:
        """Get into the exercise's posture (the guide calls this when it shows the exercise)."""
        from ..sim import EXERCISES

        posture = EXERCISES[spec.id].posture
        if posture != self.posture:
            self._move_to(posture)

    def _targets(self, spec: ExerciseSpec) -> dict:
        """How many reps/holds and how long, from the routine (or the overrides)."""
        t = spec.target
        count = t.sets if spec.kind == "holds" else t.reps if spec.id == "ankle_circles" else t.total_reps
        kwargs = {"reps": self.reps.get(spec.id, count), "hold_s": self.hold_s.get(spec.id, t.hold_s)}
        if spec.kind == "duration" and t.duration_s:
            kwargs["hold_s"] = self.hold_s.get(spec.id, t.duration_s[0])
        return {k: v for k, v in kwargs.items() if v is not None}

    def perform(self, spec: ExerciseSpec) -> None:
        """Do the exercise now (the guide calls this when it starts one)."""
        self.prepare(spec)
        kwargs = self._targets(spec)
        sim = self._simulate(spec.id, **kwargs)
        self.truths.append((spec.id, sim.truth))
        moves = self._batches(sim)
        idle = self._idle()
        for role, batch in moves.items():
            self.devices[role].perform(batch, idle[role])
        self.performed.append(spec.id)
