"""Live samples from a phone: Sensor Logger's HTTP push messages onto dorsi's sample grid.

While recording, Sensor Logger can POST what it measured to a URL every batch
period (its "HTTP Push"; the schema is its author's, ``PUSHING.md`` in
``tszheichoi/awesome-sensor-logger``)::

    {"messageId": 0, "sessionId": "...", "deviceId": "...",
     "payload": [{"name": "gyroscope", "time": 1698501144401773000,
                  "values": {"x": 0.01, "y": -0.02, "z": 0.0}}, ...]}

``time`` is ns since the epoch. The readings used are the same as in an export
(:mod:`dorsi.sources.sensor_logger`): ``gyroscope``, and ``totalacceleration``
or ``accelerometer`` + ``gravity``; others are ignored. :class:`PushAssembler`
gathers them and hands out, as they become complete, uniform-grid samples in
dorsi's shin axes, with the orientation fused on the host (``imufusion``), so
the phone's samples can be sent down the same live path as the board's. A
malformed message is refused whole with a one-line :class:`PushError`, and what
was gathered before stays.

The acceleration's sign (iOS reports the negative of Android's unless its units
are standardised; a push does not say which phone sent it) is decided once the
phone is first strapped on: still for a second with its up-the-shin axis near
vertical (the live session begins standing or seated, the shank upright), the
sign that puts it upright as its axes map says it is worn. Before that (the
phone in the hand as the app was started) it is provisional: Android's when
the total acceleration is pushed (only Android logs it), else iOS's; if the
decision differs, the orientation filter starts again from there.

The first seconds (200 gyroscope readings) fix the grid's rate; of them only the
last 0.1 s is sent on, so the stream starts live rather than with a backlog.
"""

from __future__ import annotations

import json

import numpy as np

from dorsi.orientation.fusion import FusionOrientation
from dorsi.samples import SampleBatch
from dorsi.sources.axes import AxisMap
from dorsi.sources.csv_source import RATE_RANGE_HZ
from dorsi.sources.units import MAX_GYR_RAD_S
from dorsi.sources.resample import mean_rate, streams_on_grid
from dorsi.sources.phone_samples import MAX_STEP_PERIODS, PHONE_SHIN_AXES

#: Reading names used, as Sensor Logger names them in a push.
GYRO, TOTAL, LINEAR, GRAVITY = "gyroscope", "totalacceleration", "accelerometer", "gravity"
USED = (GYRO, TOTAL, LINEAR, GRAVITY)
#: The phone's battery reading (``batteryLevel`` 0-1), shown as the sensor's charge.
BATTERY = "battery"
#: Gyroscope readings needed before the grid's rate is fixed (their mean step).
RATE_READINGS = 200
#: The phone counts as strapped on once it was this still (rad/s) for this long (s) with its
#: up-the-shin axis within about 35 deg of vertical (m/s^2 along it): the acceleration's sign is
#: decided then (a phone started in the hand, flat or moving, cannot tell it).
STILL_RAD_S, STRAPPED_S, UPRIGHT_MS2 = 0.3, 1.0, 0.8 * 9.80665
#: After this much phone time (s) a sensor that has not pushed is taken as switched off.
MISSING_AFTER_S = 2.0
#: The stream's first samples: only this much (s) of what came before the rate was fixed.
FIRST_SPAN_S = 0.1
#: Largest message accepted (bytes): a 1 s batch of every sensor is well under 200 kB.
MAX_MESSAGE_BYTES = 4_000_000


class PushError(ValueError):
    """A push message that cannot be used (message: one line)."""


