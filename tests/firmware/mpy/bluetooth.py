# A recording stand-in for MicroPython's `bluetooth` module (tests only).
#
# It keeps what the firmware did (advertising payloads, registered services,
# local writes, notifications) and lets the test play the central: connect,
# exchange the MTU, subscribe (CCCD write), write control commands,
# disconnect. `capacity` notifications fit in the link per `drain()` (one
# connection event), beyond that gatts_notify raises OSError(ENOMEM) like
# NimBLE when its buffers are full.
#
# Security as NimBLE does it: each central has an identity address; pairing
# (`central_pair`) hands the keys to the firmware with _IRQ_SET_SECRET and
# reports the link with _IRQ_ENCRYPTION_UPDATE, "bonded" even when the
# firmware refused to store the keys (as NimBLE does); a central that already
# holds keys re-encrypts after _IRQ_GET_SECRET finds the sensor's copy (a
# wrong key: MIC failure, the link drops). A write to a characteristic
# registered with FLAG_WRITE_ENCRYPTED on an unencrypted link is refused by
# the "stack" with ATT 0x0F (the sensor knows the central) or 0x05, and the
# firmware never sees it (`enforce_permissions = False` models a port that
# ignores the flag).
FLAG_READ = 0x0002
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010
FLAG_WRITE_ENCRYPTED = 0x1000

ATT_INSUFFICIENT_AUTHENTICATION = 0x05
ATT_INSUFFICIENT_ENCRYPTION = 0x0F
OWNER = b"\x00\xc0\xff\xee\x00\x00\x01"  # ble_addr_t: type, 6 address bytes

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_MTU_EXCHANGED = 21
_IRQ_ENCRYPTION_UPDATE = 28
_IRQ_GET_SECRET = 29
_IRQ_SET_SECRET = 30
_SEC_OUR = 1
_SEC_PEER = 2


class UUID:
    def __init__(self, value):
        if isinstance(value, int):
            self.text = "%04x" % value
        else:
            self.text = str(value).lower()

    def __eq__(self, other):
        return isinstance(other, UUID) and other.text == self.text

    def __repr__(self):
        return "UUID(%s)" % self.text


