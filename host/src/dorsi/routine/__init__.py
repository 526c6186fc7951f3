"""The exercise routine as data: identifiers, targets and cues (TOML, user-editable)."""

from dorsi.routine.exercises import EXERCISE_IDS, check_exercise
from dorsi.routine.loader import RoutineError, default_routine, load_routine, parse_routine
from dorsi.routine.model import ExerciseSpec, Routine, Target

__all__ = [
    "EXERCISE_IDS", "ExerciseSpec", "Routine", "RoutineError", "Target",
    "check_exercise", "default_routine", "load_routine", "parse_routine",
]
