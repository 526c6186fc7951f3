"""Event detection on an :class:`~dorsi.angle.trace.AngleTrace`: reps, holds,
heel lifts and form flags (gaitmap style: ``Detector(...).detect(trace).reps_``)."""

from dorsi.events.exercise import ExerciseEventDetector
from dorsi.events.form import FrontalTiltFlagger
from dorsi.events.heel_lifts import HeelLiftDetector
from dorsi.events.holds import HoldDetector
from dorsi.events.reps import RepDetector
from dorsi.events.results import HeelLift, Hold, Rep
from dorsi.events.settings import DetectorSettings, settings_for

__all__ = [
    "DetectorSettings", "ExerciseEventDetector", "FrontalTiltFlagger", "HeelLift", "HeelLiftDetector",
    "Hold", "HoldDetector", "Rep", "RepDetector", "settings_for",
]
