"""The end-of-session summary table in the terminal."""

from __future__ import annotations

from types import SimpleNamespace

from rich.console import Console

from dorsi.session.app import print_summary


def test_summary_lists_targets_holds_circles_each_way_and_losses() -> None:
    analysis = {"quality": {"score": 88, "exercises": {"ankle_circles": 90, "soleus_stretch": 81}}, "exercises": [
        {"exercise": "ankle_circles", "target": {"reps": 20, "sets": 2}, "holds": [], "heel_lifts": [],
         "reps": [{"direction": "outward"}] * 20 + [{"direction": "inward"}] * 19, "quality": {"score": 90}},
        {"exercise": "soleus_stretch", "target": {"hold_s": 30, "sets": 3}, "reps": [], "heel_lifts": [{}],
         "holds": [{"met": True}, {"met": False}, {"met": True}], "quality": {"score": 81}},
    ]}
    console = Console(width=100, record=True)
    print_summary(console, SimpleNamespace(lost_samples={"shin": 3, "foot": 0}, recording="s.dorsi"), analysis)
    text = console.export_text()
    circles = next(line for line in text.splitlines() if "ankle_circles" in line)
    assert "39 / 40 (20 out, 19 in)" in circles and "90" in circles
    stretch = next(line for line in text.splitlines() if "soleus_stretch" in line)
    assert "2 / 3" in stretch and "81" in stretch
    assert stretch.split("│")[2].strip() == "-"  # no reps column figure for a hold-only exercise
    assert "Overall quality score: 88" in text
    assert "samples lost and not recovered: 3" in text


def test_summary_ends_with_the_sessions_notes() -> None:
    """How the sensors were worn (read right, but worn wrong) is said where the patient looks last."""
    note = "the shin sensor was worn on the back of the leg; it was read as worn"
    analysis = {"quality": {"score": 70}, "exercises": [], "notes": [note]}
    console = Console(width=200, record=True)
    print_summary(console, SimpleNamespace(lost_samples={"shin": 0}, recording="s.dorsi"), analysis)
    assert note in console.export_text()


def test_a_session_nothing_of_which_could_be_scored_says_so() -> None:
    """Ankle circles alone on the shin sensor cannot be scored: the overall 0 of the JSON is no
    score, and the summary says why rather than "0"."""
    analysis = {"quality": {"score": 0, "exercises": {"ankle_circles": None}}, "exercises": [
        {"exercise": "ankle_circles", "target": {"reps": 20, "sets": 2}, "holds": [], "heel_lifts": [],
         "reps": [], "quality": {"score": None}}]}
    console = Console(width=120, record=True)
    print_summary(console, SimpleNamespace(lost_samples={"shin": 0}, recording="s.dorsi"), analysis)
    text = console.export_text()
    assert "Overall quality score: not scored" in text and "Overall quality score: 0" not in text
