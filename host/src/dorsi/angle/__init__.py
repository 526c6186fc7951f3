"""Ankle-angle estimation: calibrated sagittal angle, frontal tilt, heel lift, knee swing.

``AngleEstimator`` turns ``SampleBatch`` data (shin, optionally foot) into the
``AngleTrace`` that event detection consumes; see ``docs/algorithms-angle.md``.
"""

from dorsi.angle.calibration import Calibration, SensorCalibration, SensorToSegmentCalibrator
from dorsi.angle.estimator import AngleEstimator
from dorsi.angle.knee_to_wall import knee_to_wall_cm
from dorsi.angle.trace import AngleTrace

__all__ = [
    "AngleEstimator",
    "AngleTrace",
    "Calibration",
    "SensorCalibration",
    "SensorToSegmentCalibrator",
    "knee_to_wall_cm",
]
