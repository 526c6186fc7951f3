"""BLE security of the real firmware: bonded-only control, pairing window, bond store.

Runs ``mpy/scenario.py`` under the real ``micropython``: the firmware's
``Link`` and ``BondStore`` talk to the recording ``bluetooth`` fake, which
plays NimBLE's side (pairing hands keys over with _IRQ_SET_SECRET and reports
the link with _IRQ_ENCRYPTION_UPDATE; a reconnecting central re-encrypts from
the keys _IRQ_GET_SECRET returns; the stack refuses writes to a
write-encrypted characteristic on an unencrypted link). Results are read from
the status record, decoded with the lead's ``dorsi.protocol``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dorsi.protocol import decode_packets, encode_command
from dorsi.protocol.spec import Command, Result

from ..conftest import run_micropython
from .firmware_run import HOSTSIM, MPY, run_scenario
from .motion import lunge, write_dsim
from .test_firmware_control import status_updates
from .test_firmware_stream import final_status, packets

OWNER = "00c0ffee000001"
FOREIGN = "01bad0bad0bad0"
ATT_INSUFFICIENT_AUTHENTICATION = 0x05
ATT_INSUFFICIENT_ENCRYPTION = 0x0F
FLAG_WRITE_ENCRYPTED = 0x1000


def cmd(command: Command, argument: int | None = None) -> str:
    return encode_command(command, argument).hex()


def run(tmp_path, events, seconds=4.0, name="scenario", **extra):
    motion = lunge(104.0, still_s=seconds, moving_s=0, after_s=0)
    spec = {"motion": str(write_dsim(tmp_path / "m.dsim", motion)), "duration_s": seconds + 0.3,
            "events": events, **extra}
    return run_scenario(tmp_path, spec, name)


def results(out) -> dict[int, tuple[int, int]]:
    """Command counter -> (opcode, result) as the status reported them."""
    return {s.command_counter: (s.last_command, s.last_result) for s in status_updates(out) if s.last_result != 255}


def ad_structures(adv: bytes) -> dict[int, bytes]:
    out, i = {}, 0
    while i < len(adv):
        n = adv[i]
        out[adv[i + 1]] = adv[i + 2:i + 1 + n]
        i += 1 + n
    return out


def test_the_stack_is_asked_for_le_secure_connections_bonding_and_privacy(tmp_path):
    out = run(tmp_path, [[0.2, "connect", 247]], seconds=1.0)
    assert out["config"]["bond"] is True and out["config"]["le_secure"] is True
    assert out["config"]["mitm"] is False and out["config"]["io"] == 3  # Just Works: NoInputNoOutput
    assert out["config"]["addr_mode"] == 2 and out["privacy"] is True
    assert out["control_flags"] & FLAG_WRITE_ENCRYPTED
    structures = ad_structures(bytes.fromhex(out["adv"][0][1]))
    assert set(structures) == {0x01, 0x07, 0x09}  # flags, 128-bit service UUID, name: nothing else
    assert structures[0x09] == b"dorsi-S1"


def test_unbonded_central_connects_but_the_stack_refuses_its_commands(tmp_path):
    events = [[0.2, "connect", {"mtu": 247, "pair": False}],
              [1.0, "write", cmd(Command.SET_RATE, 200)], [1.2, "write", cmd(Command.STOP)],
              [1.4, "write", cmd(Command.TARE)]]
    out = run(tmp_path, events)
    assert [e[2] for e in out["att_errors"]] == [ATT_INSUFFICIENT_AUTHENTICATION] * 3
    final = final_status(out)
    assert final.command_counter == 0 and final.rate_hz == 100  # the firmware never saw them
    assert out["head"] >= 104 * 4 - 2 and out["errors"] == 0  # sampling went on
    assert final.imu_ok


def test_a_port_that_ignores_the_flag_is_covered_by_the_firmware(tmp_path):
    """Writes reach the firmware on an unencrypted link: answered NOT_AUTHORIZED, ignored."""
    events = [[0.1, "stack_permissions", False], [0.2, "connect", {"mtu": 247, "pair": False}],
              [1.0, "write", cmd(Command.SET_RATE, 200)], [1.5, "write", cmd(Command.STOP)],
              [2.0, "write", cmd(Command.BACKLOG, 0)]]
    out = run(tmp_path, events)
    assert out["att_errors"] == []
    assert results(out) == {1: (Command.SET_RATE, Result.NOT_AUTHORIZED), 2: (Command.STOP, Result.NOT_AUTHORIZED),
                            3: (Command.BACKLOG, Result.NOT_AUTHORIZED)}
    final = final_status(out)
    assert final.rate_hz == 100 and final.streaming  # neither rate change nor STOP happened
    d = decode_packets(packets(out))  # the open stream (SECURE_STREAM off) never rewound
    np.testing.assert_array_equal(d.sample_seq, np.arange(len(d.sample_seq)))
    assert out["head"] >= 104 * 4 - 2 and out["errors"] == 0


def test_after_bonding_the_same_central_is_obeyed(tmp_path):
    events = [[0.2, "connect", {"mtu": 247, "pair": False}],
              [1.0, "write", cmd(Command.SET_RATE, 50)],
              [1.5, "pair", 1],
              [2.0, "write", cmd(Command.SET_RATE, 50)], [2.5, "write", cmd(Command.IDENTIFY, 3)]]
    out = run(tmp_path, events)
    assert out["pair_results"] == ["paired"]
    assert out["bonds"] == [OWNER]
    assert len(out["att_errors"]) == 1  # before pairing only
    assert results(out) == {1: (Command.SET_RATE, Result.OK), 2: (Command.IDENTIFY, Result.OK)}
    assert final_status(out).rate_hz == 50


@pytest.mark.parametrize("stack_checks", [True, False], ids=["stack", "firmware-only"])
def test_a_foreign_central_replaying_the_owners_write_is_refused(tmp_path, stack_checks):
    rate = cmd(Command.SET_RATE, 200)
    events = [[0.1, "stack_permissions", stack_checks],
              [0.2, "connect", 247], [0.5, "write", cmd(Command.SET_RATE, 50)],  # the owner, bonded
              # a second central, not encrypted, replays captured bytes while the owner is connected ...
              [1.0, "connect", {"conn": 2, "addr": FOREIGN, "pair": False}], [1.2, "write", [2, rate]],
              [1.4, "disconnect", 2], [1.6, "disconnect", 1],
              # ... and alone, on yet another handle
              [2.0, "connect", {"conn": 3, "addr": FOREIGN, "pair": False}], [2.2, "write", [3, rate]],
              [2.4, "write", [3, cmd(Command.STOP)]]]
    out = run(tmp_path, events)
    final = final_status(out)
    assert final.rate_hz == 50  # only the owner's command took effect
    assert final.streaming
    if stack_checks:
        assert [(e[0], e[2]) for e in out["att_errors"]] == [(2, ATT_INSUFFICIENT_AUTHENTICATION),
                                                             (3, ATT_INSUFFICIENT_AUTHENTICATION)] + \
            [(3, ATT_INSUFFICIENT_AUTHENTICATION)]
        assert results(out) == {1: (Command.SET_RATE, Result.OK)}
    else:
        assert results(out) == {1: (Command.SET_RATE, Result.OK), 2: (Command.SET_RATE, Result.NOT_AUTHORIZED),
                                3: (Command.SET_RATE, Result.NOT_AUTHORIZED), 4: (Command.STOP, Result.NOT_AUTHORIZED)}
    assert out["errors"] == 0 and out["head"] >= 52 * 4  # 50 Hz from 0.5 s on: sampling never paused


def test_secure_stream_only_to_a_bonded_central_and_nothing_is_lost(tmp_path):
    events = [[0.2, "connect", {"mtu": 247, "pair": False}], [0.3, "subscribe"],
              [0.5, "stack_permissions", False], [0.6, "write", cmd(Command.START)],
              [2.0, "pair", 1], [2.1, "subscribe"]]
    out = run(tmp_path, events, config={"SECURE_STREAM": True})
    marks = {m[0] + str(i): m for i, m in enumerate(out["marks"])}
    assert marks["pair4"][3] == 0  # nothing was notified before the link was bonded (grace, START included)
    assert out["denied_subscriptions"] == 1
    assert results(out)[1] == (Command.START, Result.NOT_AUTHORIZED)
    d = decode_packets(packets(out))  # afterwards everything held in the ring arrives, in order
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))


def test_bonds_persist_across_a_reboot(tmp_path):
    bond_file = tmp_path / "bonds.json"
    events = [[0.2, "connect", 247], [0.6, "disconnect"], [1.0, "reboot"],
              # the window (1 s) has closed again after the reboot: only a stored bond can work
              [2.5, "connect", 247], [2.8, "write", cmd(Command.SET_RATE, 50)]]
    out = run(tmp_path, events, bond_file=str(bond_file), config={"PAIRING_WINDOW_S": 1})
    assert out["pair_results"] == ["paired", "encrypted"]
    assert out["bonds"] == [OWNER] and out["pairings_refused"] == 0
    assert final_status(out).rate_hz == 50
    doc = json.loads(bond_file.read_text())
    assert doc["v"] == 1 and {t for t, _, _ in doc["secrets"]} >= {1, 2}
    assert not (tmp_path / "bonds.json.tmp").exists()


def test_the_pairing_window_closes_and_a_long_press_opens_it(tmp_path):
    events = [[2.0, "connect", 247],  # window (1 s) closed: NimBLE pairs, the keys are not stored
              [2.3, "write", cmd(Command.SET_RATE, 200)], [2.5, "disconnect"], [2.6, "forget"],
              [3.0, "button", True], [5.8, "button", False],  # 2 s long press: window again (1 s)
              [5.3, "connect", 247], [5.6, "write", cmd(Command.SET_RATE, 50)]]
    out = run(tmp_path, events, seconds=7.0, config={"PAIRING_WINDOW_S": 1})
    assert out["pair_results"] == ["paired", "paired"]
    assert out["pairings_refused"] == 1 and out["bonds_refused"] == 2
    assert any("pairing window closed" in line for line in out["log"])
    assert any("pairing window open" in line for line in out["log"])
    assert results(out) == {1: (Command.SET_RATE, Result.NOT_AUTHORIZED), 2: (Command.SET_RATE, Result.OK)}
    assert out["bonds"] == [OWNER]
    assert final_status(out).rate_hz == 50


def test_without_a_window_at_boot_only_the_button_lets_a_central_bond(tmp_path):
    events = [[0.2, "connect", 247], [0.5, "disconnect"], [0.6, "forget"],
              [1.0, "button", True], [3.2, "button", False], [3.5, "connect", 247],
              [3.8, "write", cmd(Command.SET_RATE, 50)]]
    out = run(tmp_path, events, config={"PAIRING_AT_BOOT": False})
    assert out["pairings_refused"] == 1  # the first pairing, at power-on
    assert out["bonds"] == [OWNER] and final_status(out).rate_hz == 50


def test_the_bond_table_is_bounded(tmp_path):
    addrs = ["00aa000000000%d" % i for i in range(1, 4)]
    events = []
    for i, addr in enumerate(addrs):
        t = 0.2 + i
        events += [[t, "connect", {"conn": i + 1, "addr": addr}],
                   [t + 0.3, "write", [i + 1, cmd(Command.IDENTIFY, 1)]], [t + 0.5, "disconnect", i + 1]]
    out = run(tmp_path, events, config={"MAX_BONDS": 2})
    assert out["bonds"] == addrs[:2]
    assert out["pairings_refused"] == 1
    assert any("bond table full" in line for line in out["log"])
    assert [r for _, r in sorted(results(out).items())] == [(Command.IDENTIFY, Result.OK)] * 2 + \
        [(Command.IDENTIFY, Result.NOT_AUTHORIZED)]


def test_outside_the_window_a_spoofer_cannot_replace_the_owners_bond(tmp_path):
    """A central with the owner's address but not its keys re-pairs: NimBLE first deletes the old bond."""
    bond_file = tmp_path / "bonds.json"
    events = [[0.2, "connect", 247], [0.6, "disconnect"],
              [2.0, "forget"],  # the spoofer has the address, not the keys
              [2.2, "connect", {"conn": 2, "addr": OWNER}], [2.5, "write", [2, cmd(Command.SET_RATE, 200)]]]
    out = run(tmp_path, events, bond_file=str(bond_file), config={"PAIRING_WINDOW_S": 1})
    assert out["bonds"] == [OWNER]
    assert results(out) == {1: (Command.SET_RATE, Result.NOT_AUTHORIZED)}
    assert final_status(out).rate_hz == 100
    doc = json.loads(bond_file.read_text())
    assert len(doc["secrets"]) == 2  # the owner's two key entries are still there


