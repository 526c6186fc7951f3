"""Axivity AX6 recordings (.cwa): the documented layout, timestamps, axes, a foot logger, bad files."""

from __future__ import annotations

import json
import struct
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from dorsi.batch.discover import find_inputs
from dorsi.cli import main
from dorsi.export.session import detect_kind, load_session
from dorsi.pipeline import analyze
from dorsi.samples import SampleBatch
from dorsi.sim import SimOptions, simulate
from dorsi.sim.axivity_writer import write_cwa
from dorsi.sources import SourceError
from dorsi.sources.axes import AxisMap
from dorsi.sources.axivity import cut_cwa, is_cwa, parse_window, read_cwa

G = 9.80665
ACC_LSB = G / 4096  # m/s^2 per count at +-8 g
GYR_LSB = np.radians(2000 / 32768)  # rad/s per count at 2000 deg/s


@lru_cache(maxsize=None)
def _drops():
    return simulate("eccentric_drop", seed=5, reps=4, options=SimOptions(rate_hz=100, quaternions=False,
                                                                         foot_sensor=True))


@lru_cache(maxsize=None)
def _lunges():
    return simulate("band_lunge", seed=8, reps=5, options=SimOptions(rate_hz=50, quaternions=False))


def _packed_time(dt: datetime) -> int:
    return ((dt.year - 2000) << 26) | (dt.month << 22) | (dt.day << 17) | (dt.hour << 12) | (dt.minute << 6) \
        | dt.second


def _header(gyro_code: int = 2, rate_code: int = 64 | 10, hardware: int = 0x64, metadata: bytes = b"") -> bytes:
    """The 1024-byte header, field by field at the documented offsets."""
    head = bytearray(b"\xff" * 1024)
    struct.pack_into("<2sHBHIH", head, 0, b"MD", 1020, hardware, 1234, 99, 0)
    head[35], head[36] = gyro_code, rate_code
    head[64:64 + len(metadata)] = metadata
    return bytes(head)


def _block(sequence: int, when: datetime, fraction_65536: int | None, offset: int, samples: np.ndarray,
           accel_code: int = 4, gyro_code: int = 2, axes_bps: int = 0x62, events: int = 0) -> bytes:
    """One 512-byte data block, field by field at the documented offsets, checksum made to sum to zero."""
    block = bytearray(512)
    device_fractional = 0x8000 | (fraction_65536 >> 1) if fraction_65536 is not None else 1234
    light_scale = (accel_code << 13) | (gyro_code << 10) | 100
    struct.pack_into("<2sHHIII HHBBBBhH", block, 0, b"AX", 508, device_fractional, 99, sequence,
                     _packed_time(when), light_scale, 300, events, 150, 64 | 10, axes_bps, offset, len(samples))
    raw = np.asarray(samples, dtype="<i2").tobytes()
    block[30:30 + len(raw)] = raw
    total = sum(struct.unpack_from("<255H", block, 0)) & 0xFFFF
    struct.pack_into("<H", block, 510, (-total) & 0xFFFF)
    return bytes(block)


def _still_samples(n: int, up_counts: int = 4096) -> np.ndarray:
    """``n`` samples of an AX6 standing with its arrow (+X) up, turning at 100 counts about +Z."""
    s = np.zeros((n, 6), dtype=np.int64)
    s[:, 2] = 100  # gyro z
    s[:, 3] = up_counts  # accel x: +1 g
    s[:, 4] = np.arange(n) % 7 - 3  # accel y: a little noise
    return s


