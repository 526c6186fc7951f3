"""Batch: the same table from a local process pool and from a (local) Dask cluster."""

from __future__ import annotations

import csv
import shutil

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.batch import BatchRunner, JobOptions, analyse_file, find_inputs
from dorsi.cli import main
from dorsi.export import load_session
from dorsi.sim import SimOptions, simulate


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    root = tmp_path_factory.mktemp("clinic")
    for i, name in enumerate(("band_lunge", "knee_to_wall", "soleus_stretch")):
        s = simulate(name, seed=10 + i, options=SimOptions(rate_hz=50, packet_loss=0.01 * i))
        s.to_csv(root / f"p{i}", traces=False)
        (root / f"p{i}" / "truth.json").unlink()
    (root / "broken.csv").write_text("time_s,acc_x\n0,1\n")
    return root


def _key(rows):
    rows = rows.to_pylist() if hasattr(rows, "to_pylist") else rows
    return sorted((r["file"], r["exercise"], r["reps_done"], r["holds_met"], r["score"], r["error"] is None)
                  for r in rows)


def test_inputs_are_found(clinic):
    names = [p.relative_to(clinic).as_posix() for p in find_inputs(clinic)]
    assert names == ["broken.csv", "p0/shin.csv", "p1/shin.csv", "p2/shin.csv"]


def test_process_pool_matches_one_by_one(clinic):
    files = find_inputs(clinic)
    runner = BatchRunner(workers=2).run(files)
    assert runner.failed_ == 1
    rows = runner.table_.to_pylist()
    bad = [r for r in rows if r["error"]]
    assert len(bad) == 1 and bad[0]["file"].endswith("broken.csv") and "missing column" in bad[0]["error"]
    expected = []
    for f in files[1:]:
        expected += analyse_file(str(f))
    assert _key([r for r in rows if not r["error"]]) == _key(expected)
    ref = load_session(files[1])
    mine = [r for r in rows if r["file"] == str(files[1])]
    assert [r["reps_done"] for r in mine] == [len(e["reps"]) for e in ref.analysis["exercises"]]
    assert [r["score"] for r in mine] == [e["quality"]["score"] for e in ref.analysis["exercises"]]
    assert len(rows) == len(expected) + 1


def test_dask_cluster_gives_the_same_table(clinic):
    import distributed  # in the test extra: missing means a broken install, so fail rather than skip
    files = find_inputs(clinic)
    local = BatchRunner(workers=1).run(files).table_
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp", host="127.0.0.1") as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        remote = BatchRunner(dask_address=cluster.scheduler_address).run(files).table_
    assert _key(remote) == _key(local)


def test_cli_batch_writes_parquet(clinic, tmp_path, capsys):
    out = tmp_path / "table.parquet"
    work = tmp_path / "in"
    shutil.copytree(clinic / "p0", work / "p0")
    assert main(["batch", str(work), "--out", str(out), "--workers", "1", "--exercise", "band_lunge"]) == 0
    table = pq.read_table(out)
    assert table.num_rows == 1 and table.column("exercise").to_pylist() == ["band_lunge"]
    assert main(["batch", str(tmp_path / "empty"), "--out", str(out)]) == 2


def test_batch_makes_the_tables_folder_and_refuses_one_that_cannot_be(clinic, tmp_path, capsys):
    work = tmp_path / "in"
    shutil.copytree(clinic / "p0", work / "p0")
    out = tmp_path / "results" / "2026" / "table.csv"
    assert main(["batch", str(work), "--out", str(out), "--workers", "1", "--exercise", "band_lunge"]) == 0
    assert out.exists() and (out.parent.stat().st_mode & 0o777) == 0o700
    (tmp_path / "a-file").write_text("")
    capsys.readouterr()
    assert main(["batch", str(work), "--out", str(tmp_path / "a-file" / "table.csv")]) == 2
    err = capsys.readouterr()
    assert "a-file: not a folder" in err.err and "analysing" not in err.out + err.err  # said before any work


def test_job_options_reach_the_analysis(clinic):
    rows = analyse_file(str(clinic / "p1" / "shin.csv"), JobOptions(exercise="knee_to_wall"))
    assert [r["exercise"] for r in rows] == ["knee_to_wall"] and rows[0]["knee_to_wall_deg"] is not None


