"""Any schema-shaped analysis: the table cells always carry the JSON's numbers."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from dorsi.routine import EXERCISE_IDS
from dorsi.views.report import html, knee_to_wall_result, summarise_exercise

angle = st.floats(-60, 80, allow_nan=False).map(lambda x: round(x, 2))
times = st.floats(0, 1000, allow_nan=False).map(lambda x: round(x, 3))
opt_pos = st.none() | st.floats(0.1, 20).map(lambda x: round(x, 3))


@st.composite
def rep(draw):
    start = draw(times)
    return {"start_s": start, "end_s": start + 2.0, "peak_s": start + 1.0, "peak_angle_deg": draw(angle),
            "baseline_deg": 2.0, "heel_lift": draw(st.booleans()), "lowering_s": draw(opt_pos),
            "knee_to_wall_cm": draw(st.none() | st.floats(-5, 20).map(lambda x: round(x, 1))),
            "inferred": draw(st.booleans()), "direction": draw(st.sampled_from([None, "outward", "inward"]))}


@st.composite
def hold(draw):
    start, dur = draw(times), draw(st.floats(0, 60).map(lambda x: round(x, 3)))
    met = draw(st.none() | st.booleans())
    return {"start_s": start, "end_s": start + dur, "duration_s": dur, "mean_angle_deg": draw(angle),
            "target_s": None if met is None else 30.0, "met": met}


@st.composite
def exercise(draw):
    comps = {k: draw(st.none() | st.floats(0, 1).map(lambda x: round(x, 3)))
             for k in ("completion", "holds_met", "heel_down", "range", "control")}
    return {"exercise": draw(st.sampled_from(EXERCISE_IDS)), "start_s": 0.0, "end_s": 100.0,
            "target": {"reps": draw(st.none() | st.integers(1, 40)), "hold_s": draw(st.none() | st.just(30.0)),
                       "sets": draw(st.none() | st.integers(1, 4))},
            "reps": draw(st.lists(rep(), max_size=8)), "holds": draw(st.lists(hold(), max_size=5)),
            "heel_lifts": [], "quality": {"score": draw(st.integers(0, 100)), "components": comps}}


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-key" in a:
            self.values[a["data-key"]] = a["data-value"]


def _cells(text: str) -> dict:
    p = _Cells()
    p.feed(text)
    return {k: None if v in ("", "None") else eval(v, {"__builtins__": {}}) for k, v in p.values.items()}


@settings(max_examples=60, deadline=None)
@given(st.lists(exercise(), min_size=1, max_size=4))
def test_cells_equal_the_json(exercises):
    summaries = [summarise_exercise(ex) for ex in exercises]
    cells = _cells("".join(html.exercise_row(i, s) for i, s in enumerate(summaries))
                   + html.components_table(summaries))
    for i, ex in enumerate(exercises):
        assert cells[f"exercises.{i}.exercise"] == ex["exercise"]
        assert cells[f"exercises.{i}.reps_done"] == len(ex["reps"])
        assert cells[f"exercises.{i}.heel_free_reps"] == sum(not r["heel_lift"] for r in ex["reps"])
        assert cells[f"exercises.{i}.holds_met"] == sum(h["met"] is True for h in ex["holds"])
        assert cells[f"exercises.{i}.score"] == ex["quality"]["score"]
        # a rep restored from the rhythm (peak lost in a gap) carries only a lower bound: not a peak;
        # a heel-lifted rep does not count toward range while a heel-down one exists
        received = [r for r in ex["reps"] if not r["inferred"]]
        peaks = ([r["peak_angle_deg"] for r in received if not r["heel_lift"]]
                 or [r["peak_angle_deg"] for r in received] or [h["mean_angle_deg"] for h in ex["holds"]])
        assert cells[f"exercises.{i}.peak_angle_deg"] == (max(peaks) if peaks else None)
        for name, value in ex["quality"]["components"].items():
            if value is not None:
                assert cells[f"exercises.{i}.components.{name}"] == value


@settings(max_examples=60, deadline=None)
@given(st.lists(rep(), min_size=1, max_size=5))
def test_knee_to_wall_best_is_the_best_heel_down_trial(trials):
    result = knee_to_wall_result({"exercises": [{"exercise": "knee_to_wall", "reps": trials}]})
    valid = [r for r in trials if not r["heel_lift"]] or trials
    assert result.best_deg == max(r["peak_angle_deg"] for r in valid)
    assert result.trials_deg == tuple(r["peak_angle_deg"] for r in trials)
    assert result.aim_cm == 8.0
    for r, cm in zip(trials, result.trials_cm):
        if r["knee_to_wall_cm"] is not None:
            assert cm == r["knee_to_wall_cm"]
    cells = _cells(html.knee_to_wall_section(result))
    assert cells["ktw.best_deg"] == result.best_deg and cells["ktw.best_cm"] == result.best_cm


def test_circles_show_each_way_and_one_way_only_is_short():
    def circles(ways):
        reps = [{"start_s": 2.0 * k, "end_s": 2.0 * k + 1.5, "peak_s": 2.0 * k + 0.7, "peak_angle_deg": 8.0,
                 "baseline_deg": -10.0, "heel_lift": False, "direction": way} for k, way in enumerate(ways)]
        return {"exercise": "ankle_circles", "start_s": 0.0, "end_s": 90.0, "target": {"reps": 20, "sets": 2},
                "reps": reps, "holds": [], "heel_lifts": [], "quality": {"score": 80, "components": {}}}

    both = html.exercise_row(0, summarise_exercise(circles(["outward"] * 20 + ["inward"] * 20)))
    assert "40 / 40 (20 outward, 20 inward)" in both and 'class="short"' not in both
    one_way = html.exercise_row(0, summarise_exercise(circles(["outward"] * 40)))
    assert "40 / 40 (40 outward, 0 inward)" in one_way and 'class="short"' in one_way
