"""The one analysis path: samples -> angle trace -> events -> score -> Analysis.

Used by ``dorsi analyze``, replay and the live session alike.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from dorsi.angle.trace import AngleTrace
from dorsi.events.activity import ActivityDetector
from dorsi.events.classify import ExerciseClassifier
from dorsi.events.exercise import ExerciseEventDetector
from dorsi.events.foot_fallback import FootFallback
from dorsi.events.pain import PainReport, assign, belongs, summary_note, with_angles
from dorsi.order_stats import median
from dorsi.pipeline.analysis import Analysis, ExerciseAnalysis
from dorsi.pipeline.as_worn import estimate_as_worn
from dorsi.pipeline.auto_segments import found_segments, is_auto
from dorsi.pipeline.gaps import data_losses
from dorsi.pipeline.segments import normalise_segments
from dorsi.pipeline.stance_check import stance_drift_note
from dorsi.pipeline.strap_check import strap_turn_note
from dorsi.routine.exercises import check_exercise, dorsiflexion_exercises
from dorsi.routine.loader import default_routine
from dorsi.routine.model import Routine
from dorsi.samples import SampleBatch
from dorsi.score.quality import QualityScorer, overall_quality

#: No one exercise of the routine takes this long (s; 20 seated holds of 10 s with rests: about
#: 5 min): an unmarked input this long is likely a whole session, and its note says so.
ONE_EXERCISE_MAX_S = 600.0
#: Said when the foot sensor's first still moment was not the shin's still start (its data began
#: later): where the foot is flat was not seen.
FOOT_REST_UNSEEN_NOTE = (
    "the foot sensor's data began after the still start, so where the foot is flat was not seen (its "
    "level was taken at its first still moment, which may have been lifted or toes up): ankle angles may "
    "be offset by several degrees (start recording with both sensors on and keep still a few seconds)")
_ESTIMATOR_KEYS = ("shank_length_m", "foot_length_m", "sensor_height_m", "side")


def estimate_trace(shin: SampleBatch, foot: SampleBatch | None = None, profile: dict | None = None,
                   orientation: str = "auto", segments: Iterable | None = None,
                   exercise: str | None = None) -> AngleTrace:
    """Run the angle estimator (``dorsi.angle.AngleEstimator``) on the samples.

    ``orientation`` is the estimator's orientation source (``"auto"``,
    ``"gyro"``, ``"device"``, ``"fusion"``); ``"device"`` takes the angle
    straight from the device quaternions (the fast path, no filter). The
    sensors are read as worn (:mod:`dorsi.pipeline.as_worn`): shin and foot
    boards on each other's place from their places, a foot that cannot be
    calibrated leaves the shin alone, and given which exercise ran when
    (``segments``, or ``exercise`` for the whole input) a foot sensor worn the
    other way round the right way round.
    """
    from dorsi.angle import AngleEstimator

    kwargs = {k: (profile or {})[k] for k in _ESTIMATOR_KEYS if (profile or {}).get(k) is not None}

    def named(trace: AngleTrace) -> list:
        t0, t1 = float(trace.t[0]), float(trace.t[-1]) + 1e-9
        return normalise_segments(segments if segments is not None else [(exercise, t0, t1)], t0, t1)

    return estimate_as_worn(lambda: AngleEstimator(orientation=orientation, **kwargs), shin, foot,
                            None if segments is None and exercise is None else named)


def analyze_segment(trace: AngleTrace, exercise: str, routine: Routine, profile: dict | None = None) -> ExerciseAnalysis:
    """Detect and score the events of one exercise segment (``trace`` already sliced)."""
    spec = routine[exercise]
    det = ExerciseEventDetector(spec, source=trace.source, profile=profile).detect(trace)
    channel = "knee_swing" if spec.signal == "knee_swing" else "angle"
    active_s = ActivityDetector(channel=channel).detect(trace).active_s_
    notes = list(det.notes_)
    strap = strap_turn_note(spec, trace)
    if strap:
        notes.append(strap)
    stance = stance_drift_note(spec, trace, det.baselines_["main"])
    if stance:
        notes.append(stance)
    work_s = active_s
    if spec.kind == "duration":
        # Foam rolling translates the leg along the roller with little rotation: the angle barely
        # changes, so the time under work is the segment's own length (start to end marker).
        work_s = float(trace.t[-1] - trace.t[0])
        notes.append(f"{exercise}: time under work is the segment length ({work_s:.0f} s); "
                     "the sensor cannot confirm the rolling itself")
    quality = QualityScorer().score(spec, det.reps_, det.holds_, work_s, det.baselines_["main"],
                                    observable=det.observable).quality_
    return ExerciseAnalysis(
        exercise=exercise, start_s=float(trace.t[0]), end_s=float(trace.t[-1]), target=spec.target,
        baseline_deg=det.baselines_["main"], reps=det.reps_, holds=det.holds_, heel_lifts=det.heel_lifts_,
        active_s=active_s, quality=quality, source=trace.source, notes=notes,
    )


def analyze_trace(trace: AngleTrace, segments: Iterable | None = None, exercise: str | None = None,
                  routine: Routine | None = None, profile: dict | None = None,
                  sample_rate_hz: float | None = None, gaps: list[dict] | None = None,
                  foot_gaps: list[dict] | None = None, notes: list[str] | None = None,
                  pain: Sequence[PainReport] = ()) -> Analysis:
    """Analyse an angle trace (everything after angle estimation).

    Parameters
    ----------
    trace : AngleTrace
        The whole session's trace.
    segments : iterable of (exercise, start_s, end_s), optional
        Exercise segments (recording markers). Without them the whole trace is
        one segment of ``exercise``, or of the exercise the classifier detects.
    exercise : str, optional
        Exercise of the single segment.
    routine : Routine, optional
        Targets and cues (default: the packaged routine).
    profile : dict, optional
        Body profile (``shank_length_m``, ``foot_length_m``, ...).
    sample_rate_hz : float, optional
        The input's rate (default: from the trace's median step).
    gaps, foot_gaps, notes : optional
        The sensors' lost-sample runs and notes on them
        (:func:`dorsi.pipeline.gaps.data_losses`), passed through to the result.
    pain : sequence of PainReport, optional
        Pain the user reported (:mod:`dorsi.events.pain`): each is listed under the exercise
        whose segment holds it, and in one note.
    """
    routine = routine or default_routine()
    if len(trace) < 2:
        raise ValueError("the input holds fewer than two samples")
    t0, t1 = float(trace.t[0]), float(trace.t[-1])
    notes = list(notes or [])
    if trace.meta.get("shin_upside_down"):
        notes.append("the shin sensor was worn upside down (its arrow toward the foot); it was read as worn, "
                     "but wear it arrow up toward the knee, as the user guide shows")
    if trace.meta.get("foot_unusable"):
        notes.append(f"the foot sensor could not be calibrated ({trace.meta['foot_unusable']}); the session was "
                     "analysed with the shin sensor alone")
    if trace.meta.get("sensors_swapped"):
        notes.append("the shin and foot sensors were strapped on each other's place (the one set up for the "
                     "foot stood up the shin and turned with the knee bends); each was read where it was worn, "
                     "but swap them back, or pair them again, as the user guide shows")
    if trace.meta.get("foot_turned_round"):
        notes.append("the foot sensor was worn the other way round (its arrow toward the ankle: the forefoot "
                     "lifts read toes-down); it was read as worn, but wear it arrow toward the toes, as the "
                     "user guide shows")
    if trace.meta.get("foot_rest_unseen"):
        notes.append(FOOT_REST_UNSEEN_NOTE)
    if trace.meta.get("shin_worn_behind"):
        notes.append("the shin sensor was worn on the back of the leg (the first movements leaned back as no "
                     "standing shank does); it was read as worn, front and back swapped, but wear it on the "
                     "front of the shin, flat side out, as the user guide shows")
    if segments is None:
        if exercise is None:
            clf = ExerciseClassifier().fit_predict(trace)
            exercise = clf.exercise_
            note = f"exercise not given: classified as {exercise} ({clf.reason_})"
            if t1 - t0 > ONE_EXERCISE_MAX_S:
                note += (f"; the input lasts {(t1 - t0) / 60:.0f} min, longer than one exercise of the routine "
                         "takes: if it holds several, give which ran when (--segments FILE), or have the routine's "
                         "exercises found (--segments auto)")
            notes.append(note)
        segs = normalise_segments([(check_exercise(exercise), t0, t1 + 1e-9)], t0, t1 + 1e-9)
    else:
        segs = normalise_segments(segments, t0, t1 + 1e-9)
    routine = _covering(routine, [seg.exercise for seg in segs], notes)
    results = []
    for seg in segs:
        part = trace.slice_time(seg.start_s, seg.end_s)
        fallback = FootFallback(routine[seg.exercise].needs_foot_sensor)
        part = fallback.update(part) or part
        if len(part) < 2 or np.count_nonzero(part.valid) < 2:
            lost = part.foot_lost is not None and part.foot_lost[part.channel_valid("knee_swing")].any()
            notes.append(f"segment {seg.exercise} {seg.start_s:.1f}-{seg.end_s:.1f} s has no usable samples"
                         + (" (the foot sensor was silent, and this exercise needs it)" if lost else ""))
            continue
        if fallback.shin_alone_:
            notes.append(fallback.note(seg.exercise, seg.start_s, seg.end_s))
        results.append(analyze_segment(part, seg.exercise, routine, profile))
    spans = [(seg.exercise, seg.start_s, seg.end_s) for seg in segs]
    reported = with_angles(assign(pain, spans), trace.t, trace.angle_deg, trace.valid, spans,
                           dorsiflexion_exercises(trace.source))
    for result in results:
        result.pain = [p for p in reported if belongs(p, result.exercise, result.start_s, result.end_s)]
    pain_note = summary_note(reported, routine.titles, t0)
    if pain_note is not None:
        notes.append(pain_note)
    rate = sample_rate_hz if sample_rate_hz is not None else float(1.0 / median(np.diff(trace.t)))
    return Analysis(
        sample_rate_hz=rate, duration_s=t1 - t0, source=trace.source, exercises=results,
        quality=overall_quality([r.quality.score for r in results]), gaps=gaps or [], foot_gaps=foot_gaps,
        notes=notes, pain=reported,
    )


def _covering(routine: Routine, exercises: list[str], notes: list[str]) -> Routine:
    """``routine`` plus the default routine's spec of each exercise it lacks (a routine file cut
    down for one patient, analysing an exercise it leaves out), each named in ``notes``."""
    missing = [e for e in dict.fromkeys(exercises) if e not in routine]
    if not missing:
        return routine
    default = default_routine()
    notes.extend(f"{e} is not in the routine {routine.name!r}: its targets are the default routine's"
                 for e in missing)
    return Routine(routine.name, routine.exercises + tuple(default[e] for e in missing))


def analyze(shin: SampleBatch, foot: SampleBatch | None = None, segments: Iterable | str | None = None,
            exercise: str | None = None, routine: Routine | None = None, profile: dict | None = None,
            orientation: str = "auto", notes: list[str] | None = None,
            pain: Sequence[PainReport] = ()) -> Analysis:
    """Analyse a session from raw samples: the one path for CLI, replay and live.

    Parameters
    ----------
    shin : SampleBatch
        Shin sensor samples.
    foot : SampleBatch, optional
        Foot sensor samples (true ankle angle, heel lift from foot pitch).
    segments, exercise, routine, profile
        See :func:`analyze_trace`; ``segments="auto"`` finds the routine's exercises in an
        unmarked input (:func:`dorsi.pipeline.auto_segments.found_segments`, noted in the result).
    orientation : str
        Orientation source of the angle estimator (:func:`estimate_trace`);
        ``"device"`` needs device quaternions in the batches.
    notes : list of str, optional
        What the source reported about its data (a truncated file, say),
        listed first in the result's notes.
    pain : sequence of PainReport, optional
        Pain the user reported (see :func:`analyze_trace`).

    Returns
    -------
    Analysis
        Serialise with ``.to_json()``.
    """
    if len(shin) < 2:
        raise ValueError("the input holds fewer than two samples")
    notes = list(notes or [])
    if is_auto(segments):
        if exercise is not None:
            raise ValueError("give an exercise (the whole input is one exercise) or segments, not both")
        trace, segments, found = found_segments(shin, foot, profile, routine, orientation)
        notes.append(found)
    else:
        trace = estimate_trace(shin, foot, profile, orientation, segments, exercise)
    losses = data_losses(shin, foot)
    losses["notes"] = notes + losses["notes"]
    return analyze_trace(trace, segments, exercise, routine, profile, sample_rate_hz=shin.rate_hz, pain=pain,
                         **losses)
