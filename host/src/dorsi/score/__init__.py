"""Session quality scoring: explainable 0-100 scores per exercise and overall."""

from dorsi.score.quality import WEIGHTS, Quality, QualityScorer, overall_quality

__all__ = ["WEIGHTS", "Quality", "QualityScorer", "overall_quality"]
