"""AngleTraces built from the simulator's *truth* plus realistic estimator noise.

They isolate the event detectors from angle estimation: any error is the
detectors' own.
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.trace import AngleTrace

SEATED = ("seated_df_hold", "ankle_circles", "nerve_floss")


def truth_trace(session, source: str = "inclination", seed: int = 0, noise_deg: float = 0.15,
                drift_deg: float = 0.3) -> AngleTrace:
    """An AngleTrace from ``session.truth`` on the samples the shin sensor delivered.

    ``source="ankle"`` uses the true ankle angle (shin + foot), otherwise the tibial
    inclination (shin alone). Adds white noise and a slow random-walk drift.
    """
    rng = np.random.default_rng(seed)
    truth = session.truth
    idx = np.searchsorted(truth.t, session.shin.t - 1e-9)
    idx = np.clip(idx, 0, len(truth.t) - 1)
    t = session.shin.t
    base = truth.ankle_angle_deg if source == "ankle" else truth.tibial_inclination_deg
    n = len(truth.t)
    drift = np.cumsum(rng.normal(0, 1, n))
    drift = drift_deg * (drift - drift.mean()) / max(1e-9, np.abs(drift).max())
    angle = (base + drift + rng.normal(0, noise_deg, n))[idx]
    frontal = (truth.frontal_tilt_deg + rng.normal(0, noise_deg, n))[idx]
    heel = np.zeros(len(t), bool)
    for a, b in truth.heel_lifts:
        heel |= (t >= a + 0.03) & (t <= b - 0.03)
    incl = truth.tibial_inclination_deg[idx]
    seated = truth.segments and truth.segments[0].exercise in SEATED
    swing = (incl[0] - incl) if seated else np.zeros(len(t))
    return AngleTrace(t, angle, frontal, heel, swing, np.ones(len(t), bool), source,
                      float(base[0]))
