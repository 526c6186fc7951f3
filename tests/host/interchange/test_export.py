"""Export: samples, trace, events and the analysis JSON as CSV and Parquet; the input kinds."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from dorsi.cli import main
from dorsi.export import SessionExporter, SessionInputError, event_rows, load_session
from dorsi.recording import RecordingWriter
from dorsi.sources import read_imu_csv


@pytest.fixture(scope="module")
def session(ktw):
    folder, _ = ktw
    return load_session(folder / "shin.csv", exercise="knee_to_wall")


def test_csv_samples_read_back_with_the_generic_reader(session, tmp_path):
    files = SessionExporter("csv").export(session, tmp_path).files_
    shin = read_imu_csv(files[0]).shin
    np.testing.assert_array_equal(shin.seq, session.shin.seq)
    np.testing.assert_allclose(shin.t, session.shin.t, rtol=0, atol=1e-12)
    np.testing.assert_allclose(shin.acc, session.shin.acc, rtol=0, atol=1e-12)
    np.testing.assert_allclose(shin.quat, session.shin.quat, rtol=0, atol=1e-12)


def test_parquet_and_csv_hold_the_same_tables(session, tmp_path):
    csv_all = SessionExporter("csv").export(session, tmp_path / "c").files_
    pq_all = SessionExporter("parquet").export(session, tmp_path / "p").files_
    assert [f.name.rsplit(".", 1)[0] for f in csv_all] == [f.name.rsplit(".", 1)[0] for f in pq_all]
    # the segments file is a segments CSV in both (what --segments reads)
    assert [f.read_text() for f in csv_all if f.name.endswith(".segments.csv")] == \
        [f.read_text() for f in pq_all if f.name.endswith(".segments.csv")]
    csv_files = [f for f in csv_all if not f.name.endswith(".segments.csv")]
    pq_files = [f for f in pq_all if not f.name.endswith(".segments.csv")]
    for c, p in zip(csv_files[:-1], pq_files[:-1]):
        a, b = pa_csv.read_csv(c), pq.read_table(p)
        assert a.column_names == b.column_names and a.num_rows == b.num_rows
    trace = pq.read_table(pq_files[1])
    np.testing.assert_array_equal(trace.column("angle_deg").to_numpy(), session.trace.angle_deg)
    assert json.loads(pq_files[-1].read_text()) == session.analysis
    for f in pq_all:
        assert f.stat().st_mode & 0o777 == 0o600


def test_events_table_matches_the_analysis(session, tmp_path):
    files = SessionExporter("parquet").export(session, tmp_path).files_
    events = pq.read_table(files[2]).to_pylist()
    ex = session.analysis["exercises"][0]
    reps = [e for e in events if e["kind"] == "rep"]
    assert [r["angle_deg"] for r in reps] == [r["peak_angle_deg"] for r in ex["reps"]]
    assert [r["knee_to_wall_cm"] for r in reps] == [r["knee_to_wall_cm"] for r in ex["reps"]]
    gaps = [e for e in events if e["kind"] == "gap"]
    assert [g["samples_lost"] for g in gaps] == [g["samples_lost"] for g in session.analysis["gaps"]]
    assert len(events) == len(event_rows(session.analysis))


def test_analysis_json_plus_samples_is_taken_as_is(session, ktw, tmp_path):
    folder, _ = ktw
    doc = json.loads(json.dumps(session.analysis))
    doc["quality"]["score"] = 42  # proof that the JSON is used, not recomputed
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc))
    loaded = load_session(path, samples=folder / "shin.csv")
    assert loaded.kind == "analysis" and loaded.analysis["quality"]["score"] == 42
    assert loaded.samples_path == folder / "shin.csv"
    assert len(loaded.trace) == len(session.trace)
    with pytest.raises(SessionInputError, match="needs its samples"):
        load_session(path)


def test_a_recording_is_loaded_with_its_markers(ktw, tmp_path):
    _, s = ktw
    from dorsi.protocol import encode_stream

    path = tmp_path / "s.dorsi"
    header = {"devices": [{"slot": 0, "role": "shin"}], "profile": dict(s.profile),
              "started_at": "2026-03-02T09:30:00+0000"}
    notes = encode_stream(s.shin, period_us=int(1e6 / 60))
    per = len(s.shin) / len(notes)
    with RecordingWriter(path, header) as w:
        w.marker("exercise_start", exercise="knee_to_wall", t=100.0)
        for i, note in enumerate(notes):
            w.notification(0, 100.0 + (i + 1) * per / 60.0 + 0.01, note)
        w.marker("exercise_end", exercise="knee_to_wall", t=100.0 + len(s.shin) / 60.0 + 1)
    rec = load_session(path)
    assert rec.kind == "recording" and rec.side == s.profile["side"]
    assert rec.started_at.isoformat() == "2026-03-02T09:30:00+00:00"
    assert [e["exercise"] for e in rec.analysis["exercises"]] == ["knee_to_wall"]
    assert len(rec.analysis["exercises"][0]["reps"]) == 3


def test_a_segments_file_names_the_exercises_of_a_plain_csv(ktw, session, tmp_path, capsys):
    folder, s = ktw
    t0, t1 = float(s.shin.t[0]), float(s.shin.t[-1])
    segments = tmp_path / "segments.csv"
    segments.write_text(f"exercise,start_s,end_s\nknee_to_wall,{t0},{t1 + 1}\n")
    loaded = load_session(folder / "shin.csv", segments=segments)
    assert [e["exercise"] for e in loaded.analysis["exercises"]] == ["knee_to_wall"]
    assert loaded.analysis["exercises"][0]["reps"] == session.analysis["exercises"][0]["reps"]
    assert not any("classified" in n for n in loaded.analysis.get("notes", []))
    with pytest.raises(SessionInputError, match="not both"):
        load_session(folder / "shin.csv", segments=segments, exercise="knee_to_wall")
    segments.write_text("exercise,start_s,end_s\nknee_to_wall,x,1\n")
    assert main(["export", str(folder / "shin.csv"), "--csv", "--out", str(tmp_path), "--segments",
                 str(segments)]) == 2
    assert "line 2: start_s 'x' is not a number" in capsys.readouterr().err


def test_cli_export(ktw, tmp_path, capsys):
    folder, _ = ktw
    assert main(["export", str(folder / "shin.csv"), "--parquet", "--out", str(tmp_path), "--exercise",
                 "knee_to_wall"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    stem = folder.name
    assert names == sorted(f"{stem}.{k}" for k in ("shin.parquet", "trace.parquet", "events.parquet",
                                                    "analysis.json", "shin.segments.csv"))
    assert main(["export", str(tmp_path / "nope.csv"), "--csv"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_foot_sensor_exports_carry_the_foot_roll_and_circle_directions(tmp_path):
    from dorsi.sim import SimOptions, simulate

    simulate("ankle_circles", seed=8, options=SimOptions(rate_hz=52, foot_sensor=True)).to_csv(
        tmp_path / "in", traces=False)
    session = load_session(tmp_path / "in" / "shin.csv", exercise="ankle_circles")
    files = {f.name: f for f in SessionExporter("parquet").export(session, tmp_path / "out").files_}
    trace = pq.read_table(next(f for n, f in files.items() if n.endswith(".trace.parquet")))
    assert "foot_roll_deg" in trace.column_names and "shin_valid" in trace.column_names
    assert trace.column("shin_valid").to_numpy().all()
    assert "foot_lost" in trace.column_names and not trace.column("foot_lost").to_numpy().any()
    roll = trace.column("foot_roll_deg").to_numpy()
    assert np.ptp(roll) > 10.0  # circles roll the foot in and out
    events = pq.read_table(next(f for n, f in files.items() if n.endswith(".events.parquet"))).to_pylist()
    ways = [e["direction"] for e in events if e["kind"] == "rep"]
    assert ways == ["outward"] * 20 + ["inward"] * 20
    # shin only: no roll column
    simulate("band_lunge", seed=8, options=SimOptions(rate_hz=52)).to_csv(tmp_path / "lunge", traces=False)
    lunges = load_session(tmp_path / "lunge" / "shin.csv", exercise="band_lunge")
    out = SessionExporter("csv").export(lunges, tmp_path / "lunge_out").files_
    columns = pa_csv.read_csv(next(f for f in out if f.name.endswith(".trace.csv"))).column_names
    assert "foot_roll_deg" not in columns and "shin_valid" not in columns and "foot_lost" not in columns


def test_an_exported_two_sensor_session_analyses_again_as_it_did(tmp_path, capsys):
    from dorsi.sim import SimOptions, simulate

    simulate("ankle_circles", seed=9, options=SimOptions(rate_hz=52, foot_sensor=True, packet_loss=0.02)).to_csv(
        tmp_path / "in", traces=False)
    session = load_session(tmp_path / "in" / "shin.csv", exercise="ankle_circles")
    files = SessionExporter("csv").export(session, tmp_path / "out").files_
    shin = next(f for f in files if f.name.endswith(".shin.csv"))
    again = read_imu_csv(shin)  # NAME.foot.csv beside NAME.shin.csv goes with it
    assert again.foot is not None and again.meta["foot_path"].endswith(".foot.csv")
    analysis = next(f for f in files if f.name.endswith(".analysis.json"))
    assert main(["analyze", str(shin), "--segments", str(analysis), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == "ankle"
    circles, before = doc["exercises"][0], session.analysis["exercises"][0]
    assert [r["direction"] for r in circles["reps"]] == [r["direction"] for r in before["reps"]]
    np.testing.assert_allclose([r["peak_angle_deg"] for r in circles["reps"]],
                               [r["peak_angle_deg"] for r in before["reps"]], atol=0.05)


def test_no_segments_file_without_an_exercise(session, tmp_path):
    """A segments file lists at least one segment (``--segments`` refuses an empty one): an
    analysis without exercises writes none."""
    from dataclasses import replace

    empty = replace(session, analysis=dict(session.analysis, exercises=[]))
    files = SessionExporter("csv").export(empty, tmp_path).files_
    assert not any(f.name.endswith(".segments.csv") for f in files)
