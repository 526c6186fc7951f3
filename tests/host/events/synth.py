"""Synthetic angle traces with known events, for testing the detectors in isolation."""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace


def _min_jerk(u: np.ndarray) -> np.ndarray:
    return 10 * u**3 - 15 * u**4 + 6 * u**5


def ramp_hold(t: np.ndarray, start: float, rise: float, hold: float, fall: float, amp: float) -> np.ndarray:
    """0 -> amp over ``rise`` s, ``hold`` s at amp, back to 0 over ``fall`` s (minimum-jerk
    ramps, as human movements and the simulator's keyframes)."""
    out = np.zeros_like(t)
    r = (t >= start) & (t < start + rise)
    out[r] = amp * _min_jerk((t[r] - start) / rise)
    h = (t >= start + rise) & (t < start + rise + hold)
    out[h] = amp
    f = (t >= start + rise + hold) & (t < start + rise + hold + fall)
    out[f] = amp * (1 - _min_jerk((t[f] - start - rise - hold) / fall))
    return out


def make_trace(t: np.ndarray, angle: np.ndarray, frontal: np.ndarray | None = None,
               heel: np.ndarray | None = None, swing: np.ndarray | None = None,
               keep: np.ndarray | None = None, source: str = "inclination", baseline: float = 0.0) -> AngleTrace:
    n = len(t)
    frontal = np.zeros(n) if frontal is None else frontal
    heel = np.zeros(n, bool) if heel is None else heel
    swing = np.zeros(n) if swing is None else swing
    keep = np.ones(n, bool) if keep is None else keep
    return AngleTrace(t[keep], angle[keep], frontal[keep], heel[keep], swing[keep], np.ones(int(keep.sum()), bool),
                      source, baseline)


def burst_loss(n: int, rate: float, rng: np.random.Generator, burst: int = 5) -> np.ndarray:
    """Keep-mask losing about ``rate`` of the samples in bursts of ``burst``."""
    keep = np.ones(n, bool)
    starts = rng.choice(np.arange(10, n - burst - 10), size=max(1, int(n * rate / burst)), replace=False)
    for s in starts:
        keep[s:s + burst] = False
    return keep


def lunge_session(rng: np.random.Generator, rate_hz: float = 100.0, n_reps: int = 10, baseline: float = 4.0,
                  noise: float = 0.1, sway: float = 0.3) -> tuple[AngleTrace, list[tuple[float, float, float, float]]]:
    """Reps of random amplitude (8-40 deg) and duration (0.6-3 s), with rests.

    Returns the trace and the true reps ``(start, end, peak_s, peak_angle)``.
    """
    t_cursor = 3.0
    events = []
    for _ in range(n_reps):
        dur = rng.uniform(0.6, 3.0)
        amp = rng.uniform(8.0, 40.0)
        hold = rng.uniform(0.0, 0.3) * dur
        rise = (dur - hold) * rng.uniform(0.4, 0.6)
        fall = dur - hold - rise
        events.append((t_cursor, rise, hold, fall, amp))
        t_cursor += dur + rng.uniform(0.8, 2.0)
    t = np.arange(0.0, t_cursor + 3.0, 1.0 / rate_hz)
    x = np.full_like(t, baseline) + sway * np.sin(2 * np.pi * 0.2 * t + rng.uniform(0, 6))
    truth = []
    for start, rise, hold, fall, amp in events:
        x += ramp_hold(t, start, rise, hold, fall, amp)
        end = start + rise + hold + fall
        inside = (t >= start) & (t <= end)
        k = int(np.argmax(np.where(inside, x, -np.inf)))
        truth.append((start, end, float(t[k]), float(x[k])))
    x += rng.normal(0.0, noise, len(t))
    return make_trace(t, x, baseline=baseline), truth
