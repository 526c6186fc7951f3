# Binary motion files: what the simulated IMU measures, sample by sample.
#
# Layout (little-endian): 16-byte header  b"DSIM", u16 version (1), u16 flags (0),
# f32 sample rate (Hz), u32 count; then `count` records of 6 f32:
# ax ay az (g, specific force) gx gy gz (deg/s), in the CHIP axes.
import struct
from array import array

MAGIC = b"DSIM"
HEADER = "<4sHHfI"
HEADER_SIZE = 16


def load(path):
    """Returns (rate_hz, count, data) with data an array('f') of 6 * count values."""
    with open(path, "rb") as f:
        head = f.read(HEADER_SIZE)
        magic, version, flags, rate, count = struct.unpack(HEADER, head)
        if magic != MAGIC or version != 1:
            raise ValueError("not a DSIM v1 motion file")
        data = array("f", bytes(4 * 6 * count))
        f.readinto(data)
    return rate, count, data