def test_the_documented_layout_reads_field_by_field(tmp_path):
    """Blocks built from the format's documented offsets (not the writer): values, scales, sample
    order (gyroscope first), timestamps with the fraction's offset shim undone."""
    start = datetime(2026, 3, 14, 9, 26, 53)
    blocks = []
    for k in range(5):
        # the logger timed sample 39 of block k at start + 0.4 k + 0.39 s; it stores the whole second,
        # the fraction, and the offset moved to where that second began at the nominal 100 Hz
        at = 0.4 * k + 0.39
        whole, frac = int(np.floor(at)), at - np.floor(at)
        fraction = int(frac * 65536) & 0xFFFE
        offset = 39 - ((fraction * 100) >> 16)
        blocks.append(_block(k, start.replace(second=start.second + whole), fraction, offset, _still_samples(40)))
    path = tmp_path / "ax.cwa"
    path.write_bytes(_header(metadata=b"_p=Right+shin&_sc=S%2F01") + b"".join(blocks))
    assert is_cwa(path) and detect_kind(path) == "axivity"
    rec = read_cwa(path, axes="x,y,z")
    shin = rec.shin
    assert len(shin) == 200 and rec.problems == []
    np.testing.assert_allclose(np.diff(shin.t), 0.01, atol=1e-4)
    # the first sample at start + 0.0 s, in the logger's clock (local time), to the fraction's 1/32768 s
    assert abs((rec.started_at.replace(tzinfo=None) - start).total_seconds()) < 1e-4
    np.testing.assert_allclose(shin.acc[:, 0], G)  # 4096 counts at 1/4096 g
    np.testing.assert_allclose(shin.acc[:7, 1], (np.arange(7) - 3) * ACC_LSB)
    np.testing.assert_allclose(shin.gyr[:, 2], np.radians(100 * 2000 / 32768))
    np.testing.assert_allclose(shin.gyr[:, :2], 0.0)
    assert rec.meta["device_id"] == 1234 and rec.meta["session_id"] == 99 and rec.meta["hardware"] == "AX6"
    assert rec.meta["metadata"] == {"Body Location": "Right shin", "Subject Code": "S/01"}
    assert rec.side == "right" and rec.shin.meta["side"] == "right"


def test_the_oldest_timestamps_and_other_scales_read_too(tmp_path):
    """No fraction (the offset is where the stored second began), accel 1/256 g, gyro 500 deg/s."""
    start = datetime(2026, 3, 14, 9, 26, 53)
    blocks = []
    for k in range(5):
        first = 0.4 * k + 0.25  # the block's first sample, s after start
        second = int(np.ceil(first))
        offset = round((second - first) * 100)  # index where that second began (may lie past the block)
        blocks.append(_block(k, start.replace(second=start.second + second), None, offset,
                             _still_samples(40, up_counts=256), accel_code=0, gyro_code=4))
    path = tmp_path / "old.cwa"
    path.write_bytes(_header(gyro_code=4) + b"".join(blocks))
    rec = read_cwa(path, axes="x,y,z")
    np.testing.assert_allclose(np.diff(rec.shin.t), 0.01, atol=1e-6)
    assert abs((rec.started_at.replace(tzinfo=None) - datetime(2026, 3, 14, 9, 26, 53, 250000)).total_seconds()) < 1e-6
    np.testing.assert_allclose(rec.shin.acc[:, 0], G)
    np.testing.assert_allclose(rec.shin.gyr[:, 2], np.radians(100 * 500 / 32768))
    assert rec.meta["gyro_range_dps"] == 500.0


@pytest.mark.parametrize("fractional", [True, False])
def test_a_recording_reads_as_the_sensor_measured(tmp_path, fractional):
    s = _drops()
    path = write_cwa(s.shin, tmp_path / "shin.cwa", fractional=fractional)
    rec = read_cwa(path)
    np.testing.assert_array_equal(rec.shin.seq, s.shin.seq - s.shin.seq[0])
    assert np.abs(rec.shin.t - (s.shin.t - s.shin.t[0])).max() < 0.002
    assert np.abs(rec.shin.acc - s.shin.acc).max() <= ACC_LSB / 2 + 1e-9
    assert np.abs(rec.shin.gyr - s.shin.gyr).max() <= GYR_LSB / 2 + 1e-9
    assert rec.meta["axes"] == "x,-y,-z" and rec.meta["nominal_rate_hz"] == 100.0 and rec.foot is None
    assert abs(rec.meta["sample_rate_hz"] - s.shin.rate_hz) < 0.05  # as the sensor ran (its times jitter)


