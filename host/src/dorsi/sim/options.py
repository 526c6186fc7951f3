"""Simulation options: body, sensor placement, sensor errors, link and human variability."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

SIDES = ("left", "right")


@dataclass(frozen=True)
class SimOptions:
    """Everything a simulated session depends on besides the exercise and the seed.

    Lengths in metres, angles in degrees, rates in Hz. Sensor error figures are
    LSM6DSOX-class datasheet values (high-performance mode).

    Attributes
    ----------
    rate_hz : float
        Output data rate of both sensors.
    side : str
        ``"right"`` or ``"left"`` leg.
    strap_rotation_deg : float
        Strap turned about the shin's long axis (sensor frame rotated about +x and the sensor
        carried round the shin), within +-180: the calibration is built for +-30, 180 is a
        sensor strapped on the back of the leg.
    strap_tilt_deg : float
        Sensor tilted on the strap about its own y axis.
    foot_sensor : bool
        Simulate the optional second sensor on the dorsum of the foot.
    foot_mount_tilt_deg : float
        Foot sensor pitched on the foot about its y axis (dorsum slope).
    packet_loss : float
        Long-run fraction of BLE packets lost, in [0, 0.5).
    loss_burst_packets : float
        Mean length of a loss burst, in packets.
    samples_per_packet : int
        Samples per BLE notification (protocol v1 at MTU 247 carries 11).
    quaternions : bool
        Run on-device fusion (``imufusion``) on the noisy data; ``False`` gives raw-only batches.
    noise : bool
        Add sensor errors (noise, bias, scale, quantisation, jitter); ``False`` gives ideal data
        (and, with ``quaternions``, the exact orientation instead of the fusion output).
    shank_length_m, foot_length_m : float
        Ankle-to-knee joint centres; heel to toe tip.
    sensor_height_m : float
        Sensor distance above the ankle joint along the shank.
    sensor_offset_m : float
        Sensor distance in front of the shank's long axis (bone + soft tissue).
    ankle_height_m : float
        Ankle joint centre above the sole.
    heel_to_ankle_m : float
        Horizontal distance from the back of the heel to the ankle joint centre.
    metatarsal_fraction : float
        Metatarsal heads (heel-lift pivot) as a fraction of the foot length from the heel.
    knee_front_m : float
        Front of the knee ahead of the knee joint centre (touches the wall).
    acc_noise_ug_rthz, gyr_noise_mdps_rthz : float
        White-noise densities.
    acc_bias_mg, gyr_bias_dps : float
        Standard deviation of the constant (turn-on) bias per axis.
    acc_bias_walk_mg_rts, gyr_bias_walk_dps_rts : float
        Bias random-walk intensity per sqrt(second).
    acc_scale_error, gyr_scale_error : float
        Standard deviation of the per-axis scale-factor error (fraction).
    acc_full_scale_g, gyr_full_scale_dps : float
        Full scale of the 16-bit output (quantisation step = full scale / 32768).
    saturate : bool
        Clip at full scale like the real sensor.
    jitter_s : float
        Standard deviation of the sample instants around the nominal grid (clipped to
        +-3 sigma and to a quarter of the period, so time always increases).
    interval_jitter : float
        Each sample interval varies by up to this fraction of the period (uniform), so
        the instants wander freely off the grid: a phone's or a logger's timing, not the
        board's crystal-timed one (0, the default). Needs ``noise``.
    clock_error : float
        The sampling clock runs this fraction fast (+) or slow (-) against ``rate_hz``
        (0.01: 1 % more samples per second than stated). Needs ``noise``.
    sway_deg : float
        Postural sway (RMS) of the shank during quiet standing and holds.
    heading_drift_deg : float
        Slow changes of the direction the person faces (RMS, 0.004-0.03 Hz).
    posture_wander_deg : float
        Slow wander of the shank's inclination (RMS, 0.004-0.03 Hz: periods of half a
        minute to four minutes) added to everything the script does: the weight shifting
        forward and back of a person who stands (or sits) through minutes of reps, so
        the resting level between reps is not the one at the start. Default 0 (the rest
        level stays where it began, as in ``benchmarks/accuracy.py``); drawn from its own
        random stream, so any value leaves every other draw of a seed unchanged.
    variability : float
        Scale of rep-to-rep variation in range and tempo (1 = typical, 0 = identical reps).
    fidget_rate_per_min : float
        Occasional small movements that are not reps.
    heel_lift_probability : float
        Chance that a weight-bearing rep ends with a heel lift (knee-to-wall, lunges).
    standing_frontal_deg : float or None
        The person's shank frontal tilt standing at rest (+ knee in); default: drawn from the
        seed within +-2 deg (real people: a few degrees either way).
    knee_drift : float or None
        Frontal tilt of the knee per degree of lunge (+ in, the foot rolling in); default: drawn
        per exercise, typically +-0.06 (0.3: a 30 deg lunge takes the knee 9 deg in).
    steps_between_s : float
        In a routine, seconds of stepping about between two exercises (fetching the band,
        shifting about): standing, the shank rocks forward over the planted foot and back,
        about once a second, then keeps still (the foot is not lifted: this is not a gait
        model); 0: the person stays where they are.
    """

    rate_hz: float = 100.0
    side: str = "right"
    strap_rotation_deg: float = 0.0
    strap_tilt_deg: float = 2.0
    foot_sensor: bool = False
    foot_mount_tilt_deg: float = 3.0
    packet_loss: float = 0.0
    loss_burst_packets: float = 3.0
    samples_per_packet: int = 11
    quaternions: bool = True
    noise: bool = True
    shank_length_m: float = 0.40
    foot_length_m: float = 0.26
    sensor_height_m: float = 0.20
    sensor_offset_m: float = 0.035
    ankle_height_m: float = 0.08
    heel_to_ankle_m: float = 0.065
    metatarsal_fraction: float = 0.72
    knee_front_m: float = 0.05
    acc_noise_ug_rthz: float = 70.0
    gyr_noise_mdps_rthz: float = 3.8
    acc_bias_mg: float = 10.0
    gyr_bias_dps: float = 0.5
    acc_bias_walk_mg_rts: float = 0.02
    gyr_bias_walk_dps_rts: float = 0.002
    acc_scale_error: float = 0.005
    gyr_scale_error: float = 0.005
    acc_full_scale_g: float = 8.0
    gyr_full_scale_dps: float = 2000.0
    saturate: bool = True
    jitter_s: float = 0.0002
    interval_jitter: float = 0.0
    clock_error: float = 0.0
    sway_deg: float = 0.3
    heading_drift_deg: float = 2.0
    posture_wander_deg: float = 0.0
    variability: float = 1.0
    fidget_rate_per_min: float = 1.0
    heel_lift_probability: float = 0.1
    standing_frontal_deg: float | None = None
    knee_drift: float | None = None
    steps_between_s: float = 0.0

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be 'left' or 'right', got {self.side!r}")
        if not 10.0 <= self.rate_hz <= 1000.0:
            raise ValueError(f"rate_hz must be within 10..1000 Hz, got {self.rate_hz}")
        if not -180.0 <= self.strap_rotation_deg <= 180.0:
            raise ValueError(f"strap_rotation_deg must be within +-180, got {self.strap_rotation_deg}")
        if abs(self.strap_tilt_deg) > 15.0 or abs(self.foot_mount_tilt_deg) > 15.0:
            raise ValueError("mounting tilts must be within +-15 deg")
        if not 0.0 <= self.packet_loss < 0.5:
            raise ValueError(f"packet_loss must be in [0, 0.5), got {self.packet_loss}")
        if self.loss_burst_packets < 1.0:
            raise ValueError("loss_burst_packets must be >= 1")
        if self.samples_per_packet < 1:
            raise ValueError("samples_per_packet must be >= 1")
        for name in ("shank_length_m", "foot_length_m", "sensor_height_m", "ankle_height_m",
                     "heel_to_ankle_m", "acc_full_scale_g", "gyr_full_scale_dps"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.sensor_height_m >= self.shank_length_m:
            raise ValueError("sensor_height_m must be below the knee (less than shank_length_m)")
        if not 0.3 <= self.metatarsal_fraction <= 0.9:
            raise ValueError("metatarsal_fraction must be within 0.3..0.9")
        if self.heel_to_ankle_m >= self.metatarsal_fraction * self.foot_length_m:
            raise ValueError("the ankle must lie between the heel and the metatarsal heads")
        for name in ("acc_noise_ug_rthz", "gyr_noise_mdps_rthz", "acc_bias_mg", "gyr_bias_dps",
                     "acc_bias_walk_mg_rts", "gyr_bias_walk_dps_rts", "acc_scale_error",
                     "gyr_scale_error", "jitter_s", "sway_deg", "heading_drift_deg", "posture_wander_deg", "variability",
                     "fidget_rate_per_min"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")
        if not 0.0 <= self.interval_jitter < 0.9:
            raise ValueError("interval_jitter must be within 0..0.9 (time must keep increasing)")
        if abs(self.clock_error) > 0.2:
            raise ValueError("clock_error must be within +-0.2")
        if not 0.0 <= self.heel_lift_probability <= 1.0:
            raise ValueError("heel_lift_probability must be within 0..1")
        if not 0.0 <= self.steps_between_s <= 600.0:
            raise ValueError("steps_between_s must be within 0..600 s")
        if self.standing_frontal_deg is not None and abs(self.standing_frontal_deg) > 20.0:
            raise ValueError("standing_frontal_deg must be within +-20 deg")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "SimOptions":
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown SimOptions fields {sorted(unknown)}")
        return cls(**data)
