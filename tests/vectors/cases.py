"""Inputs of the protocol v1 test vectors (regenerate with ``python tests/vectors/make_vectors.py``)."""

from __future__ import annotations

import math


def _samples(n: int, phase: float) -> list[list[int]]:
    out = []
    for k in range(n):
        a = 0.5 * math.sin(phase + 0.3 * k)  # rotation about the shank's flexion axis
        q = [math.cos(a / 2), 0.0, math.sin(a / 2), 0.0]
        out.append([round(c * 16384) for c in q] + [
            round(4096 * math.cos(a)), 37 * k - 200, round(4096 * math.sin(a)),
            -5 * k, round(16.384 * 57.3 * 0.15 * math.cos(phase + 0.3 * k)), 3 * k - 10,
        ])
    return out


STREAM_CASES = [
    # name, mtu, role, acc_code, gyr_code, period_us, first seq, t0_us, flags, samples
    dict(name="mtu247_shin_100hz", mtu=247, role=0, acc_code=2, gyr_code=4, period_us=10000,
         seq=0, t0_us=1_000_000, flags=0, samples=_samples(25, 0.0)),
    dict(name="mtu185_foot_200hz_backlog", mtu=185, role=1, acc_code=3, gyr_code=3, period_us=5000,
         seq=123_456, t0_us=2_000_000, flags=4, samples=_samples(17, 1.0)),
    dict(name="mtu23_fragmented", mtu=23, role=0, acc_code=1, gyr_code=2, period_us=19230,
         seq=7, t0_us=5_000, flags=0, samples=_samples(3, 2.0)),
    dict(name="timestamp_wrap", mtu=247, role=0, acc_code=2, gyr_code=4, period_us=10000,
         seq=99_999, t0_us=(1 << 30) - 25_000, flags=8, samples=_samples(14, 3.0)),
    dict(name="extremes", mtu=100, role=0, acc_code=0, gyr_code=0, period_us=40000,
         seq=(1 << 30) - 2, t0_us=0, flags=0,
         samples=[[16384, 0, 0, 0, 32767, -32768, 0, 32767, -32768, 1],
                  [0, 0, 0, -16384, -32768, 32767, -1, -32768, 32767, 0],
                  [8192, 8192, 8192, 8192, 1, 1, 1, -1, -1, -1]]),
]

STATUS_CASES = [
    # role, state, acc_code, gyr_code, rate_hz, last_cmd, last_result, counter, battery,
    # fw_major, fw_minor, ring_held, ring_dropped, i2c_errors, next_seq
    [0, 0x07, 2, 4, 100, 1, 0, 3, 87, 1, 0, 0, 0, 0, 1234],
    [1, 0x2A, 3, 3, 200, 3, 3, 255, 12, 1, 2, 6000, 421, 7, (1 << 30) + 5],
    [0, 0x02, 0, 0, 25, 0xFF, 0xFF, 0, 100, 0, 1, 3000, 0, 0, 0],
]

COMMAND_CASES = [
    "01", "02", "036400", "03c800", "031900", "031800", "03c900", "0364", "04", "0505",
    "0500", "051f", "061e000000", "06ffffffff", "07", "0700", "0800", "", "ff", "0101", "06",
]