@pytest.mark.parametrize("fractional,within_s", [(True, 0.002), (False, 0.006)])
@pytest.mark.parametrize("clock", [1.01, 1 / 1.01])
def test_a_logger_clock_off_its_nominal_rate_reads_as_it_ran(tmp_path, fractional, within_s, clock):
    """A sensor clock 1 % slow or fast. Whole-second timestamps (the oldest form) place the second's
    sample to within half a period, and blocks often name the same second: read within that."""
    s = _drops()
    off = SampleBatch("shin", s.shin.seq, s.shin.t * clock, s.shin.acc, s.shin.gyr)
    rec = read_cwa(write_cwa(off, tmp_path / "off.cwa", fractional=fractional))
    assert np.abs(rec.shin.t - (off.t - off.t[0])).max() < within_s
    np.testing.assert_array_equal(rec.shin.seq, s.shin.seq - s.shin.seq[0])


def test_the_foot_logger_beside_joins_on_the_clocks(tmp_path):
    s = _drops()
    write_cwa(s.shin, tmp_path / "shin.cwa")
    # the foot logger started 2 s earlier and ran 1 s longer (loggers are started by hand)
    early = np.arange(1, 201)[::-1]
    t = np.concatenate([s.foot.t[0] - early * 0.01, s.foot.t, s.foot.t[-1] + np.arange(1, 101) * 0.01])
    pad = lambda v, n: np.repeat(v[:1], n, axis=0)  # noqa: E731
    foot = SampleBatch("foot", np.arange(len(t)), t, np.concatenate([pad(s.foot.acc, 200), s.foot.acc,
                       pad(s.foot.acc[::-1], 100)]), np.concatenate([pad(s.foot.gyr, 200), s.foot.gyr,
                                                                    pad(s.foot.gyr[::-1], 100)]))
    write_cwa(foot, tmp_path / "foot.cwa")
    rec = read_cwa(tmp_path / "shin.cwa")
    assert rec.foot is not None and rec.meta["foot_path"].endswith("foot.cwa")
    assert len(rec.foot) == len(s.foot)  # cut to the shin's span
    assert np.abs(rec.foot.t - (s.foot.t - s.shin.t[0])).max() < 0.002
    assert find_inputs(tmp_path) == [tmp_path / "shin.cwa"]  # the foot file is read with it
    assert detect_kind(tmp_path) == "axivity"
    apart = tmp_path / "apart"
    apart.mkdir()
    write_cwa(s.shin, apart / "shin.cwa")
    write_cwa(s.foot, apart / "foot.cwa", start=datetime(2026, 11, 28, 10, 0))  # the next day
    with pytest.raises(SourceError, match="does not overlap the shin's"):
        read_cwa(apart / "shin.cwa")


def test_the_analysis_equals_the_csv_of_the_same_session(tmp_path):
    s = _drops()
    segments = [(g.exercise, g.start_s - s.shin.t[0], g.end_s - s.shin.t[0]) for g in s.truth.segments]
    write_cwa(s.shin, tmp_path / "shin.cwa")
    write_cwa(s.foot, tmp_path / "foot.cwa")
    rec = read_cwa(tmp_path / "shin.cwa")
    from_cwa = analyze(rec.shin, rec.foot, segments=segments)
    shift = lambda b: SampleBatch(b.role, b.seq - s.shin.seq[0], b.t - s.shin.t[0], b.acc, b.gyr)  # noqa: E731
    direct = analyze(shift(s.shin), shift(s.foot), segments=segments)
    a, b = from_cwa.exercises[0], direct.exercises[0]
    assert from_cwa.source == "ankle" and len(a.reps) == len(b.reps) == 4 and len(a.holds) == len(b.holds)
    np.testing.assert_allclose([r.peak_angle_deg for r in a.reps], [r.peak_angle_deg for r in b.reps], atol=0.2)
    np.testing.assert_allclose([h.duration_s for h in a.holds], [h.duration_s for h in b.holds], atol=0.05)


def test_a_logger_worn_turned_reads_with_its_map_or_auto(tmp_path):
    s = _lunges()  # the shank tilts: auto can tell front from back
    arrow_down = AxisMap.parse("-x,y,-z")  # arrow toward the ankle, etched face out
    rec = read_cwa(write_cwa(s.shin, tmp_path / "down.cwa", axes=arrow_down), axes="-x,y,-z")
    assert np.abs(rec.shin.acc - s.shin.acc).max() <= ACC_LSB / 2 + 1e-9
    auto = read_cwa(tmp_path / "down.cwa", axes="auto")
    assert auto.meta["axes"] == "-x,y,-z"
    with pytest.raises(SourceError, match="down.cwa: axes 'x,x,z'"):
        read_cwa(tmp_path / "down.cwa", axes="x,x,z")


