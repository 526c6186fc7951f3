"""The routine data: default targets, cues, and TOML validation."""

from __future__ import annotations

import pytest

from dorsi.routine import EXERCISE_IDS, RoutineError, default_routine, load_routine

EXPECTED = {  # exercise: (reps, hold_s, sets)
    "knee_to_wall": (3, None, None),
    "ankle_circles": (20, None, 2),
    "gastroc_stretch": (None, 30.0, 3),
    "soleus_stretch": (None, 30.0, 3),
    "traction": (None, 30.0, 3),
    "band_lunge": (30, None, None),
    "seated_df_hold": (None, 10.0, 20),
    "eccentric_drop": (30, 5.0, None),
    "nerve_floss": (20, None, None),
}


def test_default_routine_has_every_exercise_once() -> None:
    routine = default_routine()
    assert sorted(routine.ids) == sorted(EXERCISE_IDS)


@pytest.mark.parametrize("exercise,target", EXPECTED.items())
def test_default_targets_follow_the_physiotherapist(exercise: str, target: tuple) -> None:
    t = default_routine()[exercise].target
    assert (t.reps, t.hold_s, t.sets) == target


def test_foam_rolling_is_one_to_three_minutes() -> None:
    for name in ("calf_release", "achilles_release"):
        assert default_routine()[name].target.duration_s == (60.0, 180.0)


def test_every_exercise_has_cues_and_heel_down_exercises_say_so() -> None:
    for spec in default_routine().exercises:
        assert spec.cues, spec.id
        if spec.heel_down and spec.id != "traction":
            assert any("heel" in c.lower() for c in spec.cues), spec.id
    assert any("roll in" in c for c in default_routine()["band_lunge"].cues)


def test_custom_routine_file(tmp_path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('name = "mine"\n[[exercise]]\nid = "band_lunge"\nkind = "reps"\nreps = 12\n'
                    'cues = ["go"]\n', encoding="utf-8")
    routine = load_routine(path)
    assert routine.name == "mine" and routine["band_lunge"].target.reps == 12
    assert "soleus_stretch" not in routine


def test_each_exercise_starts_in_its_posture_unless_the_file_says_otherwise(tmp_path) -> None:
    from dorsi.routine.header import routine_from_header, routine_to_data

    routine = default_routine()
    assert routine["gastroc_stretch"].posture == "standing"
    assert routine["seated_df_hold"].posture == "seated"
    assert routine["calf_release"].posture == "long_sitting"
    path = tmp_path / "r.toml"
    path.write_text('[[exercise]]\nid = "ankle_circles"\nkind = "reps"\nreps = 5\nposture = "any"\n'
                    '[[exercise]]\nid = "traction"\nkind = "holds"\nhold_s = 20\nsets = 2\n', encoding="utf-8")
    mine = load_routine(path)
    assert mine["ankle_circles"].posture == "any" and mine["traction"].posture == "standing"
    # a recording keeps it with the routine it was run with
    back = routine_from_header({"routine": routine_to_data(mine)})
    assert back is not None and back["ankle_circles"].posture == "any"
    # an older recording, whose routine has no posture: the exercises' usual ones
    old = routine_to_data(mine)
    for entry in old["exercise"]:
        del entry["posture"]
    again = routine_from_header({"routine": old})
    assert again is not None and again["ankle_circles"].posture == "seated"


@pytest.mark.parametrize("body,message", [
    ('[[exercise]]\nid = "lunges"\nkind = "reps"\nreps = 3\n', "unknown exercise"),
    ('[[exercise]]\nid = "band_lunge"\nkind = "reps"\n', "needs 'reps'"),
    ('[[exercise]]\nid = "band_lunge"\nkind = "reps"\nreps = -3\n', "positive"),
    ('[[exercise]]\nid = "band_lunge"\nkind = "reps"\nreps = 3\ncolour = 1\n', "unknown keys"),
    ('[[exercise]]\nid = "band_lunge"\nkind = "reps"\nreps = 3\nposture = "lying"\n', "posture must be one of"),
    ('name = "x"\n', "no ..exercise"),
    ('[[exercise\n', "invalid TOML"),
])
def test_bad_routine_files_name_the_problem(tmp_path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(RoutineError, match=message) as info:
        load_routine(path)
    assert "bad.toml" in str(info.value)
