"""Segments files (``dorsi analyze --segments``): CSV and JSON read alike, bad ones named by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.routine.exercises import EXERCISE_IDS
from dorsi.sources import SourceError
from dorsi.sources.segments_file import read_segments

SEGMENTS = [("band_lunge", 0.5, 61.25), ("soleus_stretch", 70.0, 180.0)]


def test_csv_and_every_json_shape_give_the_same_segments(tmp_path: Path) -> None:
    csv_path = tmp_path / "segments.csv"
    csv_path.write_text("# which exercise ran when\nnote,exercise,start_s,end_s\n"
                        "first, band_lunge ,0.5,61.25\n\nsecond,soleus_stretch,70,180\n")
    objects = [{"exercise": e, "start_s": a, "end_s": b} for e, a, b in SEGMENTS]
    shapes = {"list.json": objects, "truth.json": {"format": "sim", "segments": objects},
              "analysis.json": {"schema": "dorsi.analysis.v1",
                                "exercises": [dict(o, reps=[], quality={"score": 90}) for o in objects]}}
    assert read_segments(csv_path) == SEGMENTS
    for name, doc in shapes.items():
        (tmp_path / name).write_text(json.dumps(doc))
        assert read_segments(tmp_path / name) == SEGMENTS


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(EXERCISE_IDS), st.floats(-1e6, 1e6), st.floats(1e-3, 1e4)),
                min_size=1, max_size=12))
def test_csv_round_trip(tmp_path_factory, rows) -> None:
    path = tmp_path_factory.mktemp("seg") / "s.csv"
    path.write_text("exercise,start_s,end_s\n" + "".join(f"{e},{a!r},{a + d!r}\n" for e, a, d in rows))
    got = read_segments(path)
    assert [g[0] for g in got] == [r[0] for r in rows]
    assert [g[1] for g in got] == [r[1] for r in rows]
    assert all(g[2] > g[1] for g in got)


@pytest.mark.parametrize("content,message", [
    ("", "no segments"),
    ("exercise,start\nband_lunge,1\n", "line 1: missing column(s) start_s, end_s"),
    ("exercise,start_s,end_s\nband_lunge,0,10\nlunges,10,20\n", "line 3: unknown exercise 'lunges'"),
    ("exercise,start_s,end_s\nband_lunge,zero,10\n", "line 2: start_s 'zero' is not a number"),
    ("exercise,start_s,end_s\nband_lunge,10,10\n", "line 2: end_s 10 is not after start_s 10"),
    ("exercise,start_s,end_s\nband_lunge,0,nan\n", "line 2: end_s 'nan' is not a finite number"),
    ("exercise,start_s,end_s\nband_lunge,0\n", "line 2: 2 values, header has 3 columns"),
    ("[{\"exercise\": \"band_lunge\", \"start_s\": 0}]", "segment 1: needs the keys"),
    ("{\"segments\": [}", "not valid JSON"),
    ("{\"reps\": []}", "needs a 'segments' (or 'exercises') list"),
    ("[{\"exercise\": \"traction\", \"start_s\": true, \"end_s\": 3}]", "segment 1: start_s True is not a number"),
])
def test_bad_files_get_a_one_line_reason(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "segments.txt"
    path.write_text(content)
    with pytest.raises(SourceError) as info:
        read_segments(path)
    assert message in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_a_binary_or_missing_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "b.bin").write_bytes(b"\xff\xfe\x00\x81")
    for path, message in ((tmp_path / "b.bin", "not a text file"), (tmp_path / "none.csv", "cannot read")):
        with pytest.raises(SourceError, match=message):
            read_segments(path)
