# A virtual clock with MicroPython's `time` ticks API (ticks wrap at 2**30).
from micropython import const

_MASK = const(0x3FFFFFFF)
_HALF = const(0x20000000)


class SimClock:
    """Time only moves when someone sleeps (or calls advance)."""

    def __init__(self, t_us=0):
        self.t_us = t_us  # absolute, never wraps

    def ticks_us(self):
        return self.t_us & _MASK

    def ticks_ms(self):
        return (self.t_us // 1000) & _MASK

    def ticks_diff(self, a, b):
        return ((a - b + _HALF) & _MASK) - _HALF

    def ticks_add(self, a, d):
        return (a + d) & _MASK

    def sleep_ms(self, ms):
        self.t_us += ms * 1000

    def sleep_us(self, us):
        self.t_us += us

    def advance(self, us):
        self.t_us += us
