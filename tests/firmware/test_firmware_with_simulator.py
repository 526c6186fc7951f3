"""The firmware fed by the project's biomechanical simulator (``dorsi.sim``), noise-free.

A band-lunge session from ``dorsi.sim`` (ideal IMU data, exact orientation)
drives the simulated IMU; the firmware's on-device quaternions, decoded from
its notifications, must follow the exact sensor attitude: the gravity
direction in the sensor frame within 3 deg throughout (1 deg on average).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from dorsi.emulator.firmware_device import write_motion_file
from dorsi.protocol import decode_packets

from .firmware_run import run_scenario

sim = pytest.importorskip("dorsi.sim")


def test_band_lunge_attitude_follows_the_simulator(tmp_path):
    session = sim.simulate("band_lunge", seed=3, options=sim.SimOptions(noise=False))
    shin = session.shin
    motion = write_motion_file(shin, tmp_path / "band_lunge.dsim")
    out = run_scenario(tmp_path, {"motion": str(motion), "duration_s": float(shin.t[-1]) + 0.5,
                                  "events": [[0.2, "connect", 247], [0.3, "subscribe"]]})
    d = decode_packets([bytes.fromhex(h) for h in out["notifications"]])
    np.testing.assert_array_equal(d.sample_seq, np.arange(out["head"]))
    t = (d.t0_us[d.packet] + d.sample_offset_us()) * 1e-6
    nearest = np.clip(np.searchsorted(shin.t, t), 0, len(shin) - 1)
    up_true = Rotation.from_quat(shin.quat[nearest][:, [1, 2, 3, 0]]).inv().apply([0, 0, 1.0])
    up_fw = Rotation.from_quat(d.quat[:, [1, 2, 3, 0]]).inv().apply([0, 0, 1.0])
    err = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", up_true, up_fw), -1, 1)))
    settled = t > 5.0
    assert err[settled].max() < 3.0
    assert err[settled].mean() < 1.0
