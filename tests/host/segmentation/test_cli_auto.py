"""``--segments auto`` through the CLI, the session loader (report, export, history) and batch."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dorsi.cli import main
from dorsi.export import load_session
from dorsi.sim import SimOptions, simulate_routine

DONE = ["knee_to_wall", "band_lunge", "eccentric_drop"]


@pytest.fixture(scope="module")
def unmarked(tmp_path_factory) -> Path:
    """A CSV of three exercises of the routine, without markers or segments file."""
    out = tmp_path_factory.mktemp("routine")
    simulate_routine(seed=8105, options=SimOptions(rate_hz=50.0), exercises=DONE).to_csv(out, traces=False)
    (out / "truth.json").rename(out / "truth.kept")  # nothing beside the CSV says which ran when
    return out / "shin.csv"


def test_analyze_finds_the_exercises_and_its_json_can_be_given_back(unmarked, tmp_path, capsys) -> None:
    assert main(["analyze", str(unmarked), "--segments", "auto", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert [e["exercise"] for e in first["exercises"]] == DONE
    assert [len(e["reps"]) for e in first["exercises"]] == [3, 30, 30]
    assert any("--segments auto" in n for n in first["notes"])
    # the result, kept (and corrected where a time is wrong), says which ran when next time
    kept = tmp_path / "analysis.json"
    kept.write_text(json.dumps(first))
    assert main(["analyze", str(unmarked), "--segments", str(kept), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert [(e["exercise"], len(e["reps"]), len(e["holds"])) for e in again["exercises"]] == \
        [(e["exercise"], len(e["reps"]), len(e["holds"])) for e in first["exercises"]]
    # (times kept in the JSON to the hundredth: a start may move to the next sample)
    assert [e["start_s"] for e in again["exercises"]] == pytest.approx([e["start_s"] for e in first["exercises"]],
                                                                       abs=0.05)


def test_analyze_refuses_auto_with_an_exercise(unmarked, capsys) -> None:
    assert main(["analyze", str(unmarked), "--segments", "auto", "--exercise", "band_lunge"]) == 2
    assert "not both" in capsys.readouterr().err


def test_the_session_loader_finds_them_too(unmarked) -> None:
    session = load_session(unmarked, segments="auto")
    assert [e["exercise"] for e in session.analysis["exercises"]] == DONE


def test_a_manifest_row_can_ask_for_them(unmarked, tmp_path, capsys) -> None:
    manifest = tmp_path / "study.csv"
    manifest.write_text(f"file,label,segments\n{unmarked},p01,auto\n")
    out = tmp_path / "table.csv"
    assert main(["batch", str(manifest), "--out", str(out), "--workers", "1"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["exercise"] for r in rows] == DONE
    assert {r["label"] for r in rows} == {"p01"}


def test_export_writes_the_found_segments_to_correct_and_give_back(unmarked, tmp_path, capsys) -> None:
    from dorsi.sources.segments_file import read_segments

    out = tmp_path / "export"
    assert main(["export", str(unmarked), "--segments", "auto", "--csv", "--out", str(out)]) == 0
    analysis = json.loads(next(out.glob("*.analysis.json")).read_text())
    segments = read_segments(next(out.glob("*.shin.segments.csv")))
    assert [s[0] for s in segments] == DONE
    assert [t for s in segments for t in s[1:]] == pytest.approx(
        [t for e in analysis["exercises"] for t in (e["start_s"], e["end_s"])], abs=1e-3)
    # beside the exported samples, batch reads the export as it was analysed
    table = tmp_path / "table.csv"
    assert main(["batch", str(out), "--out", str(table), "--workers", "1"]) == 0
    assert [r["exercise"] for r in csv.DictReader(table.open())] == DONE
