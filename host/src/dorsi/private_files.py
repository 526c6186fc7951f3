"""Files only the user can read: every file dorsi writes holds health data.

``open_private`` creates or truncates a file with mode 0600 and also resets
the mode of a file that already existed (``O_CREAT``'s mode applies only to
new files); ``private_dir`` creates missing folders with mode 0700.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO


def private_dir(path: str | os.PathLike) -> Path:
    """Create the missing folders of ``path`` with mode 0700 (existing ones are left as they are)."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    return path


def open_private(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None) -> IO:
    """Open ``path`` for writing (``"w"`` or ``"wb"``), truncating it, readable by the user only."""
    if mode not in ("w", "wb"):
        raise ValueError("open_private writes: mode must be 'w' or 'wb'")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, mode, encoding=encoding if mode == "w" else None)


def write_private(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` (mode 0600); returns the path."""
    binary = isinstance(data, bytes)
    with open_private(path, "wb" if binary else "w", None if binary else "utf-8") as fh:
        fh.write(data)
    return Path(path)
