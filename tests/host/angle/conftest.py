"""Helpers for angle tests: simulated sessions and truth comparisons."""

from __future__ import annotations

import numpy as np

from dorsi.angle import AngleEstimator, AngleTrace
from dorsi.samples import SampleBatch
from dorsi.sim import SimOptions, simulate


def session(exercise: str, seed: int, **options):
    """A simulated session (seeds below 1000 are for tests and tuning)."""
    return simulate(exercise, seed=seed, options=SimOptions(**options))


def lose(batch: SampleBatch, start_s: float, end_s: float) -> SampleBatch:
    """``batch`` with its samples in ``[start_s, end_s)`` lost (a dropout)."""
    i0, i1 = np.searchsorted(batch.t, [start_s, end_s])
    return SampleBatch.concatenate([batch.slice(0, int(i0)), batch.slice(int(i1), len(batch))])


def estimate(s, foot: bool = False, **params) -> AngleEstimator:
    params.setdefault("standing_baseline_deg", s.profile["standing_baseline_deg"])
    return AngleEstimator(**params).estimate(s.shin, s.foot if foot else None)


def truth_on(trace: AngleTrace, s, name: str) -> np.ndarray:
    return np.interp(trace.t, s.truth.t, getattr(s.truth, name))


def peak_errors(trace: AngleTrace, s, name: str) -> np.ndarray:
    """Observed-peak error per heel-down rep: our extreme minus the truth's extreme on the same samples."""
    truth = truth_on(trace, s, name)
    out = []
    for rep in s.truth.reps:
        if rep.heel_lift:
            continue
        m = (trace.t >= rep.start_s) & (trace.t <= rep.end_s) & trace.valid
        if m.sum() < 3:
            continue
        ours, ref = trace.angle_deg[m], truth[m]
        ours_peak = ours[np.argmax(np.abs(ours - trace.baseline_deg))]
        out.append(ours_peak - ref[np.argmax(np.abs(ref - trace.baseline_deg))])
    return np.asarray(out)
