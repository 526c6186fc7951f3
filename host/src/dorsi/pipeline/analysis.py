"""The analysis result: per-exercise events and scores, serialisable to the
``dorsi.analysis.v1`` JSON schema (``docs/schemas/analysis-v1.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dorsi.events.pain import PainReport
from dorsi.events.results import HeelLift, Hold, Rep
from dorsi.routine.model import Target
from dorsi.score.quality import Quality

SCHEMA_ID = "dorsi.analysis.v1"


@dataclass
class ExerciseAnalysis:
    """Everything found in one exercise segment."""

    exercise: str
    start_s: float
    end_s: float
    target: Target
    baseline_deg: float
    reps: list[Rep]
    holds: list[Hold]
    heel_lifts: list[HeelLift]
    active_s: float
    quality: Quality
    source: str = "inclination"
    notes: list[str] = field(default_factory=list)
    pain: list[PainReport] = field(default_factory=list)  # what the user reported in this exercise

    def to_json(self) -> dict:
        return {
            "exercise": self.exercise,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "target": self.target.to_json(),
            "baseline_deg": round(self.baseline_deg, 2),
            "source": self.source,
            "reps": [r.to_json() for r in self.reps],
            "holds": [h.to_json() for h in self.holds],
            "heel_lifts": [h.to_json() for h in self.heel_lifts],
            "active_s": round(self.active_s, 2),
            "form_flags": sum(r.foot_roll_in for r in self.reps) + sum(h.foot_roll_in for h in self.holds),
            "quality": self.quality.to_json(),
            "notes": list(self.notes),
            "pain": [{k: v for k, v in p.to_json().items() if k != "exercise"} for p in self.pain],
        }


@dataclass
class Analysis:
    """Result of :func:`dorsi.pipeline.analyze`."""

    sample_rate_hz: float
    duration_s: float
    source: str
    exercises: list[ExerciseAnalysis]
    quality: Quality
    gaps: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    foot_gaps: list[dict] | None = None  # with a foot sensor: its lost-sample runs
    pain: list[PainReport] = field(default_factory=list)  # every pain report, each with its exercise

    def to_json(self) -> dict:
        """The ``dorsi.analysis.v1`` JSON object."""
        out = {
            "schema": SCHEMA_ID,
            "sample_rate_hz": round(self.sample_rate_hz, 3),
            "duration_s": round(self.duration_s, 3),
            "source": self.source,
            "exercises": [e.to_json() for e in self.exercises],
            "quality": {"score": self.quality.score,
                        "exercises": {e.exercise: e.quality.score for e in self.exercises}},
            "gaps": self.gaps,
            "notes": list(self.notes),
            "pain": [p.to_json() for p in self.pain],
        }
        if self.foot_gaps is not None:
            out["foot_gaps"] = self.foot_gaps
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))
