"""The terminal view shows what the state says, within 80 columns, never by colour alone."""

from __future__ import annotations

from rich.console import Console

from dorsi.session.state import SensorState, SessionState
from dorsi.views.terminal import render


def _text(state: SessionState) -> str:
    console = Console(width=80, record=True, color_system=None)
    console.print(render(state))
    return console.export_text()


def test_reps_hold_and_alerts_are_spelled_out():
    state = SessionState(phase="exercise", exercise="soleus_stretch", title="Soleus lunge stretch", kind="holds",
                         exercise_index=2, exercise_count=9, angle_deg=24.0, best_deg=26.5, hold_target_s=30.0,
                         hold_elapsed_s=31.2, hold_met_now=True, hold_active=True, holds_target=3, holds_done=1,
                         holds_met=1, heel_lift=True, cues=["Back knee bent; lean in."],
                         sensors=[SensorState("shin", connected=True, battery_percent=80)])
    text = _text(state)
    assert "3/9 Soleus lunge stretch" in text
    assert "TARGET MET" in text and "31.2 / 30 s" in text
    assert "HEEL LIFT" in text
    assert "1 / 3 done, 1 met target" in text
    assert "shin ● 80%" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert len(text.splitlines()) <= 24


def test_reps_against_target_and_calibration_message():
    calibrating = SessionState(phase="calibrating", message="Stand still on both feet")
    assert "Stand still on both feet" in _text(calibrating)
    reps = SessionState(phase="exercise", exercise="band_lunge", title="Band lunges", kind="reps",
                        reps=12, reps_target=30, angle_deg=31.0)
    text = _text(reps)
    assert "12 / 30" in text and "31.0°" in text


def test_circles_each_way_say_which_way_to_go_next():
    base = dict(phase="exercise", exercise="ankle_circles", title="Ankle circles", kind="reps", exercise_index=4,
                exercise_count=9, reps_target=40, circles_target=20)
    text = _text(SessionState(reps=7, circles_outward=7, circles_inward=0, **base))
    assert "outward 7 / 20  inward 0 / 20" in text and "now circle" not in text
    text = _text(SessionState(reps=21, circles_outward=20, circles_inward=1, **base))
    assert "outward 20 / 20 ✔" in text and "now circle inward" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Circles" not in _text(SessionState(reps=3, **{**base, "exercise": "band_lunge"}))


def test_what_the_next_exercise_waits_for_is_shown():
    """Between exercises the guide says what it waits for ("Stand up to start it"); the terminal
    showed only the next exercise's title, so someone still on the floor did not know why nothing
    started."""
    ready = SessionState(phase="ready", exercise="gastroc_stretch", title="Gastrocnemius step stretch",
                         exercise_index=4, exercise_count=11,
                         message="Next: Gastrocnemius step stretch. Stand up to start it (the sensor reads "
                                 "your leg lying down).")
    text = " ".join(_text(ready).split())
    assert "Stand up to start it" in text
    unseen = SessionState(phase="exercise", exercise="seated_df_hold", title="Seated dorsiflexion holds",
                          kind="holds", hold_target_s=10.0, exercise_index=8, exercise_count=11,
                          message="Seated dorsiflexion holds: not counted without the foot sensor. Do it at "
                                  "your own pace, then go on to the next exercise.")
    assert "not counted without the foot sensor" in " ".join(_text(unseen).split())
    counted = SessionState(phase="exercise", exercise="band_lunge", title="Band lunges", kind="reps",
                           reps=3, reps_target=30, message="Band lunges")
    assert _text(counted).count("Band lunges") == 1  # the title once, not repeated as a message


def test_a_turned_sensor_is_spelled_out_within_80_columns():
    state = SessionState(phase="exercise", exercise="band_lunge", title="Band lunges", kind="reps",
                         exercise_index=5, exercise_count=9, reps=12, reps_target=30, strap_turned_deg=24.6,
                         sensors=[SensorState("shin", connected=True)])
    text = _text(state)
    assert "turned about 25°" in text and "recalibrate" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "turned" not in _text(SessionState(phase="exercise", exercise="band_lunge", title="Band lunges"))


def test_a_moved_stance_is_spelled_out_with_the_way_back_within_80_columns():
    state = SessionState(phase="exercise", exercise="eccentric_drop", title="Eccentric drops", kind="rep_holds",
                         exercise_index=7, exercise_count=9, reps=12, reps_target=30, stance_moved_deg=1.43,
                         sensors=[SensorState("shin", connected=True)])
    text = _text(state)
    flat = " ".join(text.split())
    assert "stance has moved about 1.4°" in flat and "weight back" in flat
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "weight forward" in " ".join(_text(SessionState(phase="exercise", exercise="eccentric_drop",
                                                           title="Eccentric drops", stance_moved_deg=-1.2)).split())
    assert "stance" not in _text(SessionState(phase="exercise", exercise="eccentric_drop", title="Eccentric drops"))


