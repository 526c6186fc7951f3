"""The sample batch: the one data shape every source yields.

Live BLE notifications, recordings, CSV files and the simulator all produce
``SampleBatch`` objects, so everything downstream (orientation, angle, events,
score) has a single input type.

Conventions (see ``docs/protocol.md`` and ``hardware/README.md``):

* units are SI: accelerometer in m/s^2 (specific force, +g upward at rest),
  gyroscope in rad/s, time in seconds;
* sensor axes as worn: +x up the shin toward the knee, +z out of the front of
  the shin, +y = z cross x;
* the quaternion ``(w, x, y, z)`` rotates sensor-frame vectors into an
  earth frame whose +Z points up (heading arbitrary);
* ``seq`` is the device's absolute sample index: consecutive samples differ
  by one, so a jump is a gap (lost samples), never silently filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dorsi.order_stats import median

ROLES = ("shin", "foot")


@dataclass(frozen=True)
class SampleBatch:
    """A run of samples from one sensor.

    Attributes
    ----------
    role : str
        ``"shin"`` or ``"foot"``.
    seq : (N,) int64
        Absolute sample index on the device.
    t : (N,) float64
        Sample time in seconds on the source's own time base.
    acc : (N, 3) float64
        Specific force in m/s^2, sensor frame.
    gyr : (N, 3) float64
        Angular rate in rad/s, sensor frame.
    quat : (N, 4) float64 or None
        Device orientation (w, x, y, z), sensor to earth; ``None`` for raw-only
        sources.
    """

    role: str
    seq: np.ndarray
    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    quat: np.ndarray | None = None
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {self.role!r}")
        n = len(self.t)
        shapes = {"seq": (n,), "acc": (n, 3), "gyr": (n, 3)}
        if self.quat is not None:
            shapes["quat"] = (n, 4)
        for name, shape in shapes.items():
            value = getattr(self, name)
            if value.shape != shape:
                raise ValueError(f"{name} has shape {value.shape}, expected {shape}")

    def __len__(self) -> int:
        return len(self.t)

    @property
    def has_quat(self) -> bool:
        return self.quat is not None

    def slice(self, start: int, stop: int) -> "SampleBatch":
        """Samples ``start:stop`` as a new batch (views, no copy)."""
        return SampleBatch(
            self.role,
            self.seq[start:stop],
            self.t[start:stop],
            self.acc[start:stop],
            self.gyr[start:stop],
            None if self.quat is None else self.quat[start:stop],
            self.meta,
        )

    @staticmethod
    def concatenate(batches: "list[SampleBatch]") -> "SampleBatch":
        """Join batches of one sensor in order."""
        if not batches:
            raise ValueError("no batches to concatenate")
        roles = {b.role for b in batches}
        if len(roles) != 1:
            raise ValueError(f"cannot join batches of different roles {sorted(roles)}")
        with_quat = all(b.quat is not None for b in batches)
        return SampleBatch(
            batches[0].role,
            np.concatenate([b.seq for b in batches]),
            np.concatenate([b.t for b in batches]),
            np.concatenate([b.acc for b in batches]),
            np.concatenate([b.gyr for b in batches]),
            np.concatenate([b.quat for b in batches]) if with_quat else None,
            batches[0].meta,
        )

    def followed_by(self, other: "SampleBatch") -> "SampleBatch":
        """This batch, then ``other`` played right after it on the same sensor: ``other``'s
        sample indices and times moved on to continue these (its first sample one period after
        this one's last), as if one recording. Device quaternions are kept where both have them."""
        period = 1.0 / self.rate_hz
        moved = SampleBatch(other.role, other.seq - other.seq[0] + self.seq[-1] + 1,
                            other.t - other.t[0] + self.t[-1] + period, other.acc, other.gyr, other.quat, other.meta)
        return SampleBatch.concatenate([self, moved])

    @property
    def rate_hz(self) -> float:
        """Nominal sample rate from the median sample interval."""
        if len(self.t) < 2:
            return float(self.meta.get("sample_rate_hz", 0.0))
        return float(1.0 / median(np.diff(self.t)))

    def gaps(self) -> np.ndarray:
        """Indices ``i`` where samples were lost between ``i-1`` and ``i``."""
        return np.flatnonzero(np.diff(self.seq) != 1) + 1
