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


def stance_prompt(moved_deg: float) -> str:
    """What the live coach says when the resting angle is ``moved_deg`` off the start's."""
    way = "back" if moved_deg > 0 else "forward"  # + knee further forward: the weight goes back
    return (f"Your stance has moved about {abs(moved_deg):.1f}° since the start: shift your weight {way} "
            "a little, as you stood then (the shin alone miscounts drops otherwise)")


class StanceWatch:
    """Live: how far the resting angle of the last ``WINDOW_S`` is from the start's (deg, signed:
    + the knee further forward), as :func:`rest_drift_deg` reads it over a window; read anew once
    per ``STEP_S / 10`` of data (the percentile over 20 s of samples is the costly part).

    Attributes
    ----------
    moved_deg_ : float or None
        The last reading; None until the window is half full and the start's angle known.
    """

    def __init__(self) -> None:
        self._t = np.zeros(0)
        self._x = np.zeros(0)
        self._read_at = -np.inf
        self.moved_deg_: float | None = None

    def update(self, view: AngleTrace, baseline_deg: float | None) -> float | None:
        """Add the exercise's newest samples; returns ``moved_deg_``."""
        ok = view.valid
        if ok.any():
            self._t = np.concatenate([self._t, view.t[ok]])
            self._x = np.concatenate([self._x, view.angle_deg[ok]])
            keep = self._t > self._t[-1] - WINDOW_S
            if not keep[0]:
                self._t, self._x = self._t[keep], self._x[keep]
        if baseline_deg is None or len(self._t) < 10 or self._t[-1] - self._t[0] < 0.5 * WINDOW_S:
            return self.moved_deg_
        if self._t[-1] - self._read_at >= 0.1 * STEP_S:
            self._read_at = float(self._t[-1])
            self.moved_deg_ = float(np.percentile(self._x, REST_PERCENTILE)) - float(baseline_deg)
        return self.moved_deg_
