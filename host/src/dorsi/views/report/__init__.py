"""Session reports: one self-contained HTML page (or the main figure as PNG)."""

from dorsi.views.report.figure import SessionFigure
from dorsi.views.report.report import SessionReport
from dorsi.views.report.summary import (
    ExerciseSummary,
    KneeToWallResult,
    knee_to_wall_result,
    session_completion,
    summarise_exercise,
)

__all__ = [
    "ExerciseSummary", "KneeToWallResult", "SessionFigure", "SessionReport", "knee_to_wall_result",
    "session_completion", "summarise_exercise",
]