def test_circles_each_way_in_the_table(tmp_path):
    s = simulate("ankle_circles", seed=31, options=SimOptions(rate_hz=52, foot_sensor=True))
    s.to_csv(tmp_path / "c", traces=False)
    rows = analyse_file(str(tmp_path / "c" / "shin.csv"), JobOptions(exercise="ankle_circles"))
    assert [(r["exercise"], r["reps_done"], r["circles_outward"], r["circles_inward"]) for r in rows] == [
        ("ankle_circles", 40, 20, 20)]
    lunges = analyse_file(str(tmp_path / "c" / "shin.csv"), JobOptions(exercise="band_lunge"))
    assert lunges[0]["circles_outward"] is None and lunges[0]["circles_inward"] is None


def test_segments_files_beside_the_inputs_and_a_routine_for_all(tmp_path, capsys):
    from dorsi.sim import simulate_routine

    s = simulate_routine(seed=46, options=SimOptions(rate_hz=50), exercises=["band_lunge", "soleus_stretch"])
    rows = "exercise,start_s,end_s\n" + "".join(f"{g.exercise},{g.start_s},{g.end_s}\n" for g in s.truth.segments)
    s.to_csv(tmp_path / "in" / "visit1", traces=False)  # shin.csv, with segments.csv beside it
    (tmp_path / "in" / "visit1" / "truth.json").unlink()
    (tmp_path / "in" / "visit1" / "segments.csv").write_text(rows)
    shutil.copy(tmp_path / "in" / "visit1" / "shin.csv", tmp_path / "in" / "visit2.csv")  # NAME.segments.csv
    (tmp_path / "in" / "visit2.segments.csv").write_text(rows)
    names = [p.relative_to(tmp_path / "in").as_posix() for p in find_inputs(tmp_path / "in")]
    assert names == ["visit1/shin.csv", "visit2.csv"]  # the segments files are no inputs
    routine = tmp_path / "mine.toml"
    routine.write_text('name = "mine"\n[[exercise]]\nid = "band_lunge"\ntitle = "Lunges"\nkind = "reps"\n'
                       'signal = "angle"\nreps = 12\n[[exercise]]\nid = "soleus_stretch"\ntitle = "Soleus"\n'
                       'kind = "holds"\nsignal = "angle"\nhold_s = 20.0\nsets = 3\n')
    out = tmp_path / "table.csv"
    assert main(["batch", str(tmp_path / "in"), "--out", str(out), "--workers", "1", "--exercise", "traction",
                 "--routine", str(routine)]) == 0
    table = list(csv.DictReader(out.open()))
    assert [(r["file"].rsplit("/", 1)[-1], r["exercise"], r["reps_target"]) for r in table] == [
        ("shin.csv", "band_lunge", "12"), ("shin.csv", "soleus_stretch", ""),
        ("visit2.csv", "band_lunge", "12"), ("visit2.csv", "soleus_stretch", "")]
    done = str(len(s.truth.reps_of("band_lunge")))
    assert [r["reps_done"] for r in table if r["exercise"] == "band_lunge"] == [done, done]
    assert main(["batch", str(tmp_path / "in"), "--out", str(out), "--routine", str(tmp_path / "none.toml")]) == 2
    assert "none.toml" in capsys.readouterr().err


def test_a_second_run_into_the_same_folder_does_not_read_the_first_ones_table(tmp_path, capsys):
    from dorsi.cli import main

    s = simulate("band_lunge", seed=31, options=SimOptions(rate_hz=50))
    s.to_csv(tmp_path / "p0", traces=False)
    (tmp_path / "p0" / "truth.json").unlink()
    for _ in range(2):
        assert main(["batch", str(tmp_path), "--out", str(tmp_path / "table.csv")]) == 0
        assert "1 rows from 1 files (0 could not be analysed)" in capsys.readouterr().out
    # a table under another name, and one quoted the way pyarrow writes it, are both left out
    (tmp_path / "copy.csv").write_bytes((tmp_path / "table.csv").read_bytes())
    assert [p.name for p in find_inputs(tmp_path)] == ["shin.csv"]


