"""Per-exercise detector settings (thresholds, polarity, channel).

The values follow the movement each exercise produces on the trace (see
``docs/algorithms-events.md``): e.g. a band lunge is a positive excursion of
8-45 deg, an eccentric drop seen by the shin sensor alone is a small backward
(negative) tilt while with a foot sensor it is a clear dorsiflexion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dorsi.routine.model import ExerciseSpec


@dataclass(frozen=True)
class DetectorSettings:
    """Parameters handed to the rep and hold detectors of one exercise."""

    channel: str = "angle"
    polarity: str = "positive"
    rep: dict = field(default_factory=dict)
    hold: dict = field(default_factory=dict)
    hold_note: str | None = None  # said with the holds found: how far their times can be trusted
    # thresholds measured from the resting level followed from rest to rest (``RestLevel``), not the
    # still start alone: a person's resting posture wanders
    follow_rest: bool = True


# An eccentric drop's excursion lasts up to 11 s (the lift, a 5 s hold, a 2-4 s lowering; simulated
# reps: at most 10.9 s), two drops run together by a dropout at least 11.8 s (the hold's and the
# rep's ``max_bridged_s``)
DROP_MAX_BRIDGED_S = 11.0

_REPS = {
    "knee_to_wall": dict(threshold_deg=8.0, release_deg=3.0),
    "band_lunge": dict(threshold_deg=5.0, release_deg=2.0),
    "ankle_circles": dict(threshold_deg=3.0, release_deg=1.0, cycle_prominence_deg=8.0),
    "nerve_floss": dict(threshold_deg=12.0, release_deg=4.0, restore_hidden=True),
    # a drop's rep spans its hold: a long dropout hiding a lowering and the next lift parts two
    # reps as it parts their holds
    "eccentric_drop": dict(threshold_deg=5.0, release_deg=2.0, min_duration_s=3.5, max_bridged_s=DROP_MAX_BRIDGED_S),
}

_HOLDS = {
    "gastroc_stretch": dict(threshold_deg=5.0, release_deg=2.5),
    "soleus_stretch": dict(threshold_deg=5.0, release_deg=2.5),
    # band traction rocks, a few degrees above rest: a slow rock back can stay under the release
    # level for 0.6-0.8 s, while leaving the position and coming back takes over a second
    "traction": dict(threshold_deg=5.0, release_deg=2.5, max_dip_s=1.0),
    "seated_df_hold": dict(threshold_deg=5.0, release_deg=2.5),
    # a drop's hold ends in its lowering, the next begins after a short rest: no dip is sway; a
    # position held 10 s around a long dropout is two 5 s holds whose cycle between them was lost
    "eccentric_drop": dict(threshold_deg=5.0, release_deg=2.0, max_dip_s=0.0, max_bridged_s=DROP_MAX_BRIDGED_S),
}

# Shin sensor alone: the eccentric drop is only a small backward tilt of the shank.
_SHIN_ONLY_ECCENTRIC = dict(threshold_deg=1.5, release_deg=0.7)
# Its holds are cut at deep valleys as every hold is: 60 % of the lower drop back toward rest for
# 1 s at least (MIN_VALLEY_S), so a rest between two drops a little off the baseline parts them,
# while sway inside one hold is too brief to (docs/validation.md, "Twenty-second session").
# ... whose slow return at the lowering the shank's sway hides: the hold's end is the foot's
# (docs/validation.md: shin-only hold error median 0.3 s, about one hold in eight over 1 s).
SHIN_ONLY_ECCENTRIC_HOLD_NOTE = (
    "eccentric_drop: with the shin sensor alone a hold's end is read from the shank's small tilt back, "
    "which the body's sway can hide: hold times are typically within 0.3 s, about one in eight more "
    "than 1 s off (wear the foot sensor to time them to a few tenths of a second)")


def settings_for(spec: ExerciseSpec, source: str) -> DetectorSettings:
    """Detector settings for ``spec`` on a trace of ``source`` ("inclination" or "ankle")."""
    channel = "knee_swing" if spec.signal == "knee_swing" else "angle"
    polarity = "positive"
    rep = dict(_REPS.get(spec.id, {}))
    hold = dict(_HOLDS.get(spec.id, {}))
    hold_note = None
    # not for shin-only drops (0.5-5 deg with 1 deg of sway: a shallow drop held still would be taken
    # for a rest) nor traction (held 5 deg out, rocking: the rock's still turns near its low end were
    # taken for rests, hold errors up to 12 s on two of five bases with the posture wandering)
    follow_rest = spec.id != "traction"
    if spec.id == "eccentric_drop" and source != "ankle":
        follow_rest = False
        polarity = "negative"
        rep.update(_SHIN_ONLY_ECCENTRIC)
        hold.update(_SHIN_ONLY_ECCENTRIC)
        hold_note = SHIN_ONLY_ECCENTRIC_HOLD_NOTE
    if spec.id == "nerve_floss":
        polarity = "both"
    return DetectorSettings(channel=channel, polarity=polarity, rep=rep, hold=hold, hold_note=hold_note,
                            follow_rest=follow_rest)
