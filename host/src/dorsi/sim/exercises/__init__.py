"""The exercise generators of the simulator, by routine identifier.

Each generator writes a :class:`~dorsi.sim.script.Script` in its own time,
starting and ending with about 3 s of quiet in its posture; the defaults are
the targets of the default routine (``dorsi/data/routine.toml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from dorsi.sim.exercises.eccentric import eccentric_drop
from dorsi.sim.exercises.lunges import band_lunge, knee_to_wall
from dorsi.sim.exercises.rolling import achilles_release, calf_release
from dorsi.sim.exercises.seated import ankle_circles, nerve_floss, seated_df_hold
from dorsi.sim.exercises.stretches import gastroc_stretch, quiet_standing, soleus_stretch, traction
from dorsi.sim.options import SimOptions
from dorsi.sim.script import Script

ExerciseGenerator = Callable[[Script, np.random.Generator, SimOptions, int, "float | None"], None]


@dataclass(frozen=True)
class ExerciseDef:
    """One simulated exercise.

    Attributes
    ----------
    name : str
        Routine identifier.
    posture : str
        ``"standing"``, ``"seated"`` or ``"long_sitting"``.
    generate : callable
        ``generate(script, rng, options, reps, hold_s)``.
    reps : int
        Default repetitions (holds for hold exercises; circles per direction).
    hold_s : float or None
        Default hold (or duration) in seconds; ``None`` lets the generator choose.
    description : str
    """

    name: str
    posture: str
    generate: ExerciseGenerator
    reps: int
    hold_s: float | None
    description: str


EXERCISES: dict[str, ExerciseDef] = {
    d.name: d
    for d in (
        ExerciseDef("quiet_standing", "standing", quiet_standing, 0, 10.0, "standing still"),
        ExerciseDef("knee_to_wall", "standing", knee_to_wall, 3, None, "3 trials to end range"),
        ExerciseDef("band_lunge", "standing", band_lunge, 30, None, "band dorsiflexion lunges"),
        ExerciseDef("soleus_stretch", "standing", soleus_stretch, 3, 30.0, "bent-knee holds"),
        ExerciseDef("gastroc_stretch", "standing", gastroc_stretch, 3, 30.0, "straight-knee holds"),
        ExerciseDef("eccentric_drop", "standing", eccentric_drop, 30, 5.0, "forefoot lift, hold, slow lowering"),
        ExerciseDef("seated_df_hold", "seated", seated_df_hold, 20, 10.0, "seated toe-raise holds"),
        ExerciseDef("ankle_circles", "seated", ankle_circles, 20, None, "circles each way, foot off the floor"),
        ExerciseDef("calf_release", "long_sitting", calf_release, 0, None, "foam-roll the calf"),
        ExerciseDef("achilles_release", "long_sitting", achilles_release, 0, None, "foam-roll the Achilles"),
        ExerciseDef("traction", "standing", traction, 3, 30.0, "band traction holds"),
        ExerciseDef("nerve_floss", "seated", nerve_floss, 20, None, "seated slump flossing"),
    )
}

__all__ = ["EXERCISES", "ExerciseDef"]
