"""The note shin-only eccentric drops get when the person's stance moved during the set.

Seen by the shin alone, an eccentric drop is a 2-5 deg tilt back, judged against the resting
angle of the set's first seconds with a release level of 0.7 deg. A person who shifts their
weight between drops comes back to another resting angle, and then drops run together or go
unseen (docs/validation.md, "A rest level that wanders"). The drops tilt the shank back, so the
shank's resting angle is the upper part of its range: the 90th percentile over a window of a
couple of drops. Where that moves a degree or more from the start's, the counts are not to be
trusted, and the analysis says so (with the stance as it began, the largest move on 48 unseen
sessions was 0.87 deg; with a half-degree wander it flagged 28 of the 35 miscounted sessions).
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.routine.model import ExerciseSpec

#: The resting angle moved this far (deg) from the start's: the note.
STANCE_DRIFT_NOTE_DEG = 1.0
WINDOW_S = 20.0  # about two drops with their rests
STEP_S = 10.0
REST_PERCENTILE = 90.0


def checks_stance(spec: ExerciseSpec, source: str) -> bool:
    """Whether ``spec`` on a trace of ``source`` is judged against the start's resting angle
    closely enough for a stance that moves to matter: eccentric drops seen by the shin alone."""
    return spec.id == "eccentric_drop" and source != "ankle"


def rest_drift_deg(trace: AngleTrace, baseline_deg: float) -> float:
    """The largest move (deg, either way) of the resting angle from ``baseline_deg``: per window
    of ``WINDOW_S`` (every ``STEP_S``), the ``REST_PERCENTILE`` of the valid angles; 0 when no
    window holds data."""
    t, x = trace.t[trace.valid], trace.angle_deg[trace.valid]
    if len(t) < 2:
        return 0.0
    starts = np.arange(float(t[0]), max(float(t[-1]) - WINDOW_S, float(t[0])) + 1e-9, STEP_S)
    lo, hi = np.searchsorted(t, starts), np.searchsorted(t, starts + WINDOW_S)
    moves = [abs(float(np.percentile(x[a:b], REST_PERCENTILE)) - baseline_deg) for a, b in zip(lo, hi) if b - a > 10]
    return max(moves, default=0.0)


def stance_drift_note(spec: ExerciseSpec, trace: AngleTrace, baseline_deg: float) -> str | None:
    """A note when the resting angle moved ``STANCE_DRIFT_NOTE_DEG`` or more during ``spec``'s
    segment ``trace`` (for the exercises :func:`checks_stance` picks); None otherwise."""
    if not checks_stance(spec, trace.source):
        return None
    drift = rest_drift_deg(trace, baseline_deg)
    if drift < STANCE_DRIFT_NOTE_DEG:
        return None
    return (f"{spec.id}: your resting stance moved about {drift:.1f} deg from where it began (weight shifted "
            "forward or back between drops); with the shin sensor alone drops can then run together or go "
            "unseen, so the count may be off: the foot sensor counts them whatever the stance")