@pytest.mark.parametrize("content", [b"\x00\xffnot json", b'{"v": 1, "secrets": [[1, "zz", "00"]]}',
                                     b'{"v": 9, "secrets": []}', b"[1, 2, 3]"],
                         ids=["binary", "bad-hex", "version", "shape"])
def test_a_corrupt_key_file_is_ignored_and_replaced(tmp_path, content):
    bond_file = tmp_path / "bonds.json"
    bond_file.write_bytes(content)
    events = [[0.2, "connect", 247], [0.5, "write", cmd(Command.SET_RATE, 50)]]
    out = run(tmp_path, events, seconds=2.0, bond_file=str(bond_file))
    assert out["bonds_corrupt"] == 1
    assert any("corrupt key file ignored" in line for line in out["log"])
    assert out["pair_results"] == ["paired"] and final_status(out).rate_hz == 50
    assert out["errors"] == 0
    doc = json.loads(bond_file.read_text())  # rewritten by the loop, valid again
    assert doc["v"] == 1 and len(doc["secrets"]) == 2


def test_bond_writes_are_deferred_and_coalesced(tmp_path):
    """One pairing stores two key entries from the IRQ; the loop writes the file once, later."""
    bond_file = tmp_path / "bonds.json"
    out = run(tmp_path, [[0.2, "connect", 247], [0.3, "read_status"]], seconds=2.0, bond_file=str(bond_file))
    assert out["bond_saves"] == 1
    assert bond_file.exists()


