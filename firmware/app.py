# The device: sampling, fusion, store-and-forward, BLE and control commands.
#
# Everything that touches hardware comes in through the constructor (the
# seams): an I2C object, the `bluetooth` BLE object, a clock (the `time`
# module on the board), a watchdog, a battery reader and an LED. main.py wires
# the real ones; tests and the host simulator wire simulated ones.
from array import array
from micropython import const

import protocol as P
from ble_link import Link
from bonds import BondStore
from fusion import Mahony, fuse
from imu import Bus, detect
from power import SleepPolicy
from ring import Ring, gather

FW_MAJOR = const(1)
FW_MINOR = const(0)

_MAX_BATCH = const(16)  # samples read+fused per call
_PACKETS_PER_STEP = const(6)  # notifications per loop pass (radio fairness)
_RADIO_RESET_AFTER = const(5)  # consecutive radio failures before a radio reset
_IMU_RETRY_MS = const(1000)
_STATUS_EVERY_MS = const(1000)
_BATTERY_EVERY_MS = const(30000)
_LOG_EVERY_MS = const(2000)
_BOND_FLUSH_MS = const(1000)  # bond file written at most once a second, outside sampling
_BUTTON_POLL_MS = const(50)


class _Defaults:
    NAME = "dorsi-S1"
    ROLE = "shin"
    IMU = "auto"
    IMU_ADDR = None
    RATE_HZ = 100
    ACC_FS_G = 4
    GYR_FS_DPS = 500
    AXES = "+x+y+z"
    RING_SECONDS = 32
    KP = 0.5
    KI = 0.05
    KP_FAST = 8.0
    ACC_GATE = 0.15
    MANUFACTURER = "dorsi"
    MODEL = "dorsi-1"
    SUBSCRIBE_GRACE_MS = 1500
    CONN_INTERVAL_US = (7500, 15000)
    ADV_INTERVAL_US = 100000
    MAX_LATENCY_MS = 120  # a partial packet waits at most this long for more samples
    SECURE_CONTROL = True  # control writes only from an encrypted, bonded central
    SECURE_STREAM = False  # the stream too (subscription and notifications)
    PAIRING_WINDOW_S = 120  # new bonds accepted this long after power-on / a long press
    PAIRING_AT_BOOT = True  # False: the window opens only on a long button press
    MAX_BONDS = 4
    ADDR_MODE = 2  # resolvable private address (None: leave the port's default)
    LONG_PRESS_MS = 2000  # button held this long: pairing window opens again
    FACTORY_RESET_MS = 5000  # button held this long at power-on: bonds cleared
    SLEEP_AFTER_S = 300  # deep sleep after this long unconnected and still (0: never)


def _cfg(cfg, name):
    return getattr(cfg, name, getattr(_Defaults, name))


