"""A routine as plain data for a recording's header, and back.

The recording keeps the routine the session was run with (targets and cues
included), so replay and analysis judge the session by the targets the user
saw, even after the routine file was edited.
"""

from __future__ import annotations

from dorsi.routine.loader import parse_routine
from dorsi.routine.model import Routine


def routine_to_data(routine: Routine) -> dict:
    exercises = []
    for spec in routine.exercises:
        t = spec.target
        entry = {
            "id": spec.id, "title": spec.title, "kind": spec.kind, "signal": spec.signal,
            "reps": t.reps, "hold_s": t.hold_s, "sets": t.sets,
            "duration_s": list(t.duration_s) if t.duration_s else None,
            "min_range_deg": spec.min_range_deg, "min_knee_to_wall_cm": spec.min_knee_to_wall_cm,
            "min_lowering_s": spec.min_lowering_s, "heel_down": spec.heel_down,
            "needs_foot_sensor": spec.needs_foot_sensor, "cues": list(spec.cues),
            "posture": spec.posture,
        }
        exercises.append({k: v for k, v in entry.items() if v is not None})
    return {"name": routine.name, "exercise": exercises}


def routine_from_header(header: dict) -> Routine | None:
    """The routine stored in a recording header, or None when it holds only names."""
    data = header.get("routine")
    if isinstance(data, dict) and isinstance(data.get("exercise"), list):
        return parse_routine(data, origin="recording header")
    return None
