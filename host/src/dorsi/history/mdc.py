"""Minimal detectable change: how large a change must be before it is real.

From repeated trials of the same test within a session, the standard error of
measurement is the pooled within-session standard deviation

    SEM = sqrt( sum_i sum_j (x_ij - mean_i)^2 / sum_i (n_i - 1) )

(sessions ``i``, trials ``j``), and a change between two measurements is
detectable with 95 % confidence when it exceeds

    MDC95 = 1.96 * sqrt(2) * SEM

(sqrt(2): both measurements carry the error). Until the user's own trials give
enough degrees of freedom, the published values for the weight-bearing lunge
test are used: 4.6 deg and 1.6 cm.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

#: Published MDC95 of the weight-bearing lunge (knee-to-wall) test.
LITERATURE_MDC = {"deg": 4.6, "cm": 1.6}
Z95 = 1.96


class MinimalDetectableChange:
    """MDC95 from the user's repeated trials, or the literature default.

    Parameters
    ----------
    default : float
        MDC used until the trials suffice (e.g. 4.6 deg or 1.6 cm).
    min_dof : int
        Degrees of freedom (sum of trials minus sessions) needed to use the
        user's own repeatability; 4 = two sessions of three trials.

    Attributes
    ----------
    sem_ : float
        Standard error of measurement.
    mdc_ : float
        MDC95 = 1.96 * sqrt(2) * SEM.
    dof_ : int
        Degrees of freedom of the pooled SD.
    source_ : str
        ``"own"`` (the user's trials) or ``"literature"``.
    """

    def __init__(self, default: float = LITERATURE_MDC["deg"], min_dof: int = 4) -> None:
        if not default > 0:
            raise ValueError("the default MDC must be positive")
        self.default = default
        self.min_dof = min_dof

    def fit(self, trials: Sequence[Sequence[float]]) -> "MinimalDetectableChange":
        """Fit from the trials of each session (sessions with fewer than two trials add nothing)."""
        groups = [np.asarray(g, dtype=float) for g in trials if len(g) >= 2]
        if groups:
            values = np.concatenate(groups)
            idx = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
            means = np.bincount(idx, weights=values) / np.bincount(idx)
            ss = float(np.sum((values - means[idx]) ** 2))
            dof = int(values.size - len(groups))
        else:
            ss, dof = 0.0, 0
        self.dof_ = dof
        if dof >= self.min_dof:
            self.sem_ = float(np.sqrt(ss / dof))
            self.mdc_ = Z95 * np.sqrt(2.0) * self.sem_
            self.source_ = "own"
        else:
            self.mdc_ = float(self.default)
            self.sem_ = self.mdc_ / (Z95 * np.sqrt(2.0))
            self.source_ = "literature"
        return self

    def verdict(self, change: float) -> str:
        """``"improved"``, ``"declined"`` or ``"no real change"`` for a change (new minus old)."""
        if change > self.mdc_:
            return "improved"
        if change < -self.mdc_:
            return "declined"
        return "no real change"

    def describe(self) -> str:
        if self.source_ == "own":
            return f"from your own repeated trials (SEM {self.sem_:.2f}, {self.dof_} degrees of freedom)"
        return "published value for the weight-bearing lunge test (not enough repeated trials of yours yet)"
