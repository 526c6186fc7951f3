"""Damaged files: every input is read or refused with the reader's own one-line error.

Seeds are valid files made by the real writers (:mod:`.seeds`); hypothesis
damages them at byte level (framing, checksums, truncation) and, for
recordings, also inside records whose checksums are then made valid again, so
the content checks behind the CRC are reached as well.
"""

from __future__ import annotations

import io
import os
import shutil
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.protocol import ProtocolError
from dorsi.recording import RecordingError, read_recording
from dorsi.recording.format import FILE_HEADER, FRAME_CRC, FRAME_HEAD, Kind, frame
from dorsi.sources import SourceError, read_imu_csv
from dorsi.sources.axivity import cut_cwa, read_cwa
from dorsi.sources.movella import read_movella_csv
from dorsi.sources.phyphox import read_phyphox
from dorsi.sources.sensor_logger import read_sensor_logger
from dorsi.sources.recording_source import load_recording

from .mutations import mutated, mutated_lines
from .seeds import (axivity_cwa, imu_csv_text, movella_csv_text, phyphox_csv, phyphox_zip, recording_bytes, sensor_logger_json,
                    sensor_logger_zip)

# deterministic in the suite (same examples every run); DORSI_FUZZ_EXAMPLES=5000 for a deep, random run
_DEEP = int(os.environ.get("DORSI_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_DEEP or 150, derandomize=not _DEEP, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
pytestmark = pytest.mark.timeout(120)


def split_records(data: bytes) -> list[tuple[int, bytes]]:
    """``(kind, payload)`` of every record of a valid recording."""
    out, pos = [], FILE_HEADER.size
    while pos < len(data):
        length, kind = FRAME_HEAD.unpack_from(data, pos)
        out.append((kind, data[pos + FRAME_HEAD.size : pos + FRAME_HEAD.size + length]))
        pos += FRAME_HEAD.size + length + FRAME_CRC.size
    return out


def check_recording(path: Path) -> None:
    """Read and load a recording: it works, or says what is wrong with the file."""
    try:
        rec = read_recording(path)
    except RecordingError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    rec.problems()
    rec.segments()
    for slot in rec.slots:
        rec.device(slot)
    try:
        session = load_recording(path)
    except (RecordingError, SourceError, ProtocolError) as exc:
        assert "\n" not in str(exc)
    else:
        session.profile
        for report in session.pain:  # the user's pain reports: read, or skipped when malformed
            assert report.level is None or 1 <= report.level <= 10


def check_source(path: Path, read) -> None:
    """``read(path)`` gives samples (at least two) or the reader's one-line error naming the input."""
    try:
        samples = read(path)
    except SourceError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
    else:
        assert len(samples) >= 2


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=mutated(recording_bytes(), max_ops=8))
def test_damaged_recording_bytes(work: Path, data: bytes) -> None:
    path = work / "bytes.dorsi"
    path.write_bytes(data)
    check_recording(path)


@st.composite
def reframed(draw: st.DrawFn) -> bytes:
    """A recording whose record payloads (and kinds) were damaged, checksums valid again."""
    records = split_records(recording_bytes())
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(records) - 1))
        kind, payload = records[i]
        if draw(st.booleans()):
            payload = draw(mutated(payload, max_ops=3, max_chunk=16))
        else:
            kind = draw(st.sampled_from(list(Kind)))
        records[i] = (kind, payload)
    return FILE_HEADER.pack(b"DORSIREC", 1) + b"".join(frame(Kind(k), p) for k, p in records)


@FUZZ
@given(data=reframed())
def test_damaged_records_with_valid_checksums(work: Path, data: bytes) -> None:
    path = work / "records.dorsi"
    path.write_bytes(data)
    check_recording(path)


@FUZZ
@given(data=mutated_lines(imu_csv_text()))
def test_damaged_imu_csv(work: Path, data: bytes) -> None:
    path = work / "shin.csv"
    path.write_bytes(data)
    check_source(path, lambda p: read_imu_csv(p).shin)


@FUZZ
@given(data=mutated_lines(movella_csv_text()))
def test_damaged_movella_csv(work: Path, data: bytes) -> None:
    path = work / "dot.csv"
    path.write_bytes(data)
    check_source(path, read_movella_csv)


def _zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def unpacked(folder: Path, members: dict[str, bytes]) -> Path:
    """``members`` (relative path -> bytes) written afresh into ``folder``, as an export unzipped."""
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in members.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@st.composite
def damaged_export(draw: st.DrawFn, members: dict[str, bytes]) -> dict[str, bytes]:
    """An app export's files (``members``), one or two of them damaged line-wise (or left out)."""
    members = dict(members)
    for _ in range(draw(st.integers(1, 2))):
        name = draw(st.sampled_from(sorted(members)))
        if draw(st.integers(0, 5)) == 0:
            members.pop(name, None)
        elif name in members:
            members[name] = draw(mutated_lines(members[name].decode("utf-8", "replace")))
    return members


