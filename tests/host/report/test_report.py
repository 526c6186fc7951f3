"""The session report: its numbers are the analysis JSON's, it is self-contained, gaps are shown."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from dorsi.cli import main
from dorsi.history.calibration import KneeToWallCalibration
from dorsi.views.report import SessionReport, knee_to_wall_result, summarise_exercise


class _Cells(HTMLParser):
    """Collect ``data-key``/``data-value`` pairs, image sources and any external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.images: list[str] = []
        self.external: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if "data-key" in a:
            self.values[a["data-key"]] = a.get("data-value", "")
        if tag == "img":
            self.images.append(a["src"])
        for name in ("src", "href"):
            if name in a and not a[name].startswith(("data:", "#")):
                self.external.append(a[name])


def _parse(html: str) -> _Cells:
    p = _Cells()
    p.feed(html)
    return p


def _num(text: str):
    return None if text in ("", "None") else eval(text, {"__builtins__": {}})  # repr of int/float/bool/None


@pytest.fixture(scope="module")
def report(session):
    return SessionReport().build(session)


def test_table_numbers_equal_the_analysis_json(session, report):
    cells = _parse(report.html_).values
    exercises = session.analysis["exercises"]
    assert len(exercises) >= 3
    for i, ex in enumerate(exercises):
        assert cells[f"exercises.{i}.exercise"].strip("'") == ex["exercise"]
        assert _num(cells[f"exercises.{i}.reps_done"]) == len(ex["reps"])
        assert _num(cells[f"exercises.{i}.heel_free_reps"]) == sum(not r["heel_lift"] for r in ex["reps"])
        assert _num(cells[f"exercises.{i}.holds_met"]) == sum(bool(h["met"]) for h in ex["holds"])
        assert _num(cells[f"exercises.{i}.score"]) == ex["quality"]["score"]
        down = [r["peak_angle_deg"] for r in ex["reps"] if not r["heel_lift"]]  # heel-lifted reps do not count
        peaks = down or [r["peak_angle_deg"] for r in ex["reps"]] or [h["mean_angle_deg"] for h in ex["holds"]]
        assert _num(cells[f"exercises.{i}.peak_angle_deg"]) == (max(peaks) if peaks else None)
        lowering = [r["lowering_s"] for r in ex["reps"] if r.get("lowering_s") is not None]
        got = _num(cells[f"exercises.{i}.lowering_mean_s"])
        assert (got is None) == (not lowering)
        if lowering:
            assert got == pytest.approx(sum(lowering) / len(lowering))
        for name, value in ex["quality"]["components"].items():
            if value is not None:
                assert _num(cells[f"exercises.{i}.components.{name}"]) == value
    assert _num(cells["quality.score"]) == session.analysis["quality"]["score"]


def test_eccentric_lowering_times_are_reported(session, report):
    drops = [ex for ex in session.analysis["exercises"] if ex["exercise"] == "eccentric_drop"]
    assert drops and any(r.get("lowering_s") for r in drops[0]["reps"])
    s = summarise_exercise(drops[0])
    assert s.lowering_mean_s is not None and s.lowering_min_s <= s.lowering_mean_s
    assert "slow enough" in report.html_


def test_knee_to_wall_in_degrees_and_cm_against_the_aim(session, report):
    cells = _parse(report.html_).values
    trials = next(ex for ex in session.analysis["exercises"] if ex["exercise"] == "knee_to_wall")["reps"]
    valid = [r for r in trials if not r["heel_lift"]] or trials
    best = max(valid, key=lambda r: r["peak_angle_deg"])
    assert _num(cells["ktw.best_deg"]) == best["peak_angle_deg"]
    assert _num(cells["ktw.best_cm"]) == best["knee_to_wall_cm"]
    for i, r in enumerate(trials):
        assert _num(cells[f"ktw.trials_deg.{i}"]) == r["peak_angle_deg"]
        assert _num(cells[f"ktw.valid.{i}"]) is (not r["heel_lift"])
    assert "8 cm aim" in report.html_


