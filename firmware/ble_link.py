# BLE peripheral for protocol v1 on the low-level `bluetooth` module.
#
# GATT: dorsi service (stream notify, control write, status read+notify),
# Device Information (manufacturer, model, firmware) and Battery (level).
# The `bluetooth` object is the seam: on the board it is bluetooth.BLE(), in
# tests a recording fake, on the host a line-protocol bridge (hostsim).
import struct
import bluetooth
from micropython import const

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_CONNECTION_UPDATE = const(27)

_FLAG_READ = const(0x0002)
_FLAG_WRITE = const(0x0008)
_FLAG_NOTIFY = const(0x0010)

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
    writes, oldest first), ``dropped_commands``, ``interval_us``.
    """

    def __init__(self, ble, name, manufacturer, model, firmware, clock,
                 adv_interval_us=100000, conn_interval_us=(7500, 15000), subscribe_grace_ms=1500):
        self.ble = ble
        self.name = name
        self.clock = clock
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
        ble.irq(self._irq)
        U = bluetooth.UUID
        dorsi = (U(SERVICE_UUID), (
            (U(STREAM_UUID), _FLAG_NOTIFY),
            (U(CONTROL_UUID), _FLAG_WRITE),
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
        self.advertise()

    def advertise(self):
        self.ble.gap_advertise(self.adv_interval_us, adv_data=self.adv, resp_data=self.resp)

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
            self.mtu = 23
            self.subscribed = False
            self._connected_ms = self.clock.ticks_ms()
            try:
                self.ble.gattc_exchange_mtu(self.conn)
            except (OSError, AttributeError):
                pass
        elif event == _IRQ_CENTRAL_DISCONNECT:
            if data[0] == self.conn:
                self.conn = None
                self.subscribed = False
                self.mtu = 23
            self.advertise()
        elif event == _IRQ_GATTS_WRITE:
            handle = data[1]
            if handle == self.h_control:
                value = self.ble.gatts_read(self.h_control)
                if len(self.commands) < _CMD_QUEUE:
                    self.commands.append(bytes(value))
                else:
                    self.dropped_commands += 1
            elif handle == self.h_stream_cccd:
                value = self.ble.gatts_read(self.h_stream_cccd)
                self.subscribed = len(value) > 0 and (value[0] & 0x01) != 0
        elif event == _IRQ_MTU_EXCHANGED:
            if data[0] == self.conn:
                self.mtu = data[1]
        elif event == _IRQ_CONNECTION_UPDATE:
            if data[0] == self.conn:
                self.interval_us = data[1] * 1250

    def streaming_ready(self):
        """A central is connected and wants the stream.

        Ports that do not surface CCCD writes are covered by a grace delay
        after connecting (and by START, see app); anything sent before the
        central listened is recovered by its BACKLOG request.
        """
        if self.conn is None:
            return False
        if self.subscribed:
            return True
        if self.clock.ticks_diff(self.clock.ticks_ms(), self._connected_ms) >= self.subscribe_grace_ms:
            self.subscribed = True
        return self.subscribed

    def notify(self, data):
        """Send one stream notification; False if the stack refused it (retry later)."""
        try:
            self.ble.gatts_notify(self.conn, self.h_stream, data)
            return True
        except OSError:
            return False

    def set_status(self, buf, notify):
        self.ble.gatts_write(self.h_status, buf, notify and self.conn is not None)

    def set_battery(self, percent, notify):
        self.ble.gatts_write(self.h_battery, bytes((percent,)), notify and self.conn is not None)