@FUZZ
@given(members=damaged_export(_zip_members(sensor_logger_zip())))
def test_damaged_sensor_logger_files(work: Path, members: dict[str, bytes]) -> None:
    # the app zips its files under a folder of the recording's name: unzipped, they sit at the top
    flat = {name.rsplit("/", 1)[-1]: data for name, data in members.items()}
    check_source(unpacked(work / "phone", flat), lambda p: read_sensor_logger(p).shin)


@FUZZ
@given(data=mutated(sensor_logger_zip(), max_ops=4))
def test_damaged_sensor_logger_zip(work: Path, data: bytes) -> None:
    path = work / "phone.zip"
    path.write_bytes(data)
    check_source(path, lambda p: read_sensor_logger(p).shin)


@FUZZ
@given(data=mutated_lines(sensor_logger_json().decode()))
def test_damaged_sensor_logger_json(work: Path, data: bytes) -> None:
    path = work / "phone.json"
    path.write_bytes(data)
    check_source(path, lambda p: read_sensor_logger(p).shin)


@FUZZ
@given(members=damaged_export(_zip_members(phyphox_zip())))
def test_damaged_phyphox_files(work: Path, members: dict[str, bytes]) -> None:
    check_source(unpacked(work / "phyphox", members), lambda p: read_phyphox(p).shin)


@FUZZ
@given(data=mutated(phyphox_zip(), max_ops=4))
def test_damaged_phyphox_zip(work: Path, data: bytes) -> None:
    path = work / "phyphox.zip"
    path.write_bytes(data)
    check_source(path, lambda p: read_phyphox(p).shin)


@FUZZ
@given(data=mutated_lines(phyphox_csv()))
def test_damaged_phyphox_csv(work: Path, data: bytes) -> None:
    path = work / "phyphox.csv"
    path.write_bytes(data)
    check_source(path, lambda p: read_phyphox(p).shin)


@FUZZ
@given(data=mutated(axivity_cwa(), max_ops=4))
def test_damaged_axivity_bytes(work: Path, data: bytes) -> None:
    path = work / "shin.cwa"
    path.write_bytes(data)
    check_source(path, lambda p: read_cwa(p).shin)


@st.composite
def reblocked(draw: st.DrawFn) -> bytes:
    """An AX6 recording whose header or blocks were damaged, the blocks' checksums valid again (so the
    reader's checks behind the checksum are reached: dates, offsets, counts, layout, scales)."""
    data = bytearray(axivity_cwa())
    for _ in range(draw(st.integers(1, 4))):
        k = draw(st.integers(-1, (len(data) - 1024) // 512 - 1))
        lo, hi = (0, 1024) if k < 0 else (1024 + 512 * k, 1024 + 512 * (k + 1))
        pos = draw(st.integers(lo, min(hi, lo + 40) - 1 if draw(st.booleans()) else hi - 3))
        data[pos] = draw(st.integers(0, 255))
    for k in range((len(data) - 1024) // 512):
        at = 1024 + 512 * k + 510
        data[at:at + 2] = bytes(2)
        total = int(np.frombuffer(bytes(data[at - 510:at + 2]), "<u2").sum(dtype=np.uint64)) & 0xFFFF
        data[at:at + 2] = ((-total) & 0xFFFF).to_bytes(2, "little")
    return bytes(data)


@FUZZ
@given(data=reblocked())
def test_damaged_axivity_blocks_with_valid_checksums(work: Path, data: bytes) -> None:
    path = work / "blocks.cwa"
    path.write_bytes(data)
    check_source(path, lambda p: read_cwa(p).shin)
    # a window (from 0.5 s in) picks blocks by their stamps before any is checked; cut out as a file
    # of its own, it reads (or is refused) the same way
    window = (datetime(2026, 11, 27, 10, 0, 0, 750000), None)
    check_source(path, lambda p: read_cwa(p, between=window).shin)
    try:
        cut = cut_cwa(path, work / "cut" / "shin.cwa", window)
    except SourceError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
    else:
        check_source(cut, lambda p: read_cwa(p).shin)


@settings(max_examples=12, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=mutated(recording_bytes(), max_ops=4))
def test_reading_damaged_recordings_takes_memory_in_proportion(work: Path, data: bytes) -> None:
    """Peak memory of reading a (damaged) recording stays a small multiple of the file."""
    path = work / "memory.dorsi"
    big = data[:10] + data[10:] * 20  # about 230 kB: records repeated, damage repeated
    path.write_bytes(big)
    tracemalloc.start()
    try:
        try:
            read_recording(path)
        except RecordingError:
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= 8 * len(big) + (1 << 20)
