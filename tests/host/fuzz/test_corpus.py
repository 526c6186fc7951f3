"""Regression corpus: the nastiest inputs (``corpus/``, rebuilt by ``make_corpus.py``).

Every file must be read, or refused with the module's own error
(``RecordingError``, ``SourceError``, ``ProtocolError``) and a one-line message.
Inputs that still break a reader are listed in ``KNOWN_BUGS`` with the fix
they need; they are strict ``xfail`` so fixing the reader turns them into a
failure that asks for the entry to be removed.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from dorsi.protocol import ProtocolError, StreamDecoder
from dorsi.recording import reader as recording_reader
from dorsi.recording.format import FILE_HEADER, FRAME_HEAD
from dorsi.sources import SourceError, read_imu_csv
from dorsi.sources.movella import read_movella_csv

from .seeds import imu_csv_text
from .test_file_fuzz import check_recording

CORPUS = Path(__file__).resolve().parent / "corpus"
KNOWN_BUGS: dict[str, str] = {}  # corpus file -> the fix it needs (strict xfail until fixed)


def _cases(folder: str) -> list:
    out = []
    for path in sorted((CORPUS / folder).iterdir()):
        key = f"{folder}/{path.name}"
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[key])] if key in KNOWN_BUGS else []
        out.append(pytest.param(path, id=path.name, marks=marks))
    return out


def _one_line(exc: BaseException) -> None:
    assert str(exc) and "\n" not in str(exc)


@pytest.mark.parametrize("path", _cases("recording"))
def test_recording_corpus(path: Path) -> None:
    check_recording(path)


@pytest.mark.parametrize("path", _cases("imu_csv"))
def test_imu_csv_corpus(path: Path) -> None:
    try:
        read_imu_csv(path)
    except SourceError as exc:
        _one_line(exc)
        assert str(exc).startswith(str(path))


@pytest.mark.parametrize("path", _cases("movella"))
def test_movella_corpus(path: Path) -> None:
    try:
        read_movella_csv(path)
    except SourceError as exc:
        _one_line(exc)
        assert str(exc).startswith(str(path))


@pytest.mark.parametrize("path", _cases("notifications"))
def test_notification_corpus(path: Path) -> None:
    notifications = [bytes.fromhex(line) for line in path.read_text().split()]
    batch = StreamDecoder(errors="skip").feed(notifications)
    if batch is not None:
        assert (batch.seq[1:] > batch.seq[:-1]).all()
    try:
        StreamDecoder(errors="raise").feed(notifications)
    except ProtocolError as exc:
        _one_line(exc)


def test_imu_csv_with_a_cell_over_the_csv_field_limit(tmp_path: Path) -> None:
    lines = imu_csv_text().splitlines()
    lines[6] += "," + "9" * 200_000
    path = tmp_path / "huge_cell.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceError):
        read_imu_csv(path)


def test_recording_resync_work_is_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Garbage that looks like frame heads claiming 4 kB records, every 5 bytes."""
    path = tmp_path / "resync_bomb.dorsi"
    path.write_bytes(FILE_HEADER.pack(b"DORSIREC", 1) + FRAME_HEAD.pack(4096, 2) * 40_000)
    hashed = 0
    real_crc32 = zlib.crc32

    def counting_crc32(data, *args):  # type: ignore[no-untyped-def]
        nonlocal hashed
        hashed += len(data)
        return real_crc32(data, *args)

    monkeypatch.setattr(recording_reader.zlib, "crc32", counting_crc32)
    with pytest.raises(recording_reader.RecordingError):
        recording_reader.read_recording(path)
    assert hashed <= 64 * path.stat().st_size  # checksum work proportional to the file
