# BLE peripheral for protocol v1 on the low-level `bluetooth` module.
#
# GATT: dorsi service (stream notify, control write, status read+notify),
# Device Information (manufacturer, model, firmware) and Battery (level).
# The `bluetooth` object is the seam: on the board it is bluetooth.BLE(), in
# tests a recording fake, on the host a line-protocol bridge (hostsim).
#
# Security (docs/security.md, "Firmware"): LE Secure Connections, bonding,
# Just Works (no display, no keyboard); the control characteristic is
# write-encrypted, so the stack refuses unencrypted writes with an ATT error,
# and a write is obeyed only on a link that is encrypted AND bonded (from
# _IRQ_ENCRYPTION_UPDATE; "authenticated" is not used: Just Works sets it).
# Bond keys go through _IRQ_GET_SECRET / _IRQ_SET_SECRET to a BondStore.
import struct
import bluetooth
from micropython import const

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_CONNECTION_UPDATE = const(27)
_IRQ_ENCRYPTION_UPDATE = const(28)
_IRQ_GET_SECRET = const(29)
_IRQ_SET_SECRET = const(30)

_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)
_FLAG_WRITE_ENCRYPTED = const(0x1000)

_IO_CAPABILITY_NO_INPUT_OUTPUT = const(3)
_ADDR_MODE_RPA = const(2)
_SEC_OUR = const(1)
_SEC_PEER = const(2)
_MIN_KEY_SIZE = const(16)  # a full-strength key (a legacy central may negotiate down to 7 bytes)

SERVICE_UUID = "d0510000-5eb5-4f3a-9c1d-2b7a6f0e4d01"
STREAM_UUID = "d0510001-5eb5-4f3a-9c1d-2b7a6f0e4d01"
CONTROL_UUID = "d0510002-5eb5-4f3a-9c1d-2b7a6f0e4d01"
STATUS_UUID = "d0510003-5eb5-4f3a-9c1d-2b7a6f0e4d01"

_ADV_FLAGS = const(0x01)
_ADV_NAME_SHORT = const(0x08)
_ADV_NAME = const(0x09)
_ADV_UUID128_ALL = const(0x07)
_ADV_CONN_INTERVAL = const(0x12)
_ADV_MAX = const(31)

_CMD_QUEUE = const(16)
_CONTROL_BUF = const(32)


def uuid128_le(text):
    h = text.replace("-", "")
    return bytes(int(h[i:i + 2], 16) for i in range(30, -1, -2))


def adv_payload(name, service_uuid):
    """Advertising data: flags, the 128-bit service UUID, then as much of the name as fits."""
    p = bytearray(b"\x02\x01\x06")
    u = uuid128_le(service_uuid)
    p += bytes((len(u) + 1, _ADV_UUID128_ALL)) + u
    nb = name.encode()
    room = _ADV_MAX - len(p) - 2
    kind = _ADV_NAME
    if len(nb) > room:
        nb = nb[:room]
        kind = _ADV_NAME_SHORT
    p += bytes((len(nb) + 1, kind)) + nb
    return bytes(p)


