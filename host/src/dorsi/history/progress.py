"""Progress over weeks: knee-to-wall and peak dorsiflexion per side, adherence, asymmetry.

Sessions are grouped into ISO weeks (Monday to Sunday). A week's value is the
mean of its sessions' values; a week-to-week change is called an improvement
(or a decline) only when it exceeds the minimal detectable change
(:mod:`dorsi.history.mdc`), and the verdict says so in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from dorsi.history.calibration import KneeToWallCalibration
from dorsi.history.mdc import LITERATURE_MDC, MinimalDetectableChange
from dorsi.history.record import SessionRecord

SIDES = ("left", "right")
#: Sessions recorded without a side are followed on their own.
UNSPECIFIED = "unspecified"
METRICS = {"ktw_deg": ("knee-to-wall", "\u00b0"), "ktw_cm": ("knee-to-wall distance", " cm"),
           "peak_df_deg": ("peak dorsiflexion", "\u00b0")}
#: The routine asks for at least one session a week, ideally one a day.
MIN_PER_WEEK, IDEAL_PER_WEEK = 1, 7


def week_start(d: date) -> date:
    """The Monday of ``d``'s ISO week."""
    return d - timedelta(days=d.weekday())


@dataclass
class WeekSummary:
    """One week: sessions and the mean value per side and metric (``None``: not measured)."""

    start: date
    sessions: int
    values: dict = field(default_factory=dict)  # (side, metric) -> float | None

    def value(self, side: str, metric: str) -> float | None:
        return self.values.get((side, metric))


@dataclass(frozen=True)
class Change:
    """A change between two consecutive measured weeks."""

    side: str
    metric: str
    from_week: date
    to_week: date
    before: float
    after: float
    mdc: float
    mdc_source: str
    verdict: str

    @property
    def delta(self) -> float:
        return self.after - self.before

    def sentence(self) -> str:
        name, unit = METRICS[self.metric]
        head = (f"{self.side.capitalize()} {name}, week of {self.from_week:%d %b} to week of {self.to_week:%d %b}: "
                f"{self.before:.1f}{unit} \u2192 {self.after:.1f}{unit} ({self.delta:+.1f}{unit}). ")
        src = "your own repeated trials" if self.mdc_source == "own" else "the published value"
        if self.verdict == "no real change":
            return head + (f"That is within the {self.mdc:.1f}{unit} that measurement error alone can produce "
                           f"(MDC95, {src}): not a real change.")
        word = "improvement" if self.verdict == "improved" else "decline"
        return head + (f"That is more than the {self.mdc:.1f}{unit} measurement error can produce "
                       f"(MDC95, {src}): a real {word}.")


@dataclass(frozen=True)
class Asymmetry:
    """Left minus right in one week."""

    week: date
    metric: str
    left: float
    right: float
    mdc: float

    @property
    def difference(self) -> float:
        return self.left - self.right

    @property
    def real(self) -> bool:
        return abs(self.difference) > self.mdc


