"""Pain the user reported during a session: when, and how much on the 0-10 scale.

The routine is meant to be pain-free, so pain is the one thing the sensors cannot see that a
physiotherapist most wants to know. The user reports it as it happens: a key (``h``, then a
digit) in the terminal session, the "It hurts" button on the coach page, or a note ("pain",
"pain 6", "hurts 4/10") in a phone's Sensor Logger recording. A live report is kept in the
recording as a ``pain`` marker at once (a rating given a moment later is a second marker with
the same time), and the analysis lists each report under the exercise it is about (the one it
fell in, or the one that had just ended), with the angle it hurt near.

A report does not change the quality score: the score says how the movement was done, and a
patient should never keep quiet about pain to keep a score. It is listed beside the score
instead, in the analysis, the report and the history.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

import numpy as np

#: The numeric rating scale's range for a reported pain (0 would be no pain: nothing to report).
MIN_LEVEL, MAX_LEVEL = 1, 10
#: A rating given within this long after an unrated report rates that report (live sessions).
RATE_WINDOW_S = 20.0
#: A report comes a moment after the pain (a key to find, a button to tap): the angle it hurt at
#: is read as the highest ankle angle over this long before the report.
LOOKBACK_S = 3.0
#: A second "it hurts" this soon after a report is the same report (a double tap, a key held).
REPEAT_S = 2.0
#: A report this soon after an exercise ended (before the next began) is about that exercise
#: ("that last lunge hurt").
AFTER_S = 10.0

_NOTE = re.compile(r"^\s*(pain|hurts?|painful|sore)\b\s*[:=-]?\s*(?:(\d{1,2})\s*(?:/\s*10)?)?\s*[.!]*\s*$",
                   re.IGNORECASE)


@dataclass(frozen=True)
class PainReport:
    """One report of pain.

    Attributes
    ----------
    t_s : float
        When, on the session's time base (s).
    level : int or None
        1-10 on the numeric rating scale (10: worst imaginable); None when not rated.
    exercise : str or None
        The exercise it fell in (None: between exercises, or not yet assigned).
    angle_deg : float or None
        Where it hurt: the highest ankle dorsiflexion over ``LOOKBACK_S`` before the report, in
        an exercise whose angle is dorsiflexion (:func:`dorsi.routine.exercises.dorsiflexion_exercises`);
        None elsewhere.
    """

    t_s: float
    level: int | None = None
    exercise: str | None = None
    angle_deg: float | None = None

    def to_json(self) -> dict:
        angle = None if self.angle_deg is None else round(self.angle_deg, 1)
        return {"t_s": round(self.t_s, 3), "level": self.level, "exercise": self.exercise, "angle_deg": angle}

    @property
    def label(self) -> str:
        """``"6/10"``, or ``"not rated"``."""
        return "not rated" if self.level is None else f"{self.level}/10"


def valid_level(level: object) -> int | None:
    """``level`` as a rating 1-10, or None where it is none (a bool, a fraction, out of range)."""
    if isinstance(level, bool) or not isinstance(level, (int, float)):
        return None
    if not math.isfinite(level) or level != int(level) or not MIN_LEVEL <= level <= MAX_LEVEL:
        return None
    return int(level)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_command(name: str) -> tuple[bool, int | None]:
    """Whether a session command is a pain report, and its rating: ``"pain"`` (not rated) or
    ``"pain:N"`` with N in 1-10. ``(False, None)`` for anything else."""
    if name == "pain":
        return True, None
    head, sep, tail = name.partition(":")
    if head != "pain" or not sep or not tail.isdigit():
        return False, None
    level = valid_level(int(tail))
    return (level is not None), level


def is_command(name: str) -> bool:
    return parse_command(name)[0]


def from_note(text: str) -> tuple[bool, int | None]:
    """Whether a recording's note reports pain ("pain", "Pain 6", "hurts: 4/10", "sore 3"),
    and its rating (None: not rated, or a number outside 1-10)."""
    m = _NOTE.match(text)
    if m is None:
        return False, None
    return True, (valid_level(int(m.group(2))) if m.group(2) else None)


def from_markers(markers: Iterable[dict]) -> list[PainReport]:
    """The reports kept in a recording's markers, in time order.

    A marker ``{"event": "pain", "t": ..., "level": ..., "exercise": ..., "angle_deg": ...}``
    reports pain (``angle_deg``: where it hurt, as the live screen said); a later one with the same
    ``t`` rates it (the live session writes the report at once, its rating when given). Markers
    with no finite time are skipped; a level outside 1-10 reads as not rated.
    """
    by_time: dict[float, PainReport] = {}
    for m in markers:
        if not isinstance(m, dict) or m.get("event") != "pain":
            continue
        t = m.get("t")
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
            continue
        exercise = m.get("exercise") if isinstance(m.get("exercise"), str) else None
        angle = float(m["angle_deg"]) if _finite(m.get("angle_deg")) else None
        earlier = by_time.get(float(t))
        level = valid_level(m.get("level"))
        if earlier is not None:
            level = earlier.level if level is None else level
            exercise = exercise or earlier.exercise
            angle = earlier.angle_deg if angle is None else angle
        by_time[float(t)] = PainReport(float(t), level, exercise, angle)
    return sorted(by_time.values(), key=lambda r: r.t_s)


def segment_of(t_s: float, segments: Sequence[tuple[str, float, float]]) -> tuple[str, float, float] | None:
    """The segment a report at ``t_s`` is about: the one it fell in, else the one that ended at
    most ``AFTER_S`` before it when no other has begun since; None between exercises."""
    inside = [seg for seg in segments if seg[1] <= t_s <= seg[2]]
    if inside:
        return inside[-1]
    before = [seg for seg in segments if seg[1] <= t_s]
    if not before:
        return None
    last = max(before, key=lambda seg: seg[1])
    return last if t_s - last[2] <= AFTER_S else None


def belongs(report: PainReport, exercise: str, start_s: float, end_s: float) -> bool:
    """Whether ``report`` (assigned by :func:`assign`) is about this run of ``exercise``."""
    return report.exercise == exercise and start_s <= report.t_s <= end_s + AFTER_S


def assign(reports: Sequence[PainReport], segments: Sequence[tuple[str, float, float]]) -> list[PainReport]:
    """Each report with the exercise it is about (:func:`segment_of`; None between exercises)."""
    out = []
    for r in reports:
        seg = segment_of(r.t_s, segments)
        out.append(PainReport(r.t_s, r.level, seg[0] if seg is not None else None))
    return out


def angle_before(t_s: float, t: np.ndarray, angle: np.ndarray, valid: np.ndarray,
                 lookback_s: float = LOOKBACK_S, not_after: float = np.inf) -> float | None:
    """The highest valid ``angle`` over the ``lookback_s`` up to ``t_s`` (None when none is valid);
    for a report made just after its exercise, over the ``lookback_s`` up to the exercise's end
    ``not_after``: how it ended."""
    until = min(t_s, not_after)
    a = int(np.searchsorted(t, until - lookback_s, side="left"))
    b = int(np.searchsorted(t, until, side="right"))
    ok = valid[a:b]
    if not ok.any():
        return None
    return float(np.max(angle[a:b][ok]))


def with_angles(reports: Sequence[PainReport], t: np.ndarray, angle: np.ndarray, valid: np.ndarray,
                segments: Sequence[tuple[str, float, float]], exercises: Iterable[str]) -> list[PainReport]:
    """Each report with the angle it hurt at (:func:`angle_before`, up to its exercise's end) when
    it is about one of ``exercises`` (those whose angle is dorsiflexion), else with none."""
    keep = set(exercises)
    out = []
    for r in reports:
        seg = segment_of(r.t_s, segments)
        angle_deg = None
        if seg is not None and r.exercise in keep:
            angle_deg = angle_before(r.t_s, t, angle, valid, not_after=seg[2])
        out.append(replace(r, angle_deg=angle_deg))
    return out


def reported(analysis: dict) -> list[dict]:
    """The pain reports of an analysis JSON (its top-level ``pain`` array; none in an analysis
    made before reports existed), as :func:`entries` reads them."""
    return entries(analysis.get("pain"))


def entries(items: object) -> list[dict]:
    """The JSON pain reports of a ``pain`` array (the session's or an exercise's), entries without
    a finite time (or with a non-numeric angle) left out."""
    if not isinstance(items, list):
        return []
    return [p for p in items if isinstance(p, dict) and _finite(p.get("t_s"))
            and (p.get("angle_deg") is None or _finite(p.get("angle_deg")))]



def rated(reports: Iterable[dict]) -> list[int]:
    """The ratings among JSON reports (those not rated left out)."""
    return [level for level in (valid_level(p.get("level")) for p in reports) if level is not None]


def summary_note(reports: Sequence[PainReport], titles: dict[str, str] | None = None,
                 t0: float = 0.0) -> str | None:
    """One line for the analysis' notes: where pain was reported (times as m:ss from ``t0``, the
    session's first sample), and what to do about it."""
    if not reports:
        return None
    titles = titles or {}
    parts = []
    for r in reports:
        where = titles.get(r.exercise, r.exercise) if r.exercise else "between exercises"
        at = f", near {r.angle_deg:.0f} deg" if r.angle_deg is not None else ""
        parts.append(f"{where} at {clock(r.t_s - t0)} ({r.label}{at})")
    count = f"{len(reports)} time{'s' if len(reports) > 1 else ''}"
    return (f"Pain reported {count}: {'; '.join(parts)}. The routine is meant to be pain-free: do these "
            "exercises only in a range that does not hurt, and tell your physiotherapist.")


def clock(t_s: float) -> str:
    """Seconds from a session's start as ``m:ss``."""
    minutes, seconds = divmod(max(0, int(round(t_s))), 60)
    return f"{minutes}:{seconds:02d}"
