"""The generic IMU CSV reader: round trips, gaps, foot data and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.sources import SourceError, read_imu_csv

HEADER = "time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z"


def _rows(n: int, rate: float = 100.0, t0: float = 0.0) -> np.ndarray:
    t = t0 + np.arange(n) / rate
    acc = np.tile([9.81, 0.1, 0.2], (n, 1)) + 0.01 * np.sin(np.arange(n))[:, None]
    gyr = 0.05 * np.cos(np.arange(n))[:, None] * np.array([1.0, -0.5, 0.2])
    return np.column_stack([t, acc, gyr])


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _csv(rows: np.ndarray, header: str = HEADER, comments: str = "") -> str:
    body = "\n".join(",".join(f"{v:.12g}" for v in r) for r in rows)
    return comments + header + "\n" + body + "\n"


def test_reads_minimal_file(tmp_path: Path) -> None:
    rows = _rows(50)
    rec = read_imu_csv(_write(tmp_path / "a.csv", _csv(rows)))
    assert rec.foot is None
    np.testing.assert_allclose(rec.shin.t, rows[:, 0])
    np.testing.assert_allclose(rec.shin.acc, rows[:, 1:4])
    np.testing.assert_allclose(rec.shin.gyr, rows[:, 4:7])
    np.testing.assert_array_equal(rec.shin.seq, np.arange(50))
    assert rec.shin.quat is None
    assert rec.shin.rate_hz == pytest.approx(100.0)


def test_comments_seq_quaternion_and_gaps(tmp_path: Path) -> None:
    rows = _rows(40, rate=52.0)
    keep = np.r_[0:10, 15:40]  # five samples lost
    seq = np.arange(40)[keep]
    quat = np.tile([1.0, 0.0, 0.0, 0.0], (len(keep), 1))
    data = np.column_stack([seq, rows[keep], quat])
    text = _csv(data, "seq," + HEADER + ",quat_w,quat_x,quat_y,quat_z",
                "# sample_rate_hz: 52\n# placement: shin\n# side: left\n")
    rec = read_imu_csv(_write(tmp_path / "b.csv", text))
    assert rec.meta["side"] == "left" and rec.meta["sample_rate_hz"] == 52.0
    np.testing.assert_array_equal(rec.shin.seq, seq)
    np.testing.assert_array_equal(rec.shin.gaps(), [10])
    assert rec.shin.quat is not None and rec.shin.quat.shape == (35, 4)


def test_gap_without_seq_column_is_inferred_from_time(tmp_path: Path) -> None:
    rows = _rows(30, rate=200.0)
    keep = np.r_[0:5, 9:30]
    rec = read_imu_csv(_write(tmp_path / "c.csv", _csv(rows[keep])))
    np.testing.assert_array_equal(rec.shin.seq, np.arange(30)[keep])


def test_foot_columns_and_foot_file(tmp_path: Path) -> None:
    rows = _rows(20)
    foot = rows[:, 1:7] * np.array([1, 1, 1, 2, 2, 2])
    header = HEADER + "," + ",".join("foot_" + c for c in HEADER.split(",")[1:])
    rec = read_imu_csv(_write(tmp_path / "d.csv", _csv(np.column_stack([rows, foot]), header)))
    assert rec.foot is not None and rec.foot.role == "foot"
    np.testing.assert_allclose(rec.foot.gyr, foot[:, 3:])
    folder = tmp_path / "session"
    folder.mkdir()
    _write(folder / "shin.csv", _csv(rows, comments="# placement: shin\n"))
    _write(folder / "foot.csv", _csv(rows, comments="# placement: foot\n"))
    for target in (folder, folder / "shin.csv"):
        rec = read_imu_csv(target)
        assert rec.foot is not None and rec.meta["foot_path"].endswith("foot.csv")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y\n0,9.8,0,0,0,0\n", "missing column 'gyr_z'"),
        (HEADER + "\n0,9.8,0,0,0,0,0\n0.01,9.8,0,zero,0,0,0\n", "line 3"),
        (HEADER + "\n0,9.8,0,0,0,0,0\n0.01,9.8,0,0,0,0\n", "line 3"),
        (HEADER + "\n0,9.8,0,0,0,0,0\n0.01,9.8,0,0,0,0,0\n0.01,9.8,0,0,0,0,0\n",
         "line 4: time_s 0.01 does not increase (previous 0.01)"),
        (HEADER + "\n0,1.0,0,0,0,0,0\n0.01,1.0,0,0,0,0,0\n", "looks like g"),
        (HEADER + "\n0,9.8,0,0,0,0,0\n0.01,9.8,0,0,120,0,0\n", "deg/s"),
        (HEADER + "\n0,9.8,0,0,0,0,0\n0.01,9.8,0,nan,0,0,0\n", "line 3"),
        ("# placement: knee\n" + HEADER + "\n0,9.8,0,0,0,0,0\n", "placement"),
        ("# only a comment\n", "no header"),
        (HEADER + "\n", "no data"),
        (HEADER + "\n0,9.8,0,0,0,0,0\n1,9.8,0,0,0,0,0\n", "outside the supported"),
        (HEADER + "\n" + "".join(f"{k / 100},9.8,0,0,0,0,0\n" for k in range(20)) + "9.9e29,9.8,0,0,0,0,0\n",
         "line 22: time_s 9.9e+29 makes the file span 9.9e+29 s, more than 12 h"),
    ],
)
def test_bad_files_raise_one_line_naming_file(tmp_path: Path, text: str, needle: str) -> None:
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(SourceError) as info:
        read_imu_csv(path)
    message = str(info.value)
    assert needle in message
    assert str(path) in message and "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        read_imu_csv(tmp_path / "nope.csv")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(40, 300), rate=st.sampled_from([25.0, 52.0, 100.0, 200.0, 400.0]),
       t0=st.floats(0, 1000), drop=st.sets(st.integers(1, 298), max_size=15))
def test_round_trip_keeps_every_sample(tmp_path: Path, n: int, rate: float, t0: float, drop: set[int]) -> None:
    rows = _rows(n, rate, t0)
    keep = np.array([i for i in range(n) if i not in drop or i == 0])
    data = np.column_stack([keep, rows[keep]])
    rec = read_imu_csv(_write(tmp_path / "h.csv", _csv(data, "seq," + HEADER)))
    assert len(rec.shin) == len(keep)
    np.testing.assert_array_equal(rec.shin.seq, keep)
    np.testing.assert_allclose(rec.shin.t, rows[keep, 0], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("tail", ["0.4", "0.4,9.81,0.1", "0.4,9.81,0.1,0.", "0.4,9.81,0.1,0.2,0.0,-"])
def test_a_last_line_cut_off_mid_write_is_left_out_and_named(tmp_path: Path, tail: str) -> None:
    rows = _rows(40)
    path = _write(tmp_path / "cut.csv", _csv(rows) + tail)
    rec = read_imu_csv(path)
    np.testing.assert_allclose(rec.shin.t, rows[:, 0])
    assert len(rec.problems) == 1
    problem = rec.problems[0]
    assert str(path) in problem and "line 42" in problem and f"{tail.count(',') + 1} of 7 values" in problem
    assert read_imu_csv(_write(tmp_path / "whole.csv", _csv(rows))).problems == []


@pytest.mark.parametrize(("text", "needle"), [
    (_csv(_rows(5)) + "0.05,9.81,x,0.2\n", "line 7: 4 values"),      # a bad cell before the cut: not a cut
    (_csv(_rows(5)).replace("\n0.02,", "\n0.02,9.8\n0.021,", 1) + "0.06,9.81\n", "line 4: 2 values"),  # mid-file too
    (HEADER + "\n0.0,9.81\n", "line 2: 2 values"),                    # nothing before the cut
])
def test_a_short_line_that_is_not_a_cut_off_tail_is_still_an_error(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(SourceError, match=needle):
        read_imu_csv(_write(tmp_path / "bad.csv", text))
