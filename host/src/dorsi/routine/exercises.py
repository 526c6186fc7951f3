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

#: Where the shank is while an exercise starts: ``"standing"`` and ``"seated"`` (shank
#: upright), ``"long_sitting"`` (leg out on the floor), or ``"any"``. The live guide waits
#: for it before starting an exercise, so its rest is read in the right posture.
POSTURES: tuple[str, ...] = ("standing", "seated", "long_sitting", "any")
EXERCISE_POSTURES: dict[str, str] = {
    "knee_to_wall": "standing", "band_lunge": "standing", "soleus_stretch": "standing",
    "gastroc_stretch": "standing", "eccentric_drop": "standing", "seated_df_hold": "seated",
    "ankle_circles": "seated", "calf_release": "long_sitting", "achilles_release": "long_sitting",
    "traction": "standing", "nerve_floss": "seated",
}

#: Exercises whose angle is ankle dorsiflexion with the shin sensor alone (foot flat, weight-bearing:
#: the tibial inclination is the ankle angle).
WEIGHT_BEARING: tuple[str, ...] = ("knee_to_wall", "band_lunge", "soleus_stretch", "gastroc_stretch")
#: Added when a foot sensor measures the true ankle angle.
WITH_FOOT_SENSOR: tuple[str, ...] = ("seated_df_hold", "eccentric_drop")


def dorsiflexion_exercises(source: str | None) -> tuple[str, ...]:
    """The exercises whose angle is ankle dorsiflexion for a trace of ``source`` (``"inclination"``:
    the shin sensor alone; ``"ankle"``: shin and foot sensors)."""
    return WEIGHT_BEARING + (WITH_FOOT_SENSOR if source == "ankle" else ())


KINDS: tuple[str, ...] = ("reps", "holds", "rep_holds", "duration")
SIGNALS: tuple[str, ...] = ("angle", "knee_swing")


def check_exercise(name: str) -> str:
    """Return ``name`` if it is a known exercise identifier, else raise ``ValueError``."""
    if name not in EXERCISE_IDS:
        raise ValueError(f"unknown exercise {name!r}; expected one of: {', '.join(EXERCISE_IDS)}")
    return name
