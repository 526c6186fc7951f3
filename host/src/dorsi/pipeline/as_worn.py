"""The angle trace of a session read as its sensors were actually worn.

Three wearing mistakes the raw data alone would read wrong, each told from physics or from
what the exercises do, each said in the trace's meta (the analysis turns it into a note):

* the shin and foot boards on each other's place (``dorsi.angle.sensor_roles``): read each
  where it is worn (``meta["sensors_swapped"]``);
* a foot sensor whose rest cannot be a flat foot (``FootCalibrationError``): go on with the
  shin alone (``meta["foot_unusable"]``, the reason);
* a foot sensor turned round, arrow toward the ankle (``dorsi.pipeline.foot_direction``,
  needs to know which exercise ran when): turn its samples back (``meta["foot_turned_round"]``).

(A shin sensor upside down or on the calf is the calibration's own business:
``dorsi.angle.calibration``, ``dorsi.angle.worn_behind``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from dorsi.angle.calibration import FootCalibrationError
from dorsi.angle.sensor_roles import as_role, roles_swapped
from dorsi.angle.trace import AngleTrace
from dorsi.pipeline.foot_direction import foot_turned_round, half_turn
from dorsi.pipeline.segments import Segment
from dorsi.samples import SampleBatch

if TYPE_CHECKING:
    from dorsi.angle.estimator import AngleEstimator


def estimate_as_worn(make: Callable[[], "AngleEstimator"], shin: SampleBatch, foot: SampleBatch | None,
                     segments: Callable[[AngleTrace], list[Segment]] | None = None) -> AngleTrace:
    """The whole session's trace from fresh estimators (``make()``); ``segments(trace)`` names
    which exercise ran when (None: not known, the foot's direction is then taken as worn)."""
    if foot is None:
        return make().estimate(shin).trace_
    swapped = roles_swapped(shin, foot)
    if swapped:
        shin, foot = as_role(foot, "shin"), as_role(shin, "foot")
    try:
        trace = make().estimate(shin, foot).trace_
    except FootCalibrationError as exc:  # the shin alone still reads the session
        trace = make().estimate(shin).trace_
        trace.meta["foot_unusable"] = str(exc)
        return trace
    if segments is not None and len(trace) >= 2 and foot_turned_round(trace, segments(trace)):
        trace = make().estimate(shin, half_turn(foot)).trace_
        trace.meta["foot_turned_round"] = True
    trace.meta["sensors_swapped"] = swapped
    return trace
