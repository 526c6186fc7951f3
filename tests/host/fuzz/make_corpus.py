"""Write the regression corpus (``corpus/``): the nastiest inputs found or built by hand.

Run ``python -m tests.host.fuzz.make_corpus`` from the repository root to rebuild it;
``test_corpus.py`` reads every file. Each file name says what is wrong with it.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from dorsi.recording.format import FILE_HEADER, NOTIFY_HEAD, Kind, frame

from .seeds import HEADER, imu_csv_text, movella_csv_text, recording_bytes

CORPUS = Path(__file__).resolve().parent / "corpus"


def _records(*records: tuple[Kind, bytes]) -> bytes:
    return FILE_HEADER.pack(b"DORSIREC", 1) + b"".join(frame(k, p) for k, p in records)


def _json(obj: object) -> bytes:
    return json.dumps(obj).encode()


def recordings() -> dict[str, bytes]:
    seed = recording_bytes()
    header = (Kind.HEADER, _json(HEADER))
    packet = bytes.fromhex("01000b01102700000000000000000000") + b"\x00" * 18  # arbitrary, decoder judges
    out = {
        "empty.dorsi": b"",
        "magic_only.dorsi": b"DORSIREC",
        "wrong_version.dorsi": FILE_HEADER.pack(b"DORSIREC", 99) + seed[10:],
        "no_header_record.dorsi": _records((Kind.TICK, struct.pack("<d", 1.0))),
        "truncated_mid_record.dorsi": seed[: len(seed) // 2 + 7],
        "checksum_flip_in_middle.dorsi": seed[:400] + bytes([seed[400] ^ 0x10]) + seed[401:],
        "length_field_huge.dorsi": seed[:200] + struct.pack("<I", 0xFFFFFFF0) + seed[204:],
        "notify_shorter_than_its_head.dorsi": _records(header, (Kind.NOTIFY, b"\x00\x01")),
        "tick_wrong_size.dorsi": _records(header, (Kind.TICK, b"\x00" * 3)),
        "host_time_nan_and_inf.dorsi": _records(
            header, *[(Kind.NOTIFY, NOTIFY_HEAD.pack(0, 0, t) + packet) for t in (float("nan"), float("inf"), 1.0)]),
        "unknown_slot_and_epoch_flapping.dorsi": _records(
            header, *[(Kind.NOTIFY, NOTIFY_HEAD.pack(200, e % 2, 0.1 * e) + packet) for e in range(6)]),
        "json_not_utf8.dorsi": _records(header, (Kind.MARKER, b'{"event":"\xff"}')),
        "json_deeply_nested.dorsi": _records(header, (Kind.MARKER, b"[" * 3000 + b"]" * 3000)),
        # valid JSON of the wrong shape behind a valid checksum (known reader bugs, see test_corpus.py)
        "header_is_a_list.dorsi": _records((Kind.HEADER, b"[1,2]")),
        "marker_is_a_number.dorsi": _records(header, (Kind.MARKER, b"7")),
        "marker_without_time.dorsi": _records(header, (Kind.MARKER, _json({"event": "exercise_start",
                                                                          "exercise": "x"}))),
        "devices_not_a_list.dorsi": _records((Kind.HEADER, _json({"devices": 7, "profile": "x"}))),
        # pain reports of every wrong shape (dorsi.events.pain.from_markers skips or reads them as unrated)
        "pain_markers_of_every_wrong_shape.dorsi": _records(header, *[(Kind.MARKER, _json(m)) for m in (
            {"event": "pain"}, {"event": "pain", "t": "soon"}, {"event": "pain", "t": None, "level": 5},
            {"event": "pain", "t": 1.0, "level": "6", "exercise": 7, "angle_deg": "deep"},
            {"event": "pain", "t": 1.0, "level": 99, "angle_deg": [1]}, {"event": "pain", "t": True},
            {"event": "pain", "t": 2.0, "level": 4.5, "exercise": ["band_lunge"]},
            {"event": "pain", "t": 1e308, "level": -3}, {"event": ["pain"], "t": 3.0})]),
    }
    return out


def _lines(text: str) -> list[str]:
    return text.splitlines()


def imu_csvs() -> dict[str, bytes]:
    text = imu_csv_text()
    lines = _lines(text)
    first = next(i for i, line in enumerate(lines) if line and line[0].isdigit())
    row = lines[first]

    def with_row(new_row: str | bytes) -> bytes:
        body = [ln.encode() for ln in lines]
        body[first + 2] = new_row if isinstance(new_row, bytes) else new_row.encode()
        return b"\n".join(body) + b"\n"

    cells = row.split(",")
    return {
        "empty.csv": b"",
        "comments_only.csv": b"# sample_rate_hz: 100\n# placement: shin\n",
        "header_only.csv": "\n".join(lines[:first]).encode() + b"\n",
        "bom_before_comments.csv": b"\xef\xbb\xbf" + text.encode(),
        "carriage_returns_only.csv": text.replace("\n", "\r").encode(),
        "invalid_utf8_in_a_row.csv": with_row(row.encode()[:-1] + b"\xff"),
        "cut_inside_a_utf8_character.csv": text.encode() + b"\xc2",  # found by the fuzzer
        "nul_in_a_row.csv": with_row(row + "\x00"),
        "quote_opens_a_row.csv": with_row('"' + row),
        "value_1e400.csv": with_row(",".join([cells[0], cells[1], "1e400", *cells[3:]])),
        "time_is_nan.csv": with_row(",".join([cells[0], "nan", *cells[2:]])),
        "time_repeats.csv": with_row(lines[first + 1]),
        "seq_1e30.csv": with_row(",".join(["1e30", *cells[1:]])),
        "sample_rate_comment_inf.csv": text.replace("sample_rate_hz: 100.0", "sample_rate_hz: inf").encode(),
        "one_row.csv": "\n".join(lines[: first + 1]).encode() + b"\n",
    }


def movella_csvs() -> dict[str, bytes]:
    text = movella_csv_text()
    lines = _lines(text)

    def with_row(k: int, new_row: str | bytes) -> bytes:
        body = [ln.encode() for ln in lines]
        body[k] = new_row if isinstance(new_row, bytes) else new_row.encode()
        return b"\n".join(body) + b"\n"

    row = lines[10]
    cells = row.split(",")
    return {
        "empty.csv": b"",
        "no_column_row.csv": "\n".join(lines[:3]).encode() + b"\n",
        "column_row_only.csv": "\n".join(lines[:4]).encode() + b"\n",
        "invalid_utf8_in_a_row.csv": with_row(10, row.encode() + b"\xff"),
        "cut_inside_a_utf8_character.csv": text.encode() + b"\xc2",
        "nul_in_a_row.csv": with_row(10, row + "\x00"),
        "quote_opens_a_row.csv": with_row(10, '"' + row),
        "extra_cells.csv": with_row(10, row + ",1,2,3"),
        "sample_time_negative.csv": with_row(10, ",".join([cells[0], "-5", *cells[2:]])),
        "sample_time_repeats.csv": with_row(10, lines[9]),
        "sample_time_fractional.csv": with_row(10, ",".join([cells[0], cells[1] + ".5", *cells[2:]])),
        "quaternion_zero.csv": with_row(10, ",".join([*cells[:2], "0", "0", "0", "0", *cells[6:]])),
        "column_row_after_64_lines.csv": ("Key:,v\n" * 70 + text).encode(),
    }


def notifications() -> dict[str, bytes]:
    """One hex notification per line."""

    def packet(count: int = 1, seq: int = 0, t0: int = 0, version: int = 1, flags: int = 0, period: int = 10_000,
               quat: tuple[int, int, int, int] = (16384, 0, 0, 0), samples: int | None = None) -> bytes:
        head = struct.pack("<BBBBHII", version, flags, 0x12, count, period, seq, t0)
        return head + struct.pack("<10h", *quat, 0, 0, 4096, 0, 0, 0) * (count if samples is None else samples)

    good = packet()
    cases = {
        "count_zero.hex": [packet(count=0, samples=0)],
        "count_255_with_one_sample.hex": [packet(count=255, samples=1)],
        "count_13_over_the_maximum.hex": [packet(count=13)],
        "version_2.hex": [packet(version=2)],
        "reserved_flag_bits.hex": [packet(flags=0xF0)],
        "zero_quaternion.hex": [packet(quat=(0, 0, 0, 0))],
        "period_zero.hex": [packet(period=0)],
        "fragment_total_zero.hex": [bytes([0x81, 0x00, 7]) + good],
        "fragment_index_beyond_total.hex": [bytes([0x81, 0x32, 7]) + good],
        "fragment_set_never_completed.hex": [bytes([0x81, 0x02, 7]) + good[:10], good],
        "seq_wraps_at_2_32.hex": [packet(seq=0xFFFFFFFF), packet(seq=0, t0=10_000)],
        "same_packet_twice.hex": [good, good],
        "timestamp_wraps_at_2_30.hex": [packet(seq=5, t0=(1 << 30) - 5_000), packet(seq=6, t0=5_000)],
        "seq_goes_backwards.hex": [packet(seq=100), packet(seq=3, t0=10_000)],
    }
    return {name: ("\n".join(p.hex() for p in lines) + "\n").encode() for name, lines in cases.items()}


def write() -> None:
    for folder, files in (("recording", recordings()), ("imu_csv", imu_csvs()), ("movella", movella_csvs()),
                          ("notifications", notifications())):
        (CORPUS / folder).mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (CORPUS / folder / name).write_bytes(data)


if __name__ == "__main__":
    write()
