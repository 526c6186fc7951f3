"""Picking one channel of an :class:`AngleTrace` and putting it on the grid."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.grid import GridSignal, coarsened, grid_times, to_grid, usable_samples
from dorsi.order_stats import median

CHANNELS = ("angle", "knee_swing", "frontal")
#: Pseudo-channel for the heel-lift flag (as 0.0 / 1.0) in :func:`channel_grid`.
HEEL_LIFT = "heel_lift"
_CACHE_SIZE = 12
_CACHE: OrderedDict = OrderedDict()
POLARITIES = {"positive": (1.0,), "negative": (-1.0,), "both": (1.0, -1.0)}


def channel_values(trace: AngleTrace, channel: str) -> np.ndarray:
    """The raw samples of ``channel`` (``angle``, ``knee_swing`` or ``frontal``)."""
    if channel == "angle":
        return trace.angle_deg
    if channel == "knee_swing":
        return trace.knee_swing_deg
    if channel == "frontal":
        return trace.frontal_deg
    raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")


def channel_grid(trace: AngleTrace, channel: str, rate_hz: float, max_gap_s: float) -> GridSignal:
    """``channel`` of ``trace`` resampled onto the absolute grid (valid where the channel is:
    :meth:`AngleTrace.channel_valid`).

    The rep, hold, form and baseline steps of one detection all ask for the
    same few channels of the same trace: the last few results are kept (keyed
    by the trace object and its arrays, returned read-only), so each channel
    is resampled once per trace. A coarser grid of a channel already kept at a
    multiple of its rate (the activity's 50 Hz beside the detectors' 100 Hz)
    is read off that one (:func:`dorsi.events.grid.coarsened`: the same values).
    Traces are values: arrays changed in place after a detection are not seen
    by the next one (build a new trace).

    Raises
    ------
    ValueError
        If the trace has fewer than two valid samples.
    """
    values, valid = _channel_samples(trace, channel)
    key = (id(trace), channel, float(rate_hz), float(max_gap_s))
    kept = _kept(key, trace, values, valid)
    if kept is not None:
        _CACHE.move_to_end(key)
        return kept
    if len(trace) < 2 or int(np.count_nonzero(valid)) < 2:
        raise ValueError("the trace has fewer than two valid samples")
    sig = _from_finer(trace, channel, values, valid, rate_hz, max_gap_s)
    if sig is None:
        sig = to_grid(trace.t, np.asarray(values, dtype=np.float64), valid, rate_hz, max_gap_s)
    _keep(key, trace, values, valid, sig)
    return sig


def _channel_samples(trace: AngleTrace, channel: str) -> tuple[np.ndarray, np.ndarray]:
    """The samples of ``channel`` and where they are valid."""
    values = trace.heel_lift if channel == HEEL_LIFT else channel_values(trace, channel)
    return values, trace.channel_valid(channel)


def _kept(key: tuple, trace: AngleTrace, values: np.ndarray, valid: np.ndarray) -> GridSignal | None:
    """The kept grid under ``key`` if it was made from these very arrays (else None)."""
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is trace and hit[1] is trace.t and hit[2] is values and hit[3] is valid:
        return hit[4]
    return None


def _keep(key: tuple, trace: AngleTrace, values: np.ndarray, valid: np.ndarray, sig: GridSignal) -> None:
    """Keep ``sig`` (read-only) as the grid of these arrays; the oldest kept grids go."""
    for arr in (sig.t, sig.x, sig.valid):
        arr.setflags(write=False)
    _CACHE[key] = (trace, trace.t, values, valid, sig)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def _from_finer(trace: AngleTrace, channel: str, values: np.ndarray, valid: np.ndarray, rate_hz: float,
                max_gap_s: float) -> GridSignal | None:
    """The grid of ``channel`` at ``rate_hz`` read off a kept grid of it at a multiple of that
    rate (None when there is none, or its grid times do not line up)."""
    for (owner, name, rate, gap), (tr, t, vals, ok, fine) in reversed(_CACHE.items()):
        if (owner == id(trace) and name == channel and gap == float(max_gap_s) and rate > rate_hz
                and tr is trace and t is trace.t and vals is values and ok is valid):
            usable = valid & np.isfinite(values)  # the samples to_grid would use: the first and last
            first, last = int(usable.argmax()), len(usable) - 1 - int(usable[::-1].argmax())
            return coarsened(fine, float(trace.t[first]), float(trace.t[last]), rate_hz)
    return None


def remember_grid(trace: AngleTrace, channel: str, rate_hz: float, max_gap_s: float, sig: GridSignal) -> None:
    """Hand :func:`channel_grid` the grid of ``trace`` computed elsewhere (the live wrapper
    extends its buffer's grid chunk by chunk instead of resampling the whole buffer)."""
    _keep((id(trace), channel, float(rate_hz), float(max_gap_s)), trace, *_channel_samples(trace, channel), sig)


def head_baseline(trace: AngleTrace, channel: str, rate_hz: float, max_gap_s: float, window_s: float) -> float:
    """``start_baseline(channel_grid(trace, channel, rate_hz, max_gap_s), window_s)``, interpolating
    only the grid points it reads unless the channel's grid is kept already.

    Grid values are pointwise (each the interpolation at its own grid time),
    so the first ``window_s`` of the grid are the same numbers without the rest:
    a segment without reps or holds never needs its frontal channel further on.
    """
    values, valid = _channel_samples(trace, channel)
    kept = _kept((id(trace), channel, float(rate_hz), float(max_gap_s)), trace, values, valid)
    if kept is not None:
        return start_baseline(kept, window_s)
    if len(trace) < 2 or int(np.count_nonzero(valid)) < 2:
        raise ValueError("the trace has fewer than two valid samples")
    tv, xv, _ = usable_samples(trace.t, np.asarray(values, dtype=np.float64), valid)
    tg = grid_times(tv[0], min(float(tv[-1]), float(tv[0]) + window_s + 2.0 / rate_hz), rate_hz)  # its start
    head = tg[:int(np.searchsorted(tg, tg[0] + window_s))]
    return median(np.interp(head if len(head) else tg[:1], tv, xv))


def start_baseline(sig: GridSignal, window_s: float) -> float:
    """Median of the channel over the first ``window_s`` seconds (the still start)."""
    head = sig.x[:int(np.searchsorted(sig.t, sig.t[0] + window_s))]  # grid times increase
    return median(head if len(head) else sig.x[:1])


def polarity_signs(polarity: str) -> tuple[float, ...]:
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {tuple(POLARITIES)}, got {polarity!r}")
    return POLARITIES[polarity]
