# Store-and-forward ring: every fused sample lands here first.
#
# Samples are numbered by an absolute sequence index. `head` is the index the
# next sample will get, `sent` the next one to notify, `tail` the oldest one
# still held. While no central listens, `sent` stays put and the ring fills;
# when it is full the oldest samples are overwritten, `dropped` counts them
# and the next packet carries the overflow flag. Slots hold the 20-byte
# protocol sample followed by its u32 device time (us, modulo 2**30); they are
# written by fusion.fuse and copied out by `gather`, both without allocating.
# Holds @micropython.viper code: precompile with the board's arch, e.g.
# `mpy-cross -march=xtensawin ring.py` (without -march mpy-cross stops at
# "invalid arch"); imported as .py the board compiles it for itself.
import micropython
from micropython import const

SLOT_SIZE = const(24)
SAMPLE_SIZE = const(20)


@micropython.viper
def time_at(buf, slot: int) -> int:
    p = ptr32(buf)
    return p[slot * 6 + 5] & 0x3FFFFFFF


@micropython.viper
def gather(dst, src, first: int, n_cap: int):
    """Copy ``n`` consecutive samples from slot ``first`` (wrapping at ``cap``)
    into ``dst`` after its 14-byte header; ``n_cap = n | cap << 8``."""
    d = ptr8(dst)
    s = ptr8(src)
    n = n_cap & 0xFF
    cap = n_cap >> 8
    slot = first
    o = 14
    k = 0
    while k < n:
        b = slot * 24
        i = 0
        while i < 20:
            d[o + i] = s[b + i]
            i += 1
        o += 20
        slot += 1
        if slot >= cap:
            slot = 0
        k += 1


class Ring:
    def __init__(self, capacity):
        if capacity < 16:
            raise ValueError("ring too small")
        self.capacity = capacity
        self.buf = bytearray(capacity * SLOT_SIZE)
        self.head = 0
        self.tail = 0
        self.sent = 0
        self.dropped = 0
        self.overflow_pending = False

    def slot_of(self, seq):
        return seq % self.capacity

    def commit(self, n):
        """Account for ``n`` samples just written at the head."""
        self.head += n
        cap = self.capacity
        if self.head - self.tail > cap:
            self.tail = self.head - cap
            if self.sent < self.tail:
                self.dropped += self.tail - self.sent
                self.sent = self.tail
                self.overflow_pending = True

    @property
    def held(self):
        """Samples waiting to be sent."""
        return self.head - self.sent

    def rewind(self, seq):
        """Send again from ``seq`` (clamped to what is still held)."""
        if seq < self.tail:
            seq = self.tail
        if seq > self.head:
            seq = self.head
        self.sent = seq

    def time_of(self, seq):
        return time_at(self.buf, seq % self.capacity)
