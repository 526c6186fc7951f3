"""Cross-implementation vectors: firmware encoder (real MicroPython) == spec == host decoder."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from dorsi.protocol import Reassembler, Status, decode_packets, encode_stream, parse_command
from dorsi.protocol.spec import QUAT_SCALE, TIMESTAMP_WRAP_US, Result
from dorsi.samples import ROLES, SampleBatch

from ..conftest import VECTORS

sys.path.insert(0, str(VECTORS))
import make_vectors  # noqa: E402

COMMITTED = json.loads((VECTORS / "protocol_v1.json").read_text())


@pytest.fixture(scope="module")
def firmware_output() -> dict:
    return make_vectors.build()


def test_firmware_encoder_reproduces_committed_vectors(firmware_output):
    assert firmware_output == COMMITTED


def _packets(notifications: list[str]) -> list[bytes]:
    r = Reassembler()
    out: list[bytes] = []
    for hexed in notifications:
        out.extend(r.feed(bytes.fromhex(hexed)))
    return out


@pytest.mark.parametrize("case", COMMITTED["stream"], ids=lambda c: c["name"])
def test_host_decoder_recovers_exact_values(case):
    for n in case["notifications"]:
        assert len(bytes.fromhex(n)) <= case["mtu"] - 3
    d = decode_packets(_packets(case["notifications"]))
    samples = np.array(case["samples"])
    np.testing.assert_array_equal(d.raw, samples)
    np.testing.assert_array_equal(d.sample_seq, case["seq"] + np.arange(len(samples)))
    assert set(d.role) == {case["role"]}
    assert set(d.flags & 0x0C) == {case["flags"]}
    t = (d.t0_us[d.packet] + d.sample_offset_us()) % TIMESTAMP_WRAP_US
    np.testing.assert_array_equal(t, (case["t0_us"] + case["period_us"] * np.arange(len(samples))) % TIMESTAMP_WRAP_US)
    np.testing.assert_allclose(d.acc_g, samples[:, 4:7] * [2, 4, 8, 16][case["acc_code"]] / 32768)
    np.testing.assert_allclose(d.gyr_dps, samples[:, 7:10] * [125, 250, 500, 1000, 2000][case["gyr_code"]] / 32768)
    np.testing.assert_allclose(d.quat, samples[:, :4] / QUAT_SCALE)


@pytest.mark.parametrize("case", COMMITTED["stream"], ids=lambda c: c["name"])
def test_host_encoder_is_byte_identical_to_firmware(case):
    samples = np.array(case["samples"], dtype=np.float64)
    acc_lsb = [2, 4, 8, 16][case["acc_code"]] / 32768 * 9.80665
    gyr_lsb = np.deg2rad([125, 250, 500, 1000, 2000][case["gyr_code"]] / 32768)
    n = len(samples)
    batch = SampleBatch(
        ROLES[case["role"]],
        case["seq"] + np.arange(n),
        (case["t0_us"] + case["period_us"] * np.arange(n)) * 1e-6,
        samples[:, 4:7] * acc_lsb,
        samples[:, 7:10] * gyr_lsb,
        samples[:, :4] / QUAT_SCALE,
    )
    notes = encode_stream(batch, mtu=case["mtu"], acc_code=case["acc_code"], gyr_code=case["gyr_code"],
                          period_us=case["period_us"], flags=case["flags"])
    # fragment tags count packets from 0 on both sides, so even fragments match
    assert [n.hex() for n in notes] == case["notifications"]


@pytest.mark.parametrize("vector", COMMITTED["status"], ids=lambda v: v["bytes"][:12])
def test_status_vectors(vector):
    status = Status.unpack(bytes.fromhex(vector["bytes"]))
    f = vector["fields"]
    assert (int(status.role), status.state, status.acc_code, status.gyr_code, status.rate_hz) == tuple(f[:5])
    assert status.next_seq == f[14] and status.ring_dropped == f[12] and status.battery_percent == f[8]
    assert status.pack().hex() == vector["bytes"]


@pytest.mark.parametrize("vector", COMMITTED["commands"], ids=lambda v: v["bytes"] or "empty")
def test_command_vectors_judged_alike(vector):
    opcode, arg, result = parse_command(bytes.fromhex(vector["bytes"]))
    assert [opcode, arg, int(result)] == vector["parsed"]
    assert (result is Result.OK) == (vector["parsed"][2] == 0)
