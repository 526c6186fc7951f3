"""Building blocks shared by the exercise generators: variation, lead-in/out, rests."""

from __future__ import annotations

import numpy as np

from dorsi.sim.options import SimOptions
from dorsi.sim.script import Script

LEAD_S = 3.0  # quiet period at the start and end of every exercise


def vary(rng: np.random.Generator, value: float, rel: float, opts: SimOptions,
         lo: float | None = None, hi: float | None = None) -> float:
    """``value`` with a relative Gaussian variation ``rel`` scaled by ``opts.variability``."""
    out = value * (1.0 + opts.variability * rel * rng.standard_normal())
    if lo is not None:
        out = max(out, lo)
    if hi is not None:
        out = min(out, hi)
    return float(out)


def between(rng: np.random.Generator, lo: float, hi: float, opts: SimOptions) -> float:
    """Uniform in ``[lo, hi]``, shrunk to the midpoint when variability is 0."""
    mid = 0.5 * (lo + hi)
    k = min(opts.variability, 1.0)
    return float(mid + k * (rng.uniform(lo, hi) - mid))


def lead_in(script: Script, rng: np.random.Generator) -> None:
    """Quiet standing/sitting so calibration has a still period."""
    script.wait(LEAD_S + rng.uniform(0.1, 0.6))


def lead_out(script: Script, rng: np.random.Generator) -> None:
    """Back to rest, then quiet to the end."""
    script.to_rest(1.0)
    script.wait(LEAD_S + rng.uniform(0.1, 0.6))
    script.finish()


def rest(script: Script, rng: np.random.Generator, opts: SimOptions, duration: float) -> None:
    """Rest in the current pose for ``duration`` seconds, maybe fidgeting (never near the ends)."""
    start = script.t
    p = opts.fidget_rate_per_min * duration / 60.0
    if duration > 2.0 and rng.random() < p:
        when = start + rng.uniform(0.6, duration - 1.4)
        script.fidget(rng, when)
    script.t = start + duration
