"""Routine data model: what each exercise asks of the user (targets, cues)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dorsi.routine.exercises import EXERCISE_POSTURES, KINDS, POSTURES, SIGNALS, check_exercise


@dataclass(frozen=True)
class Target:
    """Targets of one exercise; ``None`` where a target does not apply."""

    reps: int | None = None
    hold_s: float | None = None
    sets: int | None = None
    duration_s: tuple[float, float] | None = None

    def to_json(self) -> dict:
        return {
            "reps": self.reps,
            "hold_s": self.hold_s,
            "sets": self.sets,
            "duration_s": None if self.duration_s is None else list(self.duration_s),
        }

    @property
    def total_reps(self) -> int | None:
        """Repetitions expected in the whole exercise (reps x sets)."""
        if self.reps is None:
            return None
        return self.reps * (self.sets or 1)

    @property
    def total_holds(self) -> int | None:
        """Holds expected: ``sets`` for hold exercises, ``reps`` for rep-holds."""
        if self.hold_s is None:
            return None
        return self.sets or self.reps or 1


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise of the routine.

    Attributes
    ----------
    id : str
        Exercise identifier (``dorsi.routine.EXERCISE_IDS``).
    title : str
        Display name.
    kind : str
        ``"reps"``, ``"holds"``, ``"rep_holds"`` or ``"duration"``.
    signal : str
        ``"angle"`` or ``"knee_swing"``: which trace channel carries the movement.
    target : Target
        Reps / hold seconds / sets / duration.
    min_range_deg : float or None
        Excursion from the baseline that counts as "range reached".
    min_knee_to_wall_cm : float or None
        Knee-to-wall distance aimed for (``knee_to_wall`` only).
    min_lowering_s : float or None
        Lowering at least this long counts as controlled (``eccentric_drop``).
    heel_down : bool
        The heel must stay on the ground.
    needs_foot_sensor : bool
        The shin sensor alone cannot observe the movement.
    cues : tuple of str
        Text shown to the user.
    posture : str
        ``"standing"``, ``"seated"``, ``"long_sitting"`` or ``"any"``: where the shank is as
        the exercise starts (default: the exercise's usual posture,
        ``dorsi.routine.exercises.EXERCISE_POSTURES``).
    """

    id: str
    title: str
    kind: str
    signal: str = "angle"
    target: Target = field(default_factory=Target)
    min_range_deg: float | None = None
    min_knee_to_wall_cm: float | None = None
    min_lowering_s: float | None = None
    heel_down: bool = False
    needs_foot_sensor: bool = False
    cues: tuple[str, ...] = ()
    posture: str | None = None

    def __post_init__(self) -> None:
        check_exercise(self.id)
        if self.posture is None:
            object.__setattr__(self, "posture", EXERCISE_POSTURES[self.id])
        if self.posture not in POSTURES:
            raise ValueError(f"exercise {self.id}: posture must be one of {POSTURES}, got {self.posture!r}")
        if self.kind not in KINDS:
            raise ValueError(f"exercise {self.id}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.signal not in SIGNALS:
            raise ValueError(f"exercise {self.id}: signal must be one of {SIGNALS}, got {self.signal!r}")
        if self.kind in ("reps", "rep_holds") and self.target.reps is None:
            raise ValueError(f"exercise {self.id}: a {self.kind} exercise needs 'reps'")
        if self.kind in ("holds", "rep_holds") and self.target.hold_s is None:
            raise ValueError(f"exercise {self.id}: a {self.kind} exercise needs 'hold_s'")
        if self.kind == "duration" and self.target.duration_s is None:
            raise ValueError(f"exercise {self.id}: a duration exercise needs 'duration_s'")

    @property
    def has_reps(self) -> bool:
        return self.kind in ("reps", "rep_holds")

    @property
    def has_holds(self) -> bool:
        return self.kind in ("holds", "rep_holds")


@dataclass(frozen=True)
class Routine:
    """An ordered list of exercises."""

    name: str
    exercises: tuple[ExerciseSpec, ...]

    def __getitem__(self, exercise_id: str) -> ExerciseSpec:
        for spec in self.exercises:
            if spec.id == exercise_id:
                return spec
        raise KeyError(f"exercise {exercise_id!r} is not in routine {self.name!r}")

    def __contains__(self, exercise_id: object) -> bool:
        return any(spec.id == exercise_id for spec in self.exercises)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(spec.id for spec in self.exercises)

    @property
    def titles(self) -> dict[str, str]:
        """Each exercise's title by its id."""
        return {spec.id: spec.title for spec in self.exercises}