class ProgressAnalyzer:
    """Weekly progress, real changes, adherence and asymmetry from the session history.

    Parameters
    ----------
    calibrations : dict, optional
        ``side -> KneeToWallCalibration`` applied to the cm values.
    min_dof : int
        See :class:`MinimalDetectableChange`.

    Attributes
    ----------
    sides_ : tuple of str
        Sides with sessions: ``"left"``, ``"right"``, and ``"unspecified"`` for
        sessions recorded without a side.
    weeks_ : list of WeekSummary
        Every week from the first to the last session (weeks without sessions included).
    mdc_ : dict
        ``(side, "deg" | "cm") -> MinimalDetectableChange``.
    changes_ : list of Change
        Between consecutive measured weeks.
    overall_ : list of Change
        From the first to the latest measured week (per side and metric): a
        steady gain can be real over weeks while no single week's step is.
    asymmetry_ : list of Asymmetry
    adherence_ : dict
        ``weeks``, ``weeks_with_session`` (>= 1), ``mean_per_week``, ``days_with_session``, ``days``.
    """

    def __init__(self, calibrations: dict[str, KneeToWallCalibration | None] | None = None, min_dof: int = 4) -> None:
        self.calibrations = calibrations or {}
        self.min_dof = min_dof

    @staticmethod
    def side_of(s: SessionRecord) -> str:
        return s.side or UNSPECIFIED

    def _value(self, s: SessionRecord, metric: str) -> float | None:
        if metric == "ktw_cm":
            return s.ktw_cm_with(self.calibrations.get(self.side_of(s)))
        return getattr(s, metric)

    def fit(self, sessions: list[SessionRecord]) -> "ProgressAnalyzer":
        """Summarise ``sessions`` (any order)."""
        sessions = sorted(sessions, key=lambda s: s.started_at)
        self.mdc_ = {}
        present = {self.side_of(s) for s in sessions}
        self.sides_ = tuple(x for x in (*SIDES, UNSPECIFIED) if x in present)
        for side in (*SIDES, UNSPECIFIED):
            mine = [s for s in sessions if self.side_of(s) == side]
            cal = self.calibrations.get(side)
            self.mdc_[(side, "deg")] = MinimalDetectableChange(LITERATURE_MDC["deg"], self.min_dof).fit(
                [s.ktw_trials_deg for s in mine])
            self.mdc_[(side, "cm")] = MinimalDetectableChange(LITERATURE_MDC["cm"], self.min_dof).fit(
                [s.trials_cm_with(cal) for s in mine])
        self.weeks_ = self._weeks(sessions)
        self.changes_ = self._changes()
        self.overall_ = self._overall()
        self.asymmetry_ = self._asymmetry()
        days = {s.started_at.date() for s in sessions}
        n_days = (max(days) - min(days)).days + 1 if days else 0
        counts = np.array([w.sessions for w in self.weeks_])
        self.adherence_ = {
            "weeks": len(self.weeks_),
            "weeks_with_session": int(np.count_nonzero(counts >= MIN_PER_WEEK)),
            "mean_per_week": float(counts.mean()) if counts.size else 0.0,
            "days_with_session": len(days),
            "days": n_days,
        }
        return self

    def _weeks(self, sessions: list[SessionRecord]) -> list[WeekSummary]:
        if not sessions:
            return []
        first = week_start(sessions[0].started_at.date())
        last = week_start(sessions[-1].started_at.date())
        weeks = []
        d = first
        while d <= last:
            mine = [s for s in sessions if week_start(s.started_at.date()) == d]
            values = {}
            for side in self.sides_:
                for metric in METRICS:
                    vals = [v for s in mine if self.side_of(s) == side and (v := self._value(s, metric)) is not None]
                    values[(side, metric)] = float(np.mean(vals)) if vals else None
            weeks.append(WeekSummary(d, len(mine), values))
            d += timedelta(days=7)
        return weeks

    def _mdc(self, side: str, metric: str) -> MinimalDetectableChange:
        return self.mdc_[(side, "cm" if metric == "ktw_cm" else "deg")]

    def _change(self, side: str, metric: str, a: WeekSummary, b: WeekSummary) -> Change:
        """The change of ``metric`` on ``side`` from week ``a`` to week ``b``, judged against the MDC."""
        mdc = self._mdc(side, metric)
        before, after = a.value(side, metric), b.value(side, metric)
        if before is None or after is None:
            raise ValueError(f"no {metric} for {side} in one of the weeks compared")
        return Change(side, metric, a.start, b.start, before, after, mdc.mdc_, mdc.source_,
                      mdc.verdict(after - before))

    def _measured(self, side: str, metric: str) -> list[WeekSummary]:
        return [w for w in self.weeks_ if w.value(side, metric) is not None]

    def _changes(self) -> list[Change]:
        return [self._change(side, metric, a, b)
                for side in self.sides_ for metric in METRICS
                for a, b in zip(self._measured(side, metric), self._measured(side, metric)[1:])]

    def _overall(self) -> list[Change]:
        out = []
        for side in self.sides_:
            for metric in METRICS:
                measured = self._measured(side, metric)
                if len(measured) >= 3:  # with two weeks it is the week-to-week change already
                    out.append(self._change(side, metric, measured[0], measured[-1]))
        return out

    def _asymmetry(self) -> list[Asymmetry]:
        out = []
        for w in self.weeks_:
            for metric in METRICS:
                left, right = w.value("left", metric), w.value("right", metric)
                if left is not None and right is not None:
                    mdc = max(self._mdc("left", metric).mdc_, self._mdc("right", metric).mdc_)
                    out.append(Asymmetry(w.start, metric, left, right, mdc))
        return out

    def statements(self) -> list[str]:
        """Plain-language lines: the latest change per side and metric, asymmetry, adherence."""
        lines = []
        latest: dict = {}
        for c in self.changes_:
            latest[(c.side, c.metric)] = c
        for c in latest.values():
            lines.append(c.sentence())
        for c in self.overall_:
            lines.append("Since the start: " + c.sentence())
        for a in self.asymmetry_[-len(METRICS):]:
            name, unit = METRICS[a.metric]
            side = "left" if a.difference > 0 else "right"
            lines.append(f"Week of {a.week:%d %b}, {name}: left {a.left:.1f}{unit}, right {a.right:.1f}{unit}; "
                         + (f"the {side} side is ahead by {abs(a.difference):.1f}{unit}, more than measurement "
                            "error: a real asymmetry." if a.real else
                            f"the {abs(a.difference):.1f}{unit} difference is within measurement error."))
        ad = self.adherence_
        if ad["weeks"]:
            lines.append(f"Adherence: a session in {ad['weeks_with_session']} of {ad['weeks']} week(s) "
                         f"(the routine asks for at least {MIN_PER_WEEK} a week), {ad['mean_per_week']:.1f} "
                         f"sessions a week on average (ideal: {IDEAL_PER_WEEK}); sessions on "
                         f"{ad['days_with_session']} of {ad['days']} days.")
        return lines