def test_pain_reported_in_a_phone_recording_is_in_the_table(tmp_path):
    from dorsi.sim.sensor_logger_writer import write_sensor_logger
    from tests.host.interchange.test_sensor_logger import _csv_of, _rewrite

    s = simulate("band_lunge", seed=5, options=SimOptions(rate_hz=100, quaternions=False))
    end = float(s.shin.t[-1])
    path = write_sensor_logger(s.shin, tmp_path / "phone.zip", "android", [("band_lunge", 0.5, end - 0.5)])
    notes = _csv_of(path, "Annotation.csv") + "1,10.0,pain 4,100\n1,20.0,Pain 7/10,100\n1,30.0,hurts,100\n"
    _rewrite(path, "Annotation.csv", notes)
    (row,) = analyse_file(str(path))
    assert (row["exercise"], row["pain_reports"], row["pain_worst"]) == ("band_lunge", 3, 7)
    (clean,) = analyse_file(str(write_sensor_logger(s.shin, tmp_path / "calm.zip", "android",
                                                    [("band_lunge", 0.5, end - 0.5)])))
    assert (clean["pain_reports"], clean["pain_worst"]) == (0, None)


def test_a_study_manifest_reads_each_session_as_its_row_says(tmp_path, capsys):
    """A manifest row per session: a week of AX6 wear read for the routine's time, a CSV with its
    segments file, a mistyped path; labels carried into the table."""
    from .test_axivity import _day_of_wear

    week = tmp_path / "p01"
    week.mkdir()
    _day_of_wear(week)
    lunge = simulate("band_lunge", seed=12, options=SimOptions(rate_hz=50))
    lunge.to_csv(tmp_path / "p02", traces=False)
    manifest = tmp_path / "study.csv"
    manifest.write_text(
        "participant notes,file,label,exercise,segments,between,side\n"
        'walks a lot,p01/shin.cwa,P01 visit 2,eccentric_drop,,"2026-11-27T22:59,2026-11-27T23:10",left\n'
        ",p02/shin.csv,P02 visit 1,,p02/truth.json,,\n"
        ",p03/shin.csv,P03 visit 1,band_lunge,,,\n")
    out = tmp_path / "table.csv"
    assert main(["batch", str(manifest), "--out", str(out), "--workers", "1"]) == 0
    assert "from 3 files (1 could not be analysed)" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open()))
    by_label = {r["label"]: r for r in rows}
    assert by_label["P01 visit 2"]["kind"] == "axivity" and by_label["P01 visit 2"]["reps_done"] == "4"
    assert by_label["P01 visit 2"]["side"] == "left" and by_label["P01 visit 2"]["started_at"].startswith("2026-11-27")
    assert by_label["P02 visit 1"]["exercise"] == "band_lunge" and by_label["P02 visit 1"]["error"] == ""
    assert "no such file" in by_label["P03 visit 1"]["error"]


@pytest.mark.parametrize("rows,message", [
    ("label\nP01\n", "line 1: no 'file' column"),
    ("file,exercise\na.csv,lunges\n", "line 2: unknown exercise 'lunges'"),
    ("file,side\na.csv,LEFT\nb.csv,middle\n", "line 2: side 'LEFT' is neither left nor right"),
    ('file,between\na.csv,"2026-11-27T18:00"\n', "line 2: --between '2026-11-27T18:00': expected START,END"),
    ("file,axes\na.csv,\nb.csv,\"x,x,z\"\n", "line 3: axes 'x,x,z'"),
    ("file,exercise,segments\na.csv,traction,s.csv\n", "line 2: an exercise .* or segments, not both"),
    ("file,label\n,P01\n", "line 2: no file"),
    ("file\n\n", "no sessions listed"),
])
def test_a_manifest_that_cannot_be_right_is_refused_with_its_line(tmp_path, capsys, rows, message):
    from dorsi.batch import ManifestError, read_manifest

    manifest = tmp_path / "study.csv"
    manifest.write_text(rows)
    with pytest.raises(ManifestError, match=message):
        read_manifest(manifest)
    if "file" in rows.splitlines()[0]:
        assert main(["batch", str(manifest), "--out", str(tmp_path / "t.csv")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("dorsi batch: error: ") and "\n" not in err.strip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(["file", "label", "exercise", "segments", "between", "side", "axes",
                                        "notes", "FILE", " file "]), min_size=1, max_size=6),
       cells=st.lists(st.lists(st.text(max_size=12), max_size=7), max_size=4))
def test_any_manifest_is_read_or_refused_in_one_line(tmp_path, header, cells):
    from dorsi.batch import ManifestError, read_manifest

    manifest = tmp_path / "any.csv"
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *cells])
    try:
        entries = read_manifest(manifest)
    except ManifestError as exc:
        assert str(exc).startswith(str(manifest)) and "\n" not in str(exc)
    else:
        assert entries and all(e.file for e in entries)
