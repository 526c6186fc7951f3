"""A phone's accelerometer and gyroscope streams as the shin sensor's samples.

Phone apps (Sensor Logger, phyphox) log the two sensors at instants of their
own, with intervals that wander. :func:`phone_shin_samples` puts both onto one
uniform grid at the gyroscope's mean rate over the span both cover (steps longer
than :data:`MAX_STEP_PERIODS` are gaps: lost samples, never made up), turns the
phone's axes into dorsi's for the way it was worn, and refuses a phone that reads
upside down for them, with the map to use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dorsi.sources import SourceError
from dorsi.sources.axes import AxisMap
from dorsi.sources.csv_source import RATE_RANGE_HZ
from dorsi.sources.resample import common_grid, mean_rate
from dorsi.sources.units import MAX_SPAN_S

#: A phone in an armband on the front of the shin, screen out, its top toward the knee (the
#: phone's axes in Android's convention, which both apps write on either platform once signs are set).
PHONE_SHIN_AXES = AxisMap.parse("y,-x,z")
#: Steps longer than this many periods are gaps, not interpolated across.
MAX_STEP_PERIODS = 2.5
#: Below this (m/s^2) the shin's +x reading is the phone worn upside down for the map, not a lean.
UPSIDE_DOWN_MS2 = -0.5 * 9.80665


@dataclass(frozen=True)
class PhoneSamples:
    """Both streams on one grid, in dorsi's axes.

    Attributes
    ----------
    t : (N,) array
        Grid times kept (the input's own time base).
    seq : (N,) int64 array
        Grid index of each (from 0); skipped indices are lost samples.
    acc, gyr : (N, 3) arrays
        m/s^2 (specific force) and rad/s in dorsi's axes.
    rate_hz : float
        The grid's rate (the gyroscope's mean rate).
    axes : AxisMap
        The map used (the one given, or the one detected for ``"auto"``).
    lost : int
        Grid points left out (in a gap of either stream).
    """

    t: np.ndarray
    seq: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    rate_hz: float
    axes: AxisMap
    lost: int


def phone_shin_samples(label: str, t_acc: np.ndarray, acc: np.ndarray, t_gyr: np.ndarray, gyr: np.ndarray,
                       axes: AxisMap | str, rate_hint: str) -> PhoneSamples:
    """The two streams (times increasing, values in the phone's axes, specific force) on one grid.

    ``axes`` is the phone's map to dorsi's or ``"auto"``; ``rate_hint`` says where to set the
    app's rate when it is outside the supported range. Raises ``SourceError`` (one line starting
    with ``label``) for a rate out of range, times spanning more than :data:`MAX_SPAN_S`, streams
    that do not overlap, or a phone upside down for ``axes``.
    """
    for name, t in (("accelerometer", t_acc), ("gyroscope", t_gyr)):
        span = float(t[-1] - t[0])
        if span > MAX_SPAN_S:
            raise SourceError(f"{label}: the {name}'s times span {span:.4g} s, more than {MAX_SPAN_S / 3600:g} h: "
                              "a time is damaged, or the file is not one recording")
    rate = mean_rate(t_gyr, MAX_STEP_PERIODS)
    lo, hi = RATE_RANGE_HZ
    if not lo <= rate <= hi:
        raise SourceError(f"{label}: the gyroscope's sample rate {rate:.4g} Hz is outside the supported "
                          f"{lo:g}-{hi:g} Hz ({rate_hint})")
    start, k, (acc, gyr), n_grid = common_grid([(t_acc, acc), (t_gyr, gyr)], rate, MAX_STEP_PERIODS)
    if len(k) < 2:
        raise SourceError(f"{label}: fewer than two samples where both the accelerometer and gyroscope recorded "
                          "(the two recordings do not overlap in time)")
    if isinstance(axes, str):
        try:
            axes = AxisMap.detect(acc)
        except ValueError as exc:
            raise SourceError(f"{label}: axes auto: {exc}") from None
    acc_d, gyr_d = axes.vectors(acc), axes.vectors(gyr)
    up = float(np.median(acc_d[:, 0]))
    if up < UPSIDE_DOWN_MS2:
        raise SourceError(f"{label}: with axes {axes} the phone reads upside down (up the shin {up:.3g} m/s^2): "
                          "was its top toward the ankle? try --axes=-y,x,z, or --axes auto")
    return PhoneSamples(start + k / rate, k, acc_d, gyr_d, rate, axes, n_grid - len(k))


def lost_note(label: str, lost: int, also: str = "") -> str:
    """The note for grid points left out as lost samples."""
    return (f"{label}: {lost} grid point(s) fall in steps longer than {MAX_STEP_PERIODS:g} sample periods of the "
            f"accelerometer or gyroscope{also}: kept as lost samples")
