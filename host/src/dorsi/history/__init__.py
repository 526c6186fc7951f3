"""The local session history, progress over weeks and the change that is real."""

from dorsi.history.calibration import KneeToWallCalibration
from dorsi.history.mdc import LITERATURE_MDC, MinimalDetectableChange
from dorsi.history.progress import Asymmetry, Change, ProgressAnalyzer, WeekSummary
from dorsi.history.record import SessionRecord
from dorsi.history.store import History, HistoryError, home_dir

__all__ = [
    "Asymmetry", "Change", "History", "HistoryError", "KneeToWallCalibration", "LITERATURE_MDC",
    "MinimalDetectableChange", "ProgressAnalyzer", "SessionRecord", "WeekSummary", "home_dir",
]
