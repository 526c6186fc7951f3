"""A simple rule-based exercise classifier from trace features.

Used when a plain CSV comes without an exercise name or markers. It looks at
what the detectors find with neutral settings (reps, holds and their lengths,
excursion size and sign, knee swing, activity) and applies a few readable rules;
``reason_`` says which rule fired.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from dorsi.angle.trace import AngleTrace
from dorsi.events.activity import ActivityDetector
from dorsi.events.channel import channel_grid, start_baseline
from dorsi.events.grid import smooth
from dorsi.events.holds import HoldDetector
from dorsi.events.reps import RepDetector


class ExerciseClassifier:
    """Guess the exercise of a single-exercise trace.

    Parameters
    ----------
    long_hold_s : float
        Holds at least this long suggest a stretch (30 s targets).
    swing_deg : float
        Knee-swing range suggesting nerve flossing.

    Attributes
    ----------
    exercise_ : str
        The guessed exercise identifier.
    reason_ : str
        The rule that fired, in words.
    features_ : dict
        The features the rules looked at.
    """

    def __init__(self, long_hold_s: float = 15.0, swing_deg: float = 25.0) -> None:
        self.long_hold_s = long_hold_s
        self.swing_deg = swing_deg

    def fit_predict(self, trace: AngleTrace) -> "ExerciseClassifier":
        """Classify ``trace``; returns ``self``."""
        sig = channel_grid(trace, "angle", 50.0, 0.5)
        base = start_baseline(sig, 2.0)
        rel = sig.x - base
        swing = channel_grid(trace, "knee_swing", 50.0, 0.5).x
        holds = HoldDetector(threshold_deg=4.0, min_hold_s=2.0, polarity="both", grid_hz=50.0).detect(trace).holds_
        reps = RepDetector(threshold_deg=5.0, polarity="positive", grid_hz=50.0).detect(trace).reps_
        neg_reps = RepDetector(threshold_deg=1.5, release_deg=0.7, polarity="negative", min_duration_s=1.0,
                               grid_hz=50.0).detect(trace).reps_
        cycles = RepDetector(cycle_prominence_deg=8.0, grid_hz=50.0).detect(trace).reps_
        xs = smooth(sig.x, sig.rate_hz, 0.3)
        rocks = []  # oscillations per second inside each hold (band traction rocks, stretches sway less)
        for h in holds:
            inside = (sig.t > h.start_s) & (sig.t < h.end_s)
            rocks.append(len(find_peaks(xs[inside], prominence=1.5)[0]) / max(h.duration_s, 1e-9))
        hold_s = np.array([h.duration_s for h in holds]) if holds else np.zeros(0)
        active = ActivityDetector().detect(trace).active_s_
        duration = float(trace.t[-1] - trace.t[0])
        f = {
            "up_deg": float(np.percentile(rel, 99)), "down_deg": float(-np.percentile(rel, 1)),
            "swing_range_deg": float(np.percentile(swing, 99) - np.percentile(swing, 1)),
            "reps": len(reps), "negative_reps": len(neg_reps), "holds": len(holds), "cycles": len(cycles),
            "rest_deg": base, "rock_per_s": float(np.median(rocks)) if rocks else 0.0,
            "hold_level_deg": float(np.median([h.mean_angle_deg for h in holds]) - base) if holds else 0.0,
            "median_hold_s": float(np.median(hold_s)) if len(hold_s) else 0.0,
            "active_share": active / duration if duration > 0 else 0.0,
        }
        self.features_ = f
        self.exercise_, self.reason_ = self._rules(f, trace.source)
        return self

    def _rules(self, f: dict, source: str) -> tuple[str, str]:
        if abs(f["rest_deg"]) >= 45.0:
            return "calf_release", "leg resting near horizontal (long sitting on a foam roller)"
        if f["swing_range_deg"] >= self.swing_deg and f["swing_range_deg"] > f["up_deg"] + 15.0:
            return "nerve_floss", "large knee swing with little dorsiflexion"
        if source == "ankle" and f["cycles"] >= 10 and f["down_deg"] >= 10.0:
            return "ankle_circles", "many ankle cycles reaching below rest"
        if f["holds"] and f["median_hold_s"] >= self.long_hold_s:
            if f["up_deg"] < 3.0 and f["down_deg"] >= 10.0:
                return "ankle_circles", "leg held out while seated (circles need the foot sensor to be seen)"
            if f["rock_per_s"] >= 0.24:
                return "traction", "long holds with rocking inside"
            if f["hold_level_deg"] >= 25.0:
                return "soleus_stretch", "long holds at a deep lunge angle"
            return "gastroc_stretch", "long holds at a moderate angle"
        if f["holds"] >= 3 and 3.0 <= f["median_hold_s"] < 8.0:
            return "eccentric_drop", "repeated holds of about 5 s"
        if f["holds"] >= 3 and f["median_hold_s"] >= 8.0 and source == "ankle":
            return "seated_df_hold", "repeated holds of about 10 s"
        if f["negative_reps"] >= 3 and f["reps"] == 0:
            return "eccentric_drop", "repeated small backward tilts of the shank"
        if 1 <= f["reps"] <= 4 and f["up_deg"] >= 20.0:
            return "knee_to_wall", "a few lunges to end range"
        if f["reps"] >= 5:
            return "band_lunge", "many forward lunges"
        return "band_lunge", "no clear pattern (default)"
