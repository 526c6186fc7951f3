"""The angle trace: what angle estimation hands to event detection.

Whatever the sensors (shin only, shin + foot) and wherever the samples came
from, the estimators reduce them to this one time series, so the rep, hold and
heel-lift detectors never look at raw IMU data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Channels computed from the shin sensor alone (see :meth:`AngleTrace.channel_valid`).
SHIN_CHANNELS = ("knee_swing", "frontal")


@dataclass
class AngleTrace:
    """Sagittal ankle angle over time plus the signals events need.

    Attributes
    ----------
    t : (N,) float64
        Time in seconds, the input's own time base (gaps keep their times).
    angle_deg : (N,) float64
        Dorsiflexion in degrees, positive = knee over the toes. With a foot
        sensor it is the true ankle angle (shank relative to foot); with the
        shin sensor alone it is the tibial inclination in the sagittal plane,
        which equals dorsiflexion while the foot is flat.
    frontal_deg : (N,) float64
        Frontal-plane shank tilt in degrees, positive = knee drifting medially
        (inward), the "foot rolling in" form fault.
    heel_lift : (N,) bool
        True while the heel is judged off the ground.
    knee_swing_deg : (N,) float64
        Shank rotation about the knee relative to its rest pose (seated
        exercises with a shin sensor only); zeros where not meaningful.
    valid : (N,) bool
        False where samples were lost (gap) or the estimate is not usable.
    source : str
        ``"inclination"`` (shin only) or ``"ankle"`` (shin + foot).
    baseline_deg : float
        The standing (or resting) angle found during calibration.
    foot_roll_deg : (N,) float64 or None
        With a foot sensor: the foot's frontal-plane rotation, positive =
        inversion (sole turning inward), negative = eversion; ``None`` without.
        Ankle circles take their direction from it.
    shin_valid : (N,) bool or None
        With a foot sensor: where the shin sensor's own channels
        (``knee_swing_deg``, ``frontal_deg``, the inclination) are usable, which
        a dropout of the foot sensor alone does not touch; ``None``: the same
        as ``valid``. Read it through :meth:`channel_valid`.
    foot_lost : (N,) bool or None
        With a foot sensor: where it has been silent past the short bridge and
        nothing stands in for it (it fell silent with the foot off the ground),
        so the ankle angle is unknown for as long as it stays silent.
    shin_only : AngleTrace or None
        With a foot sensor: the same samples as the shin sensor alone gives
        them (tibial inclination, heel lifts from the shin's kinematics, the
        shin's validity; ``source`` ``"inclination"``), for exercises analysed
        without the foot (see ``dorsi.events.foot_fallback``).
    shank_rates : (N, 3) float32 or None
        The shank's turning rate about the calibrated lateral, forward and long
        axes (rad/s; the shin sensor's gyroscope less its bias): the direction
        the shank moves in, as the sensor sees it (``dorsi.angle.movement_axis``).
        ``None`` where the trace was not made from a shin sensor's samples.
    """

    t: np.ndarray
    angle_deg: np.ndarray
    frontal_deg: np.ndarray
    heel_lift: np.ndarray
    knee_swing_deg: np.ndarray
    valid: np.ndarray
    source: str = "inclination"
    baseline_deg: float = 0.0
    meta: dict = field(default_factory=dict)
    foot_roll_deg: np.ndarray | None = None
    shin_valid: np.ndarray | None = None
    foot_lost: np.ndarray | None = None
    shin_only: "AngleTrace | None" = None
    shank_rates: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.t)

    def slice(self, i0: int, i1: int) -> "AngleTrace":
        """Samples ``i0`` to ``i1 - 1`` (every channel)."""
        return AngleTrace(
            self.t[i0:i1], self.angle_deg[i0:i1], self.frontal_deg[i0:i1],
            self.heel_lift[i0:i1], self.knee_swing_deg[i0:i1], self.valid[i0:i1],
            self.source, self.baseline_deg, dict(self.meta),
            None if self.foot_roll_deg is None else self.foot_roll_deg[i0:i1],
            None if self.shin_valid is None else self.shin_valid[i0:i1],
            None if self.foot_lost is None else self.foot_lost[i0:i1],
            None if self.shin_only is None else self.shin_only.slice(i0, i1),
            None if self.shank_rates is None else self.shank_rates[i0:i1],
        )

    def channel_valid(self, channel: str) -> np.ndarray:
        """Where ``channel`` is usable: the shin's own channels (``knee_swing``, ``frontal``)
        need the shin sensor only; everything else (the ankle angle, heel lifts) every sensor."""
        if channel in SHIN_CHANNELS and self.shin_valid is not None:
            return self.shin_valid
        return self.valid

    def slice_time(self, start_s: float, end_s: float) -> "AngleTrace":
        """The part of the trace with ``start_s <= t < end_s``."""
        i0, i1 = np.searchsorted(self.t, [start_s, end_s])
        return self.slice(int(i0), int(i1))

    @staticmethod
    def concatenate(traces: list["AngleTrace"]) -> "AngleTrace":
        """Consecutive traces of one stream joined (source, baseline and meta of the first)."""
        first = traces[0]
        cat = {name: np.concatenate([getattr(tr, name) for tr in traces])
               for name in ("t", "angle_deg", "frontal_deg", "heel_lift", "knee_swing_deg", "valid")}
        rolls = [tr.foot_roll_deg for tr in traces if tr.foot_roll_deg is not None]
        roll = np.concatenate(rolls) if len(rolls) == len(traces) else None
        shin = ([tr.valid if tr.shin_valid is None else tr.shin_valid for tr in traces]
                if any(tr.shin_valid is not None for tr in traces) else None)
        lost = [tr.foot_lost for tr in traces if tr.foot_lost is not None]
        views = [tr.shin_only for tr in traces if tr.shin_only is not None]
        rates = [tr.shank_rates for tr in traces if tr.shank_rates is not None]
        return AngleTrace(**cat, source=first.source, baseline_deg=first.baseline_deg, meta=dict(first.meta),
                          foot_roll_deg=roll, shin_valid=None if shin is None else np.concatenate(shin),
                          foot_lost=np.concatenate(lost) if len(lost) == len(traces) else None,
                          shin_only=AngleTrace.concatenate(views) if len(views) == len(traces) else None,
                          shank_rates=np.concatenate(rates) if len(rates) == len(traces) else None)
