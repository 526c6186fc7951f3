"""Find the session inputs in a folder tree."""

from __future__ import annotations

from pathlib import Path

#: Files written by ``dorsi export`` that are not session inputs.
_DERIVED = (".trace.csv", ".events.csv", ".foot.csv")


def find_inputs(root: str | Path) -> list[Path]:
    """Recordings (``*.dorsi``) and CSVs under ``root``, sorted.

    A ``foot.csv`` beside a ``shin.csv`` belongs to it (the reader picks it up)
    and is not listed on its own; nor are ``dorsi export``'s trace/event tables.
    """
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = path.name.lower()
        if name.endswith(".dorsi"):
            found.append(path)
        elif name.endswith(".csv"):
            if name == "foot.csv" and (path.parent / "shin.csv").exists():
                continue
            if name.endswith(_DERIVED):
                continue
            found.append(path)
    return found