def test_factory_reset_clears_the_bonds(tmp_path):
    bond_file = tmp_path / "bonds.json"
    run(tmp_path, [[0.2, "connect", 247]], seconds=1.5, name="first", bond_file=str(bond_file))
    assert len(json.loads(bond_file.read_text())["secrets"]) == 2
    # button held at power-on for 5 s (the simulated clock runs on while it is held)
    out = run(tmp_path, [[0.0, "button", False]], seconds=6.0, name="reset", bond_file=str(bond_file),
              button_at_boot=True)
    assert out["factory_reset"] is True
    assert any("factory reset" in line for line in out["log"])
    assert out["bonds"] == [] and not bond_file.exists()
    assert out["head"] > 0 and out["errors"] == 0  # then it ran normally


def test_without_a_button_there_is_no_factory_reset(tmp_path):
    out = run(tmp_path, [[0.2, "connect", 247]], seconds=1.0, button=False, button_at_boot=True)
    assert out["factory_reset"] is False and out["bonds"] == [OWNER]


# --------------------------------------------------------------------------- the bond store itself
class BondModel:
    """The policy of docs/security.md ("Bond store"), written independently of the firmware."""

    def __init__(self, max_bonds: int, window_ms: int) -> None:
        self.max_bonds, self.window_ms = max_bonds, window_ms
        self.secrets: dict[tuple[int, str], str] = {}
        self.t = 0
        self.until: int | None = window_ms

    def window(self) -> bool:
        if self.until is not None and self.t >= self.until:
            self.until = None
        return self.until is not None

    def peers(self) -> set[str]:
        return {k for t, k in self.secrets if t in (1, 2)}

    def set(self, t: int, key: str, value: str | None) -> bool:
        if t in (1, 2):
            if not self.window():
                return False
            if value is not None and key not in self.peers() and len(self.peers()) >= self.max_bonds:
                return False
        if value is None:
            return self.secrets.pop((t, key), None) is not None
        self.secrets[(t, key)] = value
        return True

    def get(self, t: int, index: int, key: str | None) -> str | tuple | None:
        if key is None:  # iteration by index: any order, each entry once (checked below)
            values = sorted(v for (tt, _), v in self.secrets.items() if tt == t)
            return ("one of", values) if index < len(values) else None
        return self.secrets.get((t, key))

    def apply(self, op: list) -> object:
        kind = op[0]
        if kind == "set":
            return self.set(op[1], op[2], op[3])
        if kind == "get":
            return self.get(op[1], op[2], op[3])
        if kind == "advance":
            self.t += op[1]
            return self.window()
        if kind == "open":
            self.until = self.t + self.window_ms
            return True
        if kind == "reboot":
            self.until = self.t + self.window_ms  # power-on opens the window
            return len(self.peers())
        return None  # flush: whether a write happened is the store's business


