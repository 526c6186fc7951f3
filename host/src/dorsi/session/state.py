"""The live session's state as one plain snapshot, for every view.

The terminal view, the web coach and the tests all read ``SessionState``; none
of them looks inside the analysis. ``to_json`` is what the web page receives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PHASES = ("connecting", "calibrating", "ready", "exercise", "paused", "finished")


@dataclass
class SensorState:
    role: str
    name: str = ""
    connected: bool = False
    battery_percent: int | None = None
    samples: int = 0
    lost_samples: int = 0
    reconnects: int = 0


@dataclass
class SessionState:
    """What the user should see right now."""

    phase: str = "connecting"
    message: str = ""
    exercise_index: int = 0
    exercise_count: int = 0
    exercise: str = ""
    title: str = ""
    kind: str = ""
    cues: list[str] = field(default_factory=list)
    angle_deg: float | None = None
    baseline_deg: float | None = None
    best_deg: float | None = None
    reps: int = 0
    reps_target: int | None = None
    # ankle circles with the foot sensor: circles each way and the target per way (20)
    circles_outward: int | None = None
    circles_inward: int | None = None
    circles_target: int | None = None
    hold_elapsed_s: float | None = None
    hold_target_s: float | None = None
    holds_done: int = 0
    holds_met: int = 0
    holds_target: int | None = None
    hold_met_now: bool = False
    hold_active: bool = False  # a hold is running now (hold_elapsed_s counts up)
    heel_lift: bool = False
    roll_in: bool = False
    strap_turned_deg: float | None = None  # the shin sensor turned on the shin in this exercise (about, deg)
    stance_moved_deg: float | None = None  # resting angle now off the exercise's start by this (+ knee forward)
    heel_lifts: int = 0
    wearing: list[str] = field(default_factory=list)  # sensors read otherwise than set up (swapped, calf, no foot)
    last_event: str = ""
    pain_reports: int = 0  # pain reported so far this session (dorsi.events.pain)
    pain_note: str = ""  # what to do about the pain just reported (shown for a while)
    pain_unrated: bool = False  # the newest report still waits for its 1-10 rating
    pain_angle_deg: float | None = None  # where it hurt in this exercise (deg), marked on the gauge
    exercise_elapsed_s: float = 0.0
    session_elapsed_s: float = 0.0
    device_time_s: float | None = None  # newest sample shown (for latency measurement)
    sensors: list[SensorState] = field(default_factory=list)
    completed: list[dict] = field(default_factory=list)  # per finished exercise: id, reps, holds met...

    def to_json(self) -> dict:
        return asdict(self)
