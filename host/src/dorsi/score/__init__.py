"""Session quality scoring: explainable 0-100 scores per exercise and overall."""

from dorsi.score.quality import WEIGHTS, Quality, QualityScorer, overall_quality, overall_scored

__all__ = ["WEIGHTS", "Quality", "QualityScorer", "overall_quality", "overall_scored"]
