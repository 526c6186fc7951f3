"""A simulated session: sensor batches, ground truth, the person's profile; file outputs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dorsi.samples import SampleBatch
from dorsi.sim.csv_writer import write_imu_csv
from dorsi.sim.kinematics import GRAVITY
from dorsi.sim.options import SimOptions
from dorsi.sim.truth import Truth


@dataclass
class SimSession:
    """Everything one simulation produced.

    Attributes
    ----------
    shin : SampleBatch
        Shin sensor samples as delivered (lost packets removed, ``seq`` gaps).
    foot : SampleBatch or None
        Foot sensor samples, when ``options.foot_sensor``.
    truth : Truth
        Ground truth on the shin's loss-free grid.
    profile : dict
        ``side``, ``shank_length_m``, ``foot_length_m``, ``sensor_height_m``,
        ``standing_baseline_deg`` (and more: seated baseline, strap mounting).
    options : SimOptions
    seed : int
    lost_bursts : dict
        Per role, the lost ``(first_seq, end_seq)`` ranges.
    """

    shin: SampleBatch
    foot: SampleBatch | None
    truth: Truth
    profile: dict
    options: SimOptions
    seed: int
    lost_bursts: dict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return float(self.truth.t[-1]) if len(self.truth.t) else 0.0

    def batches(self) -> list[SampleBatch]:
        return [b for b in (self.shin, self.foot) if b is not None]

    def to_csv(self, directory: str | Path, traces: bool = True) -> list[Path]:
        """Write ``shin.csv`` (and ``foot.csv``) in the generic IMU CSV format plus ``truth.json``.

        Returns the written paths.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = [write_imu_csv(b, out / f"{b.role}.csv") for b in self.batches()]
        return [*paths, self.write_truth(out, traces)]

    def write_truth(self, directory: str | Path, traces: bool = True) -> Path:
        """Write ``truth.json`` (options, profile, segments, events; per-sample traces with ``traces``)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        truth_path = out / "truth.json"
        doc = {
            "format": "dorsi.sim truth v1",
            "seed": self.seed,
            "options": self.options.to_json(),
            "profile": self.profile,
            "lost_bursts": {k: [list(x) for x in v] for k, v in self.lost_bursts.items()},
            **self.truth.to_json(traces=traces),
        }
        truth_path.write_text(json.dumps(doc, separators=(",", ":")))
        return truth_path

    def _batch(self, role: str) -> SampleBatch:
        batch = self.shin if role == "shin" else self.foot if role == "foot" else None
        if batch is None:
            raise ValueError(f"this session has no {role} sensor")
        return batch

    def counts(self, role: str = "shin") -> tuple[np.ndarray, np.ndarray]:
        """The sensor's 16-bit output words ``(acc, gyr)``, each (N, 3) int16, sensor axes.

        At the configured full scales (``acc_full_scale_g``, ``gyr_full_scale_dps``): what
        the IMU's output registers held, e.g. to feed a simulated register map.
        """
        batch = self._batch(role)
        acc_lsb = self.options.acc_full_scale_g * GRAVITY / 32768.0
        gyr_lsb = np.deg2rad(self.options.gyr_full_scale_dps) / 32768.0
        acc = np.clip(np.rint(batch.acc / acc_lsb), -32768, 32767).astype(np.int16)
        gyr = np.clip(np.rint(batch.gyr / gyr_lsb), -32768, 32767).astype(np.int16)
        return acc, gyr

    def packets(self, role: str = "shin", mtu: int = 247, **kwargs) -> list[bytes]:
        """The notification payloads (protocol v1) that delivered this role's samples.

        Uses the host encoder ``dorsi.protocol.encode_stream``; needs quaternions.
        """
        from dorsi.protocol import encode_stream

        batch = self._batch(role)
        if batch.quat is None:
            raise ValueError("protocol v1 packets carry quaternions: simulate with quaternions=True")
        kwargs.setdefault("period_us", int(round(1e6 / self.options.rate_hz)))
        kwargs.setdefault("samples_per_packet", self.options.samples_per_packet)
        return encode_stream(batch, mtu=mtu, **kwargs)