class Device:
    def __init__(self, cfg, i2c, ble, clock, wdt=None, battery=None, led=None, log=print,
                 bonds=None, button=None, sleeper=None):
        self.cfg = cfg
        self.clock = clock
        self.wdt = wdt
        self.battery = battery
        self.led = led
        self.log = log
        self.button = button  # callable: True while the button is held (or None)
        # callable: the board's deep sleep (None: the device never sleeps). On a board it does
        # not return (the wake is a reset); it returns False when no wake source could be armed
        self.sleeper = sleeper
        self.asleep = False
        self.power = SleepPolicy(clock, int(_cfg(cfg, "SLEEP_AFTER_S") * 1000))
        if bonds is None:  # keys in memory only (lost at reset)
            bonds = BondStore(None, clock, _cfg(cfg, "MAX_BONDS"), _cfg(cfg, "PAIRING_WINDOW_S") * 1000, log)
        self.bonds = bonds
        if not _cfg(cfg, "PAIRING_AT_BOOT"):
            bonds.close_window()
        self.factory_reset = False
        self._check_factory_reset()
        self._pressed_since = None
        self._long_press_done = False
        self._last_button = 0
        self._bonds_changed = None  # when the bond table changed (flush a little later)
        self._pairings_refused = 0
        role = _cfg(cfg, "ROLE")
        self.role = (1 if role in ("foot", 1) else 0)
        self.rate_hz = _cfg(cfg, "RATE_HZ")
        if not P.RATE_MIN_HZ <= self.rate_hz <= P.RATE_MAX_HZ:
            raise ValueError("RATE_HZ out of range")
        self.acc_fs = _cfg(cfg, "ACC_FS_G")
        self.gyr_fs = _cfg(cfg, "GYR_FS_DPS")
        self.bus = Bus(i2c)
        self.raw = array("h", [0] * (6 * _MAX_BATCH))
        # at least RING_SECONDS at the highest rate the ring must hold at 100 Hz, +5 %
        self.ring = Ring(int(_cfg(cfg, "RING_SECONDS") * 105))
        self.imu = None
        self.imu_ok = False
        self.streaming = True  # notifications on (START/STOP); sampling never stops
        self.max_latency_us = _cfg(cfg, "MAX_LATENCY_MS") * 1000
        self.fusion = Mahony(self.acc_fs, self.gyr_fs, 10000, _cfg(cfg, "AXES"),
                             kp=_cfg(cfg, "KP"), ki=_cfg(cfg, "KI"), kp_fast=_cfg(cfg, "KP_FAST"),
                             acc_gate=_cfg(cfg, "ACC_GATE"))
        self.fusion.set_ring(self.ring.capacity)
        self.enc = P.StreamEncoder(self.role, 0, 0, 10000, P.MAX_SAMPLES)
        self.frag = P.Fragmenter()
        self._frag_pkt = None  # packet being sent in fragments
        self._frag_next = 0
        self._frag_total = 0
        self._frag_seq_end = 0
        self.status_buf = bytearray(P.STATUS_SIZE)
        self.last_cmd = 0xFF
        self.last_result = P.RES_NONE
        self.cmd_counter = 0
        self.battery_pct = 0xFF
        self.identify_until = 0
        self.errors = 0
        self.radio_failures = 0
        self.imu_failures = 0
        self._last_status = 0
        self._last_battery = -_BATTERY_EVERY_MS
        self._empty_reads = 0  # battery readings of 0 % in a row
        self._last_imu_try = 0
        self._last_log = -_LOG_EVERY_MS
        self._status_dirty = True
        self.link = Link(ble, _cfg(cfg, "NAME"), _cfg(cfg, "MANUFACTURER"), _cfg(cfg, "MODEL"),
                         "%d.%d" % (FW_MAJOR, FW_MINOR), clock,
                         adv_interval_us=_cfg(cfg, "ADV_INTERVAL_US"),
                         conn_interval_us=_cfg(cfg, "CONN_INTERVAL_US"),
                         subscribe_grace_ms=_cfg(cfg, "SUBSCRIBE_GRACE_MS"),
                         bonds=bonds, secure_control=_cfg(cfg, "SECURE_CONTROL"),
                         secure_stream=_cfg(cfg, "SECURE_STREAM"), addr_mode=_cfg(cfg, "ADDR_MODE"))
        self._start_imu()

    # ------------------------------------------------------------------ IMU
    def _start_imu(self):
        self._last_imu_try = self.clock.ticks_ms()
        try:
            if self.imu is None:
                self.imu = detect(self.bus, _cfg(self.cfg, "IMU"), _cfg(self.cfg, "IMU_ADDR"))
                self.log("imu: %s at 0x%02x" % (self.imu.name, self.imu.addr))
            self._configure_imu(keep_attitude=False)
            self.imu_ok = True
            self.imu_failures = 0
        except Exception as e:  # noqa: BLE001 - any driver failure: retry later
            self.imu_ok = False
            self._report("imu init", e)
        self._status_dirty = True

    def _configure_imu(self, keep_attitude=True):
        period = self.imu.configure(self.rate_hz, self.acc_fs, self.gyr_fs)
        f = self.fusion
        f.configure(self.acc_fs, self.gyr_fs, period)
        if not (keep_attitude and f.aligned):
            f.reset(keep_bias=True)
        f.set_time(self.clock.ticks_us())  # time of the first sample's measurement
        self.enc = P.StreamEncoder(self.role, self.imu.acc_code, self.imu.gyr_code, period, P.MAX_SAMPLES)
        self.period_us = period

    def sample(self):
        """Read everything the IMU has, fuse it into the ring. The hot path:
        no allocation once the attitude is aligned."""
        if not self.imu_ok:
            return 0
        raw = self.raw
        ring = self.ring
        total = 0
        while True:
            n = self.imu.read(raw, _MAX_BATCH)
            if n == 0:
                return total
            if not self.fusion.aligned:
                self.fusion.align(raw, 0)
            fuse(self.fusion.S, raw, n, ring.buf)
            ring.commit(n)
            if ring.overflow_pending and not self._status_dirty:
                self._status_dirty = True  # say so in the status as soon as the ring drops
            total += n
            self.imu_failures = 0
            if n < _MAX_BATCH:
                return total

    # ------------------------------------------------------------- streaming
    def send(self):
        """Notify as many packets as the link takes (backlog first, oldest first)."""
        link = self.link
        if not (self.streaming and link.streaming_ready()):
            self._frag_pkt = None
            return 0
        ring = self.ring
        mtu = link.mtu
        spp = P.samples_per_packet(mtu)
        fragmenting = mtu - P.ATT_OVERHEAD < P.HEADER_SIZE + P.SAMPLE_SIZE
        sent = 0
        while sent < _PACKETS_PER_STEP:
            if self._frag_pkt is not None:
                if not self._send_fragments(mtu):
                    return sent
                sent += 1
                continue
            avail = ring.held
            if avail <= 0:
                return sent
            if avail < spp:
                # a partial packet only once its oldest sample has waited long enough
                age = self.clock.ticks_diff(self.clock.ticks_us() & 0x3FFFFFFF, ring.time_of(ring.sent))
                if age < self.max_latency_us:
                    return sent
            n = avail if avail < spp else spp
            pkt = self._build(ring.sent, n, avail > spp)
            if fragmenting:
                self._frag_pkt = pkt
                self._frag_next = 0
                self._frag_total = self.frag.count(len(pkt), mtu)
                self._frag_seq_end = ring.sent + self.enc.count
                continue
            if not link.notify(pkt):
                return sent
            ring.sent += self.enc.count
            ring.overflow_pending = False
            sent += 1
        return sent

    def _send_fragments(self, mtu):
        link = self.link
        while self._frag_next < self._frag_total:
            view = self.frag.fragment(self._frag_pkt, self._frag_next, mtu)
            if not link.notify(view):
                return False
            self._frag_next += 1
        self.frag.next_packet()
        self.ring.sent = self._frag_seq_end
        self.ring.overflow_pending = False
        self._frag_pkt = None
        return True

    def _build(self, seq, n, backlog):
        """Packet of up to ``n`` samples from ``seq``, cut where time is not regular."""
        ring = self.ring
        enc = self.enc
        cap = ring.capacity
        t0 = ring.time_of(seq)
        period = self.period_us
        if n > 1:
            period = (ring.time_of(seq + 1) - t0) & 0x3FFFFFFF
            if period <= 0 or period > 0xFFFF:
                period = self.period_us
                n = 1
            else:
                k = 2
                while k < n:
                    if (ring.time_of(seq + k) - ring.time_of(seq + k - 1)) & 0x3FFFFFFF != period:
                        break
                    k += 1
                n = k
        flags = 0
        if backlog:
            flags |= P.FLAG_BACKLOG
        if ring.overflow_pending:
            flags |= P.FLAG_OVERFLOW
        enc.period_us = period
        enc.begin(seq, t0, flags)
        gather(enc.buf, ring.buf, seq % cap, n | (cap << 8))
        enc.count = n
        return enc.packet()

    # -------------------------------------------------------------- control
    def handle_commands(self):
        link = self.link
        while link.commands:
            data, trusted = link.commands.pop(0)
            op, arg, res = P.parse_command(data)
            if not trusted:
                # not from an encrypted, bonded link: answered, never executed
                op = data[0] if len(data) else 0xFF
                res = P.RES_NOT_AUTHORIZED
            elif res == P.RES_OK:
                try:
                    res = self._execute(op, arg)
                except Exception as e:  # noqa: BLE001 - a command never stops the loop
                    self._report("command", e)
                    res = P.RES_INVALID_STATE
            self.last_cmd = op & 0xFF
            self.last_result = res
            self.cmd_counter = (self.cmd_counter + 1) & 0xFF
            self._status_dirty = True
        if link.dropped_commands:
            # writes beyond the queue were not processed: counted, reported as busy
            self.cmd_counter = (self.cmd_counter + link.dropped_commands) & 0xFF
            link.dropped_commands = 0
            self.last_result = P.RES_INVALID_STATE
            self._status_dirty = True

    def _execute(self, op, arg):
        if op == P.CMD_START:
            self.streaming = True
            self.link.subscribed = True
            return P.RES_OK
        if op == P.CMD_STOP:  # notifications stop; sampling and the ring go on
            self.streaming = False
            self._frag_pkt = None
            return P.RES_OK
        if op == P.CMD_SET_RATE:
            if not self.imu_ok:
                return P.RES_INVALID_STATE
            self.rate_hz = arg
            self._configure_imu()
            return P.RES_OK
        if op == P.CMD_TARE:
            if not self.fusion.aligned:
                return P.RES_INVALID_STATE
            self.fusion.tare()
            return P.RES_OK
        if op == P.CMD_IDENTIFY:
            self.identify_until = self.clock.ticks_add(self.clock.ticks_ms(), arg * 1000)
            return P.RES_OK
        if op == P.CMD_BACKLOG:
            if arg != P.BACKLOG_ALL and arg > self.ring.head:
                return P.RES_OUT_OF_RANGE
            # not a subscription: a central asks for the backlog before it subscribes
            self.ring.rewind(self.ring.tail if arg == P.BACKLOG_ALL else arg)
            self._frag_pkt = None
            return P.RES_OK
        if op == P.CMD_SLEEP:
            if self.sleeper is None:
                return P.RES_INVALID_STATE
            self.power.request(self.clock.ticks_ms())  # after the answer has gone out
            return P.RES_OK
        return P.RES_UNKNOWN_COMMAND

    # --------------------------------------------------------------- status
    def state_bits(self):
        s = 0
        if self.streaming:
            s |= P.STATE_STREAMING
        if self.imu_ok:
            s |= P.STATE_IMU_OK
        if self.link.conn is not None and self.link.subscribed:
            s |= P.STATE_SUBSCRIBED
        if self.fusion.still:
            s |= P.STATE_STILL
        if self._identifying():
            s |= P.STATE_IDENTIFY
        if self.ring.dropped:
            s |= P.STATE_OVERFLOW
        return s

    def _identifying(self):
        return self.clock.ticks_diff(self.identify_until, self.clock.ticks_ms()) > 0

    def status(self):
        imu = self.imu
        P.pack_status(self.status_buf, self.role, self.state_bits(),
                      imu.acc_code if imu else 0, imu.gyr_code if imu else 0, self.rate_hz,
                      self.last_cmd, self.last_result, self.cmd_counter, self.battery_pct,
                      FW_MAJOR, FW_MINOR, self.ring.held, self.ring.dropped, self.bus.errors,
                      self.ring.head)
        return self.status_buf

    # ------------------------------------------------------------- security
    def _check_factory_reset(self):
        """Button held at power-on for FACTORY_RESET_MS: forget every bond."""
        if self.button is None or not self.button():
            return
        start = self.clock.ticks_ms()
        hold = _cfg(self.cfg, "FACTORY_RESET_MS")
        while self.button():
            if self.clock.ticks_diff(self.clock.ticks_ms(), start) >= hold:
                self.bonds.clear()
                self.factory_reset = True
                self.log("factory reset: bonds cleared")
                return
            if self.wdt is not None:
                self.wdt.feed()
            self.clock.sleep_ms(_BUTTON_POLL_MS)

    def open_pairing_window(self, seconds=None):
        """New centrals may bond for ``seconds`` (default PAIRING_WINDOW_S); the LED blinks meanwhile."""
        s = _cfg(self.cfg, "PAIRING_WINDOW_S") if seconds is None else seconds
        self.bonds.open_window(s * 1000)
        self.identify_until = self.clock.ticks_add(self.clock.ticks_ms(), min(s, 30) * 1000)
        self._status_dirty = True
        self.log("pairing window open for %d s (%d bonds held)" % (s, self.bonds.count()))

    def _poll_button(self, now):
        if self.button is None or self.clock.ticks_diff(now, self._last_button) < _BUTTON_POLL_MS:
            return
        self._last_button = now
        if not self.button():
            self._pressed_since = None
            self._long_press_done = False
            return
        if self._pressed_since is None:
            self._pressed_since = now
        elif not self._long_press_done and \
                self.clock.ticks_diff(now, self._pressed_since) >= _cfg(self.cfg, "LONG_PRESS_MS"):
            self._long_press_done = True
            self.open_pairing_window()

    def _bond_housekeeping(self, now):
        """Persist bond changes (deferred from the IRQ) and log refused pairings."""
        link = self.link
        if link.pairings_refused != self._pairings_refused:
            self._pairings_refused = link.pairings_refused
            self.log("pairing refused: %s" % ("bond table full" if self.bonds.count() >= self.bonds.max_bonds
                                              else "pairing window closed"))
        if not self.bonds.dirty:
            self._bonds_changed = None
            return
        if self._bonds_changed is None:
            self._bonds_changed = now
        elif self.clock.ticks_diff(now, self._bonds_changed) >= _BOND_FLUSH_MS:
            self._bonds_changed = None
            self.bonds.flush()

    def _housekeeping(self, now):
        self._poll_button(now)
        try:
            self._bond_housekeeping(now)
        except Exception as e:  # noqa: BLE001 - a flash error must not stop the device
            self._report("bonds", e)
        if self.battery is not None and self.clock.ticks_diff(now, self._last_battery) >= _BATTERY_EVERY_MS:
            self._last_battery = now
            try:
                pct = self.battery()
            except Exception as e:  # noqa: BLE001 - an ADC hiccup is not a radio fault
                self._report("battery", e)
                pct = self.battery_pct
            self._empty_reads = self._empty_reads + 1 if pct == 0 else 0
            if self._empty_reads >= 2:  # two readings 30 s apart: not a sag under a load peak
                self.power.request(now, "battery empty")
            if pct != self.battery_pct:
                self.battery_pct = pct
                self.link.set_battery(pct, True)
                self._status_dirty = True
        if self.led is not None:
            on = self._identifying() and (now // 250) % 2 == 0
            self.led(on)
        if self.link.status_wanted:
            self.link.status_wanted = False
            self._status_dirty = True
        if self._status_dirty or self.clock.ticks_diff(now, self._last_status) >= _STATUS_EVERY_MS:
            self.link.set_status(self.status(), self._status_dirty)
            self._status_dirty = False
            self._last_status = now

    # ---------------------------------------------------------------- power
    def _power(self, now):
        """Sleep when the idle timer runs out or a central asked (power.py)."""
        policy = self.power
        if self.link.conn is not None or (self.imu_ok and not self.fusion.still) or self.bonds.window_open():
            policy.busy(now)
        if self.sleeper is None or not policy.due(now):
            return
        self.log("sleep: %s" % policy.reason)
        try:
            if self.bonds.dirty:
                self.bonds.flush()
            if self.imu is not None:
                self.imu.stop()  # the IMU draws more than the sleeping MCU
            if self.led is not None:
                self.led(False)
        except Exception as e:  # noqa: BLE001 - sleep anyway
            self._report("sleep", e)
        self.link.shutdown()
        self.asleep = True
        try:
            slept = self.sleeper() is not False
        except Exception as e:  # noqa: BLE001
            self._report("sleep", e)
            slept = False
        if slept:
            return  # a simulated board: asleep until the simulation resets it
        # no wake source: stay on rather than sleep for good, and stop trying (SLEEP answers
        # INVALID_STATE from now on, as on a board without a wake pin)
        self.asleep = False
        self.sleeper = None
        self.log("sleep: no wake source, staying on")
        policy.cancel()
        policy.busy(now)
        self.link.reset()
        self._start_imu()

    # ------------------------------------------------------------ main loop
    def _report(self, where, exc):
        self.errors += 1
        now = self.clock.ticks_ms()
        if self.clock.ticks_diff(now, self._last_log) >= _LOG_EVERY_MS:
            self._last_log = now
            self.log("error in %s: %r (errors=%d)" % (where, exc, self.errors))

    def step(self):
        """One pass of the main loop. Never raises."""
        if self.asleep:
            return
        try:
            self.sample()
        except Exception as e:  # noqa: BLE001 - a driver error must not stop the device
            self.imu_failures += 1
            self._report("sample", e)
            if self.imu_failures >= 3:
                self.imu_ok = False
                self._status_dirty = True
        now = self.clock.ticks_ms()
        if not self.imu_ok and self.clock.ticks_diff(now, self._last_imu_try) >= _IMU_RETRY_MS:
            self._start_imu()
        try:
            self.handle_commands()
            self.send()
            self._housekeeping(now)
            self.radio_failures = 0
        except Exception as e:  # noqa: BLE001 - radio errors: log, then reset the radio
            self.radio_failures += 1
            self._report("radio", e)
            if self.radio_failures >= _RADIO_RESET_AFTER:
                self.radio_failures = 0
                try:
                    self.link.reset()
                except Exception as e2:  # noqa: BLE001
                    self._report("radio reset", e2)
        try:
            self._power(now)
        except Exception as e:  # noqa: BLE001
            self._report("power", e)
        if self.wdt is not None:
            self.wdt.feed()

    def run(self, idle_ms=5):
        while not self.asleep:
            self.step()
            self.clock.sleep_ms(idle_ms)
