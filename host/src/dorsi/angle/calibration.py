"""Sensor-to-segment calibration that does not trust the strap.

From a quiet rest followed by the first movements:

* the rest gives gravity in the sensor frame ``u0`` (earth up), the gyroscope
  bias and the local |g| reading;
* the movement gives the flexion axis: the principal axis (SVD) of the
  bias-free angular rate while moving. The sagittal rotation is about a
  horizontal axis, so it is made orthogonal to ``u0``;
* the long axis is the sensor's own +x made orthogonal to the flexion axis
  (a strap turned about the shin does not move +x; only a tilt on the strap
  offsets the absolute angle), or, when the standing baseline is known, the
  rest vertical turned forward by that baseline. A sensor worn upside down
  (its +x arrow toward the foot: earth up more than 60 deg below +x during the
  rest, standing or seated) is read as worn: its long axis is -x;
* the sign: anterior is the side of the sensor's +z (+z points out of the
  front of the shin whatever the strap rotation below 90 deg); if the strap
  is turned so far that +z is ambiguous, the physics decides: from quiet
  standing the shank's largest excursion is forward (knee over the toes).
  ``front="excursion"`` lets the physics decide always: the estimator refits
  so when the first movements show the sensor worn on the back of the leg
  (``dorsi.angle.worn_behind``).

The foot sensor (+x toward the toes, +z out of the dorsum) is calibrated on
its own rest: the sole normal is the rest vertical (the foot is flat), the
forward axis its +x made horizontal. A foot sensor whose data began after the
shin's still start may first keep still where the foot is not flat (lifted with
the leg for ankle circles, toes up in a seated hold), and nothing in its data
tells: when its first rest is not the shin's still start, the calibration says
so (``meta["foot_rest"] == "unseen"``), and ankle angles may be offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dorsi.angle.frames import SegmentFrame, plane_angles
from dorsi.orientation.rest import RestDetector
from dorsi.samples import SampleBatch

G = 9.80665
SIDES = ("left", "right")
#: Earth up more than 60 deg below the shin sensor's +x at rest (standing or seated, the shank
#: within 30 deg of vertical): the sensor is worn upside down. Lying out (the shank near
#: horizontal) cannot tell, and +x is trusted.
UPSIDE_DOWN_COS = 0.5
#: A foot sensor without a still period of its own at the shin's still start is levelled on its
#: still samples there if it has at least this many (a loss burst over the start leaves a few).
MIN_FOOT_REST_SAMPLES = 5


class FootCalibrationError(ValueError):
    """The foot sensor's rest cannot be read as a foot flat on the floor (the shin's can)."""


@dataclass(frozen=True)
class SensorCalibration:
    """One sensor's fitted calibration.

    Attributes
    ----------
    frame : SegmentFrame
        Segment axes in the sensor frame.
    rest_up : (3,) array
        Earth up in the sensor frame during the calibration rest.
    gyr_bias : (3,) array
        Gyroscope bias (rad/s) measured at rest.
    g_reading : float
        |specific force| at rest (m/s^2): the accelerometer's own g.
    rest_s : (float, float)
        Time span of the rest used.
    axis_source : str
        ``"movement"`` (flexion axis from the gyroscope) or ``"strap"`` (no
        usable movement: the sensor's axes were trusted).
    planarity : float
        Share of the angular-rate energy about the flexion axis (1 = planar).
    frontal_offset_rad : float
        Frontal angle of the sensor's long axis (+x) when the frame is upright:
        added to the frame's frontal angle so the rest reads the segment's own
        frontal tilt rather than zero.
    upside_down : bool
        The sensor was worn with its +x toward the foot (the long axis is -x).
    """

    frame: SegmentFrame
    rest_up: np.ndarray
    gyr_bias: np.ndarray
    g_reading: float
    rest_s: tuple[float, float]
    axis_source: str
    planarity: float
    frontal_offset_rad: float = 0.0
    upside_down: bool = False

    def to_json(self) -> dict:
        return {"frame": self.frame.to_json(), "rest_up": [float(v) for v in self.rest_up],
                "gyr_bias": [float(v) for v in self.gyr_bias], "g_reading": self.g_reading,
                "rest_s": list(self.rest_s), "axis_source": self.axis_source, "planarity": self.planarity,
                "frontal_offset_deg": float(np.degrees(self.frontal_offset_rad)), "upside_down": self.upside_down}


@dataclass(frozen=True)
class Calibration:
    """The sensor-to-segment calibration of a session.

    Attributes
    ----------
    shin : SensorCalibration
    foot : SensorCalibration or None
    side : str
        ``"left"`` or ``"right"``.
    side_source : str
        ``"parameter"``, ``"metadata"`` or ``"default"`` (a sensor worn with
        the stated axes reads the same on both legs; the side only sets the
        sign of the frontal tilt).
    baseline_deg : float
        Tibial inclination during the rest (with a foot sensor: the ankle angle).
    sign_source : str
        ``"sensor_z"`` or ``"excursion"``: what decided which way is forward.
    lever_arm_m : (3,) array
        Sensor position relative to the pivot of the first movements, sensor frame.
    lever_arm_source : str
        ``"movement"`` (least squares on the fixed-pivot model) or ``"profile"``.
    """

    shin: SensorCalibration
    foot: SensorCalibration | None
    side: str
    side_source: str
    baseline_deg: float
    sign_source: str
    lever_arm_m: np.ndarray
    lever_arm_source: str
    meta: dict = field(default_factory=dict)

    @property
    def side_sign(self) -> float:
        """+1 when a positive frontal rotation about ``lat`` is medial (left leg), else -1."""
        return 1.0 if self.side == "left" else -1.0

    def to_json(self) -> dict:
        return {"shin": self.shin.to_json(), "foot": None if self.foot is None else self.foot.to_json(),
                "side": self.side, "side_source": self.side_source, "baseline_deg": self.baseline_deg,
                "sign_source": self.sign_source, "lever_arm_m": [float(v) for v in self.lever_arm_m],
                "lever_arm_source": self.lever_arm_source}


class SensorToSegmentCalibrator:
    """Fit the shin (and foot) sensor-to-segment calibration.

    Parameters
    ----------
    window_s : float
        Only the first ``window_s`` seconds after the start of the data are
        used (the same data the streaming path calibrates on).
    moving_threshold_rad_s : float
        Angular rate above which a sample counts as movement for the axis fit
        (lowered to 30 % of the fastest rates for slow first movements, not
        below ``min_threshold_rad_s``).
    min_threshold_rad_s : float
        Floor of that threshold (postural sway stays below it).
    min_movement_s : float
        Movement needed for the flexion-axis fit; less falls back to the strap.
    standing_baseline_deg : float, optional
        Known inclination during the calibration rest (e.g. measured once by
        the physiotherapist); otherwise the sensor's +x gives the long axis.
    side : str, optional
        ``"left"`` / ``"right"``; else the batch metadata, else ``"right"``.
    rest : RestDetector, optional
        Rest detection parameters.
    front : {"sensor", "excursion"}
        What says which way is forward: ``"sensor"``, the shin sensor's +z
        (out of the front of the shin), unless the strap is turned so far that
        it is ambiguous, when the first movements decide; ``"excursion"``, the
        first movements always (the shank leans mostly forward from quiet
        standing): for a sensor found worn on the back of the leg.

    Attributes
    ----------
    calibration_ : Calibration
    """

    def __init__(self, window_s: float = 30.0, moving_threshold_rad_s: float = 0.35,
                 min_threshold_rad_s: float = 0.05, min_movement_s: float = 0.4,
                 standing_baseline_deg: float | None = None,
                 side: str | None = None, rest: RestDetector | None = None, front: str = "sensor") -> None:
        if side is not None and side not in SIDES:
            raise ValueError(f"side must be 'left', 'right' or None, got {side!r}")
        if front not in ("sensor", "excursion"):
            raise ValueError(f"front must be 'sensor' or 'excursion', got {front!r}")
        self.window_s = window_s
        self.moving_threshold_rad_s = moving_threshold_rad_s
        self.min_threshold_rad_s = min_threshold_rad_s
        self.min_movement_s = min_movement_s
        self.standing_baseline_deg = standing_baseline_deg
        self.side = side
        self.rest = rest if rest is not None else RestDetector()
        self.front = front

    def fit(self, shin: SampleBatch, foot: SampleBatch | None = None) -> "SensorToSegmentCalibrator":
        """Calibrate on the start of ``shin`` (and ``foot``); returns self."""
        shin = head(shin, self.window_s)
        if len(shin) < 10:
            raise ValueError("calibration needs at least 10 shin samples (a still rest, then movement)")
        rest = self._rest(shin)
        lateral, axis_source, planarity = self._flexion_axis(shin, rest)
        z = np.array([0.0, 0.0, 1.0])
        upside_down = bool(rest["up"][0] < -UPSIDE_DOWN_COS)  # earth up along the sensor's -x
        # worn upside down the board is turned half a turn about its +z: +x and +y point the
        # other way, +z still out of the front of the shin
        x = np.array([-1.0 if upside_down else 1.0, 0.0, 0.0])
        frame = SegmentFrame.from_axes(x - np.dot(x, lateral) * lateral, lateral)
        sign_source = "sensor_z"
        if self.front == "excursion" or abs(np.dot(frame.fwd, z)) < 0.5:
            sign_source = "excursion"
            if _forward_excursion_sign(shin, rest, frame) < 0:
                frame = SegmentFrame.from_axes(frame.up, -frame.lat)
        elif np.dot(frame.fwd, z) < 0:
            frame = SegmentFrame.from_axes(frame.up, -frame.lat)
        u0 = rest["up"]
        rest_incl = float(plane_angles((frame.matrix @ u0)[None, :])[0][0])
        if self.standing_baseline_deg is not None:
            frame = frame.rotated_about_lat(np.radians(self.standing_baseline_deg) - rest_incl)
            rest_incl = np.radians(self.standing_baseline_deg)
        frontal_offset = -float(np.arcsin(np.clip(np.dot(x, frame.lat), -1.0, 1.0)))
        shin_cal = SensorCalibration(frame, u0, rest["bias"], rest["g"], rest["span"], axis_source, planarity,
                                     frontal_offset, upside_down)
        foot_cal = None
        baseline = float(np.degrees(rest_incl))
        meta: dict = {}
        if foot is not None and len(foot):
            foot_cal, foot_rest = self._foot(head(foot, self.window_s), rest)
            if foot_rest != "with_shin":
                meta["foot_rest"] = foot_rest
        side, side_source = _side(self.side, shin)
        lo, hi = _excursion_range(shin, rest, frame)
        self.calibration_ = Calibration(shin_cal, foot_cal, side, side_source, baseline, sign_source,
                                        np.zeros(3), "profile", {"excursion_deg": [lo, hi], **meta})
        return self

    def rest_up(self, batch: SampleBatch) -> tuple[np.ndarray, slice]:
        """Earth up in the sensor frame during the first rest of ``batch`` (the one a calibration
        would use), and where that rest is."""
        rest = self._rest(batch)
        return rest["up"], rest["slice"]

    def _rest(self, batch: SampleBatch) -> dict:
        det = self.rest.detect(batch)
        sl = det.first_rest_
        if sl is None:  # no long still period: take the quietest second
            rate = batch.rate_hz
            w = max(2, min(len(batch), int(rate)))
            energy = np.convolve(np.linalg.norm(batch.gyr, axis=1), np.ones(w), "valid")
            i = int(np.argmin(energy))
            sl = slice(i, i + w)
        return dict(_rest_stats(batch, sl), quietest=det.first_rest_ is None)

    def _flexion_axis(self, batch: SampleBatch, rest: dict) -> tuple[np.ndarray, str, float]:
        u0 = rest["up"]
        after = slice(rest["slice"].start, None)
        w = batch.gyr[after] - rest["bias"]
        speed = np.linalg.norm(w, axis=1)
        threshold = self.moving_threshold_rad_s
        if len(speed):
            threshold = min(threshold, max(self.min_threshold_rad_s, 0.3 * float(np.percentile(speed, 99))))
        moving = speed > threshold
        if moving.sum() >= self.min_movement_s * batch.rate_hz:
            _, s, vt = np.linalg.svd(w[moving], full_matrices=False)
            axis = vt[0] - np.dot(vt[0], u0) * u0
            # a flexion axis is across the shank: rolling about the shank's own long
            # axis (+x, foam rolling) is not one
            if np.linalg.norm(axis) > 0.5 and abs(axis[0]) / np.linalg.norm(axis) < 0.5:
                energy = s ** 2
                axis = _undo_coupled_frontal(w, batch.t[after], axis / np.linalg.norm(axis), u0, moving)
                return axis, "movement", float(energy[0] / energy.sum())
        y = np.array([0.0, 1.0, 0.0])
        axis = y - np.dot(y, u0) * u0
        return axis / np.linalg.norm(axis), "strap", 0.0

    def _foot(self, foot: SampleBatch, shin_rest: dict) -> tuple[SensorCalibration, str]:
        """The foot's calibration and where it was levelled: ``"with_shin"``, at the shin's still
        start (its own first rest, or its still samples there when it has no rest of its own
        there: a loss burst over its start), or ``"unseen"``, at another moment (its data began
        later), where the foot may not have been flat: lifted for circles, toes up in a seated hold."""
        rest, source = self._rest(foot), "with_shin"
        (a, b), (fa, fb) = shin_rest["span"], rest["span"]
        if rest["quietest"] or fb < a or fa > b:
            # its own first rest is not a still period shared with the shin's: the foot's still
            # samples of the shin's rest, where it stood (or sat) flat, if there are enough
            i0, i1 = int(np.searchsorted(foot.t, a, side="left")), int(np.searchsorted(foot.t, b, side="right"))
            if i1 - i0 >= MIN_FOOT_REST_SAMPLES and self.rest.still_each(foot.slice(i0, i1)).mean() >= 0.8:
                rest = _rest_stats(foot, slice(i0, i1))
            else:
                source = "unseen"
        u0 = rest["up"]
        x = np.array([1.0, 0.0, 0.0])
        fwd = x - np.dot(x, u0) * u0
        if np.linalg.norm(fwd) < 0.3:
            raise FootCalibrationError("foot sensor +x is vertical at rest: is it on the top of the foot, "
                                       "arrow toward the toes, and not where the shin sensor goes?")
        lateral = np.cross(u0, fwd / np.linalg.norm(fwd))
        frame = SegmentFrame.from_axes(u0, lateral)
        return SensorCalibration(frame, u0, rest["bias"], rest["g"], rest["span"], "strap", 0.0, 0.0), source


def _undo_coupled_frontal(w: np.ndarray, t: np.ndarray, axis: np.ndarray, u0: np.ndarray,
                          moving: np.ndarray) -> np.ndarray:
    """Turn the principal axis back onto the true flexion axis when the knee drifts with depth.

    A frontal tilt proportional to the sagittal angle (``a = k theta``, the
    knee drifting in or out as the lunge deepens) makes the motion look like a
    rotation about ``L + k F``: the principal axis absorbs the drift. It is
    not quite a fixed-axis rotation: for ``R = Ry(theta) Rx(k theta)`` the body
    rate is ``theta' (k, cos a, -sin a)`` in (F, L, U), so the rate about the
    long axis carries ``-k theta theta'``. A least-squares fit of the
    long-axis rate on ``theta'`` (axis misalignment) and ``theta theta'``
    gives ``k``; the lateral axis is then ``lat - k fwd``.
    """
    up = u0 - np.dot(u0, axis) * axis
    up /= np.linalg.norm(up)
    fwd = np.cross(axis, up)
    rate = w @ axis
    dt = np.diff(t, prepend=t[0])
    # integrate within gap-free stretches only; each stretch gets its own offset column
    period = float(np.median(dt[1:])) if len(dt) > 1 else 0.0
    breaks = np.flatnonzero(dt > 1.5 * period) if period > 0 else np.zeros(0, dtype=int)
    segment = np.zeros(len(t), dtype=int)
    segment[breaks] = 1
    segment = np.cumsum(segment)
    step = np.where(dt > 1.5 * period, 0.0, rate * dt)
    theta = np.cumsum(step)
    theta -= theta[np.searchsorted(segment, segment)]  # restart at each stretch
    n_seg = int(segment[-1]) + 1 if len(segment) else 0
    if len(t) < 20 or n_seg == 0 or np.ptp(theta) < np.radians(5.0):
        return axis
    offsets = np.zeros((len(t), n_seg))
    offsets[np.arange(len(t)), segment] = rate
    design = np.column_stack([offsets, rate * theta])[moving]
    target = (w @ up)[moving]
    used = np.abs(design[:, :-1]).sum(axis=0) > 0
    design = np.column_stack([design[:, :-1][:, used], design[:, -1]])
    if len(target) < 20:
        return axis
    coef = np.linalg.lstsq(design, target, rcond=None)[0]
    k = float(np.clip(-coef[-1], -0.5, 0.5))
    lat = axis - k * fwd
    lat -= np.dot(lat, u0) * u0
    return lat / np.linalg.norm(lat)


def _rest_stats(batch: SampleBatch, sl: slice) -> dict:
    """Earth up, gyroscope bias, g reading and time span of the rest ``batch[sl]``."""
    acc = batch.acc[sl].mean(axis=0)
    up = acc / np.linalg.norm(acc)
    return {"slice": sl, "up": up, "bias": _gyro_bias(batch, sl, up),
            "g": float(np.linalg.norm(batch.acc[sl], axis=1).mean()),
            "span": (float(batch.t[sl.start]), float(batch.t[sl.stop - 1]))}


def _gyro_bias(batch: SampleBatch, sl: slice, up: np.ndarray) -> np.ndarray:
    """Gyroscope bias over a rest, less the sway the accelerometer saw.

    Quiet standing sways, so the mean rate over the rest is the bias plus the
    mean sway rate. With ``du/dt = u x w`` for the earth up ``u`` in the
    sensor frame, the rotation across gravity since the start of the rest is
    ``-u0 x u(t)`` (plus a constant) from the accelerometer, while the
    gyroscope integrates to that plus ``b t``: the bias across gravity is the
    least-squares slope of the difference. About the vertical (heading, no
    effect on the tilt angles) the plain mean is kept.
    """
    gyr = batch.gyr[sl]
    t = batch.t[sl]
    bias = gyr.mean(axis=0)
    if len(t) < 10 or t[-1] - t[0] < 0.5:
        return bias
    dt = np.diff(t, prepend=t[0])
    integral = np.cumsum(gyr * dt[:, None], axis=0)
    acc = batch.acc[sl]
    seen = -np.cross(up, acc / np.linalg.norm(acc, axis=1, keepdims=True))
    tc = t - t.mean()
    diff = integral - seen
    slope = (tc @ (diff - diff.mean(axis=0))) / (tc @ tc)
    along = np.dot(bias, up) * up
    return along + (slope - np.dot(slope, up) * up)


def head(batch: SampleBatch, window_s: float) -> SampleBatch:
    """The first ``window_s`` seconds of ``batch`` (what a calibration reads)."""
    stop = int(np.searchsorted(batch.t, batch.t[0] + window_s, side="right")) if len(batch) else 0
    return batch.slice(0, stop)


def _forward_excursion_sign(batch: SampleBatch, rest: dict, frame: SegmentFrame) -> float:
    """+1 if, after the rest, the shank leans mostly toward ``frame.fwd``."""
    lo, hi = _excursion_range(batch, rest, frame)
    return 1.0 if hi >= -lo else -1.0


def _excursion_range(batch: SampleBatch, rest: dict, frame: SegmentFrame) -> tuple[float, float]:
    """5th and 95th percentile (deg) of the sagittal lean after the rest, from the rest's, read
    from the accelerometer (0, 0 without samples after the rest)."""
    acc = batch.acc[rest["slice"].stop:]
    if len(acc) == 0:
        return 0.0, 0.0
    sag, _ = plane_angles(acc @ frame.matrix.T)
    rest_sag = plane_angles((frame.matrix @ rest["up"])[None, :])[0][0]
    dev = np.degrees(sag - rest_sag)
    return float(np.percentile(dev, 5)), float(np.percentile(dev, 95))


def _side(param: str | None, batch: SampleBatch) -> tuple[str, str]:
    if param is not None:
        return param, "parameter"
    meta_side = batch.meta.get("side") if batch.meta else None
    if meta_side in SIDES:
        return str(meta_side), "metadata"
    return "right", "default"
