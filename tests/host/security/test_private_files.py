"""Health data stays private: every file a full session leaves behind is readable by the user only.

One emulated session (with history), then the outputs a user makes from it:
exports (CSV and Parquet), the HTML report and PNG, the progress figure. The
commands run through ``dorsi.cli.main`` under the usual ``umask 022`` (which
would make files world-readable if the code relied on defaults); then every file under
the data folder and the output folders must be mode 0600 and every folder
dorsi created 0700.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dorsi.cli import main

pytestmark = pytest.mark.timeout(240)

ROUTINE = Path(__file__).resolve().parents[1] / "session" / "short_routine.toml"


def dorsi(*args: str, cwd: Path) -> None:
    """Run a dorsi command in this process with umask 022 and ``cwd`` as the working folder."""
    old_umask, old_cwd = os.umask(0o022), Path.cwd()
    try:
        os.chdir(cwd)
        assert main(list(args)) == 0, f"dorsi {' '.join(args)} failed"
    finally:
        os.chdir(old_cwd)
        os.umask(old_umask)


def modes(root: Path) -> dict[Path, int]:
    return {p: stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


@pytest.fixture(scope="module")
def session_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("private")
    home = work / "home"
    dorsi("session", "--emulate", "--speed", "16", "--routine", str(ROUTINE), "--home", str(home), "--auto",
          cwd=work)
    recordings = sorted((home / "recordings").glob("*.dorsi"))
    assert len(recordings) == 1
    exports, reports = work / "exports", work / "reports"
    dorsi("export", str(recordings[0]), "--csv", "--out", str(exports), cwd=work)
    dorsi("export", str(recordings[0]), "--parquet", "--out", str(exports), cwd=work)
    reports.mkdir(mode=0o700)
    dorsi("report", str(recordings[0]), "--out", str(reports / "report.html"), "--home", str(home), cwd=work)
    dorsi("report", str(recordings[0]), "--png", "--out", str(reports / "figure.png"), cwd=work)
    dorsi("progress", "--home", str(home), "--png", str(reports / "progress.png"), cwd=work)
    return {"home": home, "exports": exports, "reports": reports, "recording": recordings[0]}


def test_every_output_is_private(session_outputs: dict[str, Path]) -> None:
    seen: dict[Path, int] = {}
    for key in ("home", "exports", "reports"):
        seen.update(modes(session_outputs[key]))
    files = {p: m for p, m in seen.items() if p.is_file()}
    folders = {p: m for p, m in seen.items() if p.is_dir()}
    kinds = {p.suffix for p in files}
    assert {".dorsi", ".sqlite", ".csv", ".parquet", ".json", ".html", ".png"} <= kinds  # the walk saw them all
    assert {str(p): oct(m) for p, m in files.items() if m != 0o600} == {}
    assert {str(p): oct(m) for p, m in folders.items() if m != 0o700} == {}


def test_session_recording_and_json_beside_it_are_private(tmp_path: Path, session_outputs: dict[str, Path]) -> None:
    """``--out`` puts the recording (and its analysis JSON) where the user says: still 0600."""
    out = tmp_path / "mine" / "run.dorsi"
    out.parent.mkdir(mode=0o700)
    dorsi("session", "--emulate", "--speed", "16", "--routine", str(ROUTINE), "--out", str(out), "--no-history",
          "--auto", cwd=tmp_path)
    assert {str(p): oct(m) for p, m in modes(out.parent).items() if m not in (0o600, 0o700)} == {}
    assert out.with_suffix(".json").exists()


def test_overwritten_outputs_become_private(tmp_path: Path, session_outputs: dict[str, Path]) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    target.chmod(0o644)
    dorsi("report", str(session_outputs["recording"]), "--out", str(target), cwd=tmp_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