def scan_response(name, min_interval_us, max_interval_us):
    """Scan response: full name and the preferred connection interval range."""
    p = bytearray()
    p += bytes((5, _ADV_CONN_INTERVAL)) + struct.pack("<HH", min_interval_us // 1250, max_interval_us // 1250)
    nb = name.encode()[: _ADV_MAX - len(p) - 2]
    p += bytes((len(nb) + 1, _ADV_NAME)) + nb
    return bytes(p)


class Link:
    """One central at a time; re-advertises whenever it is free.

    Attributes read by the app: ``conn`` (handle or None), ``mtu``,
    ``subscribed`` (stream notifications wanted), ``commands`` (queued control
    writes as ``(bytes, trusted)``, oldest first), ``dropped_commands``,
    ``interval_us``.

    Security: ``bonds`` (a BondStore or None: memory-only keys),
    ``secure_control`` (control writes need an encrypted, bonded link),
    ``secure_stream`` (so do the subscription and every notification),
    ``addr_mode`` (2: resolvable private address where the port has it).
    ``links``: conn handle -> (encrypted, bonded, key_size) from the stack;
    ``privacy``: the stack took the address mode; ``denied_subscriptions``,
    ``pairings_refused``: counters.
    """

    def __init__(self, ble, name, manufacturer, model, firmware, clock,
                 adv_interval_us=100000, conn_interval_us=(7500, 15000), subscribe_grace_ms=1500,
                 bonds=None, secure_control=True, secure_stream=False, addr_mode=_ADDR_MODE_RPA):
        self.ble = ble
        self.name = name
        self.clock = clock
        self.bonds = bonds
        self.secure_control = secure_control
        self.secure_stream = secure_stream
        self.addr_mode = addr_mode
        self.links = {}
        self.status_wanted = False  # set on connect: the main loop rewrites the status value
        self._distrusted = []  # conns on which the store refused a new bond's keys
        self.privacy = False
        self.denied_subscriptions = 0
        self.pairings_refused = 0
        self.adv_interval_us = adv_interval_us
        self.subscribe_grace_ms = subscribe_grace_ms
        self.adv = adv_payload(name, SERVICE_UUID)
        self.resp = scan_response(name, conn_interval_us[0], conn_interval_us[1])
        self._info = (manufacturer, model, firmware)
        self.commands = []
        self.dropped_commands = 0
        self.resets = 0
        self._start()

    def _start(self):
        ble = self.ble
        ble.active(True)
        try:
            ble.config(gap_name=self.name, mtu=247)
        except (ValueError, OSError):
            pass
        self._configure_security()
        ble.irq(self._irq)
        U = bluetooth.UUID
        dorsi = (U(SERVICE_UUID), (
            (U(STREAM_UUID), _FLAG_NOTIFY),
            (U(CONTROL_UUID), _FLAG_WRITE | (_FLAG_WRITE_ENCRYPTED if self.secure_control else 0)),
            (U(STATUS_UUID), _FLAG_READ | _FLAG_NOTIFY),
        ))
        dis = (U(0x180A), (
            (U(0x2A29), _FLAG_READ),
            (U(0x2A24), _FLAG_READ),
            (U(0x2A26), _FLAG_READ),
        ))
        bas = (U(0x180F), ((U(0x2A19), _FLAG_READ | _FLAG_NOTIFY),))
        ((self.h_stream, self.h_control, self.h_status), (h_man, h_model, h_fw), (self.h_battery,)) = \
            ble.gatts_register_services((dorsi, dis, bas))
        # NimBLE places a notify characteristic's CCCD right after its value
        self.h_stream_cccd = self.h_stream + 1
        ble.gatts_set_buffer(self.h_control, _CONTROL_BUF)
        ble.gatts_write(h_man, self._info[0])
        ble.gatts_write(h_model, self._info[1])
        ble.gatts_write(h_fw, self._info[2])
        self.conn = None
        self.mtu = 23
        self.subscribed = False
        self.interval_us = 0
        self._connected_ms = 0
        self.links = {}
        self._distrusted = []
        self.advertise()

    def _configure_security(self):
        """Pairing parameters and the address mode, each where the port supports it.

        LE Secure Connections + bonding, Just Works (the sensor has neither a
        display nor a keyboard, so no MITM protection: see docs/security.md).
        A port without pairing support raises ValueError on these keys: the
        checks in ``trusted`` then refuse every protected operation.
        """
        for key, value in (("bond", True), ("le_secure", True), ("mitm", False),
                           ("io", _IO_CAPABILITY_NO_INPUT_OUTPUT)):
            try:
                self.ble.config(**{key: value})
            except (ValueError, OSError, TypeError):
                pass
        self.privacy = False
        if self.addr_mode is not None:
            try:
                self.ble.config(addr_mode=self.addr_mode)
                self.privacy = self.addr_mode == _ADDR_MODE_RPA
            except (ValueError, OSError, TypeError):
                pass

    def trusted(self, conn):
        """The link is encrypted and the central bonded (never just "authenticated")."""
        state = self.links.get(conn)
        return state is not None and state[0] and state[1] and state[2] >= _MIN_KEY_SIZE \
            and conn not in self._distrusted

    def control_allowed(self, conn):
        return not self.secure_control or self.trusted(conn)

    def stream_allowed(self, conn):
        return not self.secure_stream or self.trusted(conn)

    def advertise(self):
        self.ble.gap_advertise(self.adv_interval_us, adv_data=self.adv, resp_data=self.resp)

    def shutdown(self):
        """Radio off before the board sleeps: the central sees the link drop."""
        try:
            self.ble.active(False)
        except Exception:  # noqa: BLE001 - asleep either way
            pass
        self.conn = None
        self.commands = []

    def reset(self):
        """Restart the radio from scratch (after repeated radio errors)."""
        self.resets += 1
        try:
            self.ble.active(False)
        except Exception:
            pass
        self.commands = []
        self._start()

    def _irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            self.conn = data[0]
            self.links[data[0]] = (False, False, 0)
            self.mtu = 23
            self.subscribed = False
            self._connected_ms = self.clock.ticks_ms()
            self.status_wanted = True  # the central reads the status first: refresh it now
            try:
                self.ble.gattc_exchange_mtu(self.conn)
            except (OSError, AttributeError):
                pass
        elif event == _IRQ_CENTRAL_DISCONNECT:
            self.links.pop(data[0], None)
            if data[0] in self._distrusted:
                self._distrusted.remove(data[0])
            if data[0] == self.conn:
                self.conn = None
                self.subscribed = False
                self.mtu = 23
            self.advertise()
        elif event == _IRQ_GATTS_WRITE:
            conn, handle = data[0], data[1]
            if handle == self.h_control:
                value = self.ble.gatts_read(self.h_control)
                if len(self.commands) < _CMD_QUEUE:
                    # judged now, on the writer's own link: a replay from another
                    # central is refused even if the owner is connected too
                    self.commands.append((bytes(value), self.control_allowed(conn)))
                else:
                    self.dropped_commands += 1
            elif handle == self.h_stream_cccd:
                value = self.ble.gatts_read(self.h_stream_cccd)
                on = len(value) > 0 and (value[0] & 0x01) != 0
                if on and not self.stream_allowed(conn):
                    self.denied_subscriptions += 1
                    on = False
                if conn == self.conn:
                    self.subscribed = on
        elif event == _IRQ_MTU_EXCHANGED:
            if data[0] == self.conn:
                self.mtu = data[1]
        elif event == _IRQ_CONNECTION_UPDATE:
            if data[0] == self.conn:
                self.interval_us = data[1] * 1250
        elif event == _IRQ_ENCRYPTION_UPDATE:
            conn, encrypted, _authenticated, bonded, key_size = data
            if conn in self.links:
                self.links[conn] = (bool(encrypted), bool(bonded), key_size)
        elif event == _IRQ_GET_SECRET:
            if self.bonds is None:
                return None
            return self.bonds.get(data[0], data[1], data[2])
        elif event == _IRQ_SET_SECRET:
            if self.bonds is None:
                return False
            sec_type, key, value = data
            ok = self.bonds.set(sec_type, key, value)
            if not ok and value is not None and (sec_type == _SEC_OUR or sec_type == _SEC_PEER):
                # NimBLE finishes the pairing and reports the link "bonded"
                # even when its keys could not be stored: links pairing now
                # (not yet trusted) stay untrusted until they disconnect
                for conn in self.links:
                    if not self.trusted(conn) and conn not in self._distrusted:
                        self._distrusted.append(conn)
                        self.pairings_refused += 1
            return ok

    def streaming_ready(self):
        """A central is connected and wants the stream.

        Ports that do not surface CCCD writes are covered by a grace delay
        after connecting (and by START, see app); anything sent before the
        central listened is recovered by its BACKLOG request.
        """
        if self.conn is None:
            return False
        if self.secure_stream and not self.trusted(self.conn):
            return False
        if self.subscribed:
            return True
        if self.clock.ticks_diff(self.clock.ticks_ms(), self._connected_ms) >= self.subscribe_grace_ms:
            self.subscribed = True
        return self.subscribed

    def notify(self, data):
        """Send one stream notification; False if the stack refused it (retry later)."""
        if self.secure_stream and not self.trusted(self.conn):
            return False
        try:
            self.ble.gatts_notify(self.conn, self.h_stream, data)
            return True
        except OSError:
            return False

    def set_status(self, buf, notify):
        self.ble.gatts_write(self.h_status, buf, notify and self.conn is not None)

    def set_battery(self, percent, notify):
        self.ble.gatts_write(self.h_battery, bytes((percent,)), notify and self.conn is not None)
