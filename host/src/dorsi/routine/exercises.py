"""The exercise identifiers of the dorsi routine (use exactly these names)."""

from __future__ import annotations

EXERCISE_IDS: tuple[str, ...] = (
    "knee_to_wall",
    "band_lunge",
    "soleus_stretch",
    "gastroc_stretch",
    "eccentric_drop",
    "seated_df_hold",
    "ankle_circles",
    "calf_release",
    "achilles_release",
    "traction",
    "nerve_floss",
)

KINDS: tuple[str, ...] = ("reps", "holds", "rep_holds", "duration")
SIGNALS: tuple[str, ...] = ("angle", "knee_swing")


def check_exercise(name: str) -> str:
    """Return ``name`` if it is a known exercise identifier, else raise ``ValueError``."""
    if name not in EXERCISE_IDS:
        raise ValueError(f"unknown exercise {name!r}; expected one of: {', '.join(EXERCISE_IDS)}")
    return name
