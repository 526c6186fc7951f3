"""Simulated sessions written as files: generic CSV, a recording, an analysis JSON."""

from __future__ import annotations

import pytest

from dorsi.sim import SimOptions, simulate


@pytest.fixture(scope="session")
def ktw(tmp_path_factory):
    """A knee-to-wall test with quaternions, written as a generic IMU CSV folder."""
    s = simulate("knee_to_wall", seed=5, options=SimOptions(rate_hz=60, packet_loss=0.02))
    out = tmp_path_factory.mktemp("ktw")
    s.to_csv(out, traces=False)
    return out, s
