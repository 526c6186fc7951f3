"""``dorsi firmware deploy``: precompile the MicroPython firmware and copy it to a board.

Modules are compiled with ``mpy-cross`` for the board's architecture (viper
code needs it: ``xtensawin`` for ESP32-S3, ``rv32imc`` for ESP32-C3) and copied
with ``mpremote``; ``main.py`` and ``config.py`` stay source so they can be
read and edited on the board. ``--board`` installs ``hardware/boards/NAME.py``
as ``config.py``. ``--dry-run`` prints every command instead of running it.
"""

from __future__ import annotations

import argparse
import ast
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
FIRMWARE_DIR = REPO / "firmware"
BOARDS_DIR = REPO / "hardware" / "boards"
SOURCE_FILES = ("main.py", "config.py")  # kept as .py on the board
EXCLUDED_DIRS = ("hostsim",)  # host-only simulation, never deployed
ARCHES = ("xtensawin", "rv32imc", "xtensa", "armv7emsp", "armv6m")


@dataclass(frozen=True)
class Step:
    """One command of a deployment and what it is for."""

    argv: tuple[str, ...]
    purpose: str

    def __str__(self) -> str:
        return shlex.join(self.argv)


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    return shutil.which(name) or name


def board_arch(board_file: Path) -> str | None:
    """The ``MPY_ARCH = "..."`` assignment of a board file, if any."""
    tree = ast.parse(board_file.read_text(), str(board_file))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MPY_ARCH" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    return None


class DeployPlan:
    """Works out the commands that put the firmware on a board.

    Parameters
    ----------
    port : str
        Serial port of the board (``mpremote connect PORT``).
    board : str or None
        Name of a file in ``hardware/boards`` to install as ``config.py``;
        ``None`` keeps ``firmware/config.py``.
    arch : str or None
        ``mpy-cross -march`` value; default from the board file, else ``xtensawin``.
    firmware_dir : Path
        Where the firmware sources are.
    build_dir : Path
        Where compiled ``.mpy`` files go.

    Attributes
    ----------
    steps_ : list of Step
        Compile, copy and reset commands, in order.
    files_ : dict
        Board path -> local file that will be copied there.
    arch_ : str
        The architecture used.
    """

    def __init__(self, port: str, board: str | None = None, arch: str | None = None,
                 firmware_dir: Path = FIRMWARE_DIR, build_dir: Path | None = None) -> None:
        self.port = port
        self.board = board
        self.arch = arch
        self.firmware_dir = Path(firmware_dir)
        self.build_dir = Path(build_dir) if build_dir is not None else Path(tempfile.gettempdir()) / "dorsi-fw-build"

    def plan(self) -> "DeployPlan":
        if not self.port:
            raise ValueError("a serial port is needed, e.g. --port /dev/ttyACM0")
        if not (self.firmware_dir / "main.py").exists():
            raise FileNotFoundError(f"no firmware at {self.firmware_dir}")
        config = self.firmware_dir / "config.py"
        arch = self.arch
        if self.board is not None:
            config = BOARDS_DIR / f"{self.board}.py"
            if not config.exists():
                known = ", ".join(sorted(p.stem for p in BOARDS_DIR.glob("*.py")))
                raise FileNotFoundError(f"unknown board {self.board!r}; known boards: {known}")
            arch = arch or board_arch(config)
        arch = arch or board_arch(self.firmware_dir / "config.py") or "xtensawin"
        if arch not in ARCHES:
            raise ValueError(f"unsupported architecture {arch!r}; one of {', '.join(ARCHES)}")

        sources = sorted(p for p in self.firmware_dir.rglob("*.py")
                         if not any(part in EXCLUDED_DIRS for part in p.relative_to(self.firmware_dir).parts))
        steps: list[Step] = []
        files: dict[str, Path] = {}
        for src in sources:
            rel = src.relative_to(self.firmware_dir)
            if rel.as_posix() in SOURCE_FILES:
                continue
            out = self.build_dir / rel.with_suffix(".mpy")
            steps.append(Step((_tool("mpy-cross"), f"-march={arch}", "-O2", "-o", str(out), str(src)),
                              f"compile {rel.as_posix()}"))
            files[rel.with_suffix(".mpy").as_posix()] = out
        files["main.py"] = self.firmware_dir / "main.py"
        files["config.py"] = config
        mpremote = (_tool("mpremote"), "connect", self.port)
        dirs = sorted({str(Path(p).parent) for p in files if Path(p).parent != Path(".")})
        for d in dirs:
            steps.append(Step((*mpremote, "fs", "mkdir", f":{d}"), f"make directory {d} (an existing one is fine)"))
        for remote, local in sorted(files.items()):
            steps.append(Step((*mpremote, "fs", "cp", str(local), f":{remote}"), f"copy {remote}"))
        steps.append(Step((*mpremote, "reset"), "restart the board into main.py"))
        self.steps_ = steps
        self.files_ = files
        self.arch_ = arch
        return self


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("firmware", help="build and deploy the MicroPython firmware")
    fsub = p.add_subparsers(dest="firmware_command", required=True, metavar="ACTION")
    d = fsub.add_parser("deploy", help="precompile with mpy-cross and copy to a board with mpremote")
    d.add_argument("--port", required=True, help="serial port of the board, e.g. /dev/ttyACM0")
    d.add_argument("--board", help="hardware/boards/NAME.py to install as config.py")
    d.add_argument("--arch", choices=ARCHES, help="mpy-cross -march (default: from the board file)")
    d.add_argument("--firmware-dir", type=Path, default=FIRMWARE_DIR, help="firmware sources (default: the repo's)")
    d.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    d.set_defaults(func=run_deploy)


def run_deploy(args: argparse.Namespace) -> int:
    try:
        plan = DeployPlan(args.port, args.board, args.arch, firmware_dir=args.firmware_dir).plan()
    except (ValueError, FileNotFoundError) as exc:
        print(f"dorsi firmware deploy: {exc}", file=sys.stderr)
        return 2
    if not args.dry_run and "/" in args.port and not Path(args.port).exists():  # a device path, not mpremote's
        # shorthand (a0, u0, auto): say so before compiling anything
        print(f"dorsi firmware deploy: no serial port at {args.port} (is the board plugged in? try "
              "ls /dev/ttyACM* /dev/ttyUSB*)", file=sys.stderr)
        return 2
    print(f"# firmware {plan.firmware_dir} -> {args.port} (arch {plan.arch_}, {len(plan.files_)} files)")
    for step in plan.steps_:
        print(f"# {step.purpose}" if args.dry_run else f"-> {step.purpose}")
        if args.dry_run:
            print(step)
            continue
        if step.argv[0].endswith("mpy-cross"):
            Path(step.argv[step.argv.index("-o") + 1]).parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(step.argv, capture_output=True, text=True)
        if proc.returncode != 0 and "mkdir" not in step.argv:  # mkdir fails when the directory exists
            print(proc.stdout + proc.stderr, file=sys.stderr)
            print(f"dorsi firmware deploy: failed: {step}", file=sys.stderr)
            return 1
    return 0