class BLE:
    def __init__(self):
        self._active = False
        self.irq_handler = None
        self.values = {}  # handle -> bytes (local GATT values)
        self.buffer_size = {}
        self.uuid_of = {}  # handle -> uuid text
        self.notify_handles = set()
        self.services = []
        self.adv = []  # (interval_us, adv_data, resp_data)
        self.notifications = []  # (conn, handle, bytes)
        self.status_updates = []  # (handle, bytes) writes with send_update
        self.configured = {}
        self.conn = None
        self.mtu = 23
        self.capacity = 1000000
        self._in_flight = 0
        self.exchange_requests = 0
        self.activations = 0
        self.raise_next = 0  # raise RuntimeError from the next N radio calls
        self.flags_of = {}  # value handle -> registration flags
        self.links = {}  # conn -> {"addr": ble_addr_t bytes, "encrypted": bool}
        self.central_keys = {}  # what each central keeps after bonding: addr -> LTK
        self.enforce_permissions = True
        self.att_errors = []  # (conn, handle, ATT error) answered by the stack
        self.pairings = 0
        self.mic_failures = 0

    # --- configuration
    def active(self, *a):
        if a:
            self._active = bool(a[0])
            if self._active:
                self.activations += 1
            else:
                self.conn = None
                self.links = {}
        return self._active

    def config(self, *a, **kw):
        if a:
            return self.configured.get(a[0])
        self.configured.update(kw)

    def irq(self, handler):
        self.irq_handler = handler

    def _check(self):
        if not self._active:
            raise OSError(19)
        if self.raise_next > 0:
            self.raise_next -= 1
            raise RuntimeError("injected radio fault")

    # --- GATT server
    def gatts_register_services(self, services):
        self._check()
        self.services = services
        self.values = {}
        handle = 1
        result = []
        for uuid, chars in services:
            handle += 1  # service declaration
            handles = []
            for ch in chars:
                handle += 1  # characteristic declaration
                value = handle
                handle += 1
                self.values[value] = b""
                self.uuid_of[value] = ch[0].text
                self.flags_of[value] = ch[1]
                handles.append(value)
                if ch[1] & FLAG_NOTIFY:
                    self.values[handle] = b"\x00\x00"  # CCCD right after the value (NimBLE layout)
                    self.notify_handles.add(value)
                    handle += 1
            result.append(tuple(handles))
        return tuple(result)

    def gatts_set_buffer(self, handle, size, append=False):
        self.buffer_size[handle] = size

    def gatts_read(self, handle):
        return self.values[handle]

    def gatts_write(self, handle, data, send_update=False):
        self._check()
        if isinstance(data, str):  # any buffer is accepted, str included
            data = data.encode()
        self.values[handle] = bytes(data)
        if send_update:
            self.status_updates.append((handle, bytes(data)))

    def gatts_notify(self, conn, handle, data=None):
        self._check()
        if conn is None or conn not in self.links:
            raise OSError(107)  # ENOTCONN
        if self._in_flight >= self.capacity:
            raise OSError(12)  # ENOMEM: link buffers full
        payload = bytes(self.values[handle] if data is None else data)
        if len(payload) > self.mtu - 3:
            raise ValueError("notification of %d bytes exceeds MTU %d" % (len(payload), self.mtu))
        self._in_flight += 1
        self.notifications.append((conn, handle, payload))

    # --- GAP
    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        self._check()
        self.adv.append((interval_us, None if adv_data is None else bytes(adv_data),
                         None if resp_data is None else bytes(resp_data)))

    def gattc_exchange_mtu(self, conn):
        self.exchange_requests += 1

    def gap_disconnect(self, conn):
        if conn in self.links:
            self.central_disconnect(conn)
            return True
        return False

    # --- the test plays the central
    def _fire(self, event, data):
        return self.irq_handler(event, data)

    def central_connect(self, conn=1, mtu=247, addr=OWNER):
        self.conn = conn
        self.links[conn] = {"addr": bytes(addr), "encrypted": False}
        self.mtu = 23
        self._fire(_IRQ_CENTRAL_CONNECT, (conn, addr[0], addr[1:]))
        if mtu != 23:
            self.mtu = mtu
            self._fire(_IRQ_MTU_EXCHANGED, (conn, mtu))

    def central_pair(self, conn=None):
        """Secure the link as a desktop stack does: encrypt with a bond, else pair.

        Returns "encrypted", "paired", "failed" (the sensor lost the keys) or
        "dropped" (wrong key: MIC failure, disconnected).
        """
        conn = self.conn if conn is None else conn
        link = self.links[conn]
        addr = link["addr"]
        mine = self.central_keys.get(addr)
        stored = self._fire(_IRQ_GET_SECRET, (_SEC_OUR, 0, addr))
        if mine is not None:
            if stored is None:  # LTK negative reply: encryption fails, the link stays open
                self._fire(_IRQ_ENCRYPTION_UPDATE, (conn, 0, 0, 0, 0))
                return "failed"
            if bytes(stored) != mine:
                self.mic_failures += 1
                self.central_disconnect(conn)
                return "dropped"
            link["encrypted"] = True
            self._fire(_IRQ_ENCRYPTION_UPDATE, (conn, 1, 1, 1, 16))
            return "encrypted"
        if stored is not None:  # "repeat pairing": NimBLE deletes the old bond first
            self._fire(_IRQ_SET_SECRET, (_SEC_PEER, addr, None))
            self._fire(_IRQ_SET_SECRET, (_SEC_OUR, addr, None))
        self.pairings += 1
        ltk = bytes((self.pairings, conn)) + addr + b"\x5a" * 7  # 16 bytes, different per pairing
        bond = bool(self.configured.get("bond", False))
        if bond:
            self._fire(_IRQ_SET_SECRET, (_SEC_PEER, addr, b"peer" + ltk))
            self._fire(_IRQ_SET_SECRET, (_SEC_OUR, addr, ltk))
            self.central_keys[addr] = ltk
        link["encrypted"] = True
        # NimBLE reports "bonded" from the pairing, whether or not the keys were stored
        self._fire(_IRQ_ENCRYPTION_UPDATE, (conn, 1, 1, 1 if bond else 0, 16))
        return "paired"

    def central_subscribe(self, value_handle, on=True, conn=None):
        cccd = value_handle + 1
        self.values[cccd] = b"\x01\x00" if on else b"\x00\x00"
        self._fire(_IRQ_GATTS_WRITE, (self.conn if conn is None else conn, cccd))

    def central_write(self, handle, data, conn=None):
        """A write request; returns 0 or the ATT error the stack answered."""
        conn = self.conn if conn is None else conn
        link = self.links.get(conn)
        if self.enforce_permissions and self.flags_of.get(handle, 0) & FLAG_WRITE_ENCRYPTED and \
                not (link and link["encrypted"]):
            known = link is not None and self._fire(_IRQ_GET_SECRET, (_SEC_PEER, 0, link["addr"])) is not None
            err = ATT_INSUFFICIENT_ENCRYPTION if known else ATT_INSUFFICIENT_AUTHENTICATION
            self.att_errors.append((conn, handle, err))
            return err
        size = self.buffer_size.get(handle, 20)
        self.values[handle] = bytes(data[:size])
        self._fire(_IRQ_GATTS_WRITE, (conn, handle))
        return 0

    def central_disconnect(self, conn=None):
        conn = self.conn if conn is None else conn
        link = self.links.pop(conn, None)
        if conn == self.conn:
            self.conn = None
        self._in_flight = 0
        addr = link["addr"] if link else b"\x00" * 7
        self._fire(_IRQ_CENTRAL_DISCONNECT, (conn, addr[0], addr[1:]))

    def drain(self):
        """One connection event passes: the link buffers empty."""
        self._in_flight = 0

    def handle_of(self, uuid_text):
        for h, u in self.uuid_of.items():
            if u == uuid_text.lower():
                return h
        raise KeyError(uuid_text)
