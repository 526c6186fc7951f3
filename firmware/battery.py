# Battery level from an ADC pin: millivolts -> percent on a LiPo discharge curve.
from micropython import const

# (cell mV, percent) knots of a typical 1-cell LiPo at light load
_CURVE = ((3300, 0), (3500, 5), (3600, 12), (3700, 30), (3800, 52), (3900, 68),
          (4000, 80), (4100, 91), (4200, 100))
_SAMPLES = const(8)


def percent_from_mv(mv):
    """Piecewise-linear state of charge (0..100) for a cell voltage in mV."""
    if mv <= _CURVE[0][0]:
        return 0
    for i in range(1, len(_CURVE)):
        v1, p1 = _CURVE[i]
        if mv <= v1:
            v0, p0 = _CURVE[i - 1]
            return p0 + (p1 - p0) * (mv - v0) // (v1 - v0)
    return 100


class BatteryADC:
    """Reads ``pin`` through a divider; call the object to get percent."""

    def __init__(self, adc, divider=2.0):
        self.adc = adc  # machine.ADC with read_uv(), or anything with read_uv()
        self.divider = divider

    def millivolts(self):
        total = 0
        for _ in range(_SAMPLES):
            total += self.adc.read_uv()
        return int(total / _SAMPLES * self.divider / 1000)

    def __call__(self):
        return percent_from_mv(self.millivolts())
