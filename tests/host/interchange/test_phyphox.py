"""phyphox phone exports: every CSV variant and layout, dorsi's experiment file, pauses, bad files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from dorsi.batch.discover import find_inputs
from dorsi.cli import main
from dorsi.export.session import detect_kind, load_session
from dorsi.pipeline import analyze
from dorsi.sim import SimOptions, simulate
from dorsi.sim.phyphox_writer import CSV_VARIANTS, export_sets, write_phyphox
from dorsi.sim.sensor_logger_writer import write_sensor_logger
from dorsi.sources import SourceError
from dorsi.sources.axes import AxisMap
from dorsi.sources.phyphox import experiment_file, is_phyphox, read_phyphox
from dorsi.sources.sensor_logger import is_sensor_logger

EXPERIMENT = experiment_file()


@lru_cache(maxsize=None)
def _lunges():
    return simulate("band_lunge", seed=21, reps=8,
                    options=SimOptions(rate_hz=100, quaternions=False, interval_jitter=0.3))


@lru_cache(maxsize=None)
def _short():
    return simulate("knee_to_wall", seed=4, options=SimOptions(rate_hz=100, quaternions=False, interval_jitter=0.3))


def _expected(batch, grid_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The simulated sensor's values at the reader's grid times (dorsi axes)."""
    t = batch.t - batch.t[0]  # phyphox counts from the experiment's start
    acc = np.column_stack([np.interp(grid_t, t, batch.acc[:, j]) for j in range(3)])
    gyr = np.column_stack([np.interp(grid_t, t, batch.gyr[:, j]) for j in range(3)])
    return acc, gyr


def _assert_reads_as_sensor(export, batch) -> None:
    acc, gyr = _expected(batch, export.shin.t)
    inner = slice(3, -3)  # the grid's ends sit where only one stream has begun
    np.testing.assert_allclose(export.shin.acc[inner], acc[inner], atol=0.25)
    np.testing.assert_allclose(export.shin.gyr[inner], gyr[inner], atol=0.06)
    assert abs(export.meta["sample_rate_hz"] - 100.0) < 1.0


@pytest.mark.parametrize("variant", sorted(CSV_VARIANTS))
def test_each_csv_variant_reads_as_the_sensor_did(tmp_path, variant):
    s = _short()
    path = write_phyphox(s.shin, tmp_path / "export.zip", variant)
    assert is_phyphox(path) and not is_sensor_logger(path) and detect_kind(path) == "phyphox"
    export = read_phyphox(path)
    _assert_reads_as_sensor(export, s.shin)
    separator, decimal = CSV_VARIANTS[variant]
    assert export.meta["csv_variant"] == {
        "separator": {",": "comma", "\t": "tabulator", ";": "semicolon"}[separator],
        "decimal": "comma" if decimal == "," else "point"}
    assert export.meta["device"] == "dorsi dorsi simulator" and export.meta["phyphox_version"] == "1.2.0"
    assert export.started_at is not None and export.started_at.year == 2026
    assert export.problems == []


@pytest.mark.parametrize("layout,variant", [("folder", 1), ("folder", 4), ("single", 1), ("single", 5)])
def test_a_folder_and_a_single_csv_read_as_the_zip(tmp_path, layout, variant):
    s = _short()
    zipped = read_phyphox(write_phyphox(s.shin, tmp_path / "export.zip", variant))
    path = write_phyphox(s.shin, tmp_path / ("export" if layout == "folder" else "export.csv"), variant, layout=layout)
    assert is_phyphox(path) and detect_kind(path) == "phyphox"
    other = read_phyphox(path)
    np.testing.assert_array_equal(other.shin.t, zipped.shin.t)
    np.testing.assert_allclose(other.shin.acc, zipped.shin.acc)
    np.testing.assert_allclose(other.shin.gyr, zipped.shin.gyr)
    assert (other.started_at is None) == (layout == "single")  # a single CSV has no meta/time.csv