def test_how_the_sensors_are_read_is_shown_until_the_routine_ends():
    """The live session reads boards on each other's place, a shin sensor on the calf, or the shin
    alone when the foot's calibration refused; the patient sees it on screen (before, only the
    summary at the end said so)."""
    wearing = ["Shin and foot sensors are on each other's place: each is read where it is worn.",
               "Foot sensor not used: it could not be calibrated (arrow to the toes, on top of the foot?); "
               "the shin sensor alone is read.",
               "Shin sensor on the back of the leg: read from there (on the front of the shin it reads the "
               "angle more exactly)."]
    state = SessionState(phase="exercise", exercise="soleus_stretch", title="Soleus lunge stretch", kind="holds",
                         exercise_index=2, exercise_count=9, angle_deg=24.0, best_deg=26.5, hold_target_s=30.0,
                         hold_elapsed_s=12.0, hold_active=True, holds_target=3, holds_done=1, heel_lift=True,
                         roll_in=True, last_event="Hold 1: 31.0 s - target met!", wearing=wearing,
                         cues=["Back knee bent; lean in.", "Heel down.", "Hold 30 s."],
                         sensors=[SensorState("shin", connected=True, battery_percent=80)])
    text = _text(state)
    flat = " ".join(text.replace("│", " ").split())  # lines wrapped inside the panel's border
    for line in wearing:
        assert " ".join(line.split()) in flat
    assert max(len(line) for line in text.splitlines()) <= 80
    assert len(text.splitlines()) <= 24
    assert "on each other's place" not in _text(SessionState(phase="finished", wearing=wearing))


def test_a_pain_report_asks_how_much_until_rated():
    from dorsi.session.guide import PAIN_ADVICE

    base = dict(phase="exercise", exercise="soleus_stretch", title="Soleus lunge stretch", kind="holds",
                exercise_index=2, exercise_count=9, angle_deg=24.0, best_deg=26.5, hold_target_s=30.0,
                hold_elapsed_s=12.0, hold_active=True, holds_target=3, holds_done=1, holds_met=1, heel_lift=True,
                cues=["Back knee bent; lean in.", "Heel down."], last_event="Hold 1: 31.0 s - target met!",
                sensors=[SensorState("shin", connected=True, battery_percent=80)])
    asked = _text(SessionState(**base, pain_note=f"Pain noted. {PAIN_ADVICE}", pain_unrated=True))
    assert "Pain noted." in asked and "Press 1-9, or 0 for 10" in asked
    rated = _text(SessionState(**base, pain_note=f"Pain noted (6/10). {PAIN_ADVICE}", pain_reports=1))
    assert "Pain noted (6/10)" in rated and "Press 1-9" not in rated
    assert "[h] it hurts" in _text(SessionState(**base))
    for text in (asked, rated):
        assert max(len(line) for line in text.splitlines()) <= 80
        assert len(text.splitlines()) <= 24


def test_an_empty_sensor_that_left_says_to_charge_it():
    base = dict(phase="exercise", exercise="band_lunge", title="Band dorsiflexion lunges", kind="reps",
                exercise_index=5, exercise_count=9)
    gone = _text(SessionState(**base, sensors=[SensorState("shin", connected=False, battery_percent=0)]))
    flat = " ".join(gone.replace("│", " ").split())
    assert "shin sensor's battery is empty and it went to sleep: charge it" in flat
    assert max(len(line) for line in gone.splitlines()) <= 80
    for sensor in (SensorState("shin", connected=True, battery_percent=0),
                   SensorState("shin", connected=False, battery_percent=40)):
        assert "battery is empty" not in _text(SessionState(**base, sensors=[sensor]))


def test_a_low_battery_is_marked():
    base = dict(phase="exercise", exercise="band_lunge", title="Band dorsiflexion lunges", kind="reps",
                exercise_index=5, exercise_count=9)
    assert "shin ● 12% low" in _text(SessionState(**base, sensors=[SensorState("shin", connected=True,
                                                                              battery_percent=12)]))
    assert "low" not in _text(SessionState(**base, sensors=[SensorState("shin", connected=True,
                                                                       battery_percent=60)])).split("shin ●")[1]
