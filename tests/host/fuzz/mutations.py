"""Hypothesis strategies that damage valid inputs the way files and radios get damaged."""

from __future__ import annotations

from hypothesis import strategies as st

OPS = ("flip", "set", "insert", "delete", "duplicate", "truncate", "swap")


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, max_ops: int = 6, max_chunk: int = 64) -> bytes:
    """``seed`` after 1..``max_ops`` random edits (bit flips, inserts, deletions, duplicated or
    swapped chunks, truncation); sizes stay within ``len(seed) + max_ops * max_chunk``."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(OPS))
        n = len(data)
        pos = draw(st.integers(0, n))
        length = draw(st.integers(1, max_chunk))
        if op == "flip" and n:
            i = min(pos, n - 1)
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and n:
            i = min(pos, n - 1)
            data[i] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF, draw(st.integers(0, 255))]))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=max_chunk))
        elif op == "delete":
            del data[pos : pos + length]
        elif op == "duplicate":
            data[pos:pos] = data[pos : pos + length]
        elif op == "truncate":
            del data[pos:]
        elif op == "swap" and n > 2 * length:
            a = draw(st.integers(0, n - 2 * length))
            b = draw(st.integers(a + length, n - length))
            data[a : a + length], data[b : b + length] = data[b : b + length], data[a : a + length]
    return bytes(data)


@st.composite
def mutated_lines(draw: st.DrawFn, text: str, max_ops: int = 4) -> bytes:
    """A text file after line-level edits (drop, duplicate, swap, blank, junk line), then byte edits."""
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(0, max_ops))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(("drop", "duplicate", "swap", "blank", "junk", "cells")))
        if op == "drop":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "blank":
            lines[i] = "\n"
        elif op == "junk":
            lines[i] = draw(st.text(max_size=40)) + "\n"
        elif op == "cells":
            cells = lines[i].rstrip("\n").split(",")
            k = draw(st.integers(0, len(cells) - 1))
            cells[k] = draw(st.sampled_from(["", "nan", "inf", "-inf", "1e400", "0x10", "1,5", " ", "\x00",
                                             "-0", "1e-400", "9" * 40, "\"", "#", "\u00e9"]))
            lines[i] = ",".join(cells) + "\n"
    return draw(mutated("".join(lines).encode("utf-8"), max_ops=2, max_chunk=16))