def test_calibration_changes_the_cm_not_the_degrees(session):
    base = knee_to_wall_result(session.analysis)
    cal = KneeToWallCalibration().fit(base.best_deg, base.best_cm + 2.0)
    shifted = knee_to_wall_result(session.analysis, cal)
    assert shifted.best_deg == base.best_deg
    assert shifted.best_cm == pytest.approx(base.best_cm + 2.0, abs=0.06)  # JSON cm is rounded to 0.1
    assert shifted.calibrated and not base.calibrated


def test_gaps_are_shown_honestly(session, report):
    gaps = session.analysis["gaps"]
    assert gaps, "the fixture simulates packet loss"
    cells = _parse(report.html_).values
    assert _num(cells["gaps.count"]) == len(gaps)
    assert _num(cells["gaps.samples_lost"]) == sum(g["samples_lost"] for g in gaps)
    assert "Nothing was filled in" in report.html_


def test_page_is_self_contained_and_phone_ready(report):
    page = _parse(report.html_)
    assert page.external == []
    assert "script" not in page.tags
    assert 'name="viewport"' in report.html_ and "Content-Security-Policy" in report.html_
    assert len(page.images) >= 2
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"https?://", report.html_)


def test_cli_writes_html_and_png(sim_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("DORSI_HOME", str(tmp_path / "home"))
    out, _ = sim_dir
    html_path, png_path = tmp_path / "r.html", tmp_path / "figures" / "2026" / "r.png"  # its folder made
    assert main(["report", str(out / "shin.csv"), "--out", str(html_path)]) == 0
    assert main(["report", str(out / "shin.csv"), "--png", "--out", str(png_path)]) == 0
    assert html_path.read_text().startswith("<!DOCTYPE html>")
    assert png_path.read_bytes()[:4] == b"\x89PNG"
    assert oct(html_path.stat().st_mode & 0o777) == "0o600"
    assert oct(png_path.parent.stat().st_mode & 0o777) == "0o700"


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,acc_x\n0,1\n")
    assert main(["report", str(bad), "--out", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dorsi report: error:") and "\n" not in err


def test_progress_lines_are_shown_when_given(session):
    lines = ["Right knee-to-wall: +1.0 deg. That is within the 4.6 deg that measurement error alone can produce."]
    page = SessionReport(progress=lines, detail_figures=False).build(session).html_
    assert 'id="progress"' in page and "measurement error alone" in page
    assert 'id="progress"' not in SessionReport(detail_figures=False).build(session).html_


def test_report_uses_the_history_calibration(sim_dir, tmp_path):
    from dorsi.history import History

    out, _ = sim_dir
    home = tmp_path / "home"
    with History(home) as h:
        rec = h.add_file(out / "shin.csv", exercise="knee_to_wall")
        cal = h.calibrate(12.0)
    page = tmp_path / "r.html"
    assert main(["report", str(out / "shin.csv"), "--exercise", "knee_to_wall", "--home", str(home),
                 "--out", str(page)]) == 0
    cells = _parse(page.read_text()).values
    assert _num(cells["ktw.best_cm"]) == pytest.approx(float(cal.cm(rec.ktw_deg)))
    assert "Progress" in page.read_text() and "calibrated with your tape measurement" in page.read_text()
    assert "Pain: none reported in the last 1 session(s)." in page.read_text()  # pain over the sessions kept


def test_a_problem_of_the_input_is_listed_once_as_a_warning() -> None:
    from dorsi.views.report import html

    problem = "s.dorsi: truncated tail: the last 45 bytes are an incomplete record"
    section = html.gaps_section({"gaps": [], "notes": [problem, "the foot sensor was silent"]},
                                [problem, "s.dorsi: the session did not close cleanly (no end record)"])
    assert section.count("truncated tail") == 1
    assert f'<li class="warn">{problem}</li>' in section
    assert '<li class="warn">s.dorsi: the session did not close cleanly' in section
    assert "<li>the foot sensor was silent</li>" in section


def test_a_kept_session_is_named_by_its_id_or_latest(tmp_path, capsys):
    from datetime import datetime, timedelta, timezone

    from dorsi.export import load_session
    from dorsi.history import History
    from dorsi.sim import SimOptions, simulate

    home = tmp_path / "home"
    ids = []
    with History(home) as h:
        for day, seed in ((1, 61), (2, 62)):
            simulate("knee_to_wall", seed=seed, options=SimOptions(rate_hz=50)).to_csv(tmp_path / str(seed),
                                                                                       traces=False)
            s = load_session(tmp_path / str(seed) / "shin.csv", exercise="knee_to_wall")
            when = datetime(2026, 11, day, 9, tzinfo=timezone.utc) + timedelta(minutes=seed)
            ids.append(h.add(s.path, s.analysis, started_at=when).id)
    assert main(["history", "--home", str(home)]) == 0
    listed = capsys.readouterr().out
    assert all(i in listed for i in ids), listed  # whole ids, to copy
    for name, expected in (("latest", ids[1]), (ids[0], ids[0]), (ids[0][:13], ids[0])):
        out = tmp_path / f"{name}.html"
        assert main(["report", name, "--home", str(home), "--out", str(out)]) == 0
        assert f"{expected}.csv" in out.read_text()  # the kept copy's name is in the page's heading
    assert main(["report", "202611", "--home", str(home), "--out", str(tmp_path / "x.html")]) == 2
    assert "matches 2 kept sessions" in capsys.readouterr().err


def test_the_whole_session_figure_names_the_aim_in_its_legend_not_over_the_segment(session):
    from dorsi.views.report.figure import SessionFigure

    whole = SessionFigure().draw(session.trace, session.analysis).figure_
    labels = [t.get_text() for t in whole.legends[0].get_texts()]
    assert "knee-to-wall aim (8 cm)" in labels
    assert not any("cm aim" in t.get_text() for t in whole.axes[0].texts)  # no label squeezed over 30 s
    ktw = next(e for e in session.analysis["exercises"] if e["exercise"] == "knee_to_wall")
    zoom = SessionFigure().draw(session.trace, session.analysis, ktw["start_s"], ktw["end_s"]).figure_
    assert any(t.get_text().strip() == "8 cm aim" for t in zoom.axes[0].texts)


def test_a_session_nothing_of_which_could_be_scored_reads_not_scored(tmp_path):
    """Ankle circles on the shin sensor alone cannot be scored (the foot's angle is needed): the
    overall 0 of the JSON is no score, and the report says so rather than "0/100"."""
    from dorsi.sim import SimOptions, simulate

    s = simulate("ankle_circles", seed=3, options=SimOptions(rate_hz=50))
    s.to_csv(tmp_path, traces=False)
    out = tmp_path / "r.html"
    assert main(["report", str(tmp_path / "shin.csv"), "--exercise", "ankle_circles", "--out", str(out)]) == 0
    page = out.read_text()
    assert _parse(page).values["quality.score"] == ""
    assert "not scored" in page and "0/100" not in page


def test_pain_is_marked_on_the_figure_where_and_when_it_was_reported(session):
    import copy

    from dorsi.views.report.figure import COLORS, SessionFigure

    lunge = next(e for e in session.analysis["exercises"] if e["exercise"] == "band_lunge")
    analysis = copy.deepcopy(session.analysis)
    t0 = float(session.trace.t[0])
    analysis["pain"] = [{"t_s": lunge["start_s"] + 5.0, "level": 6, "exercise": "band_lunge", "angle_deg": 31.5},
                        {"t_s": lunge["end_s"] + 1.0, "level": None, "exercise": None, "angle_deg": None}]
    fig = SessionFigure().draw(session.trace, analysis).figure_
    marks = [line for line in fig.axes[0].lines if line.get_marker() == "P" and line.get_color() == COLORS["pain"]]
    assert sorted(float(m.get_xdata()[0]) for m in marks) == pytest.approx(
        [lunge["start_s"] + 5.0 - t0, lunge["end_s"] + 1.0 - t0])
    assert [float(m.get_ydata()[0]) for m in marks][0] == 31.5  # at the angle it hurt near
    assert "6/10" in [t.get_text() for t in fig.axes[0].texts]
    assert "pain reported" in [t.get_text() for t in fig.legends[0].get_texts()]
    plain = SessionFigure().draw(session.trace, session.analysis).figure_
    assert "pain reported" not in [t.get_text() for t in plain.legends[0].get_texts()]
