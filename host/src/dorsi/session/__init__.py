"""The live guided session: pipeline, routine state machine, runner, emulated patient."""

from .guide import RoutineGuide
from .processor import ExerciseResult, LiveProcessor, Tick
from .state import SensorState, SessionState

__all__ = ["ExerciseResult", "LiveProcessor", "RoutineGuide", "SensorState", "SessionState", "Tick"]
