"""``AngleEstimator``: samples -> calibrated ankle angle trace (batch or streaming).

One code path: ``estimate`` is ``calibrate`` on the start of the data followed
by a single ``update`` over all of it; the live path calls ``calibrate`` once
and ``update`` per notification. Every stage is causal with its state carried
between chunks, so both give the same values.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from dorsi.angle.calibration import Calibration, FootCalibrationError, SensorCalibration, SensorToSegmentCalibrator
from dorsi.angle.foot_placement import foot_moved_with_shin, foot_turns_with_shin
from dorsi.angle.frames import plane_angles, wrap_pi
from dorsi.angle.heel_lift import AnkleRiseHeelLift, FootPitchHeelLift
from dorsi.angle.lever_arm import LeverArmFit
from dorsi.angle.segment_tilt import SegmentTilt
from dorsi.angle.trace import AngleTrace
from dorsi.angle.worn_behind import worn_behind
from dorsi.samples import SampleBatch

#: Shin sensor height above the ankle joint when the profile does not say (m).
DEFAULT_SENSOR_HEIGHT_M = 0.20
#: The shin sensor's offset in front of the ankle's axis (m): the tibia's front edge (1.5-2.5 cm
#: in front of the axis) plus the board and strap. Slow first movements leave the lever arm's
#: forward component poorly determined (fitted 7 cm off on a soleus lunge, seed 281036, with
#: no prior): this prior holds it near 2-5 cm (``docs/algorithms-angle.md``). Not for a sensor worn
#: on the calf (``worn_behind``), whose offset is behind the axis and not known.
DEFAULT_SENSOR_OFFSET_M = 0.035
#: Weight (rad^2/s^4 per sample) of the sensor-height and sensor-offset priors in the lever-arm fit.
LEVER_PRIOR_WEIGHT = 0.5
#: The shin-only heel-lift onset's margin per unit change of the shank's rate (``onset_swing_m``,
#: m) where the first movements were too slow to fit the lever arm and it is only the profile's
#: height: the sensor's offset in front of the ankle's axis (2-5 cm on the front of the shin) is
#: left out, and reads as the ankle rising while the shank's rate changes (a stretch's move in at
#: 30 deg/s: 1.4-1.7 cm/s, seed 121036). The fitted lever arm's margin (0.02 m) plus that offset.
UNFITTED_ONSET_SWING_M = 0.05
#: Samples per internal chunk of the batch path (bounds the temporaries).
BATCH_CHUNK = 1 << 15
#: Forward lean of the shank from rest (deg) above which a toes-down foot means a lifted heel.
WEIGHT_BEARING_LEAN_DEG = 8.0
#: The shank within this of its rest (deg): a foot near flat is flat on the floor (its level).
FLAT_FOOT_REST_DEG = 3.0
#: Largest foot-sample spacing (in nominal periods) bridged when aligning to the shin.
FOOT_GAP_PERIODS = 4.0
#: A foot-sensor dropout up to this long (s) keeps the ankle angle from the shin (the foot taken
#: as still planted) when the foot was planted on both sides of it. Shorter than any movement of
#: the foot alone that starts and ends planted (a forefoot lift held ~5 s, a seated hold ~10 s).
#: A longer dropout (a foot sensor out of range, or flat) is bridged when the foot was planted as
#: it began, whatever follows: the session goes on as with the shin alone; a movement of the foot
#: alone hidden in it is lost either way.
FOOT_BRIDGE_MAX_S = 5.0
#: Live, shin samples wait at most this long (s, in data time: the shin this far ahead) for the
#: foot's data, then go on without it (a silent foot sensor does not stall the session). A
#: dropout that long is past the two-sided bridge (plus a second for the foot link's lag), so
#: live and batch agree.
FOOT_WAIT_S = FOOT_BRIDGE_MAX_S + 1.0
#: Once the foot has been silent that long, the dropout is past the two-sided bridge whenever it
#: ends, so a shin sample waits only for foot data the foot link may still deliver late: this (s).
FOOT_LAG_S = FOOT_WAIT_S - FOOT_BRIDGE_MAX_S
#: Planted: foot pitch within this of flat (deg; a heel lift starts at 0.8 toes-down) ...
PLANTED_PITCH_DEG = 1.0
#: ... and the foot turning slower than this (rad/s, about 10 deg/s).
PLANTED_RATE_RAD_S = 0.17


class AngleEstimator:
    """Ankle dorsiflexion (or tibial inclination), frontal tilt, heel lift, knee swing.

    Parameters
    ----------
    shank_length_m, foot_length_m : float
        Segment lengths (knee-to-wall geometry, reported in the trace meta).
    sensor_height_m : float, optional
        Shin sensor height above the ankle; used as the lever arm when the
        first movements do not determine it (default 0.20 m).
    side : str, optional
        ``"left"`` / ``"right"``; None = from the data's metadata, else right.
    standing_baseline_deg : float, optional
        Known tibial inclination during the calibration rest (the standing
        baseline when the data starts standing, the seated one when it starts
        seated); otherwise the sensor's +x axis sets the absolute offset, which
        is then off by the sensor's tilt on the strap (see docs).
    time_constant_s : float
        Crossover of the raw-data complementary filter.
    orientation : str
        ``"auto"``/``"gyro"`` (gyroscope anchored by the cleaned
        accelerometer, vectorised), ``"device"`` (the device quaternions as
        they are, their start-up transient bridged: the fastest path, a little
        less accurate) or ``"fusion"`` (``imufusion`` on the raw samples); see
        ``dorsi.angle.segment_tilt``.
    calibration_window_s : float
        Length of the data start used for calibration.

    Attributes
    ----------
    trace_ : AngleTrace
        Result of the last ``estimate`` (or of the last ``update`` chunk).
    calibration_ : Calibration
        The fitted sensor-to-segment calibration.
    foot_turned_round_ : bool
        The foot sensor is read as worn half a turn round (``turn_foot_round``).
    """

    def __init__(self, shank_length_m: float = 0.40, foot_length_m: float = 0.26,
                 sensor_height_m: float | None = None, side: str | None = None,
                 standing_baseline_deg: float | None = None, time_constant_s: float = 1.0,
                 orientation: str = "auto", calibration_window_s: float = 30.0) -> None:
        self.shank_length_m = shank_length_m
        self.foot_length_m = foot_length_m
        self.sensor_height_m = sensor_height_m
        self.side = side
        self.standing_baseline_deg = standing_baseline_deg
        self.time_constant_s = time_constant_s
        self.orientation = orientation
        self.calibration_window_s = calibration_window_s

    # ------------------------------------------------------------------ batch
    def estimate(self, shin: SampleBatch, foot: SampleBatch | None = None) -> "AngleEstimator":
        """Calibrate on the start of the data and estimate the whole trace; returns self."""
        _check(shin, "shin")
        if foot is not None:
            _check(foot, "foot")
        self.calibrate(shin, foot)
        parts = []
        n = len(shin)
        # chunked (the streaming path itself): bounded temporaries on hour-long inputs
        for start in range(0, n, BATCH_CHUNK):
            sh = shin.slice(start, min(start + BATCH_CHUNK, n))
            ft = None
            if foot is not None:
                lo = 0 if start == 0 else int(np.searchsorted(foot.t, shin.t[start - 1], side="right"))
                hi = len(foot) if start + BATCH_CHUNK >= n else int(np.searchsorted(foot.t, sh.t[-1], side="right"))
                ft = foot.slice(lo, hi)
            parts.append(self.update(sh, ft))
        parts.append(self.finish())
        parts = [p for p in parts if len(p)] or parts[:1]
        self.trace_ = _concat_traces(parts) if len(parts) > 1 else parts[0]
        return self

    # -------------------------------------------------------------- streaming
    def calibrate(self, shin: SampleBatch, foot: SampleBatch | None = None) -> "AngleEstimator":
        """Fit the calibration on the first still + movement data and reset the stream state."""
        _check(shin, "shin")
        c = self._calibrator("sensor").fit(shin, foot).calibration_
        self._rate = _rate(shin)
        lever = self._fit_lever_arm(shin, c.shin)
        # front and back swapped: read as worn, from the first movements' lean (a lean back with
        # the foot lifted along is a seated leg raised for ankle circles, not a calf-worn sensor)
        if worn_behind(c, lever) and not (foot is not None
                                          and foot_moved_with_shin(shin, foot, self.calibration_window_s)):
            c = self._calibrator("excursion").fit(shin, foot).calibration_
            c = replace(c, meta=dict(c.meta, worn_behind=True))
            lever = self._fit_lever_arm(shin, c.shin, on_front=False)
        if foot is not None and c.foot is not None and foot_turns_with_shin(shin, foot, c, lever,
                                                                             self.calibration_window_s):
            raise FootCalibrationError("the foot sensor turned with the shin in the first standing movements: "
                                       "is it on the top of the foot, arrow toward the toes?")
        if lever is not None:
            source = "movement"
            offset = np.concatenate([self._fit.acc_offset_, self._fit.acc_scale_])
        else:
            source, offset = "profile", np.zeros(6)
            lever = (DEFAULT_SENSOR_HEIGHT_M if self.sensor_height_m is None else self.sensor_height_m) * c.shin.frame.up
        meta = dict(c.meta, acc_offset=offset[:3].tolist(), acc_scale=offset[3:].tolist())
        self.calibration_ = Calibration(c.shin, c.foot, c.side, c.side_source, c.baseline_deg,
                                        c.sign_source, lever, source, meta)
        self._acc_offset = offset
        self._shin = SegmentTilt(c.shin, lever, self._rate, self.time_constant_s, self.orientation)
        self._rest_sag = float(plane_angles((c.shin.frame.matrix @ c.shin.rest_up)[None, :])[0][0])
        swing_m = UNFITTED_ONSET_SWING_M if source == "profile" else AnkleRiseHeelLift.ONSET_SWING_M
        self._ankle_rise = AnkleRiseHeelLift(self._rate, lever, c.shin.g_reading, onset_swing_m=swing_m)
        self._heel_model_ok = self._heel_model_usable(lever)
        self._fitted_on_s = float(min(shin.t[-1] - shin.t[0], self.calibration_window_s))
        self._foot = None
        self._foot_lift = FootPitchHeelLift(rate_hz=self._rate)  # with a foot sensor only; fresh per calibration
        self.foot_turned_round_ = False
        self._foot_t = np.zeros(0)
        self._foot_pitch = np.zeros(0)
        self._foot_roll = np.zeros(0)
        self._foot_planted = np.zeros(0, dtype=bool)
        self._alone = _ShinHeelWhileFootSilent()
        self._pending: list[dict] = []
        if c.foot is not None and foot is not None:
            self._foot_rate = _rate(foot)
            # the foot turns about the ankle when it moves in the air (circles, seated holds)
            foot_lever = self._fit_lever_arm(foot, c.foot, sagittal_only=False, max_norm_m=0.3)
            self._foot = SegmentTilt(c.foot, foot_lever, self._foot_rate, self.time_constant_s, self.orientation,
                                     reanchor=True)
        return self

    def _calibrator(self, front: str) -> SensorToSegmentCalibrator:
        return SensorToSegmentCalibrator(window_s=self.calibration_window_s, side=self.side,
                                         standing_baseline_deg=self.standing_baseline_deg, front=front)

    def refine(self, shin: SampleBatch) -> bool:
        """Fit the shin's lever arm (and accelerometer offsets) again on more of the stream's start.

        A live session calibrates on its first ``calibration_s`` (20 s: still, then three knee
        bends), less than the ``calibration_window_s`` the analysis afterwards fits on, so the
        two could run on different fits (the lever arm feeds the shin-only heel-lift model, the
        offsets the raw accelerometer). Given the stream's first samples once they cover the
        window, this fits on them as ``calibrate`` on the same samples would (the segment frame
        found at calibration is kept, so the angles do not move), and the stream goes on with
        the new fit: call it while the shin is still (between exercises), where the change
        moves nothing (on steady simulated data the 20 s and 30 s fits agree within a
        millimetre).
        Returns whether it refitted (not when the calibration already had the whole window,
        nor when ``shin`` does not cover it yet).
        """
        if not hasattr(self, "_shin"):
            raise RuntimeError("call calibrate() (or estimate()) before refine()")
        _check(shin, "shin")
        if self._fitted_on_s >= self.calibration_window_s or shin.t[-1] - shin.t[0] < self.calibration_window_s:
            return False
        cal = self.calibration_
        lever = self._fit_lever_arm(shin, cal.shin, on_front=not cal.meta.get("worn_behind", False))
        if lever is None:
            return False
        offset = np.concatenate([self._fit.acc_offset_, self._fit.acc_scale_])
        meta = dict(cal.meta, acc_offset=offset[:3].tolist(), acc_scale=offset[3:].tolist())
        self.calibration_ = replace(cal, lever_arm_m=lever, lever_arm_source="movement", meta=meta)
        self._acc_offset = offset
        self._shin.set_lever_arm(lever)
        self._ankle_rise.set_lever_arm(lever)
        self._ankle_rise.onset_swing_m = AnkleRiseHeelLift.ONSET_SWING_M
        self._heel_model_ok = self._heel_model_usable(lever)
        self._fitted_on_s = float(self.calibration_window_s)
        return True

    def _heel_model_usable(self, lever: np.ndarray) -> bool:
        """The shin-only heel-lift model needs the shank pivoting about the ankle below the
        sensor from an upright rest (not seated swings about the knee, not a lying leg)."""
        up = self.calibration_.shin.frame.up
        return bool(np.dot(lever, up) > 0.05 and abs(self._rest_sag) < np.radians(30))

    def update(self, shin: SampleBatch, foot: SampleBatch | None = None) -> AngleTrace:
        """Process the next chunk (after ``calibrate``); returns the trace it completes.

        Shin-only: the trace of exactly this chunk. With a foot sensor, shin
        samples are released once foot data at or after their time has
        arrived (the foot pitch is interpolated between foot samples, as in
        the batch path), or once the shin's data runs ``FOOT_WAIT_S`` past
        them (the foot sensor silent: its angle is then invalid there, its
        own channels not), and only ``FOOT_LAG_S`` once the foot has been
        silent for ``FOOT_WAIT_S``; so a chunk's trace may end a little
        earlier and the rest comes with the next call or with ``finish``.
        """
        if not hasattr(self, "_shin"):
            raise RuntimeError("call calibrate() (or estimate()) before update()")
        part = self._shin_stage(shin)
        if self._foot is None:
            return self._emit(part, None)
        if foot is not None and len(foot):
            tilt = self._foot.update(foot)
            keep = ~tilt.settling_  # a foot AHRS still starting up gives no pitch
            pitch = -np.degrees(tilt.sagittal_[keep])
            # frontal + tips the dorsum toward -lat (the body's right): inversion of a left foot
            inversion = -self.calibration_.side_sign * np.degrees(tilt.frontal_[keep])
            planted = (np.abs(pitch) < PLANTED_PITCH_DEG) & (np.linalg.norm(tilt.omega_[keep], axis=1)
                                                             < PLANTED_RATE_RAD_S)
            if self.foot_turned_round_:
                pitch, inversion = -pitch, -inversion
            self._foot_t = np.concatenate([self._foot_t, foot.t[keep]])
            self._foot_pitch = np.concatenate([self._foot_pitch, pitch])
            self._foot_roll = np.concatenate([self._foot_roll, inversion])
            self._foot_planted = np.concatenate([self._foot_planted, planted])
        self._pending.append(part)
        pending = _join(self._pending)
        last = self._foot_t[-1] if len(self._foot_t) else -np.inf
        n_out = int(np.searchsorted(pending["t"], last, side="right"))
        if len(pending["t"]):
            latest = pending["t"][-1]
            # the foot silent this long: every later sample is in a long dropout, decided by the
            # data before it, once foot data in flight (up to FOOT_LAG_S late) cannot change that
            wait = FOOT_LAG_S if np.isfinite(last) and latest - last >= FOOT_WAIT_S else FOOT_WAIT_S
            n_out = max(n_out, int(np.searchsorted(pending["t"], latest - wait, side="right")))
        out = {k: v[:n_out] for k, v in pending.items()}
        self._pending = [{k: v[n_out:] for k, v in pending.items()}]
        return self._emit(out, self._foot_on(out["t"]))

    def turn_foot_round(self) -> None:
        """Read the foot sensor as worn half a turn about its +z (arrow toward the ankle) from
        the next update on, as if calibrated that way (see ``dorsi.pipeline.foot_direction``).

        The calibration levels the foot's frame at rest and takes its forward from +x, so a
        sensor worn the other way round gets a frame whose forward and lateral axes are both
        reversed: its pitch and roll read negated, and nothing else changes (the rest is flat
        either way). So turning round negates them, and the foot data already taken in (not
        yet matched to shin samples) and the flat level of the foot's heel-lift detector with
        them. Calling it again turns back.
        """
        if not hasattr(self, "_foot_lift"):
            raise RuntimeError("call calibrate() (or estimate()) before turn_foot_round()")
        self.foot_turned_round_ = not self.foot_turned_round_
        self._foot_pitch, self._foot_roll = -self._foot_pitch, -self._foot_roll
        self._foot_lift.level_deg_ = -self._foot_lift.level_deg_

    @property
    def held_from_s(self) -> float | None:
        """Time of the first shin sample held back for foot data (None: none is)."""
        for part in getattr(self, "_pending", []):
            if len(part["t"]):
                return float(part["t"][0])
        return None

    def finish(self) -> AngleTrace:
        """Release the shin samples still waiting for foot data (end of a stream)."""
        if not hasattr(self, "_shin"):
            raise RuntimeError("call calibrate() (or estimate()) before finish()")
        if self._foot is None or not self._pending:
            return self._emit(_join([]), None if self._foot is None else self._foot_on(np.zeros(0)))
        out = _join(self._pending)
        self._pending = []
        return self._emit(out, self._foot_on(out["t"]))

    def _shin_stage(self, shin: SampleBatch) -> dict:
        """Everything that needs the shin alone (causal, state carried)."""
        tilt = self._shin.update(shin)
        cal = self.calibration_
        incl_deg = np.degrees(tilt.sagittal_)
        frontal_deg = cal.side_sign * np.degrees(wrap_pi(tilt.frontal_ + cal.shin.frontal_offset_rad))
        acc = shin.acc
        if self._acc_offset.any():  # (a - offset) / (1 + scale), one temporary
            acc = np.subtract(acc, self._acc_offset[:3])
            acc /= 1.0 + self._acc_offset[3:]
        from_rest = incl_deg - np.degrees(self._rest_sag)
        rise_lift = self._ankle_rise.update(tilt.omega_, acc, tilt.up_, ~tilt.gap_, from_rest)
        if not self._heel_model_ok:
            rise_lift = np.zeros(len(rise_lift), dtype=bool)
        return {"t": shin.t, "incl": incl_deg, "frontal": frontal_deg, "rise_lift": rise_lift,
                "rise": self._ankle_rise.rise_m_, "valid": ~(tilt.gap_ | tilt.settling_),
                "rates": tilt.rates_.astype(np.float32)}

    def _emit(self, part: dict, foot: "_FootOnShin | None") -> AngleTrace:
        cal = self.calibration_
        incl = part["incl"]
        valid = shin_valid = part["valid"]
        roll = lost = None
        if foot is not None:
            pitch, roll, foot_ok, bridged, alone, lost = foot
            angle = incl + pitch
            from_rest = incl - np.degrees(self._rest_sag)
            weight_bearing = from_rest > WEIGHT_BEARING_LEAN_DEG
            at_rest = foot_ok & (np.abs(from_rest) < FLAT_FOOT_REST_DEG)
            heel = self._foot_lift.update(np.where(foot_ok, pitch, 0.0), weight_bearing, at_rest)
            heel = heel | self._alone.update(part["rise_lift"], alone)
            valid = valid & (foot_ok | bridged)
            source = "ankle"
        else:
            angle, heel, source = incl, part["rise_lift"], "inclination"
        t, swing = part["t"].copy(), -(incl - np.degrees(self._rest_sag))
        meta = {"inclination_deg": incl, "ankle_rise_m": part["rise"], "shank_length_m": self.shank_length_m,
                "foot_length_m": self.foot_length_m, "side": cal.side, "shin_upside_down": cal.shin.upside_down,
                "shin_worn_behind": bool(cal.meta.get("worn_behind", False)),
                "foot_rest_unseen": cal.meta.get("foot_rest") == "unseen" and foot is not None}
        shin_only = None
        if foot is not None:  # the same samples as the shin alone gives them (the shin-only branch above)
            shin_only = AngleTrace(t, incl, part["frontal"], part["rise_lift"], swing, shin_valid, "inclination",
                                   cal.baseline_deg, meta, shank_rates=part["rates"])
        trace = AngleTrace(
            t=t, angle_deg=angle, frontal_deg=part["frontal"], heel_lift=heel, knee_swing_deg=swing, valid=valid,
            source=source, baseline_deg=cal.baseline_deg, meta=meta, foot_roll_deg=roll,
            shin_valid=None if foot is None else shin_valid, foot_lost=lost, shin_only=shin_only,
            shank_rates=part["rates"],
        )
        self.trace_ = trace
        return trace

    # ---------------------------------------------------------------- helpers
    def _fit_lever_arm(self, batch: SampleBatch, cal: SensorCalibration, sagittal_only: bool = True,
                       max_norm_m: float = 1.0, on_front: bool = True) -> np.ndarray | None:
        """Fixed-pivot lever arm from the calibration window, in two passes; None if undetermined.

        The first pass takes the up vector from the gyroscope-dominated filter
        with the raw accelerometer; the second repeats it with the first
        pass's lever arm cleaning the accelerometer (and re-anchoring after
        lost samples), then fits again. Also sets ``self._fit`` (offsets).
        ``on_front``: the sensor sits on the front of the shin (the offset prior applies).
        """
        head = batch.slice(0, int(np.searchsorted(batch.t, batch.t[0] + self.calibration_window_s, "right")))
        rate = _rate(head)
        basis = np.vstack([cal.frame.up, cal.frame.fwd]) if sagittal_only else None
        lever: np.ndarray | None = None
        fit = LeverArmFit()
        for _ in range(2):
            pre = SegmentTilt(cal, lever, rate, time_constant_s=5.0 if lever is None else self.time_constant_s,
                              orientation="gyro").update(head)
            alpha = np.gradient(pre.omega_, axis=0) * rate  # central difference (offline: no lag)
            near_gap = np.convolve(pre.gap_.astype(float), np.ones(5), mode="same") > 0
            keep = ~near_gap  # across lost samples the difference quotients mean nothing
            prior = weight = None
            if sagittal_only:  # soft priors: the profile's sensor height, and its offset on the tibia
                height = DEFAULT_SENSOR_HEIGHT_M if self.sensor_height_m is None else self.sensor_height_m
                prior = np.array([height, DEFAULT_SENSOR_OFFSET_M])
                weight = np.array([LEVER_PRIOR_WEIGHT, LEVER_PRIOR_WEIGHT if on_front else 0.0])
            fit.fit(pre.omega_[keep], alpha[keep], head.acc[keep], pre.up_[keep], cal.g_reading, basis,
                    prior, weight)
            if fit.lever_arm_ is None or not 0.02 < np.linalg.norm(fit.lever_arm_) < max_norm_m:
                break
            lever = fit.lever_arm_
        self._fit = fit
        return lever

    def _foot_on(self, t: np.ndarray) -> "_FootOnShin":
        """Foot pitch (deg, + toes up) and roll (deg, + inversion) interpolated onto shin times,
        where they are valid, where a foot dropout is bridged as planted, and where that bridge
        reads only the data before it (the foot silent past ``FOOT_BRIDGE_MAX_S``: the shin alone).

        Bridged (the foot taken as still planted): inside a dropout of at most
        ``FOOT_BRIDGE_MAX_S`` whose last foot sample before and first after are
        both planted (near flat, not turning), the pitch is the straight line
        between them (about flat); in a longer dropout, or after the last foot
        sample, where the last sample before it was planted, the pitch holds
        that sample's. Elsewhere in a dropout pitch and roll also hold their last
        values (not valid). Past ``FOOT_BRIDGE_MAX_S`` only the data before is
        read, so a sample released before the dropout ends (``FOOT_WAIT_S``)
        reads as it does in one batch call.
        """
        ft, fp, fr = self._foot_t, self._foot_pitch, self._foot_roll
        if len(ft) == 0:  # nothing from the foot since calibration
            none = np.zeros(len(t), dtype=bool)
            return _FootOnShin(np.zeros(len(t)), np.zeros(len(t)), none, none, none, ~none)
        i = np.clip(np.searchsorted(ft, t), 1, max(len(ft) - 1, 1))
        after = np.minimum(i, len(ft) - 1)
        beyond = t > ft[-1]  # no foot sample after it yet (or ever)
        span = np.where(beyond, np.inf, ft[after] - ft[i - 1])
        period = 1.0 / self._foot_rate
        ok = (span <= FOOT_GAP_PERIODS * period) & (t >= ft[0] - period)
        planted = self._foot_planted
        prev = np.where(beyond, len(ft) - 1, i - 1)
        short = span <= FOOT_BRIDGE_MAX_S
        bridged = ~ok & (t >= ft[0]) & planted[prev] & (~short | planted[after])
        pitch, roll = np.interp(t, ft, fp), np.interp(t, ft, fr)
        held = ~(ok | (bridged & short))
        if held.any():
            before = np.maximum(np.searchsorted(ft, t[held], side="right") - 1, 0)
            pitch[held], roll[held] = fp[before], fr[before]
        if len(t):  # keep only the foot samples later shin samples can still need
            keep = max(0, int(np.searchsorted(ft, t[-1], side="right")) - 1)
            self._foot_t, self._foot_pitch, self._foot_roll = ft[keep:], fp[keep:], fr[keep:]
            self._foot_planted = planted[keep:]
        return _FootOnShin(pitch, roll, ok, bridged, bridged & ~short, ~(ok | bridged | short))


class _FootOnShin(NamedTuple):
    """The foot sensor's data on the shin's sample times (:meth:`AngleEstimator._foot_on`)."""

    pitch: np.ndarray     # deg, + toes up
    roll: np.ndarray      # deg, + inversion
    observed: np.ndarray  # foot data around the sample
    bridged: np.ndarray   # a dropout taken as planted
    alone: np.ndarray     # ... past the short bridge: the shin alone
    lost: np.ndarray      # silent past the short bridge, not bridged: the ankle angle unknown


class _ShinHeelWhileFootSilent:
    """Heel lifts from the shin's kinematics (``AnkleRiseHeelLift``) while the foot sensor is
    silent past the short bridge: the session goes on as with the shin alone.

    The foot was planted as it fell silent, so a shin flag already up there is the tail of a
    lift the foot saw end (the shin's detector lets go later): that run is left out. State is
    carried between chunks, so live and batch agree.
    """

    def __init__(self) -> None:
        self._alone = self._rise = self._stale = False

    def update(self, rise: np.ndarray, alone: np.ndarray) -> np.ndarray:
        if len(rise) == 0:
            return np.zeros(0, dtype=bool)
        if not (alone.any() or self._alone):
            self._alone, self._rise, self._stale = False, bool(rise[-1]), False
            return np.zeros(len(rise), dtype=bool)
        prev_rise = np.concatenate([[self._rise], rise[:-1]])
        prev_alone = np.concatenate([[self._alone], alone[:-1]])
        start = rise & ~prev_rise
        run = np.cumsum(start)  # 0: a run carried in from the last chunk
        # a run goes stale where the foot falls silent during it, and stays so to its end (not
        # before: the flags up to there are already out, live)
        onsets = np.cumsum(rise & alone & ~prev_alone)
        before = np.concatenate([[0], (onsets - (rise & alone & ~prev_alone))[start]])[run]
        stale = rise & ((onsets > before) | ((run == 0) & self._stale))
        self._alone, self._rise, self._stale = bool(alone[-1]), bool(rise[-1]), bool(stale[-1])
        return rise & alone & ~stale


def _join(parts: list[dict]) -> dict:
    if not parts:
        empty = np.zeros(0)
        return {"t": empty, "incl": empty, "frontal": empty, "rise_lift": np.zeros(0, bool), "rise": empty,
                "valid": np.zeros(0, bool), "rates": np.zeros((0, 3), np.float32)}
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _concat_traces(traces: list[AngleTrace]) -> AngleTrace:
    """Join consecutive traces of one stream (with the per-sample arrays in ``meta``)."""
    joined = AngleTrace.concatenate(traces)
    for key in ("inclination_deg", "ankle_rise_m"):
        joined.meta[key] = np.concatenate([tr.meta[key] for tr in traces])
    if joined.shin_only is not None:
        joined.shin_only.meta = joined.meta
    return joined


#: A declared rate this far (fraction) from the one the sample times show is a clock off its
#: nominal rate (a logger's sensor runs up to a few per cent off): the times are believed.
RATE_DISAGREEMENT = 0.005


def _rate(batch: SampleBatch) -> float:
    """The sample rate: as declared (``meta["sample_rate_hz"]``) unless the times show another."""
    declared = batch.meta.get("sample_rate_hz") if batch.meta else None
    if len(batch) < 2:
        if declared:
            return float(declared)
        raise ValueError("cannot tell the sample rate from fewer than 2 samples")
    step = float(np.median(np.diff(batch.t) / np.maximum(np.diff(batch.seq), 1)))
    if not step > 0 or not np.isfinite(step):  # times that do not advance tell nothing
        if declared:
            return float(declared)
        raise ValueError("cannot tell the sample rate: the sample times do not advance")
    measured = 1.0 / step
    if declared and abs(measured / float(declared) - 1.0) <= RATE_DISAGREEMENT:
        return float(declared)
    return measured


def _check(batch: SampleBatch, role: str) -> None:
    if not isinstance(batch, SampleBatch):
        raise TypeError(f"{role} must be a SampleBatch, got {type(batch).__name__}")
    if batch.role != role:
        raise ValueError(f"expected a {role!r} batch, got role {batch.role!r}")
    if len(batch) < 2:
        raise ValueError(f"{role} batch has {len(batch)} samples; need at least 2")