def test_a_pause_in_logging_is_a_gap_of_lost_samples(tmp_path):
    s = _drops()
    keep = np.ones(len(s.shin), bool)
    keep[500:650] = False  # 1.5 s not logged
    b = s.shin
    paused = SampleBatch("shin", b.seq[keep], b.t[keep], b.acc[keep], b.gyr[keep])
    rec = read_cwa(write_cwa(paused, tmp_path / "paused.cwa"))
    np.testing.assert_array_equal(rec.shin.seq, paused.seq - paused.seq[0])
    assert np.abs(rec.shin.t - (paused.t - paused.t[0])).max() < 0.002


def _written(tmp_path: Path) -> tuple[Path, bytes]:
    path = write_cwa(_drops().shin, tmp_path / "shin.cwa")
    return path, path.read_bytes()


def test_a_damaged_block_is_left_out_and_the_rest_read(tmp_path):
    path, data = _written(tmp_path)
    damaged = bytearray(data)
    damaged[1024 + 10 * 512 + 100] ^= 0x10  # inside block 10's samples: its checksum fails
    path.write_bytes(bytes(damaged))
    rec = read_cwa(path)
    whole = read_cwa(write_cwa(_drops().shin, tmp_path / "whole.cwa"))
    assert len(rec.shin) == len(whole.shin) - 40
    assert np.diff(rec.shin.seq).max() == 41  # the block's 40 samples are a gap
    assert any("1 of" in p and "damaged" in p for p in rec.problems)
    analysed = load_session(path, kind="axivity", exercise="eccentric_drop").analysis
    assert len(analysed["exercises"][0]["reps"]) == 4


def test_a_file_cut_while_writing_loses_its_last_block_only(tmp_path):
    path, data = _written(tmp_path)
    n_blocks = (len(data) - 1024) // 512
    path.write_bytes(data[:-300])
    rec = read_cwa(path)
    assert len(rec.shin) == sum(min(40, len(_drops().shin) - 40 * k) for k in range(n_blocks - 1))
    assert any("212 bytes into a block" in p for p in rec.problems)
    # unwritten space at the end of a file (all 0xFF) is not damage
    path.write_bytes(data + b"\xff" * 2048)
    assert read_cwa(path).problems == []


