"""Live device-to-host time mapping for one sensor.

The offset follows the lower envelope of ``host - device`` over a sliding
window (transport latency is never negative; the window follows slow clock
drift). It falls at most ``slew`` seconds per second of host time, so mapped
sample times never run backwards (a falling offset would otherwise move a
packet's samples before the previous packet's), and rises at most ``rise``
seconds per second: only clock drift (tens of ppm) raises the true offset,
while a backlog (the link or the host behind for longer than the window)
raises the envelope by its whole delay, which would map the delayed samples,
and those after them, seconds late. Two sensors mapped this way share the
host time base.
"""

from __future__ import annotations

from collections import deque


class LiveClock:
    """Running device-to-host offset.

    Parameters
    ----------
    window_s : float
        How much history the envelope covers; drift of 50 ppm moves the
        offset by 1 ms in 20 s, well inside one sample period.
    slew : float
        Largest fall of the offset per second of host time (0.005: 0.5 ms per
        100-ms notification interval, below any sample period up to 400 Hz).
    rise : float
        Largest rise of the offset per second of host time (0.0002: four
        times a crystal's 50 ppm; a minute behind moves the time base by at
        most 12 ms, about a sample period).
    """

    def __init__(self, window_s: float = 20.0, slew: float = 0.005, rise: float = 0.0002) -> None:
        self.window_s = window_s
        self.slew = slew
        self.rise = rise
        self._minima: deque[tuple[float, float]] = deque()  # (host second, min diff)
        self._last_host: float | None = None
        self.offset_: float | None = None

    def observe(self, device_s: float, host_s: float) -> float:
        """Add one (device, host) pair; returns the offset in force after it."""
        diff = host_s - device_s
        second = float(int(host_s))
        if self._minima and self._minima[-1][0] == second:
            if diff < self._minima[-1][1]:
                self._minima[-1] = (second, diff)
        else:
            self._minima.append((second, diff))
        while self._minima and self._minima[0][0] < host_s - self.window_s:
            self._minima.popleft()
        envelope = min(d for _, d in self._minima)
        if self.offset_ is None or self._last_host is None:
            self.offset_ = envelope
        else:
            elapsed = max(0.0, host_s - self._last_host)
            if envelope >= self.offset_:
                self.offset_ = min(envelope, self.offset_ + self.rise * elapsed)
            else:
                self.offset_ = max(envelope, self.offset_ - self.slew * elapsed)
        self._last_host = host_s
        return self.offset_

    def to_host(self, device_s):
        if self.offset_ is None:
            raise RuntimeError("LiveClock has seen no samples yet")
        return device_s + self.offset_
