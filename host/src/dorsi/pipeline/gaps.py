"""What each sensor's data is missing, in the analysis JSON's terms.

``gaps`` lists the shin's lost-sample runs (sequence-number jumps) and
``foot_gaps`` the foot's; a foot sensor that went silent for longer than the
estimator bridges (out of range, battery flat) also gets a note saying what
the ankle angle is made of there.
"""

from __future__ import annotations

import numpy as np

from dorsi.angle.estimator import FOOT_BRIDGE_MAX_S
from dorsi.samples import SampleBatch


def lost_sample_runs(batch: SampleBatch) -> list[dict]:
    """Lost-sample runs of a batch: ``{"start_s", "end_s", "samples_lost"}`` each."""
    idx = batch.gaps()
    if len(idx) == 0:
        return []
    lost = batch.seq[idx] - batch.seq[idx - 1] - 1
    return [{"start_s": round(float(batch.t[i - 1]), 3), "end_s": round(float(batch.t[i]), 3), "samples_lost": int(n)}
            for i, n in zip(idx, lost) if n > 0]


def foot_silence_notes(shin: SampleBatch, foot: SampleBatch | None) -> list[str]:
    """Notes on the stretches where the foot sensor was silent past the estimator's short bridge
    (``FOOT_BRIDGE_MAX_S``): lost runs, a late start and an early end of its data."""
    if foot is None or len(foot) == 0 or len(shin) == 0:
        return []
    spans = [(float(foot.t[i - 1]), float(foot.t[i])) for i in np.flatnonzero(np.diff(foot.t) > FOOT_BRIDGE_MAX_S) + 1]
    if float(foot.t[0]) - float(shin.t[0]) > FOOT_BRIDGE_MAX_S:
        spans.insert(0, (float(shin.t[0]), float(foot.t[0])))
    if float(shin.t[-1]) - float(foot.t[-1]) > FOOT_BRIDGE_MAX_S:
        spans.append((float(foot.t[-1]), float(shin.t[-1])))
    return [f"foot sensor silent {a:.1f}-{b:.1f} s ({b - a:.1f} s): the ankle angle there is the shin's "
            "with the foot taken as planted where it was planted as it fell silent (as with the shin "
            "alone), and missing where it was not, except in exercises begun in the silence, which are "
            "analysed from the shin alone; seated holds and circles need the foot sensor"
            for a, b in spans]


def data_losses(shin: SampleBatch, foot: SampleBatch | None = None) -> dict:
    """``gaps``, ``foot_gaps`` (``None`` without a foot sensor) and ``notes`` for
    :func:`dorsi.pipeline.analyze_trace`."""
    return {"gaps": lost_sample_runs(shin), "foot_gaps": None if foot is None else lost_sample_runs(foot),
            "notes": foot_silence_notes(shin, foot)}
