"""The session history: private files, the add API, listing, calibration, progress."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta, timezone

import pytest

from dorsi.cli import main
from dorsi.history import History, HistoryError, ProgressAnalyzer, SessionRecord, home_dir
from dorsi.sim import SimOptions, simulate


@pytest.fixture(scope="module")
def ktw_csv(tmp_path_factory):
    s = simulate("knee_to_wall", seed=21, options=SimOptions(rate_hz=50))
    out = tmp_path_factory.mktemp("ktw")
    s.to_csv(out, traces=False)
    return out / "shin.csv"


def _mode(p):
    return stat.S_IMODE(p.stat().st_mode)


def test_home_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("DORSI_HOME", str(tmp_path / "env"))
    assert home_dir() == tmp_path / "env"
    assert home_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("DORSI_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert home_dir() == tmp_path / ".local" / "share" / "dorsi"


def test_add_keeps_a_private_copy_and_indexes_it(ktw_csv, tmp_path):
    from dorsi.export import load_session

    session = load_session(ktw_csv, exercise="knee_to_wall")
    with History(tmp_path / "h") as h:
        rec = h.add(ktw_csv, session.analysis, side="left",
                    started_at=datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc))
        assert h.add(ktw_csv, json.dumps(session.analysis)).id == rec.id  # same file: no duplicate
        assert [s.id for s in h.sessions()] == [rec.id]
        assert h.analysis(rec.id) == session.analysis
        stored = h.recording_path(rec.id)
    assert stored.read_bytes() == ktw_csv.read_bytes()
    assert _mode(tmp_path / "h") == 0o700 and _mode(tmp_path / "h" / "recordings") == 0o700
    for f in (tmp_path / "h").rglob("*"):
        if f.is_file():
            assert _mode(f) == 0o600, f
    trials = session.analysis["exercises"][0]["reps"]
    valid = [r["peak_angle_deg"] for r in trials if not r["heel_lift"]]
    assert rec.side == "left" and rec.score == session.analysis["quality"]["score"]
    assert rec.ktw_deg == max(valid) and rec.ktw_trials_deg == tuple(valid)


def test_bad_adds_are_refused(ktw_csv, tmp_path):
    with History(tmp_path / "h") as h:
        with pytest.raises(HistoryError, match="not a dorsi.analysis.v1"):
            h.add(ktw_csv, {"schema": "other"})
        with pytest.raises(HistoryError, match="cannot read"):
            h.add(tmp_path / "missing.dorsi", {"schema": "x"} | _minimal())
        with pytest.raises(HistoryError, match="no session with a knee-to-wall"):
            h.calibrate(9.0)


def _minimal():
    return {"schema": "dorsi.analysis.v1", "sample_rate_hz": 100.0, "duration_s": 1.0, "exercises": [],
            "quality": {"score": 0}}


def test_calibration_from_one_tape_measurement(ktw_csv, tmp_path):
    with History(tmp_path / "h") as h:
        rec = h.add_file(ktw_csv, exercise="knee_to_wall")
        cal = h.calibrate(9.5)
        assert cal.cm(rec.ktw_deg) == pytest.approx(9.5)
        assert h.calibration(rec.side).offset_cm_ == pytest.approx(cal.offset_cm_)
        with pytest.raises(ValueError, match="implausible"):
            h.calibrate(80.0)


def _record(day: int, side: str | None, trials: tuple[float, ...], hour: int = 9) -> SessionRecord:
    t = datetime(2026, 1, 5, hour, tzinfo=timezone.utc) + timedelta(days=day)
    return SessionRecord(f"s{day}{side}", t, side, 80, 3, 11, 1.0, max(trials), max(trials) * 0.3,
                         trials, tuple(x * 0.3 for x in trials), max(trials) + 2, "x")


def test_progress_calls_only_changes_beyond_the_mdc_real():
    sessions = [_record(0, "left", (30.0, 30.5, 31.0)), _record(1, "right", (40.0, 40.2, 40.4)),
                _record(7, "left", (31.0, 31.5, 32.0)),  # +1 deg: within noise
                _record(14, "left", (37.0, 37.5, 38.0)),  # +6 deg: real
                _record(15, "right", (40.5, 40.0, 40.3))]
    p = ProgressAnalyzer().fit(sessions)
    assert [w.sessions for w in p.weeks_] == [2, 1, 2]
    left = [c for c in p.changes_ if c.side == "left" and c.metric == "ktw_deg"]
    mdc = p.mdc_[("left", "deg")]
    assert mdc.source_ == "own" and mdc.mdc_ < 4.6  # the user's trials are tighter than the literature
    assert [c.verdict for c in left] == ["no real change", "improved"]
    assert "not a real change" in left[0].sentence() and "a real improvement" in left[1].sentence()
    asym = [a for a in p.asymmetry_ if a.metric == "ktw_deg"]
    assert asym[0].difference == pytest.approx(31.0 - 40.4) and asym[0].real
    assert p.adherence_ == {"weeks": 3, "weeks_with_session": 3, "mean_per_week": pytest.approx(5 / 3),
                            "days_with_session": 5, "days": 16}


def test_weeks_without_sessions_count_against_adherence():
    p = ProgressAnalyzer().fit([_record(0, "left", (30.0,)), _record(21, "left", (30.0,))])
    assert [w.sessions for w in p.weeks_] == [1, 0, 0, 1]
    assert p.adherence_["weeks_with_session"] == 2
    assert p.mdc_[("left", "deg")].source_ == "literature"


def test_cli_history_and_progress(ktw_csv, tmp_path, capsys):
    home = str(tmp_path / "h")
    assert main(["progress", "--home", home]) == 2
    assert main(["history", "add", str(ktw_csv), "--exercise", "knee_to_wall", "--home", home]) == 0
    assert main(["history", "--home", home]) == 0
    assert main(["history", "calibrate", "--cm", "9.5", "--home", home]) == 0
    png = tmp_path / "p.png"
    assert main(["progress", "--home", home, "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "1 session(s)" in out and "calibrated: 9.5 cm" in out and "MDC95" in out
    assert "Pain: none reported in the last 1 session(s)." in out
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("action", ["add", "calibrate", "rebuild", "list"])
def test_cli_history_home_given_before_the_action_is_the_one_used(ktw_csv, tmp_path, monkeypatch, action):
    """``dorsi history --home DIR ACTION``: the action's own default once hid DIR, and the session went
    to the default folder."""
    default = tmp_path / "default"
    monkeypatch.setenv("DORSI_HOME", str(default))
    home = tmp_path / "chosen"
    assert main(["history", "add", str(ktw_csv), "--exercise", "knee_to_wall", "--home", str(home)]) == 0
    kept = sorted((home / "recordings").iterdir())
    extra = {"add": [str(ktw_csv), "--exercise", "knee_to_wall"], "calibrate": ["--cm", "9.5"]}.get(action, [])
    assert main(["history", "--home", str(home), action, *extra]) == 0
    assert not default.exists()
    assert sorted((home / "recordings").iterdir()) == kept  # the same session again: kept once


def test_cli_history_says_when_a_session_could_not_be_scored(tmp_path, capsys):
    """Ankle circles on the shin sensor alone cannot be scored: the list says "not scored", not a
    score of 0 that would read as a bad session."""
    from dorsi.sim import SimOptions, simulate

    simulate("ankle_circles", seed=3, options=SimOptions(rate_hz=50)).to_csv(tmp_path, traces=False)
    home = str(tmp_path / "h")
    assert main(["history", "add", str(tmp_path / "shin.csv"), "--exercise", "ankle_circles", "--home", home]) == 0
    assert main(["history", "--home", home]) == 0
    out = capsys.readouterr().out
    assert out.count("not scored") == 2  # as added, and in the list


def test_cli_history_add_takes_the_segments_of_a_marker_less_csv(ktw_csv, tmp_path, capsys):
    home = str(tmp_path / "h")
    segments = tmp_path / "segments.csv"
    segments.write_text("exercise,start_s,end_s\nknee_to_wall,0.5,10.0\n")
    assert main(["history", "add", str(ktw_csv), "--segments", str(segments), "--home", home]) == 0
    assert "knee-to-wall" in capsys.readouterr().out  # read as the knee-to-wall test it is
    with History(home) as h:
        (rec,) = h.sessions()
        assert rec.ktw_deg is not None and (rec.exercises_done, rec.exercises_total) == (1, 11)
        (kept,) = h.analysis(rec.id)["exercises"]
        assert (kept["exercise"], kept["start_s"], kept["end_s"]) == ("knee_to_wall", 0.5, 10.0)
    assert main(["history", "add", str(ktw_csv), "--segments", str(segments), "--exercise", "band_lunge",
                 "--home", home]) == 2
    assert "not both" in capsys.readouterr().err


def test_a_two_sensor_csv_is_kept_with_its_foot_file(tmp_path):
    from dorsi.export import load_session
    from dorsi.sources import read_imu_csv

    simulate("band_lunge", seed=22, options=SimOptions(rate_hz=50, foot_sensor=True)).to_csv(tmp_path / "in",
                                                                                          traces=False)
    with History(tmp_path / "h") as h:
        rec = h.add_file(tmp_path / "in", exercise="band_lunge")
        kept = h.recording_path(rec.id)
    assert kept.name.endswith(".shin.csv") and kept.with_name(rec.id + ".foot.csv").is_file()
    again = read_imu_csv(kept)
    assert again.foot is not None and len(again.foot) == len(read_imu_csv(tmp_path / "in").foot)
    assert load_session(kept, exercise="band_lunge").analysis["source"] == "ankle"


def test_a_steady_gain_is_real_over_weeks_even_when_no_single_week_is():
    sessions = [_record(7 * k, "right", (28.5 + 2 * k, 30.0 + 2 * k, 31.5 + 2 * k)) for k in range(5)]
    p = ProgressAnalyzer().fit(sessions)
    weekly = [c for c in p.changes_ if c.metric == "ktw_deg"]
    assert weekly and all(c.verdict == "no real change" for c in weekly)  # +2 deg < MDC each week
    overall = [c for c in p.overall_ if c.metric == "ktw_deg"]
    assert [c.verdict for c in overall] == ["improved"] and overall[0].delta == pytest.approx(8.0)
    assert any(line.startswith("Since the start:") and "a real improvement" in line for line in p.statements())


def test_sessions_without_a_side_are_followed_too():
    none = [_record(0, None, (30.0, 31.0, 32.0)), _record(7, None, (40.0, 41.0, 42.0))]
    p = ProgressAnalyzer().fit(none)
    assert p.sides_ == ("unspecified",)
    assert [c.verdict for c in p.changes_ if c.metric == "ktw_deg"] == ["improved"]
    assert p.asymmetry_ == []


def test_progress_figure_draws_sides_asymmetry_and_adherence():
    from dorsi.history.plot import ProgressFigure

    sessions = [_record(d, side, (30.0 + d / 7 + (side == "left") * 5, 31.0, 30.5)) for d in (0, 3, 8, 15)
                for side in ("left", "right")]
    fig = ProgressFigure().draw(ProgressAnalyzer().fit(sessions))
    axes = fig.figure_.axes
    assert len(axes) == 5
    assert {t.get_text().split(" ")[0] for t in axes[0].get_legend().get_texts()} == {"left", "right"}
    assert len(axes[3].containers[0]) == 3  # one left-right bar per week with both sides
    assert [round(p.get_height()) for p in axes[4].containers[0]] == [4, 2, 2]
    assert fig.png()[:4] == b"\x89PNG"


def test_add_reads_side_and_start_from_a_recording_header(tmp_path):
    from dorsi.protocol import encode_stream
    from dorsi.recording import RecordingWriter

    s = simulate("knee_to_wall", seed=3, options=SimOptions(rate_hz=50))
    path = tmp_path / "s.dorsi"
    header = {"devices": [{"slot": 0, "role": "shin"}], "profile": {"side": "left"},
              "started_at": "2026-02-03T07:15:00+0000"}
    with RecordingWriter(path, header) as w:
        for i, note in enumerate(encode_stream(s.shin, period_us=20000)):
            w.notification(0, 10.0 + 0.2 * i, note)
    analysis = {"schema": "dorsi.analysis.v1", "sample_rate_hz": 50.0, "duration_s": 30.0, "exercises": [],
                "quality": {"score": 55}}
    with History(tmp_path / "h") as h:
        rec = h.add(path, analysis)
        assert h.recording_path(rec.id).suffix == ".dorsi"
    assert rec.side == "left" and rec.score == 55
    assert rec.started_at == datetime(2026, 2, 3, 7, 15, tzinfo=timezone.utc)
    assert rec.id.startswith("20260203-071500-")


def test_adding_an_analysis_json_keeps_its_samples(ktw_csv, tmp_path):
    from dorsi.export import load_session

    analysis = load_session(ktw_csv, exercise="knee_to_wall").analysis
    doc = tmp_path / "run.json"
    doc.write_text(json.dumps(analysis))
    home = tmp_path / "h"
    assert main(["history", "add", str(doc), "--samples", str(ktw_csv), "--home", str(home)]) == 0
    with History(home) as h:
        (rec,) = h.sessions()
        assert h.recording_path(rec.id).read_bytes() == ktw_csv.read_bytes()
        assert h.analysis(rec.id) == analysis


def test_a_damaged_index_is_reported_and_rebuilt_from_the_kept_files(ktw_csv, tmp_path, capsys):
    home = tmp_path / "h"
    simulate("band_lunge", seed=23, options=SimOptions(rate_hz=50)).to_csv(tmp_path / "lunge", traces=False)
    with History(home) as h:
        h.add_file(ktw_csv, exercise="knee_to_wall")
        h.add_file(tmp_path / "lunge" / "shin.csv", exercise="band_lunge")
        before = [(s, h.analysis(s.id)) for s in h.sessions()]
    (home / "index.sqlite").write_bytes(b"not a database at all")
    assert main(["history", "--home", str(home)]) == 2
    err = capsys.readouterr().err
    assert "the history index cannot be read" in err and "dorsi history rebuild" in err
    # one session kept before index entries were written beside the recordings: analysed again
    lunge = next(s for s, _ in before if s.ktw_deg is None)
    (home / "recordings" / f"{lunge.id}.session.json").unlink()
    assert main(["history", "rebuild", "--home", str(home)]) == 0
    assert "2 session(s) indexed again" in capsys.readouterr().out
    assert len(list(home.glob("index.sqlite.damaged-*"))) == 1  # moved aside, not deleted
    with History(home) as h:
        after = {s.id: (s, h.analysis(s.id)) for s in h.sessions()}
    assert sorted(after) == sorted(s.id for s, _ in before)
    for record, analysis in before:
        again, again_analysis = after[record.id]
        if record.id != lunge.id:  # indexed from its entry: exactly as it was
            assert (again, again_analysis) == (record, analysis)
        else:  # analysed again (classified, no --exercise now): the same lunges
            assert again_analysis["exercises"][0]["exercise"] == "band_lunge"
            assert len(again_analysis["exercises"][0]["reps"]) == len(analysis["exercises"][0]["reps"])


def test_pain_over_the_latest_sessions_is_said_in_one_line():
    from dorsi.history.pain_trend import PainTrend

    day = datetime(2026, 11, 2, tzinfo=timezone.utc)
    analyses = [{"pain": []}, {"pain": [{"t_s": 1.0, "level": 3, "exercise": "band_lunge"}]}, {},
                {"pain": [{"t_s": 5.0, "level": None, "exercise": "band_lunge"},
                          {"t_s": 9.0, "level": 6, "exercise": "soleus_stretch"}, "junk"]}]
    sessions = [(day + timedelta(days=i), a) for i, a in enumerate(analyses)]
    trend = PainTrend().fit(list(reversed(sessions)))  # any order
    assert (trend.sessions_, trend.with_pain_, trend.reports_, trend.worst_) == (4, 2, 3, 6)
    line = trend.statement({"band_lunge": "Band lunges"})
    assert line.startswith("Pain: reported in 2 of the last 4 session(s), worst 6/10, most in Band lunges (2x)")
    assert "last on 2026-11-05" in line
    assert PainTrend(recent=1).fit(sessions[:3]).statement() == "Pain: none reported in the last 1 session(s)."
    assert PainTrend().fit([]).statement() == "Pain: no sessions yet."
