# A recording stand-in for MicroPython's `bluetooth` module (tests only).
#
# It keeps what the firmware did (advertising payloads, registered services,
# local writes, notifications) and lets the test play the central: connect,
# exchange the MTU, subscribe (CCCD write), write control commands,
# disconnect. `capacity` notifications fit in the link per `drain()` (one
# connection event), beyond that gatts_notify raises OSError(ENOMEM) like
# NimBLE when its buffers are full.
FLAG_READ = 0x0002
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010

_IRQ_CENTRAL_CONNECT = 1
_IRQ_CENTRAL_DISCONNECT = 2
_IRQ_GATTS_WRITE = 3
_IRQ_MTU_EXCHANGED = 21


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

    # --- configuration
    def active(self, *a):
        if a:
            self._active = bool(a[0])
            if self._active:
                self.activations += 1
            else:
                self.conn = None
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
        if conn != self.conn or conn is None:
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
        if conn == self.conn:
            self.central_disconnect()
            return True
        return False

    # --- the test plays the central
    def _fire(self, event, data):
        return self.irq_handler(event, data)

    def central_connect(self, conn=1, mtu=247):
        self.conn = conn
        self.mtu = 23
        self._fire(_IRQ_CENTRAL_CONNECT, (conn, 0, b"\x01\x02\x03\x04\x05\x06"))
        if mtu != 23:
            self.mtu = mtu
            self._fire(_IRQ_MTU_EXCHANGED, (conn, mtu))

    def central_subscribe(self, value_handle, on=True):
        cccd = value_handle + 1
        self.values[cccd] = b"\x01\x00" if on else b"\x00\x00"
        self._fire(_IRQ_GATTS_WRITE, (self.conn, cccd))

    def central_write(self, handle, data):
        size = self.buffer_size.get(handle, 20)
        self.values[handle] = bytes(data[:size])
        self._fire(_IRQ_GATTS_WRITE, (self.conn, handle))

    def central_disconnect(self):
        conn = self.conn
        self.conn = None
        self._in_flight = 0
        self._fire(_IRQ_CENTRAL_DISCONNECT, (conn, 0, b"\x01\x02\x03\x04\x05\x06"))

    def drain(self):
        """One connection event passes: the link buffers empty."""
        self._in_flight = 0

    def handle_of(self, uuid_text):
        for h, u in self.uuid_of.items():
            if u == uuid_text.lower():
                return h
        raise KeyError(uuid_text)