@pytest.mark.parametrize("make,message", [
    (lambda d: b"XX" + d[2:], "not an Axivity CWA file"),
    (lambda d: d[:700], "cut short inside its header"),
    (lambda d: d[:1024], "no intact data blocks"),
    (lambda d: d[:1024] + bytes(512) * 3, "no intact data blocks"),
])
def test_files_that_are_not_recordings_are_refused_in_one_line(tmp_path, make, message):
    path, data = _written(tmp_path)
    path.write_bytes(make(data))
    with pytest.raises(SourceError, match=message) as info:
        read_cwa(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_a_recording_with_the_magnetometer_reads_its_gyroscope_and_accelerometer(tmp_path):
    """Nine channels (gx gy gz ax ay az mx my mz), 26 samples a block: the magnetometer is left out."""
    start = datetime(2026, 3, 14, 9, 0, 0)
    blocks = []
    for k in range(4):
        nine = np.zeros((26, 9), dtype=np.int64)
        nine[:, :6] = _still_samples(26)
        nine[:, 6:] = 1000  # a field dorsi does not use
        first = 0.26 * k
        second = int(np.ceil(first))
        blocks.append(_block(k, start.replace(second=second), None, round((second - first) * 100), nine,
                             axes_bps=0x92))
    path = tmp_path / "mag.cwa"
    path.write_bytes(_header() + b"".join(blocks))
    rec = read_cwa(path, axes="x,y,z")
    assert len(rec.shin) == 104
    np.testing.assert_allclose(rec.shin.acc[:, 0], G)
    np.testing.assert_allclose(rec.shin.gyr[:, 2], np.radians(100 * 2000 / 32768))


def test_blocks_that_hold_no_samples_are_no_recording(tmp_path):
    """Intact blocks (checksums right) whose sample count is 0: nothing to read, said in one line
    (found by the fuzz test: it once failed with an IndexError)."""
    path = tmp_path / "empty.cwa"
    path.write_bytes(_header() + _block(0, datetime(2026, 3, 14, 9, 0, 0), None, 0, np.zeros((0, 6))))
    with pytest.raises(SourceError, match="no intact data blocks: the logger recorded nothing"):
        read_cwa(path)


def test_accelerometer_only_recordings_are_refused_with_the_fix(tmp_path):
    start = datetime(2026, 3, 14, 9, 0, 0)
    ax3 = [_block(k, start, None, 0, np.zeros((80, 3)), axes_bps=0x32) for k in range(3)]
    path = tmp_path / "ax3.cwa"
    path.write_bytes(_header(gyro_code=0, hardware=0x17) + b"".join(ax3))
    with pytest.raises(SourceError, match="AX3 recording of the accelerometer alone.*gyroscope range"):
        read_cwa(path)


def test_a_clock_set_back_and_a_rate_out_of_range_are_refused(tmp_path):
    start = datetime(2026, 3, 14, 9, 0, 30)
    back = [_block(0, start, None, 0, _still_samples(40)), _block(1, start.replace(second=10), None, 0,
                                                                  _still_samples(40), events=1)]
    path = tmp_path / "back.cwa"
    path.write_bytes(_header() + b"".join(back))
    with pytest.raises(SourceError, match="block 1: the logger's clock goes back"):
        read_cwa(path, axes="x,y,z")
    slow = [_block(k, start, None, 0, _still_samples(40)) for k in range(2)]
    slow = [b[:24] + bytes([64 | 7]) + b[25:] for b in slow]  # 12.5 Hz (checksums now off: fixed below)
    fixed = []
    for b in slow:
        b = bytearray(b)
        struct.pack_into("<H", b, 510, 0)
        struct.pack_into("<H", b, 510, (-sum(struct.unpack_from("<256H", b, 0))) & 0xFFFF)
        fixed.append(bytes(b))
    path.write_bytes(_header() + b"".join(fixed))
    with pytest.raises(SourceError, match="rate 12.5 Hz is outside"):
        read_cwa(path, axes="x,y,z")


def test_a_recording_of_days_is_refused_with_what_to_do(tmp_path):
    start = datetime(2026, 3, 14, 9, 0, 0)
    days = [_block(0, start, None, 0, _still_samples(40)),
            _block(1, start.replace(day=16), None, 0, _still_samples(40), events=1)]
    path = tmp_path / "week.cwa"
    path.write_bytes(_header() + b"".join(days))
    with pytest.raises(SourceError, match=r"spans 48 h \(2026-03-14 09:00:00 to 2026-03-16 09:00:00\), more than "
                                          "12 h: give the session's time with --between START,END"):
        read_cwa(path, axes="x,y,z")


def test_a_body_location_elsewhere_is_noted(tmp_path):
    path = write_cwa(_drops().shin, tmp_path / "wrist.cwa", metadata={"Body Location": "left wrist"})
    rec = read_cwa(path)
    assert rec.side == "left"
    assert any("body location is 'left wrist'" in p for p in rec.problems)


def test_cli_simulate_then_analyze_report_and_batch(tmp_path, capsys):
    out = tmp_path / "sim"
    assert main(["simulate", "band_lunge", "--reps", "6", "--seed", "3", "--foot", "--axivity",
                 "--out", str(out)]) == 0
    assert (out / "shin.cwa").is_file() and (out / "foot.cwa").is_file()
    capsys.readouterr()
    assert main(["analyze", str(out / "shin.cwa"), "--segments", str(out / "shin.segments.csv"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == "ankle" and len(doc["exercises"][0]["reps"]) == 6
    home = str(tmp_path / "home")  # a folder holding shin.cwa is kept as its pair of files
    assert main(["history", "add", str(out), "--segments", str(out / "shin.segments.csv"), "--home", home]) == 0
    assert sorted(p.suffixes[-2] for p in (tmp_path / "home" / "recordings").glob("*.cwa")) == [".foot", ".shin"]
    capsys.readouterr()
    assert main(["batch", str(out), "--out", str(tmp_path / "table.csv")]) == 0
    assert "1 files" in capsys.readouterr().out
    assert main(["simulate", "band_lunge", "--rate", "52", "--axivity", "--out", str(tmp_path / "x")]) == 2
    assert "the AX6 samples at 3200/2^k Hz" in capsys.readouterr().err


def _day_of_wear(tmp_path: Path) -> tuple[Path, SampleBatch]:
    """shin.cwa and foot.cwa logged from 10:00 to past 23:00 (the same drops at 10:00 and at 23:00,
    nothing logged between): the routine of the evening is the one wanted."""
    s = _drops()
    later = 13 * 3600.0
    for b in s.batches():
        gap = int(later * 100)
        day = SampleBatch(b.role, np.concatenate([b.seq, b.seq + gap]), np.concatenate([b.t, b.t + later]),
                          np.concatenate([b.acc, b.acc]), np.concatenate([b.gyr, b.gyr]))
        write_cwa(day, tmp_path / f"{b.role}.cwa")
    return tmp_path / "shin.cwa", s.shin


def test_the_session_within_a_day_of_wear_is_read_by_its_time(tmp_path):
    path, shin = _day_of_wear(tmp_path)
    with pytest.raises(SourceError, match="spans 13.01 h .* give the session's time with --between"):
        read_cwa(path)
    window = parse_window("2026-11-27T22:59:00,2026-11-27T23:10")
    rec = read_cwa(path, between=window)
    assert abs(rec.started_at.replace(tzinfo=None) - datetime(2026, 11, 27, 23, 0, 0, 250000)).total_seconds() < 1e-3
    assert len(rec.shin) == len(shin) and rec.foot is not None and len(rec.foot) == len(_drops().foot)
    assert np.abs(rec.shin.t - (shin.t - shin.t[0])).max() < 0.002
    np.testing.assert_array_equal(rec.shin.seq, shin.seq - shin.seq[0])
    # the same part cut out as a .cwa of its own (with the foot's) reads the same samples
    cut = cut_cwa(path, tmp_path / "cut" / "evening.shin.cwa", window)
    assert (tmp_path / "cut" / "evening.foot.cwa").is_file()
    whole = read_cwa(cut)
    assert len(whole.shin) == len(shin) and whole.problems == [] and whole.foot is not None
    np.testing.assert_allclose(whole.shin.acc, rec.shin.acc)
    with pytest.raises(ValueError, match="name it NAME.shin.cwa"):  # its foot's cut would not be found
        cut_cwa(path, tmp_path / "cut" / "evening.cwa", window)
    with pytest.raises(SourceError, match=r"nothing recorded between 2026-11-28 08:00:00 and the end \(it runs "
                                          r"from 2026-11-27 10:00:00 to 2026-11-27 23:00:46\)"):
        read_cwa(path, between=parse_window("2026-11-28T08:00,"))


@pytest.mark.parametrize("text,message", [
    ("2026-11-27T18:00", "expected START,END"),
    ("18h,19h", "'18h' is not a date and time"),
    ("2026-11-27T19:00,2026-11-27T18:00", "the end is not after the start"),
])
def test_a_window_that_cannot_be_read_is_refused_with_the_form(text, message):
    with pytest.raises(ValueError, match=message):
        parse_window(text)


def test_cli_between_for_analyze_and_history(tmp_path, capsys):
    path, _ = _day_of_wear(tmp_path)
    args = ["--between", "2026-11-27T22:59,2026-11-27T23:10", "--exercise", "eccentric_drop"]
    assert main(["analyze", str(path), *args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == "ankle" and len(doc["exercises"][0]["reps"]) == 4
    home = tmp_path / "home"
    assert main(["history", "add", str(path), *args, "--home", str(home)]) == 0
    kept = sorted(p.name for p in (home / "recordings").iterdir())
    assert [k.rsplit(".", 2)[-2:] for k in kept if k.endswith(".cwa")] == [["foot", "cwa"], ["shin", "cwa"]]
    shin_kept = next(home / "recordings" / k for k in kept if k.endswith(".shin.cwa"))
    assert shin_kept.stat().st_size < path.stat().st_size / 1.9  # the evening only
    capsys.readouterr()
    _drops().to_csv(tmp_path / "csv", traces=False)
    assert main(["analyze", str(tmp_path / "csv" / "shin.csv"), "--between", "2026-11-27T22:59,"]) == 2
    assert "--between reads a part of an Axivity recording" in capsys.readouterr().err
