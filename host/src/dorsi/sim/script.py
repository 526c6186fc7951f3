"""The motion script: keyframed channels plus the events they stage (reps, holds, heel lifts).

An exercise generator writes a :class:`Script` in its own local time, starting
and ending at rest in its posture. The channels are in degrees (angles) and
metres (positions):

``incl``        tibial inclination (shank from vertical in the sagittal plane, + knee forward)
``frontal``     frontal-plane shank tilt (+ knee medial)
``axial``       shank rotation about its own long axis
``heading``     direction the person faces
``foot_pitch``  foot sole from the floor (+ toes up); ankle angle = incl + foot_pitch
``foot_roll``   foot inversion (+) / eversion (-)
``roll_x``, ``roll_z``  ankle displacement on a foam roller (long sitting only)
``w_knee``, ``w_free``  weights of the knee-fixed (seated, foot off the floor) and
                long-sitting (free) ankle models; the foot-on-floor model (standing, or
                seated with the foot down) has ``1 - w_knee - w_free``
``sway``        amplitude multiplier of postural sway (1 = quiet standing)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dorsi.sim.trajectory import Track

CHANNELS = ("incl", "frontal", "axial", "heading", "foot_pitch", "foot_roll",
            "roll_x", "roll_z", "w_knee", "w_free", "sway")

POSTURES = ("standing", "seated", "long_sitting")

# which trace a rep's peak is taken from: (signal, sign) -> argmax of sign * signal
PEAK_SIGNALS = ("incl", "ankle", "-incl")


@dataclass
class RepEvent:
    start_s: float
    end_s: float
    peak_signal: str = "incl"
    heel_lift: bool = False
    lowering_s: float | None = None
    knee_to_wall: bool = False
    exercise: str = ""
    direction: str | None = None  # ankle circles: "outward" (up, out, down, in) or "inward"

    def __post_init__(self) -> None:
        if self.peak_signal not in PEAK_SIGNALS:
            raise ValueError(f"peak_signal must be one of {PEAK_SIGNALS}, got {self.peak_signal!r}")
        if not self.start_s < self.end_s:
            raise ValueError("a rep must end after it starts")


@dataclass
class HoldEvent:
    start_s: float
    end_s: float
    exercise: str = ""


@dataclass
class Profile:
    """The simulated person's resting postures (degrees)."""

    standing_baseline_deg: float
    standing_frontal_deg: float
    seated_incl_deg: float
    long_sitting_incl_deg: float
    long_sitting_ankle_deg: float

    def rest(self, posture: str) -> dict[str, float]:
        """Channel values at rest in ``posture``."""
        base = dict.fromkeys(CHANNELS, 0.0)
        if posture == "standing":
            base.update(incl=self.standing_baseline_deg, frontal=self.standing_frontal_deg, sway=1.0)
        elif posture == "seated":
            base.update(incl=self.seated_incl_deg, frontal=0.3 * self.standing_frontal_deg, sway=0.35)
        elif posture == "long_sitting":
            base.update(incl=self.long_sitting_incl_deg,
                        foot_pitch=self.long_sitting_ankle_deg - self.long_sitting_incl_deg,
                        w_free=1.0, sway=0.3)
        else:
            raise ValueError(f"posture must be one of {POSTURES}, got {posture!r}")
        return base


@dataclass
class Script:
    """Keyframed channels and staged events of one exercise (or a whole routine).

    Parameters
    ----------
    posture : str
        Rest posture the script starts (and must end) in.
    profile : Profile
        The person's rest values.
    """

    posture: str
    profile: Profile
    tracks: dict[str, Track] = field(default_factory=dict)
    t: float = 0.0
    reps: list[RepEvent] = field(default_factory=list)
    holds: list[HoldEvent] = field(default_factory=list)
    heel_lifts: list[tuple[float, float]] = field(default_factory=list)
    fidgets: list[tuple[float, float]] = field(default_factory=list)
    activities: list[tuple[float, float]] = field(default_factory=list)
    segments: list[tuple[str, float, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.tracks:
            rest = self.profile.rest(self.posture)
            self.tracks = {name: Track(rest[name]) for name in CHANNELS}

    @property
    def rest(self) -> dict[str, float]:
        return self.profile.rest(self.posture)

    def value(self, channel: str) -> float:
        """The channel's value at its latest keyframe."""
        return self.tracks[channel].last_v

    def wait(self, duration: float) -> "Script":
        """Advance the cursor: every channel keeps its value."""
        if duration < 0:
            raise ValueError("duration must not be negative")
        self.t += duration
        return self

    def at(self, start: float, duration: float, **targets: float) -> "Script":
        """Move channels from ``start`` to ``targets`` over ``duration`` (cursor unchanged)."""
        for name, value in targets.items():
            track = self.tracks[name]
            track.hold_until(start)
            track.move_to(start + duration, value)
        return self

    def move(self, duration: float, **targets: float) -> "Script":
        """Move channels from the cursor to ``targets`` and advance the cursor."""
        self.at(self.t, duration, **targets)
        self.t += duration
        return self

    def to_rest(self, duration: float, posture: str | None = None) -> "Script":
        """Move every channel (but the heading) back to its rest value in ``posture``."""
        if posture is not None:
            self.posture = posture
        rest = self.rest
        moving = {k: v for k, v in rest.items()
                  if k != "heading" and abs(self.tracks[k].last_v - v) > 1e-12}
        if moving:
            self.move(duration, **moving)
        return self

    def finish(self) -> "Script":
        """Hold every channel to the cursor so the script ends there."""
        for track in self.tracks.values():
            track.hold_until(self.t)
        return self

    @property
    def duration(self) -> float:
        return max(self.t, max(tr.last_t for tr in self.tracks.values()))

    def fidget(self, rng: np.random.Generator, start: float, sign_free: bool = True) -> float:
        """A small movement that is not a rep (weight shift, strap scratch); returns its end."""
        kind = rng.integers(3)
        dur = rng.uniform(0.5, 1.0)
        if kind == 0:
            channel, amp = "incl", rng.uniform(1.0, 2.5)
        elif kind == 1:
            channel, amp = "frontal", rng.uniform(1.5, 4.0)
        else:
            channel, amp = "axial", rng.uniform(2.0, 6.0)
        if sign_free and rng.random() < 0.5:
            amp = -amp
        base = self.tracks[channel].last_v
        self.at(start, dur / 2, **{channel: base + amp})
        self.at(start + dur / 2, dur / 2, **{channel: base})
        self.fidgets.append((start, start + dur))
        return start + dur
