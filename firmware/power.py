# When the sensor may go to sleep: the idle timer, the SLEEP command, an empty cell.
#
# A sensor left switched on in a drawer would stream into nothing until its
# cell is flat (about 9 h). The device sleeps once nobody has been connected
# and it has lain still for SLEEP_AFTER_S, or soon after a bonded central asks
# (CMD_SLEEP: the grace lets the status record carrying the answer go out
# first), or when the battery reads empty twice in a row (a LiPo run down
# further is damaged, and a board browning out resets over and over). The
# sleep itself is the board's (main.py: deep sleep, woken by the button, which
# resets the board); this module only decides when.
from micropython import const

_GRACE_MS = const(300)  # CMD_SLEEP: time for the answer's notification to leave


class SleepPolicy:
    """``busy(now)`` whenever something keeps the sensor awake (a central
    connected, movement, the pairing window open), ``request(now, reason)`` to
    sleep soon regardless; ``due(now)`` says whether to sleep now (``reason``
    says why). ``after_ms`` 0 turns the idle timer off (requests still work)."""

    def __init__(self, clock, after_ms):
        self.clock = clock
        self.after_ms = after_ms
        self._since = clock.ticks_ms()
        self._asked_at = None
        self._asked_why = None
        self.reason = None

    def busy(self, now):
        self._since = now

    def request(self, now, reason="asked by the central"):
        """Sleep soon: a central asked, or the battery is empty."""
        if self._asked_at is None:
            self._asked_at = now
            self._asked_why = reason

    def cancel(self):
        self._asked_at = None

    def due(self, now):
        d = self.clock.ticks_diff
        if self._asked_at is not None and d(now, self._asked_at) >= _GRACE_MS:
            self.reason = self._asked_why
            return True
        if self.after_ms > 0 and d(now, self._since) >= self.after_ms:
            self.reason = "idle %d s" % (self.after_ms // 1000)
            return True
        return False
