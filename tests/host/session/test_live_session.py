"""End to end over the emulated BLE link: guided session, link drops, recording, replay."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from dorsi.recording import read_recording
from dorsi.routine import load_routine
from dorsi.session.emulated import emulated_sensors
from dorsi.session.replay import replay_recording
from dorsi.session.runner import run_session
from dorsi.sources.recording_source import load_recording

ROUTINE = Path(__file__).with_name("short_routine.toml")
SPEED = 6.0


class PainReporter:
    """A view and a command source: once the second lunge is counted, the user presses "it hurts"
    and rates it 6; as the lunges end, a "that last one hurt" rated 3 at once (the next exercise
    shown, not begun). What the screen said after is kept."""

    def __init__(self) -> None:
        self.pending: list[str] = []
        self.sent_at_rep: int | None = None
        self.notes: list[str] = []
        self.unrated_seen = False
        self.after_sent = False
        self.angles: list = []

    def update(self, state) -> None:
        if state.pain_note:
            self.notes.append(state.pain_note)
            if state.pain_angle_deg is not None and state.pain_angle_deg not in self.angles:
                self.angles.append(state.pain_angle_deg)
        lunging = state.phase == "exercise" and state.exercise == "band_lunge"
        if self.sent_at_rep is None and lunging and state.reps >= 2:
            self.pending, self.sent_at_rep = ["pain"], state.reps
        elif self.sent_at_rep is not None and state.pain_unrated and not self.unrated_seen:
            self.unrated_seen = True  # the screen asked how much: the user answers 6
            self.pending = ["pain:6"]
        elif self.unrated_seen and not self.after_sent and state.phase == "ready" and state.exercise == "soleus_stretch":
            self.after_sent = True
            self.pending = ["pain:3"]

    def poll(self) -> list[str]:
        out, self.pending = self.pending, []
        return out


async def _session(path: Path, drops: int, foot: bool = False, reporter: PainReporter | None = None):
    routine = load_routine(ROUTINE)
    async with emulated_sensors(foot_sensor=foot, speed=SPEED, seed=11) as setup:
        async def saboteur():
            for _ in range(drops):
                await asyncio.sleep(3.0)
                for p in setup.peripherals:
                    await p.disconnect()

        task = asyncio.create_task(saboteur())
        result = await run_session(routine, path, roles=setup.patient.roles, auto_advance=True,
                                   views=[reporter] if reporter else None,
                                   commands=reporter.poll if reporter else None,
                                   link_options=setup.link_options, on_exercise_start=setup.patient.perform,
                                   on_exercise_request=setup.patient.prepare,
                                   time_scale=SPEED, max_exercise_s=90.0)
        task.cancel()
        produced = {role: dev.next_seq for role, dev in setup.patient.devices.items()}
        result.truths = dict(setup.patient.truths)
        # the sensors only obey a bonded central: the session paired and was never refused
        result.bonds = [await p.bonds() for p in setup.peripherals]
        result.denied = [p.denied_ for p in setup.peripherals]
    return result, produced


@pytest.fixture(scope="module")
def dropped_session(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "session.dorsi"
    reporter = PainReporter()
    result, produced = asyncio.run(_session(path, drops=2, reporter=reporter))
    result.pain_reporter = reporter
    return path, result, produced


def test_targets_are_reached_and_counted_live(dropped_session):
    _, result, _ = dropped_session
    by_id = {e.spec.id: e for e in result.exercises}
    assert len(by_id["band_lunge"].reps) == 4
    assert len(by_id["soleus_stretch"].holds) == 1
    true_hold = result.truths["soleus_stretch"].holds[0].duration_s
    assert abs(by_id["soleus_stretch"].holds[0].duration_s - true_hold) < 0.5
    assert by_id["soleus_stretch"].holds[0].met == (true_hold >= 6.0)
    assert result.state.phase == "finished"


def test_two_link_drops_lose_and_duplicate_nothing(dropped_session):
    path, result, produced = dropped_session
    rec = read_recording(path)
    assert rec.complete
    session = load_recording(path)
    seq = session.shin.seq
    assert np.all(np.diff(seq) == 1), "every sample exactly once, in order"
    assert seq[0] == 0
    # the device kept sampling after the host said stop; everything up to the end was delivered
    assert seq[-1] >= produced["shin"] - 200
    assert result.lost_samples == {"shin": 0}
    assert not rec.gaps
    # the drops really happened: the devices were reconnected twice
    assert result.state.sensors[0].reconnects >= 2
    assert [len(b) for b in result.bonds] == [1] and result.denied == [0]


def test_replay_gives_the_live_result(dropped_session):
    path, result, _ = dropped_session
    replayed = replay_recording(path)
    live = [e.to_json() for e in result.exercises]
    again = [e.to_json() for e in replayed]
    assert [e["exercise"] for e in live] == [e["exercise"] for e in again]
    assert live == again
    for a, b in zip(live, again):
        assert (a["start_s"], a["end_s"]) == (b["start_s"], b["end_s"])
        for kind in ("reps", "holds", "heel_lifts"):
            assert len(a[kind]) == len(b[kind]), kind
            for ea, eb in zip(a[kind], b[kind]):
                assert ea == eb, kind


def test_segments_in_recording_match_the_live_exercises(dropped_session):
    path, result, _ = dropped_session
    segments = load_recording(path).segments
    assert [s[0] for s in segments] == [e.spec.id for e in result.exercises]
    for (name, start, end), ex in zip(segments, result.exercises):
        assert start == pytest.approx(ex.start_s) and end == pytest.approx(ex.end_s)


def test_pain_reported_live_is_kept_rated_and_analysed_under_its_exercise(dropped_session, tmp_path, capsys):
    import json

    from dorsi.export import events_table
    from dorsi.export.session import load_session
    from dorsi.history import History
    from dorsi.views.report import SessionReport

    path, result, _ = dropped_session
    reporter = result.pain_reporter
    assert reporter.unrated_seen, "the screen asked for a rating after the report"
    assert reporter.after_sent
    assert any(n.startswith("Pain noted (6/10) near ") for n in reporter.notes)
    assert any(n.startswith("Pain noted (3/10) near ") for n in reporter.notes)
    live_angle = reporter.angles[0]  # where it hurt, marked on the gauge
    done = {e["exercise"]: e for e in result.state.completed}  # the page's end-of-session list
    assert done["band_lunge"]["pain"] == [6, 3] and done["soleus_stretch"]["pain"] == []
    lunge = next(e for e in result.exercises if e.spec.id == "band_lunge")
    marks = [m for m in read_recording(path).markers if m.get("event") == "pain"]
    assert len(marks) == 3 and marks[0]["t"] == marks[1]["t"]  # kept at once, then rated
    assert [m["level"] for m in marks] == [None, 6, 3]
    assert marks[0]["exercise"] == "band_lunge" and lunge.start_s < marks[0]["t"] < lunge.end_s
    assert marks[0]["angle_deg"] == marks[1]["angle_deg"] == live_angle  # as the screen said
    # just after the lunges ended, before the stretch began: about the lunges, read up to their end
    assert marks[2]["exercise"] == "band_lunge" and 0 < marks[2]["t"] - lunge.end_s <= 2.0
    after_angle = marks[2]["angle_deg"]
    assert after_angle is not None
    session = load_session(path)
    analysis = session.analysis
    report, after = analysis["pain"]
    assert (report["t_s"], report["level"], report["exercise"]) == (round(marks[0]["t"], 3), 6, "band_lunge")
    assert (after["t_s"], after["level"], after["exercise"]) == (round(marks[2]["t"], 3), 3, "band_lunge")
    # live and afterwards, the same rule: the highest angle of the 3 s before (of the lunges' last 3 s
    # for the report after them); the live clock places samples within a few tenths of a second of
    # the analysis' (link latency, resends after the drops), so the live angle is one the analysis'
    # trace shows about that window
    tr = session.trace
    for live, until in ((live_angle, marks[0]["t"]), (after_angle, lunge.end_s)):
        near = tr.valid & (tr.t >= until - 3.0 - 0.5) & (tr.t <= until + 0.5)
        assert tr.angle_deg[near].min() - 0.5 <= live <= tr.angle_deg[near].max() + 0.5
    assert abs(report["angle_deg"] - live_angle) < 3.0
    by_id = {e["exercise"]: e for e in analysis["exercises"]}
    assert by_id["band_lunge"]["pain"] == [{k: v for k, v in p.items() if k != "exercise"} for p in (report, after)]
    assert by_id["soleus_stretch"]["pain"] == []
    rows = [r for r in events_table(analysis).to_pylist() if r["kind"] == "pain"]
    assert [(r["exercise"], r["start_s"], r["pain_level"]) for r in rows] == [
        ("band_lunge", round(marks[0]["t"], 3), 6), ("band_lunge", round(marks[2]["t"], 3), 3)]
    html = SessionReport().build(load_session(path)).html_
    assert 'data-key="pain.count" data-value="2"' in html and 'data-key="pain.level" data-value="6"' in html
    with History(tmp_path / "home") as h:
        h.add(path, analysis)
    from dorsi.cli import main

    assert main(["replay", str(path), "--json"]) == 0  # the replay says what the live screen noted
    replayed = json.loads(capsys.readouterr().out)["pain"]
    assert replayed == [{"t_s": round(m["t"], 3), "level": m["level"], "exercise": "band_lunge",
                         "angle_deg": round(m["angle_deg"], 1)} for m in (marks[1], marks[2])]
    assert main(["replay", str(path)]) == 0
    assert "Pain reported 2 times: Band dorsiflexion lunges at" in " ".join(capsys.readouterr().out.split())
    assert main(["history", "--home", str(tmp_path / "home")]) == 0
    listed = capsys.readouterr().out
    assert "6/10" in listed and "x2" in listed  # the pain column: the worst, and how many


def test_two_sensors_through_a_link_drop_lose_nothing(tmp_path):
    path = tmp_path / "two.dorsi"
    result, produced = asyncio.run(_session(path, drops=1, foot=True))
    session = load_recording(path)
    for role in ("shin", "foot"):
        seq = getattr(session, role).seq
        assert np.all(np.diff(seq) == 1) and seq[0] == 0, role
        assert seq[-1] >= produced[role] - 200, role
    assert result.lost_samples == {"shin": 0, "foot": 0}
    assert {s.role: s.reconnects for s in result.state.sensors} == {"shin": 1, "foot": 1}
    # with a foot sensor the live angle is the true ankle angle
    assert len({e.spec.id: e for e in result.exercises}["band_lunge"].reps) == 4


def test_the_replay_command_shows_the_live_result(dropped_session, capsys, tmp_path):
    import json

    from dorsi.cli import main

    path, result, _ = dropped_session
    assert main(["replay", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["schema"] == "dorsi.replay.v1"
    assert out["exercises"] == [e.to_json() for e in result.exercises]
    assert main(["replay", str(path)]) == 0
    table = capsys.readouterr().out
    assert "Replay of session.dorsi" in table and "band_lunge" in table and "soleus_stretch" in table
    # a recording cut short (a crash mid-write) replays up to the cut; a file that is no
    # recording is refused in one line
    data = path.read_bytes()
    cut = tmp_path / "cut.dorsi"
    for extra in range(16):  # cut inside a record, as a crash mid-write does (not on a record's edge)
        cut.write_bytes(data[: len(data) * 2 // 3 + extra])
        if any(p.startswith("truncated tail") for p in read_recording(cut).problems()):
            break
    assert main(["replay", str(cut), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    partial = doc["exercises"]
    assert 0 < len(partial) <= len(result.exercises)
    assert partial[0]["exercise"] == result.exercises[0].spec.id
    assert any(p.startswith("truncated tail") for p in doc["problems"])  # and it says what was cut
    assert main(["replay", str(cut)]) == 0
    assert "note: cut.dorsi: truncated tail" in " ".join(capsys.readouterr().out.split())
    # a session kept in the history, by id or as the latest
    from dorsi.history import History

    with History(tmp_path / "home") as h:
        kept = h.add(path, {"schema": "dorsi.analysis.v1", "sample_rate_hz": 52.0, "duration_s": 1.0,
                            "exercises": [], "quality": {"score": 0}})
    for name in ("latest", kept.id[:15]):
        assert main(["replay", name, "--home", str(tmp_path / "home"), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["exercises"] == out["exercises"]
    junk = tmp_path / "junk.dorsi"
    junk.write_bytes(b"not a recording at all" * 10)
    assert main(["replay", str(junk)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("dorsi replay:") and "\n" not in err
    assert main(["replay", str(path), "--speed", "0"]) == 2


def test_circles_each_way_live_with_the_foot_sensor(tmp_path):
    from dorsi.session.guide import RoutineGuide

    seen: list[tuple[int | None, int | None, int | None]] = []
    original = RoutineGuide._count

    def count(self, tick, now):  # what the views were shown after every tick
        original(self, tick, now)
        seen.append((self.state.circles_outward, self.state.circles_inward, self.state.circles_target))

    RoutineGuide._count = count
    try:
        async def run():
            routine = load_routine(Path(__file__).with_name("circles_routine.toml"))
            async with emulated_sensors(foot_sensor=True, speed=SPEED, seed=5) as setup:
                return await run_session(routine, tmp_path / "circles.dorsi", roles=setup.patient.roles,
                                         auto_advance=True, link_options=setup.link_options,
                                         on_exercise_start=setup.patient.perform, time_scale=SPEED,
                                         on_exercise_request=setup.patient.prepare,
                                         max_exercise_s=90.0)

        result = asyncio.run(run())
    finally:
        RoutineGuide._count = original
    (circles,) = result.exercises
    assert [r.direction for r in circles.reps] == ["outward"] * 3 + ["inward"] * 3
    assert seen[-1] == (3, 3, 3)
    # counted as they happen (a run of circles is final only once it has ended): one way done
    # before the other began, so the page could say which way to go
    assert (1, 0, 3) in seen and (3, 0, 3) in seen and (3, 1, 3) in seen


def test_a_foot_sensor_that_goes_flat_does_not_stop_the_session(tmp_path):
    """The foot sensor powers off as the first exercise starts (its battery flat): the session
    waits a few seconds for it, then counts on as with the shin alone."""
    async def run():
        routine = load_routine(ROUTINE)
        async with emulated_sensors(foot_sensor=True, speed=SPEED, seed=11) as setup:
            foot = setup.peripherals[setup.patient.roles.index("foot")]
            dead: list[asyncio.Task] = []

            def start(spec):
                setup.patient.perform(spec)
                if not dead:  # the patient stands still first: the foot is planted as it goes
                    dead.append(asyncio.get_running_loop().create_task(foot.close()))

            result = await run_session(routine, tmp_path / "flat.dorsi", roles=setup.patient.roles,
                                       auto_advance=True, link_options=setup.link_options,
                                       on_exercise_start=start, on_exercise_request=setup.patient.prepare,
                                       time_scale=SPEED, max_exercise_s=90.0)
            await asyncio.gather(*dead)
            return result

    result = asyncio.run(run())
    by_id = {e.spec.id: e for e in result.exercises}
    assert result.state.phase == "finished"
    assert len(by_id["band_lunge"].reps) == 4
    assert len(by_id["soleus_stretch"].holds) == 1


def test_a_knee_drifting_in_is_judged_from_its_own_rest_live_as_afterwards(tmp_path):
    """'Knee drifting in' is judged against the exercise's own rest, as the reps' form flags are
    afterwards: a knee resting 9 deg in that stays there through the lunges is no alert."""
    from dorsi.session.state import SessionState

    class Recorder:
        def __init__(self) -> None:
            self.alerts = 0

        def update(self, state: SessionState) -> None:
            self.alerts += bool(state.roll_in)

    views = Recorder()

    async def scenario(rest_in: float, drift: float, name: str = "s.dorsi"):  # type: ignore[no-untyped-def]
        routine = load_routine(ROUTINE)
        async with emulated_sensors(speed=SPEED, seed=12, standing_frontal_deg=rest_in, knee_drift=drift) as setup:
            return await run_session(routine, tmp_path / name, roles=setup.patient.roles, views=[views],
                                     auto_advance=True, link_options=setup.link_options,
                                     on_exercise_start=setup.patient.perform, time_scale=SPEED,
                                     on_exercise_request=setup.patient.prepare,
                                     max_exercise_s=90.0)

    result = asyncio.run(scenario(9.0, 0.0))
    lunges = {e.spec.id: e for e in result.exercises}["band_lunge"]
    assert len(lunges.reps) == 4 and not any(r.foot_roll_in for r in lunges.reps)
    session = load_recording(tmp_path / "s.dorsi")
    from dorsi.angle import AngleEstimator

    frontal = AngleEstimator().estimate(session.shin).trace_.frontal_deg
    assert np.median(frontal) > 8.0  # an absolute 8 deg rule would have alerted all along
    assert views.alerts == 0
    # the same person letting the knee fall in by a third of a degree per degree of lunge: alerted
    # live, and the deep reps flagged
    result = asyncio.run(scenario(9.0, 0.35, "in.dorsi"))
    lunges = {e.spec.id: e for e in result.exercises}["band_lunge"]
    deep = [r.frontal_tilt_deg > 8.0 for r in lunges.reps]  # the small lunges stay within 8 deg
    assert sum(deep) >= 2 and [r.foot_roll_in for r in lunges.reps] == deep and views.alerts > 0
