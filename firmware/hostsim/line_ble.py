# A `bluetooth` replacement that turns the firmware's radio into lines of text
# on stdin/stdout, so a host process can play the central (the emulated BLE
# device in dorsi.emulator.firmware_device). Installed by run_device.py as
# sys.modules["bluetooth"].
#
# device -> host (stdout), one line each, payloads in hex:
#   ready                          the firmware is up
#   adv <adv_hex> <resp_hex>       advertising started (again)
#   gatt <char> <hex>              local value of a characteristic changed
#   notify <char> <hex>            notification (char: stream, status, battery)
#   log <text>                     firmware log line
# host -> device (stdin):
#   connect <mtu> | mtu <mtu> | subscribe 0|1 | write <hex> | disconnect
#   credit <n>                     n more notifications may be in flight
#   quit
# Flow control is by credits: with none left gatts_notify raises OSError
# (ENOMEM) exactly like a full NimBLE buffer, and the firmware retries later.
import sys

FLAG_READ = 0x0002
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_MTU_EXCHANGED = 21

NAMES = {
    "d0510001-5eb5-4f3a-9c1d-2b7a6f0e4d01": "stream",
    "d0510002-5eb5-4f3a-9c1d-2b7a6f0e4d01": "control",
    "d0510003-5eb5-4f3a-9c1d-2b7a6f0e4d01": "status",
    "2a19": "battery",
    "2a29": "manufacturer",
    "2a24": "model",
    "2a26": "firmware",
}


def out(line):
    sys.stdout.write(line)
    sys.stdout.write("\n")


class UUID:
    def __init__(self, value):
        self.text = ("%04x" % value) if isinstance(value, int) else str(value).lower()


class BLE:
    def __init__(self):
        self._active = False
        self.irq_handler = None
        self.values = {}
        self.names = {}  # value handle -> name
        self.conn = None
        self.credits = 0
        self.stream_cccd = None

    def active(self, *a):
        if a:
            self._active = bool(a[0])
        return self._active

    def config(self, *a, **kw):
        return None

    def irq(self, handler):
        self.irq_handler = handler

    def gatts_register_services(self, services):
        handle = 1
        result = []
        for uuid, chars in services:
            handle += 1
            handles = []
            for ch in chars:
                handle += 1
                value = handle
                handle += 1
                self.values[value] = b""
                self.names[value] = NAMES.get(ch[0].text, ch[0].text)
                handles.append(value)
                if ch[1] & FLAG_NOTIFY:
                    self.values[handle] = b"\x00\x00"
                    if self.names[value] == "stream":
                        self.stream_cccd = handle
                    handle += 1
            result.append(tuple(handles))
        return tuple(result)

    def gatts_set_buffer(self, handle, size, append=False):
        pass

    def gatts_read(self, handle):
        return self.values[handle]

    def gatts_write(self, handle, data, send_update=False):
        if isinstance(data, str):
            data = data.encode()
        data = bytes(data)
        self.values[handle] = data
        name = self.names.get(handle, str(handle))
        out("gatt %s %s" % (name, data.hex()))
        if send_update and self.conn is not None:
            out("notify %s %s" % (name, data.hex()))

    def gatts_notify(self, conn, handle, data=None):
        if conn is None or conn != self.conn:
            raise OSError(107)
        if self.credits <= 0:
            raise OSError(12)
        self.credits -= 1
        payload = bytes(self.values[handle] if data is None else data)
        out("notify %s %s" % (self.names.get(handle, str(handle)), payload.hex()))

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        out("adv %s %s" % (bytes(adv_data or b"").hex(), bytes(resp_data or b"").hex()))

    def gattc_exchange_mtu(self, conn):
        pass

    # --- lines from the host
    def handle_line(self, line):
        """Apply one host line; False when the host said quit."""
        parts = line.split()
        if not parts:
            return True
        cmd = parts[0]
        if cmd == "connect":
            self.conn = 1
            self.credits = 0
            self.irq_handler(_IRQ_CENTRAL_CONNECT, (1, 0, b"\x00" * 6))
            self.irq_handler(_IRQ_MTU_EXCHANGED, (1, int(parts[1])))
        elif cmd == "mtu" and self.conn is not None:
            self.irq_handler(_IRQ_MTU_EXCHANGED, (1, int(parts[1])))
        elif cmd == "subscribe" and self.conn is not None:
            self.values[self.stream_cccd] = b"\x01\x00" if parts[1] == "1" else b"\x00\x00"
            self.irq_handler(_IRQ_GATTS_WRITE, (1, self.stream_cccd))
        elif cmd == "write" and self.conn is not None:
            control = [h for h, n in self.names.items() if n == "control"][0]
            self.values[control] = bytes.fromhex(parts[1]) if len(parts) > 1 else b""
            self.irq_handler(_IRQ_GATTS_WRITE, (1, control))
        elif cmd == "disconnect" and self.conn is not None:
            self.conn = None
            self.credits = 0
            self.irq_handler(_IRQ_CENTRAL_DISCONNECT, (1, 0, b"\x00" * 6))
        elif cmd == "credit":
            self.credits += int(parts[1])
        elif cmd == "quit":
            return False
        return True
