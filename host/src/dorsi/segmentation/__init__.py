"""Finding a routine's exercises in a recording that does not say which ran when.

A device recording carries exercise markers and a live session knows its
exercise; a CSV, a phone export or a logger's file of a whole routine does not.
:class:`RoutineSegmenter` finds the routine's exercises in such a recording, in
the routine's order (an exercise may be left out), so that it can be analysed as
if it had been marked (``dorsi analyze FILE --segments auto``). The flow:
rests (:mod:`.rests`) -> candidate boundaries (:mod:`.candidates`) -> each
exercise's events per piece (:mod:`.evidence`, on levels from :mod:`.resting_level`)
-> fit costs (:mod:`.fit`) -> the cheapest plan (:mod:`.routine_segmenter`).
"""

from dorsi.segmentation.rests import RestFinder
from dorsi.segmentation.routine_segmenter import RoutineSegmenter

__all__ = ["RestFinder", "RoutineSegmenter"]
