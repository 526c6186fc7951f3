"""Sensor Logger phone exports: platforms' signs, axes, separate streams, notes as segments, bad files."""

from __future__ import annotations

import io
import json
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.batch.discover import find_inputs
from dorsi.cli import main
from dorsi.export.session import load_session
from dorsi.pipeline import analyze
from dorsi.sim import SimOptions, simulate
from dorsi.sim.sensor_logger_writer import write_sensor_logger
from dorsi.sources import SourceError
from dorsi.sources.axes import AxisMap
from dorsi.sources.sensor_logger import exercise_named, is_sensor_logger, read_sensor_logger
from tests.host.interchange.test_movella import PROPER


@lru_cache(maxsize=None)
def _knee_to_wall(jitter: float = 0.3, noise: bool = True):
    return simulate("knee_to_wall", seed=11, options=SimOptions(rate_hz=100, quaternions=False, noise=noise,
                                                                   interval_jitter=jitter))


def _segments(s) -> list[tuple[str, float, float]]:
    return [(g.exercise, g.start_s, g.end_s) for g in s.truth.segments]


def _rewrite(path: Path, name: str, text: str | None) -> None:
    """Replace (or, with None, drop) one file of a zip export."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    folder = next(iter(members)).split("/")[0]
    members = {n: d for n, d in members.items() if n.rsplit("/", 1)[-1] != name}
    if text is not None:
        members[f"{folder}/{name}"] = text.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)


def _csv_of(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return next(z.read(n) for n in z.namelist() if n.endswith("/" + name)).decode()


def _expected(batch, grid_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The simulated sensor's values at the reader's grid times (dorsi axes)."""
    acc = np.column_stack([np.interp(grid_t, batch.t, batch.acc[:, j]) for j in range(3)])
    gyr = np.column_stack([np.interp(grid_t, batch.t, batch.gyr[:, j]) for j in range(3)])
    return acc, gyr


@pytest.mark.parametrize("platform,standardised", [("android", False), ("ios", False), ("ios", True)])
def test_each_platform_reads_as_the_sensor_did(tmp_path, platform, standardised):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "phone.zip", platform, _segments(s), standardised)
    got = read_sensor_logger(path)
    acc, gyr = _expected(s.shin, got.shin.t)
    assert np.allclose(got.shin.gyr, gyr, atol=1e-5)
    # the accelerometer was written at its own times and read back onto the gyroscope's grid
    assert np.median(np.abs(got.shin.acc - acc)) < 0.05
    assert got.meta["acc_sign"] == (-1 if platform == "ios" and not standardised else 1)
    assert got.started_at is not None and got.started_at.year == 2026
    base = analyze(s.shin, None, segments=_segments(s)).exercises[0]
    phone = analyze(got.shin, None, segments=got.segments).exercises[0]
    assert len(phone.reps) == len(base.reps) == len(s.truth.reps)
    assert np.allclose([r.peak_angle_deg for r in phone.reps], [r.peak_angle_deg for r in base.reps], atol=0.5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(axes=st.sampled_from(PROPER), platform=st.sampled_from(["android", "ios"]), metadata=st.booleans())
def test_any_way_worn_reads_back_with_its_axes(tmp_path_factory, axes, platform, metadata):
    s = _knee_to_wall(jitter=0.0, noise=False)
    batch = s.shin.slice(0, 1500)
    m = AxisMap.parse(axes)
    path = write_sensor_logger(batch, tmp_path_factory.mktemp("w") / "p.zip", platform, axes=m)
    if not metadata:  # an older export: no platform, the sign comes from the phone's up axis
        _rewrite(path, "Metadata.csv", "version,device name,recording time,device id\n2,phone,0,abc\n")
    got = read_sensor_logger(path, axes)
    acc, gyr = _expected(batch, got.shin.t)
    assert np.allclose(got.shin.gyr, gyr, atol=1e-5)
    assert np.allclose(got.shin.acc, acc, atol=0.05)


def test_a_folder_reads_as_its_zip(tmp_path):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "rec.zip", "ios", _segments(s))
    with zipfile.ZipFile(path) as z:
        z.extractall(tmp_path / "unzipped")
    folder = tmp_path / "unzipped" / "rec"
    assert is_sensor_logger(path) and is_sensor_logger(folder) and not is_sensor_logger(tmp_path)
    a, b = read_sensor_logger(path), read_sensor_logger(folder)
    assert np.array_equal(a.shin.acc, b.shin.acc) and np.array_equal(a.shin.seq, b.shin.seq)
    assert a.segments == b.segments


