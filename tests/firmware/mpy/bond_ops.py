# Applies a list of operations to the firmware's BondStore under micropython
# and records every answer (tests/firmware/test_security.py, property test).
#
#   micropython bond_ops.py OPS.json BOND_FILE OUT.json
# ops: ["set", type, key_hex, value_hex | null], ["get", type, index, key_hex | null],
#      ["advance", ms], ["open"], ["flush"], ["reboot"] (flush, then a new store from the file)
import binascii
import json
import sys

from bonds import BondStore, FileStorage
from sim_clock import SimClock


def main(ops_path, bond_file, out_path):
    with open(ops_path) as f:
        spec = json.load(f)
    clock = SimClock()
    storage = FileStorage(bond_file)
    logs = []

    def new_store():
        return BondStore(storage, clock, spec["max_bonds"], spec["window_ms"], logs.append)

    store = new_store()
    answers = []
    for op in spec["ops"]:
        kind = op[0]
        if kind == "set":
            value = None if op[3] is None else binascii.unhexlify(op[3])
            answers.append(store.set(op[1], memoryview(binascii.unhexlify(op[2])), value))
        elif kind == "get":
            key = None if op[3] is None else binascii.unhexlify(op[3])
            v = store.get(op[1], op[2], key)
            answers.append(None if v is None else binascii.hexlify(v).decode())
        elif kind == "advance":
            clock.advance(op[1] * 1000)
            answers.append(store.window_open())
        elif kind == "open":
            store.open_window()
            answers.append(True)
        elif kind == "flush":
            answers.append(store.flush())
        elif kind == "reboot":
            store.flush()
            store = new_store()
            answers.append(store.count())
    state = sorted([t, binascii.hexlify(k).decode(), binascii.hexlify(v).decode()]
                   for (t, k), v in store.secrets.items())
    store.flush()
    reloaded = new_store()
    again = sorted([t, binascii.hexlify(k).decode(), binascii.hexlify(v).decode()]
                   for (t, k), v in reloaded.secrets.items())
    with open(out_path, "w") as f:
        json.dump({"answers": answers, "state": state, "reloaded": again, "count": store.count(),
                   "log": logs}, f)


main(sys.argv[1], sys.argv[2], sys.argv[3])
