"""Biomechanical simulator of the dorsi sensors (shin, optional foot) during the routine.

>>> from dorsi.sim import simulate, SimOptions
>>> s = simulate("band_lunge", seed=3, options=SimOptions(foot_sensor=True))
>>> s.shin, s.foot, s.truth.reps  # doctest: +SKIP

See ``docs/simulator.md`` for the model and its maths.
"""

from dorsi.sim.api import default_targets, simulate, simulate_rest, simulate_routine
from dorsi.sim.exercises import EXERCISES, ExerciseDef
from dorsi.sim.options import SimOptions
from dorsi.sim.session import SimSession
from dorsi.sim.truth import HoldTruth, RepTruth, Segment, Truth

__all__ = [
    "EXERCISES", "ExerciseDef", "HoldTruth", "RepTruth", "Segment", "SimOptions", "SimSession", "Truth",
    "default_targets", "simulate", "simulate_rest", "simulate_routine",
]
