"""Fault injection on the emulated link: slow transmission, burst loss, stalls.

The in-process air never loses anything by itself, so faults are injected
here, between the device model and the radio. Disconnects and reboots are
actions on :class:`~dorsi.emulator.peripheral.EmulatedPeripheral`
(``disconnect()``, ``reboot()``); this object holds the standing conditions.

* **delay** (``delay_s``): every notification takes ``delay_s`` seconds of air
  time, so the link carries at most ``1 / delay_s`` notifications per second.
  The transmit buffer then fills and the device model sees refusals and
  keeps the samples in its ring (the usual cause of a growing backlog).
* **burst loss**: stream notifications that left the device are lost in the
  air, ``drop_next(n)`` deterministically or at random with
  ``drop_probability`` per notification starting a burst of ``burst_length``.
  Lost samples are gone for the host unless it asks for them again.
* **stall**: the device stops sending stream notifications while the link
  stays up (a wedged notify path); the model's samples stay in its ring.
  The stall clears when the central re-subscribes (``clears_on="resubscribe"``)
  or only when it reconnects (``clears_on="reconnect"``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

StallClear = Literal["resubscribe", "reconnect"]


class LinkFaults:
    """Standing fault conditions of one emulated peripheral's link.

    Parameters
    ----------
    delay_s : float
        Air time per notification in seconds (0: as fast as the loop runs).
    drop_probability : float
        Probability that a stream notification starts a lost burst.
    burst_length : int
        Notifications lost per random burst.
    seed : int or None
        Seed of the random burst generator.

    Attributes
    ----------
    dropped_ : int
        Stream notifications lost so far.
    stalled_ : bool
        Whether the stream is currently stalled.
    """

    def __init__(
        self, delay_s: float = 0.0, drop_probability: float = 0.0, burst_length: int = 5, seed: int | None = None
    ) -> None:
        self.delay_s = delay_s
        self.drop_probability = drop_probability
        self.burst_length = burst_length
        self._rng = np.random.default_rng(seed)
        self._drop_remaining = 0
        self._stall_clears_on: StallClear | None = None
        self.dropped_ = 0

    # --- validated settings ---------------------------------------------------------
    @property
    def delay_s(self) -> float:
        return self._delay_s

    @delay_s.setter
    def delay_s(self, value: float) -> None:
        if not 0.0 <= value <= 10.0:
            raise ValueError(f"delay_s must be within [0, 10] s, got {value}")
        self._delay_s = float(value)

    @property
    def drop_probability(self) -> float:
        return self._drop_probability

    @drop_probability.setter
    def drop_probability(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"drop_probability must be within [0, 1], got {value}")
        self._drop_probability = float(value)

    @property
    def burst_length(self) -> int:
        return self._burst_length

    @burst_length.setter
    def burst_length(self, value: int) -> None:
        if int(value) < 1:
            raise ValueError(f"burst_length must be >= 1, got {value}")
        self._burst_length = int(value)

    # --- actions ------------------------------------------------------------------
    def drop_next(self, n: int) -> LinkFaults:
        """Lose the next ``n`` stream notifications that leave the device."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        self._drop_remaining += int(n)
        return self

    def stall(self, clears_on: StallClear = "resubscribe") -> LinkFaults:
        """Stop stream notifications until the central re-subscribes or reconnects."""
        if clears_on not in ("resubscribe", "reconnect"):
            raise ValueError(f"clears_on must be 'resubscribe' or 'reconnect', got {clears_on!r}")
        self._stall_clears_on = clears_on
        return self

    def clear(self) -> LinkFaults:
        """Remove every standing fault (counters are kept)."""
        self.delay_s = 0.0
        self.drop_probability = 0.0
        self._drop_remaining = 0
        self._stall_clears_on = None
        return self

    @property
    def stalled_(self) -> bool:
        return self._stall_clears_on is not None

    # --- used by the peripheral -------------------------------------------------------
    def on_resubscribe(self) -> None:
        if self._stall_clears_on == "resubscribe":
            self._stall_clears_on = None

    def on_reconnect(self) -> None:
        self._stall_clears_on = None

    def lose(self) -> bool:
        """Decide whether the stream notification now leaving the device is lost."""
        if self._drop_remaining == 0 and self._drop_probability > 0.0:
            if self._rng.random() < self._drop_probability:
                self._drop_remaining = self._burst_length
        if self._drop_remaining > 0:
            self._drop_remaining -= 1
            self.dropped_ += 1
            return True
        return False
