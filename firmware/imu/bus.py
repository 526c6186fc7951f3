# I2C access with retries and an error count (the seam to machine.I2C).
#
# Any object with readfrom_mem_into / writeto_mem (machine.I2C, SoftI2C or the
# host simulator's SimI2C) can sit behind it. Failed transfers are retried
# `retries` times; every failed attempt is counted in `errors` (reported in
# the status characteristic) and the last one is re-raised.


class Bus:
    def __init__(self, i2c, retries=3):
        self.i2c = i2c
        self.retries = retries
        self.errors = 0
        self._one = bytearray(1)

    def read_into(self, addr, reg, buf):
        tries = self.retries
        while True:
            try:
                self.i2c.readfrom_mem_into(addr, reg, buf)
                return
            except OSError:
                self.errors += 1
                tries -= 1
                if tries <= 0:
                    raise

    def read_u8(self, addr, reg):
        self.read_into(addr, reg, self._one)
        return self._one[0]

    def write_u8(self, addr, reg, value):
        self._one[0] = value & 0xFF
        tries = self.retries
        while True:
            try:
                self.i2c.writeto_mem(addr, reg, self._one)
                return
            except OSError:
                self.errors += 1
                tries -= 1
                if tries <= 0:
                    raise
