"""Pain over the sessions kept: how often it was reported lately, how bad, and where.

Read from each session's analysis (its ``pain`` array, :mod:`dorsi.events.pain`); the lines go
under ``dorsi progress`` so that a physiotherapist looking at range and adherence sees pain
beside them, and a patient sees whether an exercise keeps hurting.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from dorsi.events.pain import rated, reported

#: How many of the latest sessions the statement covers.
RECENT_SESSIONS = 10


@dataclass
class PainTrend:
    """Pain reported over the latest sessions.

    Parameters
    ----------
    recent : int
        How many of the latest sessions to look at.

    Attributes
    ----------
    sessions_ : int
        Sessions looked at (at most ``recent``).
    with_pain_ : int
        ... of which with at least one pain report.
    reports_ : int
        Reports in them.
    worst_ : int or None
        The highest rating among them (None: none rated).
    by_exercise_ : Counter
        Reports per exercise (``None``: between exercises).
    last_ : datetime or None
        Start of the latest session with a report.
    """

    recent: int = RECENT_SESSIONS
    sessions_: int = 0
    with_pain_: int = 0
    reports_: int = 0
    worst_: int | None = None
    by_exercise_: Counter = field(default_factory=Counter)
    last_: datetime | None = None

    def fit(self, sessions: list[tuple[datetime, dict]]) -> "PainTrend":
        """``sessions``: each session's start and analysis JSON, in any order."""
        latest = sorted(sessions, key=lambda s: s[0])[-self.recent:] if self.recent > 0 else []
        self.sessions_, self.with_pain_, self.reports_, self.worst_ = len(latest), 0, 0, None
        self.by_exercise_, self.last_ = Counter(), None
        for started, analysis in latest:
            reports = reported(analysis)
            if not reports:
                continue
            self.with_pain_ += 1
            self.reports_ += len(reports)
            self.last_ = started
            self.by_exercise_.update(p.get("exercise") for p in reports)
            self.worst_ = max(rated(reports) + ([] if self.worst_ is None else [self.worst_]), default=None)
        return self

    def statement(self, titles: dict[str, str] | None = None) -> str:
        """One plain line (``fit`` first)."""
        if self.sessions_ == 0:
            return "Pain: no sessions yet."
        span = f"the last {self.sessions_} session(s)"
        if self.with_pain_ == 0:
            return f"Pain: none reported in {span}."
        titles = titles or {}
        where = ", ".join(f"{titles.get(name, name) if name else 'between exercises'} ({n}x)"
                          for name, n in self.by_exercise_.most_common(3))
        worst = f", worst {self.worst_}/10" if self.worst_ is not None else ""
        last = f"; last on {self.last_:%Y-%m-%d}" if self.last_ is not None else ""
        return (f"Pain: reported in {self.with_pain_} of {span}{worst}, most in {where}{last}. "
                "The routine is meant to be pain-free: talk it over with your physiotherapist.")


def pain_statement(history) -> str:
    """The pain line over the latest sessions of a :class:`dorsi.history.History` (``dorsi
    progress`` and the report's progress section)."""
    from dorsi.routine import default_routine

    sessions = history.sessions()
    trend = PainTrend().fit([(s.started_at, history.analysis(s.id)) for s in sessions])
    return trend.statement(default_routine().titles)
