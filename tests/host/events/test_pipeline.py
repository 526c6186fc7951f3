"""The analysis pipeline and ``dorsi analyze``: one path, schema-valid JSON, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from dorsi.cli import main
from dorsi.pipeline import analyze, analyze_trace
from dorsi.samples import SampleBatch
from dorsi.sim import SimOptions, simulate
from sim_traces import truth_trace
from synth import lunge_session

SCHEMA = json.loads((Path(__file__).parents[3] / "docs" / "schemas" / "analysis-v1.json").read_text())


@pytest.fixture(scope="module")
def lunge_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lunge")
    simulate("band_lunge", seed=41, options=SimOptions(rate_hz=100.0, packet_loss=0.02)).to_csv(out)
    return out


def test_analyze_trace_output_is_schema_valid_and_counts_reps() -> None:
    trace, truth = lunge_session(np.random.default_rng(2), n_reps=12)
    result = analyze_trace(trace, exercise="band_lunge")
    doc = result.to_json()
    jsonschema.validate(doc, SCHEMA)
    (ex,) = doc["exercises"]
    assert len(ex["reps"]) == 12
    assert ex["target"] == {"reps": 30, "hold_s": None, "sets": None, "duration_s": None}
    assert ex["quality"]["components"]["completion"] == pytest.approx(12 / 30, abs=1e-3)
    assert doc["quality"]["score"] == ex["quality"]["score"]


def test_segments_split_a_routine_into_exercises() -> None:
    session = simulate("band_lunge", seed=42, options=SimOptions(rate_hz=100.0), reps=6)
    trace = truth_trace(session, "inclination", 42)
    cut = session.truth.reps[-1].end_s + 1.0
    t_end = float(trace.t[-1])
    result = analyze_trace(trace, segments=[("band_lunge", 0.0, cut), ("soleus_stretch", cut, t_end)])
    lunge, stretch = result.exercises
    assert (lunge.exercise, stretch.exercise) == ("band_lunge", "soleus_stretch")
    assert len(lunge.reps) == 6 and stretch.holds == []
    assert lunge.end_s < stretch.start_s + 0.02
    jsonschema.validate(result.to_json(), SCHEMA)


def test_analyze_from_samples_runs_the_angle_estimator() -> None:
    session = simulate("soleus_stretch", seed=43, options=SimOptions(rate_hz=52.0))
    result = analyze(session.shin, exercise="soleus_stretch", profile=dict(session.profile))
    (ex,) = result.exercises
    assert len(ex.holds) == len(session.truth.holds)
    for hold, true in zip(ex.holds, session.truth.holds):
        assert hold.duration_s == pytest.approx(true.duration_s, abs=1.0)


def test_bad_segments_are_rejected() -> None:
    trace, _ = lunge_session(np.random.default_rng(3), n_reps=2)
    with pytest.raises(ValueError, match="unknown exercise"):
        analyze_trace(trace, segments=[("lunges", 0.0, 5.0)])
    with pytest.raises(ValueError, match="not after start"):
        analyze_trace(trace, segments=[("band_lunge", 5.0, 1.0)])


def test_cli_json_on_a_csv_directory(lunge_dir: Path, capsys) -> None:
    assert main(["analyze", str(lunge_dir), "--exercise", "band_lunge", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    doc = json.loads(out[0])
    jsonschema.validate(doc, SCHEMA)
    truth = json.loads((lunge_dir / "truth.json").read_text())
    assert len(doc["exercises"][0]["reps"]) == len(truth["reps"])


def test_cli_table_lists_every_rep_and_the_knee_to_wall_uses_the_given_lengths(lunge_dir: Path, capsys,
                                                                               monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["analyze", str(lunge_dir), "--exercise", "band_lunge"]) == 0
    out = capsys.readouterr().out
    truth = json.loads((lunge_dir / "truth.json").read_text())
    assert "band_lunge" in out and "quality" in out
    assert f"rep {len(truth['reps'])} " in out and f"rep {len(truth['reps']) + 1} " not in out
    # the same reps as a knee-to-wall test: a longer shank puts the knee further forward
    cms = []
    for shank in ("0.38", "0.46"):
        assert main(["analyze", str(lunge_dir), "--exercise", "knee_to_wall", "--shank-length", shank,
                     "--json"]) == 0
        reps = json.loads(capsys.readouterr().out)["exercises"][0]["reps"]
        cms.append(max(r["knee_to_wall_cm"] for r in reps))
    assert cms[1] > cms[0] > 0


def test_cli_classifies_a_csv_without_exercise(lunge_dir: Path, capsys) -> None:
    assert main(["analyze", str(lunge_dir / "shin.csv"), "--format", "csv", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exercises"][0]["exercise"] == "band_lunge"
    assert any("classified" in n for n in doc["notes"])


@pytest.mark.parametrize("content,message", [
    (None, "no such file"),
    ("a,b\n1,2\n", "missing column"),
    ("not a recording", "not a recording, CSV, Sensor Logger or phyphox export, Axivity .cwa or analysis JSON"),
])
def test_cli_bad_input_exits_non_zero_with_one_line(tmp_path: Path, capsys, content, message) -> None:
    path = tmp_path / ("x.csv" if content and "," in content else "x.bin")
    if content is not None:
        path.write_text(content)
    assert main(["analyze", str(path), "--json"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and message in err


def test_cli_rejects_unknown_exercise(lunge_dir: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["analyze", str(lunge_dir), "--exercise", "lunges"])
    assert info.value.code != 0


def _write_recording(path: Path, session, routine=None) -> None:
    """A .dorsi recording of a simulated session: protocol-v1 packets plus exercise markers
    (and ``routine`` in its header, as a live session keeps the routine it ran)."""
    from dorsi.protocol.encode import encode_packets
    from dorsi.recording import RecordingWriter
    from dorsi.routine.header import routine_to_data

    shin, per = session.shin, 5
    packets = encode_packets(shin, samples_per_packet=per)
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(shin.seq) != 1) + 1, [len(shin)]))
    starts = np.concatenate([np.arange(a, b, per) for a, b in zip(bounds[:-1], bounds[1:])])
    ends = np.append(starts[1:], len(shin))
    marks = sorted([(s.start_s, "exercise_start", s.exercise) for s in session.truth.segments]
                   + [(s.end_s, "exercise_end", s.exercise) for s in session.truth.segments])
    header = {"profile": dict(session.profile), "devices": [{"slot": 0, "role": "shin"}]}
    if routine is not None:
        header["routine"] = routine_to_data(routine)
    writer = RecordingWriter(path, header)
    k = 0
    for packet, end in zip(packets, ends):
        t = float(shin.t[end - 1]) + 0.01
        while k < len(marks) and marks[k][0] <= t:
            writer.marker(marks[k][1], exercise=marks[k][2], t=marks[k][0])
            k += 1
        writer.notification(0, t, packet)
    for when, event, exercise in marks[k:]:
        writer.marker(event, exercise=exercise, t=when)
    writer.close()


def test_cli_recording_markers_give_the_segments(tmp_path: Path, capsys) -> None:
    from dorsi.sim import simulate_routine

    session = simulate_routine(seed=44, options=SimOptions(rate_hz=52.0), exercises=["band_lunge", "soleus_stretch"])
    path = tmp_path / "s.dorsi"
    _write_recording(path, session)
    assert main(["analyze", str(path), "--json"]) == 0
    _assert_lunges_then_stretch(json.loads(capsys.readouterr().out), session, 0.1)


def _assert_lunges_then_stretch(doc: dict, session, start_tolerance_s: float) -> None:
    """``doc`` (a ``--json`` result) holds the band lunges and the soleus stretch of ``session``."""
    jsonschema.validate(doc, SCHEMA)
    lunge, stretch = doc["exercises"]
    assert (lunge["exercise"], stretch["exercise"]) == ("band_lunge", "soleus_stretch")
    assert len(lunge["reps"]) == len(session.truth.reps_of("band_lunge"))
    assert len(stretch["holds"]) == len(session.truth.holds_of("soleus_stretch"))
    assert stretch["start_s"] == pytest.approx(session.truth.segments[1].start_s, abs=start_tolerance_s)


@pytest.fixture(scope="module")
def routine_dir(tmp_path_factory) -> tuple[Path, object]:
    """Two exercises back to back as one plain CSV (no markers), with the simulator's truth.json."""
    from dorsi.sim import simulate_routine

    session = simulate_routine(seed=45, options=SimOptions(rate_hz=52.0, packet_loss=0.02),
                               exercises=["band_lunge", "soleus_stretch"])
    out = tmp_path_factory.mktemp("routine")
    session.to_csv(out, traces=False)
    return out, session