def test_dorsi_experiment_file_records_what_the_reader_reads(tmp_path):
    root = ET.fromstring(EXPERIMENT.read_text(encoding="utf-8"))
    assert root.tag == "phyphox" and root.get("version")
    containers = {c.text for c in root.iterfind("./data-containers/container")}
    sensors = {s.get("type"): s for s in root.iterfind("./input/sensor")}
    assert set(sensors) == {"accelerometer", "gyroscope"}  # the accelerometer *with* g, and the gyroscope
    for sensor in sensors.values():
        assert float(sensor.get("rate")) == 100.0
        assert {o.get("component") for o in sensor.iterfind("output")} == {"x", "y", "z", "t"}
        assert {o.text for o in sensor.iterfind("output")} <= containers
    for graph in root.iterfind(".//graph"):
        assert {i.text for i in graph.iterfind("input")} <= containers
    sets = export_sets(EXPERIMENT.read_text(encoding="utf-8"))
    assert all(src[0] in sensors for _, columns in sets for _, src in columns)  # every column from a sensor
    s = _short()
    export = read_phyphox(write_phyphox(s.shin, tmp_path / "export.zip", 1, sets=sets))
    _assert_reads_as_sensor(export, s.shin)


def test_a_set_holding_both_sensors_with_padded_cells(tmp_path):
    """A custom experiment exporting both sensors in one set: two time columns, the shorter sensor's
    cells padded with NaN (newer versions) or left empty (older iOS versions)."""
    s = _short()
    one_set = [("Raw Data", [("Time (s)", ("accelerometer", "t"))]
                + [(f"Acceleration {c} (m/s^2)", ("accelerometer", c)) for c in "xyz"]
                + [("Absolute acceleration (m/s^2)", ("accelerometer", "abs")), ("Time (s)", ("gyroscope", "t"))]
                + [(f"Gyroscope {c} (rad/s)", ("gyroscope", c)) for c in "xyz"])]
    for missing in ("NaN", '""'):
        path = write_phyphox(s.shin, tmp_path / f"one{len(missing)}.zip", 3, sets=one_set, missing=missing)
        text = zipfile.ZipFile(path).read("Raw Data.csv").decode()
        assert missing in text.rstrip("\n").rsplit("\n", 1)[1]  # the accelerometer's columns are the shorter
        _assert_reads_as_sensor(read_phyphox(path), s.shin)


def test_a_pause_is_a_gap_not_a_jump(tmp_path):
    s = _lunges()
    whole = read_phyphox(write_phyphox(s.shin, tmp_path / "whole.zip", 1))
    paused = read_phyphox(write_phyphox(s.shin, tmp_path / "paused.zip", 1, pause=(12.0, 4.0)))
    assert paused.meta["pauses"] == [(12.0, 4.0)]
    assert any("paused 1 time(s) (4.0 s at 12.0 s)" in p for p in paused.problems)
    # the samples after the pause keep their real times: the pause's 4 s are lost samples
    assert len(whole.shin) - len(paused.shin) == pytest.approx(400, abs=3)
    assert paused.shin.t[-1] == pytest.approx(whole.shin.t[-1], abs=0.02)
    after = paused.shin.t > 16.5
    acc, _ = _expected(s.shin, paused.shin.t[after])
    np.testing.assert_allclose(paused.shin.acc[after], acc, atol=0.25)
    gaps = np.diff(paused.shin.seq)
    assert gaps.max() == pytest.approx(401, abs=3)


def test_any_way_worn_reads_back_with_its_axes_or_auto(tmp_path):
    s = _short()
    sideways = AxisMap.parse("x,y,z")  # the phone's top toward the knee is its x here
    path = write_phyphox(s.shin, tmp_path / "side.zip", 1, axes=sideways)
    _assert_reads_as_sensor(read_phyphox(path, sideways), s.shin)
    _assert_reads_as_sensor(read_phyphox(path, "auto"), s.shin)
    flipped = write_phyphox(s.shin, tmp_path / "flipped.zip", 1, axes=AxisMap.parse("-y,x,z"))
    with pytest.raises(SourceError, match=r"upside down.*--axes=-y,x,z"):
        read_phyphox(flipped)


