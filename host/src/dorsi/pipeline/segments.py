"""Exercise segments: ``(exercise, start_s, end_s)`` triples and their checks."""

from __future__ import annotations

from typing import Iterable, NamedTuple

from dorsi.routine.exercises import check_exercise


class Segment(NamedTuple):
    """One exercise occupying ``[start_s, end_s)`` of the input's time base."""

    exercise: str
    start_s: float
    end_s: float


def normalise_segments(segments: Iterable, t_first: float, t_last: float) -> list[Segment]:
    """Validate and clip segments to the data, in time order.

    Accepts tuples or objects with ``exercise``, ``start_s``, ``end_s``
    attributes (e.g. the simulator's ``Segment``).

    Raises
    ------
    ValueError
        Unknown exercise, ``end_s <= start_s``, or a segment outside the data.
    """
    out = []
    for seg in segments:
        if isinstance(seg, tuple):
            name, start, end = seg
        else:
            name, start, end = seg.exercise, seg.start_s, seg.end_s
        check_exercise(name)
        start, end = float(start), float(end)
        if not end > start:
            raise ValueError(f"segment {name}: end {end} is not after start {start}")
        start, end = max(start, t_first), min(end, t_last)
        if end - start <= 0:
            raise ValueError(f"segment {name} [{seg}] lies outside the data ({t_first:.2f}-{t_last:.2f} s)")
        out.append(Segment(name, start, end))
    if not out:
        raise ValueError("no segments to analyse")
    return sorted(out, key=lambda s: s.start_s)