def test_cli_segments_file_splits_a_plain_csv_as_markers_would(routine_dir, tmp_path: Path, capsys) -> None:
    out, session = routine_dir
    segments = tmp_path / "segments.csv"
    segments.write_text("exercise,start_s,end_s\n" + "".join(
        f"{g.exercise},{g.start_s},{g.end_s}\n" for g in session.truth.segments))
    assert main(["analyze", str(out), "--segments", str(segments), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    _assert_lunges_then_stretch(doc, session, 0.05)
    # the simulator's truth.json and the result itself name the same segments
    assert main(["analyze", str(out), "--segments", str(out / "truth.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exercises"] == doc["exercises"]
    again = tmp_path / "result.json"
    again.write_text(json.dumps(doc))
    assert main(["analyze", str(out), "--segments", str(again), "--json"]) == 0
    assert [e["exercise"] for e in json.loads(capsys.readouterr().out)["exercises"]] == ["band_lunge",
                                                                                        "soleus_stretch"]


@pytest.mark.parametrize("extra,message", [
    (["--exercise", "band_lunge"], "not both"),
    ([], "line 2: unknown exercise 'lunge'"),
    ([], "lies outside the data"),
])
def test_cli_bad_segments_exit_non_zero_with_one_line(routine_dir, tmp_path: Path, capsys, extra, message) -> None:
    out, _ = routine_dir
    rows = {"not both": "band_lunge,0,10", "line 2: unknown exercise 'lunge'": "lunge,0,10",
            "lies outside the data": "band_lunge,5000,6000"}[message]
    segments = tmp_path / "segments.csv"
    segments.write_text(f"exercise,start_s,end_s\n{rows}\n")
    assert main(["analyze", str(out), "--segments", str(segments), "--json", *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and captured.err.count("\n") == 1


def test_a_long_unmarked_input_is_analysed_as_one_exercise_with_a_note_saying_so(routine_dir, capsys,
                                                                                 monkeypatch) -> None:
    import importlib

    analyze_module = importlib.import_module("dorsi.pipeline.analyze")  # the module (the package exports a function)

    out, session = routine_dir
    duration = session.truth.segments[-1].end_s
    assert main(["analyze", str(out), "--json"]) == 0
    assert not any("--segments" in n for n in json.loads(capsys.readouterr().out)["notes"])
    monkeypatch.setattr(analyze_module, "ONE_EXERCISE_MAX_S", duration / 2)  # as if it lasted an hour
    assert main(["analyze", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["exercises"]) == 1
    assert any("classified as" in n and "--segments FILE" in n and "--segments auto" in n for n in doc["notes"])


def test_a_recording_is_judged_by_the_routine_it_was_run_with(tmp_path: Path, capsys) -> None:
    from dataclasses import replace

    from dorsi.export import load_session
    from dorsi.history import History
    from dorsi.routine import Routine, default_routine
    from dorsi.sim import simulate_routine
    from dorsi.views.report import SessionReport

    default = default_routine()
    lunge = default["band_lunge"]
    twelve = replace(lunge, target=replace(lunge.target, reps=12))
    mine = Routine("for one patient", (twelve, default["soleus_stretch"]))
    session = simulate_routine(seed=44, options=SimOptions(rate_hz=52.0), exercises=["band_lunge", "soleus_stretch"])
    path = tmp_path / "s.dorsi"
    _write_recording(path, session, mine)
    assert main(["analyze", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exercises"][0]["target"]["reps"] == 12  # the patient's target, not the packaged 30
    loaded = load_session(path)
    assert loaded.routine == mine and loaded.analysis["exercises"] == doc["exercises"]
    report = SessionReport().build(loaded)
    assert report.summaries_[0].reps_target == 12 and "exercises done<div class=\"big\">2 / 2</div>" in report.html_
    with History(tmp_path / "home") as h:
        assert h.add_file(path).exercises_total == 2
    # a routine named on the command line still wins
    assert main(["analyze", str(path), "--json", "--routine", str(Path(__file__).parents[3] / "host" / "src" / "dorsi"
                                                                  / "data" / "routine.toml")]) == 0
    assert json.loads(capsys.readouterr().out)["exercises"][0]["target"]["reps"] == 30


def test_an_exercise_the_routine_file_leaves_out_is_judged_by_the_default_targets(lunge_dir: Path, tmp_path: Path,
                                                                                  capsys) -> None:
    routine = tmp_path / "one.toml"
    routine.write_text('name = "lunges only"\n[[exercise]]\nid = "band_lunge"\ntitle = "Band lunges"\n'
                       'kind = "reps"\nsignal = "angle"\nreps = 10\n')
    assert main(["analyze", str(lunge_dir), "--exercise", "knee_to_wall", "--routine", str(routine), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exercises"][0]["target"]["reps"] == 3
    assert "knee_to_wall is not in the routine 'lunges only': its targets are the default routine's" in doc["notes"]
    assert main(["analyze", str(lunge_dir), "--exercise", "band_lunge", "--routine", str(routine), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exercises"][0]["target"]["reps"] == 10 and not any("not in the routine" in n for n in doc["notes"])


def test_cli_a_file_cut_off_mid_write_is_analysed_up_to_the_cut_and_says_so(routine_dir, tmp_path: Path,
                                                                            capsys) -> None:
    from dorsi.sim import simulate_routine

    session = simulate_routine(seed=44, options=SimOptions(rate_hz=52.0), exercises=["band_lunge", "soleus_stretch"])
    whole = tmp_path / "s.dorsi"
    _write_recording(whole, session)
    data = whole.read_bytes()
    cut = tmp_path / "cut.dorsi"
    cut.write_bytes(data[:-45])
    assert main(["analyze", str(cut), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [e["exercise"] for e in doc["exercises"]] == ["band_lunge", "soleus_stretch"]
    assert any(n.startswith(f"{cut}: truncated tail") for n in doc["notes"])
    out, _ = routine_dir
    text = (out / "shin.csv").read_text()
    shin = tmp_path / "shin.csv"
    shin.write_text(text[:len(text) - 30])  # into the last line
    assert main(["analyze", str(shin), "--segments", str(out / "truth.json"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any("the last line has" in n and "cut off while being written" in n for n in doc["notes"])
    assert doc["exercises"][1]["end_s"] < json.loads((out / "truth.json").read_text())["segments"][1]["end_s"]


def test_the_foot_sensors_losses_are_listed_and_a_long_silence_is_explained() -> None:
    s = simulate("band_lunge", seed=14, options=SimOptions(rate_hz=52.0, foot_sensor=True, packet_loss=0.02))
    i30, i50 = np.searchsorted(s.foot.t, [30.0, 50.0])  # the foot silent for 20 s (out of range)
    foot = SampleBatch.concatenate([s.foot.slice(0, int(i30)), s.foot.slice(int(i50), len(s.foot))])
    doc = analyze(s.shin, foot, exercise="band_lunge").to_json()
    jsonschema.validate(doc, SCHEMA)
    assert any(g["start_s"] < 30.0 < 50.0 <= g["end_s"] + 0.1 for g in doc["foot_gaps"])
    assert any("foot sensor silent" in n and "(20.0 s)" in n for n in doc["notes"])
    assert len(doc["exercises"][0]["reps"]) == len(s.truth.reps)  # counted on through it (planted)
    # without the foot sensor: no foot_gaps key, no such note
    shin_only = analyze(s.shin, exercise="band_lunge").to_json()
    assert "foot_gaps" not in shin_only and not any("foot sensor" in n for n in shin_only["notes"])


def test_cli_side_sets_which_way_the_knee_drifting_in_reads(tmp_path: Path, capsys) -> None:
    # a left leg whose knee falls in on deep lunges, in a CSV that does not say which leg it is
    s = simulate("band_lunge", seed=47, options=SimOptions(rate_hz=50.0, side="left", knee_drift=0.35))
    s.to_csv(tmp_path, traces=False)
    shin = tmp_path / "shin.csv"
    shin.write_text("".join(line for line in shin.read_text().splitlines(keepends=True)
                            if not line.startswith("# side:")))
    flagged = {}
    for extra in ([], ["--side", "left"]):
        assert main(["analyze", str(shin), "--exercise", "band_lunge", "--json", *extra]) == 0
        reps = json.loads(capsys.readouterr().out)["exercises"][0]["reps"]
        flagged[tuple(extra)] = sum(r["foot_roll_in"] for r in reps)
    assert flagged[()] == 0 and flagged[("--side", "left")] >= 10  # read as a right leg: tilting out
    from dorsi.export import load_session

    reps = load_session(shin, exercise="band_lunge", side="left").analysis["exercises"][0]["reps"]
    assert sum(r["foot_roll_in"] for r in reps) == flagged[("--side", "left")]  # report, export alike


def test_ankle_circles_and_seated_holds_with_the_shin_alone_are_not_scored(tmp_path) -> None:
    """They need the foot sensor: with the shin alone they are barely visible. A 0 read as "not
    done" and pulled the session's score down (78 for a session whose other nine scored 96)."""
    from dorsi.sim import simulate_routine

    s = simulate_routine(seed=8, options=SimOptions(rate_hz=52.0), exercises=["band_lunge", "ankle_circles",
                                                                               "seated_df_hold"])
    segments = [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]
    doc = analyze(s.shin, segments=segments).to_json()
    jsonschema.validate(doc, SCHEMA)
    scores = {e["exercise"]: e["quality"]["score"] for e in doc["exercises"]}
    assert scores["ankle_circles"] is None and scores["seated_df_hold"] is None
    assert doc["quality"]["score"] == scores["band_lunge"] > 0
    assert doc["quality"]["exercises"]["ankle_circles"] is None
    notes = [n for e in doc["exercises"] for n in e["notes"]]
    assert sum("not scored (wear the foot sensor" in n for n in notes) == 2
    # with the foot sensor they are seen, and scored
    s = simulate_routine(seed=8, options=SimOptions(rate_hz=52.0, foot_sensor=True),
                         exercises=["band_lunge", "ankle_circles", "seated_df_hold"])
    doc = analyze(s.shin, s.foot, segments=segments).to_json()
    assert all(e["quality"]["score"] is not None for e in doc["exercises"])
    # the report says so
    s = simulate_routine(seed=8, options=SimOptions(rate_hz=52.0), exercises=["band_lunge", "ankle_circles"])
    s.to_csv(tmp_path / "csv", traces=False)
    (tmp_path / "segments.csv").write_text("exercise,start_s,end_s\n" + "".join(
        f"{g.exercise},{g.start_s},{g.end_s}\n" for g in s.truth.segments))
    assert main(["report", str(tmp_path / "csv"), "--segments", str(tmp_path / "segments.csv"),
                 "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text()
    assert 'data-key="exercises.1.score"' in html and "not scored" in html


def test_eccentric_hold_times_from_the_shin_alone_come_with_their_precision() -> None:
    """The shank's return at the start of a drop's lowering can hide in sway (docs/validation.md):
    the analysis says how far the shin-only hold times go, and says nothing with the foot sensor."""
    notes = {}
    for foot in (False, True):
        s = simulate("eccentric_drop", seed=3, options=SimOptions(foot_sensor=foot), reps=3)
        ex = analyze(s.shin, s.foot, exercise="eccentric_drop").exercises[0]
        assert len(ex.holds) == 3
        notes[foot] = ex.notes
    assert any("shin sensor alone" in n and "foot sensor" in n for n in notes[False])
    assert not any("shin sensor alone" in n for n in notes[True])
