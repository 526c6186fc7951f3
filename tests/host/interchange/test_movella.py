"""Movella DOT CSV exports: units, time wrap, axis remap and bad files."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from dorsi.sources import SourceError
from dorsi.sources.axes import AxisMap
from dorsi.sources.movella import DOT_STRAP_AXES, is_movella_csv, read_movella_csv

PROPER = [",".join(s + a for s, a in zip(signs, perm))
          for perm in itertools.permutations("xyz") for signs in itertools.product(("", "-"), repeat=3)]
PROPER = [p for p in PROPER if np.linalg.det(np.array(
    [[(-1.0 if c.startswith("-") else 1.0) * (c[-1] == ax) for ax in "xyz"] for c in p.split(",")])) > 0]


def write_dot_csv(path, batch, axes: AxisMap, t0_us: int = 0, quat: bool = True, header: bool = True) -> None:
    """Write ``batch`` (dorsi axes, SI) the way a DOT would have recorded it."""
    inv = axes.matrix.T  # v_dot = M^T v_dorsi
    acc = batch.acc @ inv.T
    gyr = np.degrees(batch.gyr @ inv.T)
    stf = (t0_us + np.rint((batch.t - batch.t[0]) * 1e6).astype(np.int64)) % (1 << 32)
    cols = ["PacketCounter", "SampleTimeFine"]
    data = [np.arange(len(batch)) % 65536, stf]
    if quat:
        r = Rotation.from_quat(batch.quat, scalar_first=True) * Rotation.from_matrix(axes.matrix)
        q = r.as_quat(scalar_first=True)
        cols += ["Quat_W", "Quat_X", "Quat_Y", "Quat_Z"]
        data += list(q.T)
    cols += ["Acc_X", "Acc_Y", "Acc_Z", "Gyr_X", "Gyr_Y", "Gyr_Z"]
    data += list(acc.T) + list(gyr.T)
    lines = []
    if header:
        lines += ["DeviceTag:,0", "FirmwareVersion:,2.6.0", "OutputRate:,60Hz", "FilterProfile:,General"]
    lines.append(",".join(cols))
    table = np.column_stack(data)
    for row in table:
        lines.append(f"{int(row[0])},{int(row[1])}," + ",".join(f"{v:.9g}" for v in row[2:]))
    path.write_text("\n".join(lines) + "\n")


def test_reads_units_axes_and_quaternions(ktw, tmp_path):
    _, s = ktw
    path = tmp_path / "dot.csv"
    write_dot_csv(path, s.shin, DOT_STRAP_AXES)
    assert is_movella_csv(path)
    b = read_movella_csv(path)
    assert b.role == "shin" and b.meta["DeviceTag"] == "0" and b.meta["axes"] == "y,-x,z"
    np.testing.assert_allclose(b.acc, s.shin.acc, atol=1e-6)
    np.testing.assert_allclose(b.gyr, s.shin.gyr, atol=1e-6)
    np.testing.assert_allclose(b.t, s.shin.t - s.shin.t[0], atol=1e-6)
    dots = np.abs(np.sum(b.quat * s.shin.quat, axis=1))  # same rotation (q and -q alike)
    assert dots.min() > 1 - 1e-6
    assert np.array_equal(np.diff(b.seq) != 1, np.diff(s.shin.seq) != 1)  # lost samples stay gaps


def test_sample_time_wraps_at_2_32(ktw, tmp_path):
    _, s = ktw
    path = tmp_path / "wrap.csv"
    write_dot_csv(path, s.shin, DOT_STRAP_AXES, t0_us=(1 << 32) - 2_000_000, quat=False)
    b = read_movella_csv(path)
    assert b.quat is None
    assert np.all(np.diff(b.t) > 0)
    np.testing.assert_allclose(b.t, s.shin.t - s.shin.t[0], atol=1e-6)


def test_dot_export_is_analysed_like_the_generic_csv(ktw, tmp_path):
    from dorsi.export import load_session

    folder, s = ktw
    path = tmp_path / "dot.csv"
    write_dot_csv(path, s.shin, DOT_STRAP_AXES)
    dot = load_session(path, exercise="knee_to_wall")
    ref = load_session(folder / "shin.csv", exercise="knee_to_wall")
    assert dot.kind == "movella"
    a = [r["peak_angle_deg"] for r in dot.analysis["exercises"][0]["reps"]]
    b = [r["peak_angle_deg"] for r in ref.analysis["exercises"][0]["reps"]]
    assert len(a) == len(b) == 3
    np.testing.assert_allclose(a, b, atol=0.3)


def test_dorsi_analyze_reads_a_dot_export_as_report_and_export_do(ktw, tmp_path, capsys):
    import json

    from dorsi.cli import main
    from dorsi.export import load_session

    _, s = ktw
    path = tmp_path / "dot.csv"
    write_dot_csv(path, s.shin, DOT_STRAP_AXES)
    assert main(["analyze", str(path), "--exercise", "knee_to_wall", "--json"]) == 0
    reps = json.loads(capsys.readouterr().out)["exercises"][0]["reps"]
    assert reps == load_session(path, exercise="knee_to_wall").analysis["exercises"][0]["reps"]
    assert main(["analyze", str(path), "--format", "movella", "--axes", "x,y", "--json"]) == 2
    assert "three" in capsys.readouterr().err


@given(st.sampled_from(PROPER), st.lists(st.floats(-10, 10), min_size=3, max_size=3))
def test_axis_maps_are_rotations_and_print_back(spec, v):
    m = AxisMap.parse(spec)
    assert str(m) == spec.replace("+", "")
    v = np.array([v])
    np.testing.assert_allclose(np.linalg.norm(m.vectors(v)), np.linalg.norm(v))
    # a vector expressed in dorsi axes, rotated to earth, equals the same vector via the source frame
    q = Rotation.random(random_state=1).as_quat(scalar_first=True)[None]
    r_src = Rotation.from_quat(q, scalar_first=True)
    r_dorsi = Rotation.from_quat(m.quaternions(q), scalar_first=True)
    np.testing.assert_allclose(r_dorsi.apply(m.vectors(v)), r_src.apply(v), atol=1e-9)


@pytest.mark.parametrize("spec, msg", [("x,y", "three"), ("x,x,z", "twice"), ("x,y,-z", "mirrors"),
                                        ("x,y,w", "not one of")])
def test_bad_axis_maps_are_refused(spec, msg):
    with pytest.raises(ValueError, match=msg):
        AxisMap.parse(spec)


def test_bad_files_raise_one_line_errors(ktw, tmp_path):
    _, s = ktw
    good = tmp_path / "good.csv"
    write_dot_csv(good, s.shin, DOT_STRAP_AXES, quat=False)
    text = good.read_text()
    cases = {
        "no_header.csv": ("a,b,c\n1,2,3\n", "not a Movella DOT export"),
        "no_acc.csv": (text.replace("Acc_X", "FreeAcc_X"), "missing column 'Acc_X'"),
    }
    lines = text.splitlines()
    head = len([ln for ln in lines if ln.endswith("Hz") or ":," in ln]) + 1
    g = lines[:head] + [",".join(c if i < 2 else f"{float(c) / 9.81:.6g}" if 2 <= i < 5 else c
                                 for i, c in enumerate(ln.split(","))) for ln in lines[head:]]
    cases["in_g.csv"] = ("\n".join(g) + "\n", "looks like g")
    back = lines[:head + 5] + [lines[head + 3]] + lines[head + 5:]
    cases["backwards.csv"] = ("\n".join(back) + "\n", "does not advance")
    for name, (content, msg) in cases.items():
        p = tmp_path / name
        p.write_text(content)
        with pytest.raises(SourceError, match=msg) as err:
            read_movella_csv(p)
        assert "\n" not in str(err.value) and name in str(err.value)


@pytest.mark.parametrize("worn", PROPER)
def test_auto_axes_recover_any_aligned_wearing(ktw, worn):
    _, s = ktw
    m = AxisMap.parse(worn)
    acc_dot = s.shin.acc @ m.matrix  # v_dot = M^T v_dorsi, row vectors
    assert str(AxisMap.detect(acc_dot)) == str(m)


def test_auto_axes_end_to_end(ktw, tmp_path):
    from dorsi.export import load_session

    folder, s = ktw
    path = tmp_path / "dot.csv"
    write_dot_csv(path, s.shin, AxisMap.parse("-y,x,z"))
    auto = load_session(path, exercise="knee_to_wall", axes="auto")
    assert auto.shin.meta["axes"] == "-y,x,z"
    ref = load_session(folder / "shin.csv", exercise="knee_to_wall")
    np.testing.assert_allclose([r["peak_angle_deg"] for r in auto.analysis["exercises"][0]["reps"]],
                               [r["peak_angle_deg"] for r in ref.analysis["exercises"][0]["reps"]], atol=0.3)


def test_auto_axes_need_a_tilt():
    still = np.tile([0.0, 0.0, 9.81], (200, 1))
    with pytest.raises(ValueError, match="never tilts"):
        AxisMap.detect(still)