def test_notes_name_the_exercises(tmp_path):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "p.zip", "android")
    _rewrite(path, "Annotation.csv", "time,seconds_elapsed,text,millisecond_press_duration\n"
                                     "1,12.0,Ankle circles,100\n"
                                     "1,1.0,Knee-to-wall test,100\n"
                                     "1,5.0,lunges,100\n"
                                     "1,10.0,done,100\n"
                                     "1,20.0,band_lunge,100\n"
                                     "1,6.0,Pain 5,100\n"
                                     "1,11.0,hurts,100\n"
                                     "1,0.5,Left leg,100\n")
    got = read_sensor_logger(path)
    assert got.meta["side"] == "left"  # a note naming the leg says which way a knee drifting in reads
    assert load_session(path).side == "left"
    t_end = float(got.shin.t[-1])
    # sorted by time; an unknown note is reported and read past; 'done' ends; the last runs to the end
    assert got.segments == [("knee_to_wall", 1.0, 10.0), ("ankle_circles", 12.0, 20.0), ("band_lunge", 20.0, t_end)]
    assert len(got.problems) == 1 and "'lunges'" in got.problems[0] and "line 4" in got.problems[0]
    # a note reporting pain ends nothing; the analysis lists it under the exercise it fell in
    assert [(p.t_s, p.level) for p in got.pain] == [(6.0, 5), (11.0, None)]
    first, second = load_session(path).analysis["pain"]
    assert (first["t_s"], first["level"], first["exercise"]) == (6.0, 5, "knee_to_wall")
    assert first["angle_deg"] > 10  # mid-lunge: where it hurt
    # a second after the knee-to-wall test ended: about it ("that hurt"), where read up to its end
    assert (second["t_s"], second["level"], second["exercise"]) == (11.0, None, "knee_to_wall")
    assert second["angle_deg"] is not None
    assert exercise_named("Band dorsiflexion lunges") == "band_lunge"
    assert exercise_named("NERVE FLOSSING (seated slump)") == "nerve_floss"
    assert exercise_named("walk") is None


def test_streams_that_stop_leave_gaps_not_made_up_samples(tmp_path):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "p.zip", "android")
    text = _csv_of(path, "Gyroscope.csv").splitlines()
    header, rows = text[0], text[1:]
    kept = [r for r in rows if not 10.0 <= float(r.split(",")[1]) < 11.0]
    # the app logs some readings twice and out of order: sorted, each kept once
    kept = kept[:50] + kept[40:45] + kept[50:]
    _rewrite(path, "Gyroscope.csv", "\n".join([header] + kept) + "\n")
    got = read_sensor_logger(path)
    t = got.shin.t
    assert not np.any((t > 10.05) & (t < 10.95))
    assert np.all(np.diff(got.shin.seq) >= 1)
    assert int(np.max(np.diff(got.shin.seq))) >= 90
    assert any("lost samples" in p for p in got.problems)


@pytest.mark.parametrize("change,message", [
    (lambda p: _rewrite(p, "Gravity.csv", None) or _rewrite(p, "TotalAcceleration.csv", None), "Gravity"),
    (lambda p: _rewrite(p, "Gyroscope.csv", None), "no Gyroscope.csv"),
    (lambda p: _rewrite(p, "TotalAcceleration.csv", "time,seconds_elapsed,x,y\n1,0.1,1,2\n"), "missing column"),
    (lambda p: _rewrite(p, "TotalAcceleration.csv", "time,seconds_elapsed,z,y,x\n1,0.1,1,2,x\n1,0.2,1,2,3\n"),
     "malformed row"),
    (lambda p: _rewrite(p, "TotalAcceleration.csv", _scaled(p, 1 / 9.80665)), "looks like g"),
    (lambda p: _rewrite(p, "Metadata.csv", None), "platform"),
])
def test_bad_exports_are_one_clear_line(tmp_path, change, message):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "p.zip", "android")
    change(path)
    axes = "auto" if message == "platform" else "y,-x,z"
    with pytest.raises(SourceError) as info:
        read_sensor_logger(path, axes)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(path) in str(info.value)


def _scaled(path: Path, factor: float) -> str:
    lines = _csv_of(path, "TotalAcceleration.csv").splitlines()
    out = [lines[0]]
    for row in lines[1:]:
        a, b, *v = row.split(",")
        out.append(",".join([a, b] + [f"{float(x) * factor:.6f}" for x in v]))
    return "\n".join(out) + "\n"