def _zip_with(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


def _members(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode() for n in z.namelist()}


def _edit(members: dict[str, str], name: str, old: str, new: str) -> dict[str, str]:
    assert old in members[name]
    return dict(members, **{name: members[name].replace(old, new)})


@pytest.mark.parametrize("change,message", [
    (lambda m: {k: v for k, v in m.items() if k != "Gyroscope.csv"}, "no gyroscope columns.*Acceleration with g"),
    (lambda m: {k: v for k, v in m.items() if k != "Accelerometer.csv"}, "no accelerometer columns"),
    (lambda m: _edit(m, "Accelerometer.csv", '"Acceleration', '"Linear Acceleration'), "without gravity"),
    (lambda m: _edit(m, "Gyroscope.csv", "(rad/s)", "(deg/s)"), "deg/s"),
    (lambda m: _edit(m, "Gyroscope.csv", '"Time (s)"', '"Stamp"'), r"Gyroscope.csv: no time column"),
    (lambda m: _edit(m, "Gyroscope.csv", "\n1.", "\nx1."), r"Gyroscope.csv: line \d+: a value that is not a number"),
    (lambda m: dict(m, **{"Accelerometer.csv": m["Accelerometer.csv"].replace("E0,", "E-1,")}),
     "looks like g"),
])
def test_bad_exports_are_one_clear_line(tmp_path, change, message):
    members = _members(write_phyphox(_short().shin, tmp_path / "good.zip", 1))
    path = _zip_with(tmp_path / "bad.zip", change(members))
    with pytest.raises(SourceError, match=message) as info:
        read_phyphox(path)
    assert "\n" not in str(info.value) and str(info.value).startswith(str(path))


def test_built_in_acceleration_experiment_alone_names_what_to_record(tmp_path, capsys):
    """phyphox's 'Acceleration with g' exports one set 'Raw Data' with an absolute column: no gyroscope."""
    s = _short()
    raw = [("Raw Data", [("Time (s)", ("accelerometer", "t"))]
            + [(f"Acceleration {c} (m/s^2)", ("accelerometer", c)) for c in "xyz"]
            + [("Absolute acceleration (m/s^2)", ("accelerometer", "abs"))])]
    path = write_phyphox(s.shin, tmp_path / "Acceleration with g 2026-11-27 10-00-00.zip", 1, sets=raw)
    assert detect_kind(path) == "phyphox"  # its meta/ files say phyphox: the reader says what is missing
    assert main(["analyze", str(path), "--exercise", "knee_to_wall", "--json"]) == 2
    err = capsys.readouterr().err
    assert "no gyroscope columns" in err and str(EXPERIMENT) in err and err.count("\n") == 1
    assert EXPERIMENT.is_file()  # the file the message names is there to copy to the phone


def test_a_single_csv_cut_short_is_read_without_its_last_line(tmp_path):
    s = _short()
    path = write_phyphox(s.shin, tmp_path / "export.csv", 1, layout="single")
    text = path.read_text()
    path.write_text(text[: len(text) - 30])  # a copy cut inside the gyroscope's last line
    export = read_phyphox(path)
    assert any("cut short" in p and "left out" in p for p in export.problems)
    whole = read_phyphox(write_phyphox(s.shin, tmp_path / "whole.csv", 1, layout="single"))
    assert len(whole.shin) - 2 <= len(export.shin) <= len(whole.shin)


def test_a_zip_cut_short_is_refused(tmp_path):
    path = write_phyphox(_short().shin, tmp_path / "export.zip", 1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError) as info:
        read_phyphox(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_phone_exports_are_told_apart(tmp_path):
    """phyphox's simple experiment names its sets Accelerometer and Gyroscope, as Sensor Logger's
    files are named: the headers tell which app wrote them."""
    s = _short()
    ph = write_phyphox(s.shin, tmp_path / "phyphox.zip", 1)
    sl = write_sensor_logger(s.shin, tmp_path / "sensor_logger.zip", "android")
    assert (is_phyphox(ph), is_sensor_logger(ph)) == (True, False)
    assert (is_phyphox(sl), is_sensor_logger(sl)) == (False, True)
    assert detect_kind(ph) == "phyphox" and detect_kind(sl) == "sensor_logger"


def test_batch_lists_each_export_once(tmp_path):
    s = _short()
    write_phyphox(s.shin, tmp_path / "a.zip", 1)
    write_phyphox(s.shin, tmp_path / "unzipped" / "b", 2, layout="folder")
    # single-file exports saved side by side are one input each, not one folder export
    write_phyphox(s.shin, tmp_path / "singles" / "c.csv", 1, layout="single")
    write_phyphox(s.shin, tmp_path / "singles" / "d.csv", 4, layout="single")
    assert find_inputs(tmp_path) == sorted([tmp_path / "a.zip", tmp_path / "unzipped" / "b",
                                            tmp_path / "singles" / "c.csv", tmp_path / "singles" / "d.csv"])
    for path in find_inputs(tmp_path):
        assert load_session(path, exercise="knee_to_wall").kind == "phyphox"


def test_cli_analyses_a_simulated_phone_routine_by_its_segments_file(tmp_path, capsys):
    out = tmp_path / "sim"
    assert main(["simulate", "band_lunge", "--phyphox", "4", "--interval-jitter", "0.3", "--reps", "6",
                 "--seed", "8", "--out", str(out)]) == 0
    capsys.readouterr()
    truth = json.loads((out / "truth.json").read_text())
    assert main(["analyze", str(out / "phyphox.zip"), "--segments", str(out / "phyphox.segments.csv"),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [e["exercise"] for e in result["exercises"]] == ["band_lunge"]
    assert len(result["exercises"][0]["reps"]) == len(truth["reps"]) == 6


def test_the_phone_reads_as_the_board_does():
    """The same movement through a phyphox export and straight from the sensor: the same reps, their
    peaks at the same time (within a quarter second: a flat top's highest sample moves with the
    resampling) and angle (within a degree)."""
    import tempfile

    s = _lunges()
    direct = analyze(s.shin, exercise="band_lunge").exercises[0]
    with tempfile.TemporaryDirectory() as tmp:
        phone = analyze(read_phyphox(write_phyphox(s.shin, Path(tmp) / "p.zip", 5)).shin,
                        exercise="band_lunge").exercises[0]
    assert len(phone.reps) == len(direct.reps) == 8
    t0 = float(s.shin.t[0])  # phyphox counts from the experiment's start
    for a, b in zip(phone.reps, direct.reps):
        assert abs(a.peak_s - (b.peak_s - t0)) < 0.25 and abs(a.peak_angle_deg - b.peak_angle_deg) < 1.0


def test_damaged_times_are_refused_or_noted_not_followed(tmp_path):
    """A time value damaged into 1e29 s would make a grid of 1e31 points: refused in one line. A
    pause or start time damaged the same way is noted and left out."""
    members = _members(write_phyphox(_short().shin, tmp_path / "good.zip", 1, pause=(5.0, 2.0)))
    lines = members["Gyroscope.csv"].split("\n")
    lines[-3] = "9.9E29" + lines[-3][lines[-3].index(","):]
    path = _zip_with(tmp_path / "far.zip", dict(members, **{"Gyroscope.csv": "\n".join(lines)}))
    with pytest.raises(SourceError, match=r"gyroscope's times span 9.9e\+29 s, more than 12 h"):
        read_phyphox(path)
    time_csv = members["meta/time.csv"].split("\n")
    event, exp_t, sys_t, text = time_csv[3].split(",", 3)  # the START after the pause
    time_csv[3] = ",".join([event, exp_t, "1E30", text])
    time_csv[1] = ",".join(time_csv[1].split(",", 3)[:2] + ["-1E30", time_csv[1].split(",", 3)[3]])
    path = _zip_with(tmp_path / "meta.zip", dict(members, **{"meta/time.csv": "\n".join(time_csv)}))
    export = read_phyphox(path)
    assert export.started_at is None and "pauses" not in export.meta
    assert any("longer than any session" in p for p in export.problems)
    assert any("is not a time" in p for p in export.problems)


def test_damaged_meta_files_are_noted_and_the_data_read():
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        good = write_phyphox(_short().shin, Path(tmp) / "good.zip", 1)
        members = {n: t.encode() for n, t in _members(good).items()}
        members["meta/time.csv"] = b"\xff\xfe not text"
        members["meta/device.csv"] = b"\xc3\x28"
        path = Path(tmp) / "meta.zip"
        with zipfile.ZipFile(path, "w") as z:
            for name, data in members.items():
                z.writestr(name, data)
        export = read_phyphox(path)
        whole = read_phyphox(good)
    np.testing.assert_array_equal(export.shin.acc, whole.shin.acc)
    assert export.started_at is None and "device" not in export.meta
    assert any("time.csv: not a text" in p and "start and pauses are not known" in p for p in export.problems)
    assert any("device.csv: not a text" in p for p in export.problems)