ADDRS = [f"00{i:012x}" for i in range(1, 6)]
OPS = st.one_of(
    st.tuples(st.just("set"), st.sampled_from([1, 2]), st.sampled_from(ADDRS),
              st.one_of(st.none(), st.binary(min_size=1, max_size=8).map(bytes.hex))),
    st.tuples(st.just("get"), st.sampled_from([1, 2]), st.integers(0, 5), st.one_of(st.none(), st.sampled_from(ADDRS))),
    st.tuples(st.just("advance"), st.integers(0, 400)),
    st.tuples(st.just("open")), st.tuples(st.just("flush")), st.tuples(st.just("reboot")),
).map(list)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=40), max_bonds=st.integers(1, 4))
def test_bond_store_follows_the_policy_and_round_trips(tmp_path, ops, max_bonds):
    spec_path, out_path, bond_file = tmp_path / "ops.json", tmp_path / "ops.out.json", tmp_path / "bonds.json"
    bond_file.unlink(missing_ok=True)
    spec_path.write_text(json.dumps({"ops": ops, "max_bonds": max_bonds, "window_ms": 1000}))
    run_micropython(MPY / "bond_ops.py", str(spec_path), str(bond_file), str(out_path), path=[MPY, HOSTSIM])
    out = json.loads(out_path.read_text())
    model = BondModel(max_bonds, 1000)
    expected = [model.apply(op) for op in ops]
    got = out["answers"]
    for op, want, have in zip(ops, expected, got):
        if isinstance(want, tuple):
            assert have in want[1], (op, ops)
        elif op[0] != "flush":
            assert have == want, (op, ops)
    assert out["state"] == sorted([t, k, v] for (t, k), v in model.secrets.items())
    assert out["count"] <= max_bonds
    assert out["reloaded"] == out["state"]  # what was flushed is what comes back after a reboot
