"""A simulated session (knee-to-wall, lunges, stretch holds, eccentric drops, with lost packets)."""

from __future__ import annotations

import pytest

from dorsi.sim import SimOptions, simulate_routine

EXERCISES = ["knee_to_wall", "band_lunge", "soleus_stretch", "eccentric_drop"]


@pytest.fixture(scope="session")
def sim_dir(tmp_path_factory):
    s = simulate_routine(seed=4, options=SimOptions(rate_hz=50, packet_loss=0.02), exercises=EXERCISES)
    out = tmp_path_factory.mktemp("sim")
    s.to_csv(out, traces=False)
    return out, s


@pytest.fixture(scope="session")
def session(sim_dir):
    """The simulated routine loaded through the real analysis path, with the simulator's segments."""
    from dorsi.export.session import Session
    from dorsi.pipeline.gaps import lost_sample_runs
    from dorsi.pipeline import analyze_trace, estimate_trace

    out, s = sim_dir
    trace = estimate_trace(s.shin, s.foot, s.profile)
    analysis = analyze_trace(trace, s.truth.segments, profile=s.profile, sample_rate_hz=s.shin.rate_hz,
                             gaps=lost_sample_runs(s.shin)).to_json()
    return Session(out / "shin.csv", "csv", s.shin, s.foot, trace, analysis, dict(s.profile))
