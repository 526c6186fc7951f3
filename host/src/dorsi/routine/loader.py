"""Load a routine from TOML (``tomllib``); the default ships as package data."""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from dorsi.routine.model import ExerciseSpec, Routine, Target

_KEYS = {
    "id", "title", "kind", "signal", "reps", "hold_s", "sets", "duration_s", "min_range_deg",
    "min_knee_to_wall_cm", "min_lowering_s", "heel_down", "needs_foot_sensor", "cues",
    "posture",
}


class RoutineError(ValueError):
    """The routine file is malformed; the message names the file and the problem."""


def _opt(entry: dict, key: str, cast: type) -> Any:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"'{key}' must be a number, got {value!r}")
    if value <= 0:
        raise ValueError(f"'{key}' must be positive, got {value!r}")
    return cast(value)


def _spec(entry: dict) -> ExerciseSpec:
    unknown = set(entry) - _KEYS
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    if "id" not in entry or "kind" not in entry:
        raise ValueError("every [[exercise]] needs 'id' and 'kind'")
    duration = entry.get("duration_s")
    if duration is not None:
        if not (isinstance(duration, list) and len(duration) == 2 and 0 < duration[0] <= duration[1]):
            raise ValueError(f"'duration_s' must be [min, max] seconds, got {duration!r}")
        duration = (float(duration[0]), float(duration[1]))
    cues = entry.get("cues", [])
    if not isinstance(cues, list) or not all(isinstance(c, str) for c in cues):
        raise ValueError("'cues' must be a list of strings")
    target = Target(
        reps=_opt(entry, "reps", int), hold_s=_opt(entry, "hold_s", float),
        sets=_opt(entry, "sets", int), duration_s=duration,
    )
    return ExerciseSpec(
        id=str(entry["id"]), title=str(entry.get("title", entry["id"])), kind=str(entry["kind"]),
        signal=str(entry.get("signal", "angle")), target=target,
        min_range_deg=_opt(entry, "min_range_deg", float),
        min_knee_to_wall_cm=_opt(entry, "min_knee_to_wall_cm", float),
        min_lowering_s=_opt(entry, "min_lowering_s", float),
        heel_down=bool(entry.get("heel_down", False)),
        needs_foot_sensor=bool(entry.get("needs_foot_sensor", False)),
        cues=tuple(cues),
        posture=None if entry.get("posture") is None else str(entry["posture"]),
    )


def parse_routine(data: dict, origin: str = "<routine>") -> Routine:
    """Build a :class:`Routine` from parsed TOML data.

    Raises
    ------
    RoutineError
        On any missing/unknown key or invalid value, naming ``origin``.
    """
    entries = data.get("exercise")
    if not isinstance(entries, list) or not entries:
        raise RoutineError(f"{origin}: no [[exercise]] tables")
    specs = []
    for i, entry in enumerate(entries):
        try:
            specs.append(_spec(entry))
        except (TypeError, ValueError) as exc:
            raise RoutineError(f"{origin}: exercise #{i + 1} ({entry.get('id', '?')}): {exc}") from None
    ids = [s.id for s in specs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RoutineError(f"{origin}: exercises listed twice: {', '.join(dupes)}")
    return Routine(name=str(data.get("name", "routine")), exercises=tuple(specs))


def load_routine(path: str | Path | Traversable | None = None) -> Routine:
    """Load a routine TOML file, or the default physiotherapist routine when ``path`` is None."""
    if path is None:
        text = resources.files("dorsi").joinpath("data/routine.toml").read_text(encoding="utf-8")
        origin = "default routine"
    else:
        try:
            text = (Path(path) if isinstance(path, str) else path).read_text(encoding="utf-8")
        except OSError as exc:
            raise RoutineError(f"{path}: cannot read routine: {exc.strerror}") from None
        origin = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoutineError(f"{origin}: invalid TOML: {exc}") from None
    return parse_routine(data, origin)


_DEFAULT: Routine | None = None


def default_routine() -> Routine:
    """The packaged default routine (parsed once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_routine(None)
    return _DEFAULT