def test_phone_worn_upside_down_names_the_fix(tmp_path):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "p.zip", "ios", axes=AxisMap.parse("-y,x,z"))
    with pytest.raises(SourceError, match="upside down.*--axes=-y,x,z"):
        read_sensor_logger(path)
    assert len(read_sensor_logger(path, "-y,x,z").shin) > 0
    assert read_sensor_logger(path, "auto").meta["axes"] == str(AxisMap.parse("-y,x,z"))


def test_a_zip_cut_short_is_refused(tmp_path):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "p.zip", "android")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(Exception) as info:
        load_session(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_cli_analyses_an_export_by_its_notes(tmp_path, capsys):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "phone.zip", "ios", _segments(s))
    assert main(["analyze", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [e["exercise"] for e in doc["exercises"]] == ["knee_to_wall"]
    assert len(doc["exercises"][0]["reps"]) == len(s.truth.reps)
    session = load_session(path)
    assert session.kind == "sensor_logger" and session.started_at.year == 2026


def test_batch_lists_each_export_once(tmp_path):
    s = _knee_to_wall()
    write_sensor_logger(s.shin, tmp_path / "a.zip", "android")
    with zipfile.ZipFile(write_sensor_logger(s.shin, tmp_path / "b.zip", "ios")) as z:
        z.extractall(tmp_path / "unzipped")
    (tmp_path / "other.zip").write_bytes(_plain_zip())
    found = find_inputs(tmp_path)
    assert found == sorted([tmp_path / "a.zip", tmp_path / "b.zip", tmp_path / "unzipped" / "b"])


def _plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello")
    return buf.getvalue()


def test_replay_says_a_phone_export_is_read_by_analyze(tmp_path, capsys):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "phone.zip", "android")
    assert main(["replay", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not a dorsi recording" in err and "dorsi analyze" in err


def test_simulate_writes_a_phone_export(tmp_path, capsys):
    out = tmp_path / "sim"
    assert main(["simulate", "band_lunge", "--seed", "3", "--reps", "6", "--sensor-logger", "ios",
                 "--interval-jitter", "0.3", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["sensor_logger.zip", "truth.json"]
    capsys.readouterr()
    assert main(["analyze", str(out / "sensor_logger.zip"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    truth = json.loads((out / "truth.json").read_text())
    assert [e["exercise"] for e in doc["exercises"]] == ["band_lunge"]
    assert len(doc["exercises"][0]["reps"]) == len(truth["reps"]) == 6
    assert main(["simulate", "band_lunge", "--foot", "--sensor-logger", "ios", "--out", str(tmp_path / "x")]) == 2


def _as_json_export(zip_path: Path, out: Path) -> Path:
    """The same recording as the app's JSON export: one array of records, values as strings."""
    import csv

    records = []
    with zipfile.ZipFile(zip_path) as z:
        for member in z.namelist():
            sensor = member.rsplit("/", 1)[-1][:-4]
            for row in csv.DictReader(io.StringIO(z.read(member).decode())):
                records.append({"sensor": sensor, **row})
    out.write_text(json.dumps(records))
    return out


def test_the_json_export_reads_as_the_zip(tmp_path, capsys):
    s = _knee_to_wall()
    path = write_sensor_logger(s.shin, tmp_path / "phone.zip", "ios", _segments(s))
    as_json = _as_json_export(path, tmp_path / "phone.json")
    a, b = read_sensor_logger(path), read_sensor_logger(as_json)
    assert np.array_equal(a.shin.acc, b.shin.acc) and np.array_equal(a.shin.t, b.shin.t)
    assert a.segments == b.segments and a.meta["acc_sign"] == b.meta["acc_sign"] == -1
    assert main(["analyze", str(as_json), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["exercises"][0]["reps"]) == len(s.truth.reps)
    assert find_inputs(tmp_path) == [as_json, path]
    # an analysis JSON is still an analysis JSON
    (tmp_path / "phone.analysis.json").write_text(json.dumps(doc))
    assert not is_sensor_logger(tmp_path / "phone.analysis.json")
    with pytest.raises(SourceError, match="record 1 has no 'sensor'"):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps([{"sensor": "Gyroscope", "time": 1}, {"time": 2}]))
        read_sensor_logger(bad)
