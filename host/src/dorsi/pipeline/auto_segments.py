"""``--segments auto``: the trace of an unmarked whole routine and the exercises found in it.

The angle trace is estimated once without segments, the routine's exercises are
found in it (:class:`dorsi.segmentation.RoutineSegmenter`), and with a foot
sensor the trace is estimated again knowing them (the foot sensor's way round is
judged on the exercises, :mod:`dorsi.pipeline.foot_direction`).
"""

from __future__ import annotations

from dorsi.angle.trace import AngleTrace
from dorsi.pipeline.segments import Segment
from dorsi.routine.loader import default_routine
from dorsi.routine.model import Routine
from dorsi.samples import SampleBatch

#: The ``segments`` value (and ``--segments`` option) asking for the exercises to be found.
AUTO = "auto"


def is_auto(segments: object) -> bool:
    return isinstance(segments, str) and segments == AUTO


def found_segments(shin: SampleBatch, foot: SampleBatch | None, profile: dict | None = None,
                   routine: Routine | None = None, orientation: str = "auto") -> tuple[AngleTrace, list[Segment], str]:
    """The trace, the routine's exercises found in it, and a note saying what was found.

    Raises
    ------
    ValueError
        When none of the routine's exercises is found.
    """
    from dorsi.pipeline.analyze import estimate_trace
    from dorsi.segmentation import RoutineSegmenter

    routine = routine or default_routine()
    trace = estimate_trace(shin, foot, profile, orientation)
    seg = RoutineSegmenter(routine, profile=profile).segment(trace)
    if not seg.segments_:
        raise ValueError("--segments auto: none of the routine's exercises was found; give which ran when "
                         "(--segments FILE) or the exercise (--exercise)")
    if foot is not None:
        trace = estimate_trace(shin, foot, profile, orientation, segments=seg.segments_)
    found = ", ".join(f"{s.exercise} {s.start_s:.0f}-{s.end_s:.0f} s" for s in seg.segments_)
    note = f"exercises found in the unmarked input, in the routine's order (--segments auto): {found}"
    if seg.skipped_:
        note += f"; not found: {', '.join(seg.skipped_)}"
    note += ("; where a time is wrong, correct it in the segments file dorsi export writes (or in this "
             "analysis's JSON) and give that file as --segments")
    return trace, seg.segments_, note