class PushAssembler:
    """Turn pushed readings into uniform-grid samples of the phone on the shin.

    Parameters
    ----------
    axes : AxisMap
        The phone's axes as dorsi's (default :data:`PHONE_SHIN_AXES`: screen
        out, top toward the knee).
    acc_sign : {None, 1, -1}
        +1 when the acceleration is the specific force (Android, or iOS with
        standardised units), -1 for iOS as is; None: decided from the data
        (once the phone is first still and upright on the shin).

    Attributes
    ----------
    rate_hz_ : float or None
        The grid's rate, once fixed.
    acc_sign_ : int or None
        The acceleration's sign, once decided (None while provisional).
    messages_, readings_ : int
        Messages taken and readings used.
    refused_ : int
        Messages refused.
    battery_percent_ : int or None
        The phone's charge, when its battery is logged too.
    """

    def __init__(self, axes: AxisMap = PHONE_SHIN_AXES, acc_sign: int | None = None) -> None:
        if acc_sign not in (None, 1, -1):
            raise ValueError(f"acc_sign must be None, 1 or -1, got {acc_sign!r}")
        self.axes = axes
        self.acc_sign_ = acc_sign
        self.rate_hz_: float | None = None
        self.messages_ = self.readings_ = self.refused_ = 0
        self.battery_percent_: int | None = None
        self._t0_ns: int | None = None
        self._buf: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in USED}
        self._next_k = 0
        self._origin: float | None = None
        self._fusion = FusionOrientation()
        self._provisional: int | None = None
        self._recent = np.zeros((0, 2))

    # --- input ------------------------------------------------------------------------
    def add(self, message: bytes | str | dict) -> int:
        """Take one push message; returns the readings used from it (raises :class:`PushError`)."""
        try:
            readings = self._parse(message)
        except PushError:
            self.refused_ += 1
            raise
        for name, t, x, y, z in readings:
            self._buf[name].append((t, x, y, z))
        self.messages_ += 1
        self.readings_ += len(readings)
        return len(readings)

    def _parse(self, message: bytes | str | dict) -> list[tuple[str, float, float, float, float]]:
        if isinstance(message, (bytes, str)):
            if len(message) > MAX_MESSAGE_BYTES:
                raise PushError(f"message of {len(message)} bytes is over the {MAX_MESSAGE_BYTES} accepted")
            try:
                message = json.loads(message)
            except (ValueError, RecursionError) as exc:
                raise PushError(f"not JSON ({' '.join(str(exc).split())[:80]})") from None
        if not isinstance(message, dict) or not isinstance(message.get("payload"), list):
            raise PushError("not a Sensor Logger push: no 'payload' list")
        out = []
        for i, item in enumerate(message["payload"]):
            if not isinstance(item, dict):
                raise PushError(f"payload item {i} is not an object")
            name = str(item.get("name", "")).lower()
            if name == BATTERY:
                self._battery(item.get("values"))
                continue
            if name not in USED:
                continue
            values = item.get("values")
            try:
                t_ns = int(item["time"])
                x, y, z = (float(values[k]) for k in ("x", "y", "z"))  # type: ignore[index]
            except (KeyError, TypeError, ValueError, OverflowError):
                raise PushError(f"payload item {i} ({name}): needs 'time' (ns) and 'values' x, y, z") from None
            if not all(np.isfinite((x, y, z))):
                raise PushError(f"payload item {i} ({name}): values not finite")
            if name == GYRO and max(abs(x), abs(y), abs(z)) > MAX_GYR_RAD_S:
                raise PushError(f"payload item {i} (gyroscope): beyond any gyroscope's range in rad/s")
            if self._t0_ns is None:
                self._t0_ns = t_ns
            out.append((name, (t_ns - self._t0_ns) * 1e-9, x, y, z))
        return out

    def _battery(self, values: object) -> None:
        try:
            level = float(values["batteryLevel"])  # type: ignore[index]
        except (KeyError, TypeError, ValueError):
            return  # a battery reading without a level says nothing about the motion: read past it
        if 0.0 <= level <= 1.0:
            self.battery_percent_ = int(round(level * 100))

    def missing(self) -> list[str]:
        """The readings still needed, by the app's sensor names, once the phone has pushed others
        for a while (empty when all come, or too early to say)."""
        seen = {n for n, rows in self._buf.items() if rows}
        if not seen or max(rows[-1][0] for rows in self._buf.values() if rows) < MISSING_AFTER_S:
            return []
        out = [] if GYRO in seen else ["Gyroscope"]
        if TOTAL not in seen:
            out += [name for key, name in ((LINEAR, "Accelerometer"), (GRAVITY, "Gravity")) if key not in seen]
        return out

    # --- output ------------------------------------------------------------------------
    def take(self) -> SampleBatch | None:
        """The grid samples complete since the last call (dorsi axes, SI, fused quaternion), or None."""
        gyr = self._series(GYRO)
        acc_names = (TOTAL,) if self._buf[TOTAL] else (LINEAR, GRAVITY)
        accs = [self._series(n) for n in acc_names]
        if gyr is None or any(a is None for a in accs):
            return None
        if self.rate_hz_ is None and not self._fix_rate(gyr[0]):
            return None
        rate = float(self.rate_hz_)  # type: ignore[arg-type]
        end = min(gyr[0][-1], *(a[0][-1] for a in accs))  # type: ignore[index]
        if self._origin is None:
            # the stream starts with the newest readings: those taken while the rate was being
            # measured would reach the session all at once, seconds late, as if the link were slow
            start = max(gyr[0][0], *(a[0][0] for a in accs))  # type: ignore[index]
            self._origin = max(start, end - FIRST_SPAN_S)
        k_last = int(np.floor((end - self._origin) * rate + 1e-9))
        if k_last < self._next_k:
            return None
        k = np.arange(self._next_k, k_last + 1)
        grid = self._origin + k / rate
        streams = [gyr, *accs]
        if any(len(t) < 2 for t, _ in streams):  # type: ignore[misc]
            return None
        values, keep = streams_on_grid(streams, grid, rate, MAX_STEP_PERIODS)  # type: ignore[arg-type]
        self._next_k = k_last + 1
        self._trim(grid[-1])
        if not keep.any():
            return None
        acc = values[1] if len(values) == 2 else values[1] + values[2]  # total, or without gravity + gravity
        acc_d = self.axes.vectors(acc)
        gyr_d = self.axes.vectors(values[0])
        sign = self._sign(acc_d, gyr_d, rate)
        acc_d = sign * acc_d
        batch = SampleBatch("shin", k[keep].astype(np.int64), grid[keep], acc_d, gyr_d, None,
                            {"sample_rate_hz": rate, "source": "sensor_logger_push"})
        quat = self._fusion.update(batch).quat_
        return SampleBatch("shin", batch.seq, batch.t, batch.acc, batch.gyr, quat, batch.meta)

    def _sign(self, acc_d: np.ndarray, gyr_d: np.ndarray, rate: float) -> int:
        """The acceleration's sign for these samples: decided once the phone is first strapped on
        (still, its up-the-shin axis near vertical for a second), provisional before."""
        if self.acc_sign_ is not None:
            return self.acc_sign_
        if self._provisional is None:
            # Android logs the total acceleration (the specific force); iOS does not, and
            # reports the negative unless its units were standardised
            self._provisional = 1 if self._buf[TOTAL] else -1
        self._recent = np.concatenate([self._recent, np.column_stack([acc_d[:, 0],
                                                                      np.linalg.norm(gyr_d, axis=1)])])
        n = int(round(STRAPPED_S * rate))
        self._recent = self._recent[-n:]
        x, spin = self._recent[:, 0], self._recent[:, 1]
        if len(x) == n and spin.max() < STILL_RAD_S and (np.all(x > UPRIGHT_MS2) or np.all(x < -UPRIGHT_MS2)):
            self.acc_sign_ = 1 if x[0] > 0 else -1
            if self.acc_sign_ != self._provisional:
                self._fusion = FusionOrientation()  # what it fused so far was read upside down
            return self.acc_sign_
        return self._provisional

    def _series(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        rows = self._buf[name]
        if not rows:
            return None
        a = np.asarray(rows, dtype=float)
        order = np.argsort(a[:, 0], kind="stable")
        a = a[order]
        a = a[np.concatenate([[True], np.diff(a[:, 0]) > 0])]  # a reading pushed twice, kept once
        self._buf[name] = [tuple(r) for r in a]
        return a[:, 0], a[:, 1:]

    def _fix_rate(self, t: np.ndarray) -> bool:
        if len(t) < RATE_READINGS:
            return False
        rate = mean_rate(t, MAX_STEP_PERIODS)
        lo, hi = RATE_RANGE_HZ
        if not lo <= rate <= hi:
            raise PushError(f"the phone's gyroscope runs at {rate:.4g} Hz, outside the supported {lo:g}-{hi:g} Hz "
                            "(set Sensor Logger's sampling rate to 50-100 Hz)")
        self.rate_hz_ = rate
        return True

    def _trim(self, t_done: float) -> None:
        """Drop readings no later grid point needs (keep the last one at or before ``t_done``)."""
        for name, rows in self._buf.items():
            if len(rows) > 2:
                times = [r[0] for r in rows]
                cut = int(np.searchsorted(times, t_done, side="right")) - 1
                if cut > 0:
                    self._buf[name] = rows[cut:]
