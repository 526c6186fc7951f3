"""Build a session report: summary tables, knee-to-wall result, figures, data gaps."""

from __future__ import annotations

from html import escape
from pathlib import Path

from dorsi.export.session import Session
from dorsi.history.calibration import KneeToWallCalibration
from dorsi.private_files import write_private
from dorsi.routine import Routine
from dorsi.routine.loader import default_routine
from dorsi.score import overall_scored
from dorsi.views.report import html
from dorsi.views.report.figure import SessionFigure
from dorsi.views.report.summary import (
    DEFAULT_KTW_AIM_CM,
    ExerciseSummary,
    KneeToWallResult,
    knee_to_wall_result,
    session_completion,
    summarise_exercise,
)


class SessionReport:
    """A self-contained HTML report of one session.

    Parameters
    ----------
    routine : Routine, optional
        Titles and targets (default: the session's own, else the packaged routine).
    calibration : KneeToWallCalibration, optional
        The user's knee-to-wall calibration (default: uncalibrated estimate).
    detail_figures : bool
        Add one zoomed figure per exercise (easier to read on a phone).
    progress : list of str, optional
        Plain-language progress lines (``ProgressAnalyzer.statements()``) shown
        under "Progress": whether week-to-week changes exceed measurement error.

    Attributes
    ----------
    summaries_ : list of ExerciseSummary
    knee_to_wall_ : KneeToWallResult or None
    main_png_ : bytes
        The whole-session figure (what ``dorsi report --png`` writes).
    html_ : str
        The page.
    """

    def __init__(self, routine: Routine | None = None, calibration: KneeToWallCalibration | None = None,
                 detail_figures: bool = True, progress: list[str] | None = None) -> None:
        self.routine = routine
        self.progress = progress
        self.calibration = calibration
        self.detail_figures = detail_figures

    def _aim(self, routine: Routine) -> float:
        try:
            return routine["knee_to_wall"].min_knee_to_wall_cm or DEFAULT_KTW_AIM_CM
        except KeyError:
            return DEFAULT_KTW_AIM_CM

    @staticmethod
    def _swing(routine: Routine) -> tuple[str, ...]:
        return tuple(spec.id for spec in routine.exercises if spec.signal == "knee_swing")

    def main_figure(self, session: Session) -> SessionFigure:
        routine = self.routine or session.routine or default_routine()
        return SessionFigure(ktw_aim_cm=self._aim(routine), calibration=self.calibration,
                             knee_swing_exercises=self._swing(routine)).draw(
            session.trace, session.analysis, title="Ankle angle over the session")

    def build(self, session: Session) -> "SessionReport":
        """Compute the summaries, draw the figures and render the page."""
        routine = self.routine or session.routine or default_routine()
        analysis = session.analysis
        self.summaries_: list[ExerciseSummary] = [summarise_exercise(ex, routine) for ex in analysis["exercises"]]
        self.knee_to_wall_: KneeToWallResult | None = knee_to_wall_result(analysis, self.calibration, routine)
        self.main_png_ = self.main_figure(session).png()
        done, total, completion = session_completion(analysis, routine)
        score = int(analysis["quality"]["score"]) if overall_scored(analysis) else None
        side = session.side or "side not recorded"
        meta = (f"{session.started_at:%Y-%m-%d %H:%M} UTC \u00b7 {analysis['duration_s'] / 60:.1f} min \u00b7 "
                f"{escape(side)} \u00b7 {'shin + foot sensors' if analysis.get('source') == 'ankle' else 'shin sensor'}"
                f" \u00b7 {escape(session.path.name)}")
        score_card = (f'<div class="card">quality score<div class="big" data-key="quality.score" data-value="{score}">'
                      f"{score}/100</div></div>" if score is not None else
                      '<div class="card">quality score<div class="big" data-key="quality.score" data-value="">'
                      "not scored</div>no exercise could be scored with the sensors worn</div>")
        body = [
            '<section id="overview"><div class="cards">' + score_card +
            f'<div class="card">exercises done<div class="big">{done} / {total}</div>'
            f"{100 * completion:.0f}% of their targets</div></div></section>",
        ]
        t0 = float(session.trace.t[0]) if len(session.trace) else 0.0
        body.append(html.pain_section(analysis, routine.titles, t0,
                                      reportable=session.kind in ("recording", "sensor_logger")))
        if self.knee_to_wall_ is not None:
            body.append(html.knee_to_wall_section(self.knee_to_wall_))
        body.append('<section id="trace"><h2>Ankle angle</h2>'
                    + html.img(self.main_png_, "ankle angle over the whole session with reps, holds and heel lifts")
                    + "</section>")
        rows = [html.exercise_row(i, s) for i, s in enumerate(self.summaries_)]
        body.append('<section id="exercises"><h2>Exercises: target vs achieved</h2>'
                    + html.table(html.EXERCISE_HEADERS, rows) + "</section>")
        body.append('<section id="quality"><h2>Quality score</h2><p class="meta">Each exercise scores its '
                    "completion, holds reaching their target, heel kept down, range reached and control "
                    "(slow lowering, no foot rolling in); the session score is the mean.</p>"
                    + html.components_table(self.summaries_) + "</section>")
        if self.progress:
            items = "".join(f"<li>{escape(line)}</li>" for line in self.progress)
            body.append('<section id="progress"><h2>Progress</h2><p class="meta">A change counts only when it '
                        "is larger than the minimal detectable change (MDC95): smaller changes can come from "
                        f"measurement error alone.</p><ul>{items}</ul></section>")
        body.append(html.gaps_section(analysis, session.problems))
        if self.detail_figures:
            body.append(self._details(session, routine))
        self.html_ = html.page("dorsi session report", meta, body)
        return self

    def _details(self, session: Session, routine: Routine) -> str:
        parts = ['<section id="details"><h2>Each exercise</h2>']
        fig = SessionFigure(width_in=6.4, height_in=3.4, dpi=100, ktw_aim_cm=self._aim(routine),
                            calibration=self.calibration, knee_swing_exercises=self._swing(routine))
        for s, ex in zip(self.summaries_, session.analysis["exercises"]):
            png = fig.draw(session.trace, session.analysis, ex["start_s"], ex["end_s"]).png()
            notes = "".join(f"<li>{escape(n)}</li>" for n in s.notes)
            parts.append(f"<h3>{escape(s.title)}</h3>" + html.img(png, f"ankle angle during {s.title}")
                         + (f"<ul>{notes}</ul>" if notes else ""))
        return "".join(parts) + "</section>"

    def write(self, path: str | Path) -> Path:
        """Write the page (mode 0600: it holds health data)."""
        return _write_private(Path(path), self.html_.encode("utf-8"))

    def write_png(self, path: str | Path) -> Path:
        """Write the whole-session figure of the built report alone."""
        return _write_private(Path(path), self.main_png_)

    def write_figure(self, session: Session, path: str | Path) -> Path:
        """Draw and write the whole-session figure alone (no page is built)."""
        return _write_private(Path(path), self.main_figure(session).png())


def _write_private(path: Path, data: bytes) -> Path:
    return write_private(path, data)
