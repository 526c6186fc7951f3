"""The host never executes or evaluates anything received from a device or read from a file.

Two checks. By inspection: the source tree is parsed (``ast``) and every call
that can run code from data is listed (``eval``, ``exec``, ``compile``,
``__import__``, pickle / marshal / shelve / yaml loaders, ``os.system``,
``os.popen``, ``shell=True``, ``allow_pickle=True``, ``import_module``,
``subprocess``); only the reviewed uses in ``ALLOWED`` may exist. By
construction: a recording full of payloads that would leave a canary file
behind if any of them were evaluated, unpickled or passed to a shell goes
through ``dorsi analyze``, ``export`` and ``report``; the canary must not appear.
"""

from __future__ import annotations

import ast
import json
import os
import pickle
from pathlib import Path

import pytest

import dorsi
from dorsi.cli import main
from dorsi.recording.format import FILE_HEADER, NOTIFY_HEAD, Kind, frame

from ..fuzz.seeds import recording_bytes

SOURCE = Path(dorsi.__file__).resolve().parent
DANGEROUS_NAMES = {"eval", "exec", "compile", "__import__", "execfile"}
DANGEROUS_MODULES = {"pickle", "marshal", "shelve", "yaml", "dill", "cloudpickle", "subprocess", "pty"}
# (file relative to the package, source of the call): reviewed and safe
ALLOWED = {
    # sub-commands from a constant list in the same file
    ("cli.py", "importlib.import_module(f'dorsi.commands.{name}')"),
    # mpy-cross / mpremote with an argument vector (no shell), paths from the user's own command line
    ("commands/firmware.py", "subprocess.run(step.argv, capture_output=True, text=True)"),
    ("commands/firmware.py", "import subprocess"),
}


def risky_calls() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(SOURCE.rglob("*.py")):
        rel = path.relative_to(SOURCE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] in DANGEROUS_MODULES for n in names if n):
                    found.add((rel, ast.unparse(node)))
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
            if (
                name.split(".")[-1] in DANGEROUS_NAMES and not name.startswith("re.")
                or name.split(".")[0] in DANGEROUS_MODULES
                or name in ("os.system", "os.popen", "os.execv", "os.execvp", "os.spawnv")
                or name.endswith("import_module")
                or keywords.get("shell") not in (None, "False")
                or keywords.get("allow_pickle") not in (None, "False")
                or name.endswith("read_pickle")
            ):
                found.add((rel, ast.unparse(node)))
    return found


def test_only_reviewed_code_paths_can_run_code() -> None:
    found = risky_calls()
    assert found - ALLOWED == set(), "new call that can run code from data: review it and add it to ALLOWED"
    assert ALLOWED - found == set(), "a reviewed use is gone: remove it from ALLOWED"


class _Canary:
    """Unpickling this creates the canary file."""

    path = ""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.path, "w"))


def hostile_recording(path: Path, canary: Path) -> Path:
    _Canary.path = str(canary)
    shell = f"$(touch {canary}); `touch {canary}`; touch {canary}"
    code = f"__import__('os').system('touch {canary}')"
    yaml_tag = f"!!python/object/apply:os.system ['touch {canary}']"
    header = {
        "software": code, "started_at": shell, "routine": yaml_tag,
        "profile": {"side": "right", "name": code, "shank_length_m": 0.42},
        "devices": [{"slot": 0, "role": "shin", "name": shell, "firmware": yaml_tag}],
    }
    seed = recording_bytes()
    records = [frame(Kind.HEADER, json.dumps(header).encode())]
    pos = FILE_HEADER.size
    first = True
    while pos < len(seed):  # keep the seed's records but its header
        length = int.from_bytes(seed[pos : pos + 4], "little")
        end = pos + 9 + length
        if not first:
            records.append(seed[pos:end])
        first = False
        pos = end
    records.append(frame(Kind.MARKER, json.dumps({"event": "note", "text": code, "t": 0.5}).encode()))
    records.append(frame(Kind.NOTIFY, NOTIFY_HEAD.pack(0, 0, 0.6) + pickle.dumps(_Canary())))
    records.append(frame(Kind.STATUS, NOTIFY_HEAD.pack(0, 0, 0.7) + pickle.dumps(_Canary())))
    path.write_bytes(FILE_HEADER.pack(b"DORSIREC", 1) + b"".join(records))
    return path


def test_hostile_recording_is_only_ever_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    canary = tmp_path / "CANARY"
    rec = hostile_recording(tmp_path / "hostile.dorsi", canary)
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        for args in (["analyze", str(rec), "--json"], ["export", str(rec), "--csv", "--out", str(tmp_path / "x")],
                     ["report", str(rec), "--out", str(tmp_path / "r.html")]):
            try:
                main(args)
            except SystemExit:
                pass  # a refusal is fine; running the payload is not
    finally:
        os.chdir(old)
    capsys.readouterr()
    assert not canary.exists()
    assert (tmp_path / "r.html").exists() and list((tmp_path / "x").glob("*.csv"))  # the data went all the way
