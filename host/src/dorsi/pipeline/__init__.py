"""The analysis pipeline: samples -> angle -> events -> score -> :class:`Analysis`."""

from dorsi.pipeline.analysis import SCHEMA_ID, Analysis, ExerciseAnalysis
from dorsi.pipeline.analyze import analyze, analyze_segment, analyze_trace, estimate_trace
from dorsi.pipeline.segments import Segment, normalise_segments

__all__ = [
    "SCHEMA_ID", "Analysis", "ExerciseAnalysis", "Segment", "analyze", "analyze_segment", "analyze_trace",
    "estimate_trace", "normalise_segments",
]
