"""Pain reports: commands, notes, markers, and how the analysis lists them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorsi.events import pain
from dorsi.events.pain import PainReport
from dorsi.pipeline import analyze
from dorsi.session.keyboard import KeyCommands
from dorsi.sim import simulate_routine
from dorsi.views.web.hub import CoachHub

SCHEMA = json.loads((Path(__file__).parents[3] / "docs" / "schemas" / "analysis-v1.json").read_text())


@given(st.integers(min_value=-5, max_value=20))
def test_a_rating_command_is_a_report_only_within_1_to_10(level):
    ok, rated = pain.parse_command(f"pain:{level}")
    assert ok == (1 <= level <= 10)
    assert rated == (level if ok else None)


@pytest.mark.parametrize("name", ["pain:", "pain:x", "pain:6.5", "pains", "next", "pain:06 ", "PAIN"])
def test_other_commands_are_not_pain_reports(name):
    assert not pain.is_command(name)


def test_an_unrated_report_is_a_command():
    assert pain.parse_command("pain") == (True, None)


@pytest.mark.parametrize("text, expected", [
    ("pain", (True, None)), ("Pain 6", (True, 6)), ("hurts: 4/10", (True, 4)), ("sore 3", (True, 3)),
    ("PAIN=10!", (True, 10)), ("painful", (True, None)), ("pain 0", (True, None)), ("pain 11", (True, None)),
    ("painkillers taken", (False, None)), ("band lunge", (False, None)), ("no pain", (False, None)),
])
def test_notes_reporting_pain(text, expected):
    assert pain.from_note(text) == expected


def test_a_later_marker_at_the_same_time_rates_the_report():
    markers = [
        {"event": "exercise_start", "exercise": "band_lunge", "t": 10.0},
        {"event": "pain", "t": 12.5, "level": None, "exercise": "band_lunge"},
        {"event": "pain", "t": 12.5, "level": 6, "exercise": "band_lunge"},
        {"event": "pain", "t": 30.0, "level": 3},
        {"event": "pain", "t": 31.0, "level": 99},  # out of range: reported, not rated
        {"event": "pain", "t": "soon"},  # no time: skipped
        {"event": "pain", "t": float("nan")},
        "not a marker",
    ]
    reports = pain.from_markers(markers)  # type: ignore[arg-type]
    assert reports == [PainReport(12.5, 6, "band_lunge"), PainReport(30.0, 3, None), PainReport(31.0, None, None)]


def test_a_missing_rating_in_a_later_marker_keeps_the_earlier_one():
    reports = pain.from_markers([{"event": "pain", "t": 1.0, "level": 5}, {"event": "pain", "t": 1.0}])
    assert reports == [PainReport(1.0, 5, None)]


def test_reports_are_assigned_to_the_exercise_they_fell_in_or_just_followed():
    segments = [("band_lunge", 0.0, 10.0), ("soleus_stretch", 30.0, 40.0), ("traction", 45.0, 50.0)]
    times = [5.0, 10.0 + pain.AFTER_S - 0.5, 10.0 + pain.AFTER_S + 0.5, 35.0, 44.0]
    out = pain.assign([PainReport(t, level) for t, level in zip(times, (2, None, None, 7, 3))], segments)
    # in it; just after it ("that last lunge hurt"); long after it; in the next; just after, next not begun
    assert [r.exercise for r in out] == ["band_lunge", "band_lunge", None, "soleus_stretch", "soleus_stretch"]
    assert [pain.belongs(r, "band_lunge", 0.0, 10.0) for r in out] == [True, True, False, False, False]
    note = pain.summary_note(out, {"band_lunge": "Band lunges"}, t0=0.0)
    assert note is not None and "Band lunges at 0:05 (2/10)" in note
    assert "between exercises at 0:20 (not rated)" in note


@given(st.lists(st.floats(-20, 60), min_size=1, max_size=60), st.floats(0.0, 8.0), st.integers(0, 2 ** 32 - 1))
def test_where_it_hurt_is_the_highest_valid_angle_just_before(angles, t_s, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.arange(len(angles)) * 0.1
    angle = np.asarray(angles)
    valid = rng.random(len(angles)) < 0.7
    inside = valid & (t >= t_s - pain.LOOKBACK_S) & (t <= t_s)
    got = pain.angle_before(t_s, t, angle, valid)
    assert got == (float(angle[inside].max()) if inside.any() else None)
    reports = pain.with_angles([PainReport(t_s, 3, "band_lunge"), PainReport(t_s, 3, "calf_release"),
                                PainReport(t_s, 3, None)], t, angle, valid, [("band_lunge", 0.0, 9.0)],
                               ["band_lunge"])
    assert [r.angle_deg for r in reports] == [got, None, None]  # the angle only where it is the ankle's
    # a report just after its exercise: where it hurt is read over the exercise's last seconds
    end = t_s / 2
    before_end = valid & (t >= end - pain.LOOKBACK_S) & (t <= end)
    (after,) = pain.with_angles([PainReport(t_s, 3, "band_lunge")], t, angle, valid, [("band_lunge", 0.0, end)],
                                ["band_lunge"])
    assert after.angle_deg == (float(angle[before_end].max()) if before_end.any() else None)


def test_the_keyboard_rates_a_report_only_right_after_it():
    now = [100.0]
    keys = KeyCommands(clock=lambda: now[0])
    assert keys.command("6") is None  # a digit alone means nothing
    assert keys.command("h") == "pain"
    now[0] += 3.0
    assert keys.command("0") == "pain:10"
    assert keys.command("4") is None  # one rating per report
    assert keys.command("H") == "pain"
    now[0] += pain.RATE_WINDOW_S + 1.0
    assert keys.command("4") is None  # too late
    assert keys.command("n") == "next" and keys.command(" ") == "toggle_pause"


def test_the_coach_page_may_report_pain_but_not_make_up_commands():
    hub = CoachHub()
    hub.command("pain")
    hub.command("pain:7")
    assert hub.poll() == ["pain", "pain:7"]
    for bad in ("pain:0", "pain:11", "pain:seven", "hurt"):
        with pytest.raises(ValueError):
            hub.command(bad)


@pytest.fixture(scope="module")
def session():
    return simulate_routine(seed=3, exercises=["band_lunge", "soleus_stretch"])


def test_the_analysis_lists_reports_under_their_exercise_and_leaves_the_score_alone(session):
    segs = [(g.exercise, g.start_s, g.end_s) for g in session.truth.segments]
    lunge = next(s for s in segs if s[0] == "band_lunge")
    segs = [segs[0], (segs[1][0], segs[0][2] + 20.0, segs[1][2])]  # 20 s of quiet between the two
    just_after = segs[0][2] + 2.0  # "that last lunge hurt"
    between = segs[0][2] + pain.AFTER_S + 5.0  # in the quiet between the two exercises
    reports = [PainReport(lunge[1] + 3.0, 6), PainReport(lunge[1] + 9.0), PainReport(just_after, 4),
               PainReport(between, 2)]
    plain = analyze(session.shin, session.foot, segments=segs)
    hurt = analyze(session.shin, session.foot, segments=segs, pain=reports)
    doc = hurt.to_json()
    jsonschema.validate(doc, SCHEMA)
    assert doc["quality"] == plain.to_json()["quality"]
    ex = next(e for e in doc["exercises"] if e["exercise"] == "band_lunge")
    assert [(p["t_s"], p["level"]) for p in ex["pain"]] == [(round(lunge[1] + 3.0, 3), 6),
                                                             (round(lunge[1] + 9.0, 3), None),
                                                             (round(just_after, 3), 4)]
    from dorsi.pipeline import estimate_trace

    trace = estimate_trace(session.shin, session.foot, segments=segs)
    for p in ex["pain"]:  # where it hurt: the highest angle in the 3 s before (the exercise's last 3 s after it)
        until = min(p["t_s"], segs[0][2])
        near = (trace.t >= until - pain.LOOKBACK_S) & (trace.t <= until) & trace.valid
        assert p["angle_deg"] == round(float(trace.angle_deg[near].max()), 1)
    assert max(p["angle_deg"] for p in ex["pain"]) > ex["baseline_deg"] + 10  # the lunges were under way
    assert [p["exercise"] for p in doc["pain"]][:2] == ["band_lunge", "band_lunge"]
    assert doc["pain"][-1] == {"t_s": round(between, 3), "level": 2, "exercise": None, "angle_deg": None}
    assert sum(len(e["pain"]) for e in doc["exercises"]) == sum(1 for p in doc["pain"] if p["exercise"])
    assert any(n.startswith("Pain reported") for n in doc["notes"])
    assert not any(n.startswith("Pain reported") for n in plain.to_json()["notes"])
    assert plain.to_json()["pain"] == []


def test_the_guide_keeps_each_report_at_once_and_rates_only_the_newest_unrated_one():
    from dorsi.routine import default_routine
    from dorsi.session.guide import RoutineGuide

    markers: list[dict] = []
    def marker(event: str, **fields) -> None:
        markers.append(dict(fields, event=event))

    # a pain report needs neither sensors nor an exercise under way (between exercises: none)
    guide = RoutineGuide(default_routine(), processor=None, marker=marker)  # type: ignore[arg-type]
    guide.command("pain", 10.0)
    assert guide.state.pain_unrated and guide.state.pain_note.startswith("Pain noted.")
    guide.command("pain", 10.0 + pain.REPEAT_S / 2)  # a double tap: the same report
    assert len(markers) == 1
    guide.command("pain:4", 15.0)  # rates the report at 10 s
    guide.command("pain:7", 16.0)  # that one is rated: a new report
    guide.command("pain", 40.0)
    guide.command("pain:3", 40.0 + pain.RATE_WINDOW_S + 1.0)  # too late to rate it: a new report
    assert len(markers) == 5 and all(m["event"] == "pain" for m in markers)
    expected = [PainReport(10.0, 4), PainReport(16.0, 7), PainReport(40.0), PainReport(61.0, 3)]
    assert pain.from_markers(markers) == guide.pain_reports == expected
    assert guide.state.pain_reports == 4 and "(3/10)" in guide.state.pain_note and not guide.state.pain_unrated


def test_reports_read_from_an_edited_analysis_json_skip_what_is_malformed():
    doc = {"pain": [{"t_s": 1.0, "level": 4}, {"t_s": "x"}, {"t_s": float("nan")}, {"level": 3}, "junk",
                    {"t_s": 2.0, "level": 11, "angle_deg": "deep"}, {"t_s": 3.0, "level": True, "angle_deg": 20.5}]}
    kept = pain.reported(doc)
    assert [p["t_s"] for p in kept] == [1.0, 3.0]
    assert pain.rated(kept) == [4]
    assert pain.reported({"pain": "none"}) == [] and pain.reported({}) == []


def test_an_edited_analysis_exports_its_reports_without_failing():
    from dorsi.export import events_table

    doc = {"exercises": [], "gaps": [], "pain": [{"t_s": 1.0, "level": "6", "exercise": 7}, {"t_s": "x"},
                                                 {"t_s": 2.0, "level": 6, "exercise": "band_lunge", "angle_deg": 31.0}]}
    rows = [r for r in events_table(doc).to_pylist() if r["kind"] == "pain"]
    assert [(r["exercise"], r["start_s"], r["pain_level"], r["angle_deg"]) for r in rows] == [
        (None, 1.0, None, None), ("band_lunge", 2.0, 6, 31.0)]


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                     max_leaves=8)


@given(st.lists(st.fixed_dictionaries({"event": st.just("pain")},
                                      optional={"t": _JSON | st.floats(), "level": _JSON | st.integers(-2, 12),
                                                "exercise": _JSON, "angle_deg": _JSON | st.floats()}) | _JSON,
                max_size=6))
def test_markers_of_any_shape_read_as_reports_or_are_skipped(markers):
    import math

    for r in pain.from_markers(markers):
        assert math.isfinite(r.t_s)
        assert r.level is None or (isinstance(r.level, int) and 1 <= r.level <= 10)
        assert r.exercise is None or isinstance(r.exercise, str)
        assert r.angle_deg is None or math.isfinite(r.angle_deg)
        json.dumps(r.to_json(), allow_nan=False)


def test_the_terminal_summary_shows_each_report_under_its_exercise(tmp_path, capsys):
    """``dorsi analyze`` without --json: a phone note "pain 6" during the lunges is a row of the
    lunges' table, with where it hurt."""
    import zipfile

    from dorsi.cli import main
    from dorsi.sim import SimOptions, simulate
    from dorsi.sim.sensor_logger_writer import EPOCH_START_S, write_sensor_logger

    s = simulate("band_lunge", seed=4, reps=6, options=SimOptions(rate_hz=100, quaternions=False))
    g = s.truth.segments[0]
    path = write_sensor_logger(s.shin, tmp_path / "phone.zip", segments=[(g.exercise, g.start_s, g.end_s)])
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in files if n.endswith("Annotation.csv"))
    when = g.start_s + 8.0
    files[name] += f"{int(round((EPOCH_START_S + when) * 1e9))},{when:.3f},pain 6,120\n".encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "pain" in line and "reported 6/10" in line)
    assert f"{when - float(s.shin.t[0]):.2f}" in row or f"{when:.2f}" in row
