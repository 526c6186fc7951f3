# Runs under MicroPython: encodes the vector cases read from stdin (JSON) with
# the firmware's own protocol module and prints the notifications as JSON.
import sys
import json
import protocol as p


def hexlify(mv):
    return "".join("%02x" % b for b in mv)


def encode_case(case):
    enc = p.StreamEncoder(case["role"], case["acc_code"], case["gyr_code"], case["period_us"],
                          p.samples_per_packet(case["mtu"]))
    frag = p.Fragmenter()
    out = []
    seq = case["seq"]
    t0 = case["t0_us"]
    samples = case["samples"]
    i = 0
    while i < len(samples):
        enc.begin(seq + i, (t0 + i * case["period_us"]) % p.TIMESTAMP_WRAP_US, case["flags"])
        while i < len(samples):
            full = enc.add(*samples[i])
            i += 1
            if full:
                break
        pk = enc.packet()
        if len(pk) + p.ATT_OVERHEAD <= case["mtu"]:
            out.append(hexlify(pk))
        else:
            for k in range(frag.count(len(pk), case["mtu"])):
                out.append(hexlify(frag.fragment(pk, k, case["mtu"])))
            frag.next_packet()
    return out


def main():
    cases = json.loads(sys.stdin.read())
    result = {"stream": [], "status": [], "commands": []}
    for case in cases["stream"]:
        result["stream"].append(encode_case(case))
    buf = bytearray(p.STATUS_SIZE)
    for st in cases["status"]:
        p.pack_status(buf, *st)
        result["status"].append(hexlify(buf))
    for cmd in cases["commands"]:
        data = bytes(int(cmd[i:i + 2], 16) for i in range(0, len(cmd), 2))
        result["commands"].append(list(p.parse_command(data)))
    print(json.dumps(result))


main()
