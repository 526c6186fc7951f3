"""Find the session inputs in a folder tree."""

from __future__ import annotations

from pathlib import Path

#: Files written by ``dorsi export`` that are not session inputs.
_DERIVED = (".trace.csv", ".events.csv", ".foot.csv")
#: A segments file (``dorsi.sources.segments_file``) beside an input: ``NAME.segments.csv`` for
#: ``NAME.csv`` / ``NAME.dorsi``, or ``segments.csv`` beside a ``shin.csv``.
SEGMENTS_SUFFIX = ".segments.csv"


def segments_beside(path: Path) -> Path | None:
    """The segments file that goes with the input ``path``, if there is one."""
    path = Path(path)
    candidates = [path.with_name(path.name[: -len(path.suffix)] + SEGMENTS_SUFFIX)] if path.suffix else []
    if path.name.lower() == "shin.csv":
        candidates.append(path.with_name("segments.csv"))
    return next((c for c in candidates if c.is_file()), None)


def find_inputs(root: str | Path) -> list[Path]:
    """Recordings (``*.dorsi``), CSVs, phone exports (Sensor Logger, phyphox) and Axivity AX6
    recordings (``*.cwa``) under ``root``, sorted.

    A phone export is one input: its ``.zip``, the folder it unzips to (whose
    per-sensor CSVs, and phyphox's ``meta/`` files, are not listed on their own),
    Sensor Logger's ``.json``, or phyphox's single CSV.

    A ``foot.csv`` beside a ``shin.csv`` (a ``foot.cwa`` beside a ``shin.cwa``, ``NAME.foot.cwa``
    beside ``NAME.shin.cwa``) belongs to it (the reader picks it up)
    and is not listed on its own; nor are ``dorsi export``'s trace/event tables,
    nor segments files (:func:`segments_beside`), nor the tables ``dorsi batch``
    itself wrote (a second run into the same folder read the first one's as an input
    and listed it as a file that could not be analysed).
    """
    from dorsi.sources.axivity import foot_partner
    from dorsi.sources.phyphox import is_phyphox
    from dorsi.sources.sensor_logger import is_sensor_logger

    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"{root}: not a folder")
    found = []
    phone_folders: set[Path] = set()
    for path in sorted(root.rglob("*")):
        if path.is_dir():
            if path.parent in phone_folders:  # phyphox's meta/
                phone_folders.add(path)
            elif is_sensor_logger(path) or is_phyphox(path):
                phone_folders.add(path)
                found.append(path)
            continue
        if not path.is_file() or path.parent in phone_folders:
            continue
        name = path.name.lower()
        if name.endswith(".dorsi"):
            found.append(path)
        elif name.endswith(".cwa"):
            shin = path.with_name(path.name[:-8] + "shin.cwa")
            if name.endswith("foot.cwa") and shin.is_file() and foot_partner(shin) == path:
                continue  # read with its shin.cwa
            found.append(path)
        elif name.endswith((".zip", ".json")):
            if is_sensor_logger(path) or (name.endswith(".zip") and is_phyphox(path)):
                found.append(path)  # a phone export (an analysis JSON is not one)
        elif name.endswith(".csv"):
            if name == "foot.csv" and (path.parent / "shin.csv").exists():
                continue
            if name.endswith(_DERIVED + (SEGMENTS_SUFFIX,)):
                continue
            if name == "segments.csv" and (path.parent / "shin.csv").exists():
                continue
            if _is_batch_table(path):
                continue
            found.append(path)
    return sorted(found)


def _is_batch_table(path: Path) -> bool:
    """Whether ``path`` is a table ``dorsi batch`` wrote (its header starts with its first columns)."""
    from dorsi.batch.job import COLUMNS

    with path.open("rb") as f:
        head = f.read(256).replace(b'"', b"").decode("utf-8", "replace")
    return head.startswith(",".join(list(COLUMNS)[:4]) + ",")
