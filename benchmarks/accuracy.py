"""Accuracy benchmark: the dorsi pipeline against simulator truth, and against a plain baseline.

Sessions come from the simulator with fresh seeds (1000+; tests and tuning use
seeds below 1000), for every exercise at 25, 52, 100 and 200 Hz, with and
without 2 % burst packet loss, left and right leg alternating, the strap turned
by a random angle in [-30, 30] deg. Each session runs the whole product path,
samples -> ``dorsi.angle.AngleEstimator`` -> ``dorsi.pipeline.analyze_trace``,
and, in the same run, a plain baseline: a 2 Hz low-pass of the tilt of the shin
axis from the accelerometer, ``scipy.signal.find_peaks`` for reps and a
threshold-and-still rule for holds.

Figures per exercise (definitions in ``docs/algorithms-events.md``):
rep count exact-match rate (also over the observable reps: leaving out reps more
than half lost in data gaps, and letting two reps whose return to rest between
them fell wholly in gaps count as one), rep F1, peak-angle error (median, max) on matched reps without heel lift
whose peak was not lost in a data gap, hold-duration error (median, max; holds
whose true start or end fell inside a data gap are counted, not measured), hold
met/not-met accuracy (true hold > 1 s from target), heel-lift precision and
recall. The last line printed is one JSON object.

Run: ``.venv/bin/python benchmarks/accuracy.py [--quick] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.signal import butter, filtfilt, find_peaks

RATES = (25.0, 52.0, 100.0, 200.0)
LOSSES = (0.0, 0.02)
# (row label, exercise, foot sensor): the shin sensor alone cannot see seated
# dorsiflexion holds or ankle circles, so those rows carry the foot sensor; the other
# exercises run both ways (shin alone, and with the foot sensor as a patient who has one wears it).
ROWS = (
    ("band_lunge", "band_lunge", False),
    ("knee_to_wall", "knee_to_wall", False),
    ("soleus_stretch", "soleus_stretch", False),
    ("gastroc_stretch", "gastroc_stretch", False),
    ("traction", "traction", False),
    ("eccentric_drop", "eccentric_drop", False),
    ("eccentric_drop+foot", "eccentric_drop", True),
    ("seated_df_hold+foot", "seated_df_hold", True),
    ("ankle_circles+foot", "ankle_circles", True),
    ("nerve_floss", "nerve_floss", False),
    ("calf_release", "calf_release", False),
    ("achilles_release", "achilles_release", False),
    # last, so the rows above keep their seeds: the rest of the routine with the foot sensor too
    # (heel lifts from the foot's pitch; the true ankle angle for stretches and flossing)
    ("band_lunge+foot", "band_lunge", True),
    ("knee_to_wall+foot", "knee_to_wall", True),
    ("soleus_stretch+foot", "soleus_stretch", True),
    ("gastroc_stretch+foot", "gastroc_stretch", True),
    ("traction+foot", "traction", True),
    ("nerve_floss+foot", "nerve_floss", True),
)
HEEL_MIN_RATE_HZ = 50.0  # heel-lift precision/recall are measured at the 52/100/200 Hz (an AX6: 50)
GAP_S = 0.1  # a true peak inside a longer data gap is not observable
LOST_FRACTION = 0.5  # a true rep with more than this share of its time inside gaps is lost
RETURN_DEG = 2.0  # back within this of the rest between two reps: a return to rest (the detectors' release)


@dataclass
class Result:
    """Raw per-session figures, merged per exercise row."""

    sessions: int = 0
    count_exact: int = 0
    count_exact_obs: int = 0
    unobservable: int = 0
    joined_in_gaps: int = 0
    tp: int = 0
    n_det: int = 0
    n_true: int = 0
    peak_err: list = field(default_factory=list)
    peak_abs_err: list = field(default_factory=list)
    peaks_in_gaps: int = 0
    hold_err: list = field(default_factory=list)
    holds_in_gaps: int = 0
    met_right: int = 0
    met_total: int = 0
    heel_tp_det: int = 0
    heel_det: int = 0
    heel_tp_true: int = 0
    heel_true: int = 0
    count_exact_by: dict = field(default_factory=dict)
    direction_right: int = 0
    direction_total: int = 0

    def merge(self, other: "Result") -> None:
        for name in ("sessions", "count_exact", "count_exact_obs", "unobservable", "joined_in_gaps", "holds_in_gaps", "tp", "n_det", "n_true", "peaks_in_gaps", "met_right",
                     "met_total", "heel_tp_det", "heel_det", "heel_tp_true", "heel_true", "direction_right",
                     "direction_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.peak_err += other.peak_err
        self.peak_abs_err += other.peak_abs_err
        self.hold_err += other.hold_err
        for key, (a, b) in other.count_exact_by.items():
            x, y = self.count_exact_by.get(key, (0, 0))
            self.count_exact_by[key] = (x + a, y + b)

    def figures(self, has_reps: bool, has_holds: bool, has_heel: bool = True) -> dict:
        def stat(values, fn):
            return round(float(fn(values)), 3) if values else None

        prec = self.tp / self.n_det if self.n_det else (1.0 if self.n_true == 0 else 0.0)
        rec = self.tp / self.n_true if self.n_true else 1.0
        out: dict = {"sessions": self.sessions}
        if has_reps:
            out.update({
                "rep_count_exact": round(self.count_exact / max(1, self.sessions), 3),
                "rep_count_exact_observable": round(self.count_exact_obs / max(1, self.sessions), 3),
                "reps_lost_in_gaps": self.unobservable,
                "reps_joined_in_gaps": self.joined_in_gaps,
                "rep_f1": round(2 * prec * rec / (prec + rec), 3) if prec + rec else 0.0,
                "peak_err_median_deg": stat(self.peak_err, np.median),
                "peak_err_max_deg": stat(self.peak_err, np.max),
                "peak_abs_err_median_deg": stat(self.peak_abs_err, np.median),
                "peak_abs_err_max_deg": stat(self.peak_abs_err, np.max),
                "peaks_in_gaps": self.peaks_in_gaps,
            })
            if self.direction_total:
                out["circle_direction_accuracy"] = round(self.direction_right / self.direction_total, 3)
                out["circles_matched"] = self.direction_total
        if has_holds:
            out.update({
                "hold_err_median_s": stat(self.hold_err, np.median),
                "hold_err_max_s": stat(self.hold_err, np.max),
                "hold_met_accuracy": round(self.met_right / self.met_total, 3) if self.met_total else None,
                "holds_with_boundary_in_gap": self.holds_in_gaps,
            })
        if has_heel:
            out.update({
                "heel_precision": round(self.heel_tp_det / self.heel_det, 3) if self.heel_det else None,
                "heel_recall": round(self.heel_tp_true / self.heel_true, 3) if self.heel_true else None,
            })
        return out


# ----------------------------------------------------------------------------- matching

def joined_in_gaps(truth, signal: np.ndarray, sign: float, gap_starts: np.ndarray, gap_ends: np.ndarray,
                   back_deg: float = RETURN_DEG) -> set[int]:
    """Indices ``j`` of the true reps whose return to rest after rep ``j - 1`` the data never shows:
    between the two peaks the true signal comes back within ``back_deg`` of the rest only inside
    data gaps. The sensors then saw one movement held through a gap (nothing received tells the
    two apart), so counting them as one is no miss of the observable reps."""
    t = truth.t
    rest = float(np.median(signal[t < t[0] + 2.0]))
    out = set()
    for j in range(1, len(truth.reps)):
        a, b = truth.reps[j - 1].peak_s, truth.reps[j].peak_s
        back = (t > a) & (t < b) & (sign * (signal - rest) < back_deg)
        if not back.any():
            continue  # no return to rest: a valley, which the data may show
        tb = t[back][:, None]
        if ((tb > gap_starts) & (tb < gap_ends)).any(axis=1).all():
            out.add(j)
    return out


def match_reps(det_peaks: np.ndarray, truth_reps: list, slack: float = 0.2) -> list[tuple[int, int]]:
    """One-to-one pairs (detected index, truth index): the detected peak lies in the
    true rep interval (+- slack); nearest true peak first."""
    pairs, used = [], set()
    for i, p in enumerate(det_peaks):
        cands = [(abs(p - r.peak_s), j) for j, r in enumerate(truth_reps)
                 if j not in used and r.start_s - slack <= p <= r.end_s + slack]
        if cands:
            j = min(cands)[1]
            used.add(j)
            pairs.append((i, j))
    return pairs


def match_intervals(det: list[tuple[float, float]], truth: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """One-to-one pairs by largest overlap."""
    pairs, used = [], set()
    for i, (a, b) in enumerate(det):
        best, bj = 0.0, None
        for j, (c, d) in enumerate(truth):
            ov = min(b, d) - max(a, c)
            if j not in used and ov > best:
                best, bj = ov, j
        if bj is not None:
            used.add(bj)
            pairs.append((i, bj))
    return pairs


def overlaps_any(iv: tuple[float, float], others: list[tuple[float, float]]) -> bool:
    return any(min(iv[1], b) > max(iv[0], a) for a, b in others)


# ----------------------------------------------------------------------------- plain baseline

def plain_baseline(shin, polarity: float, rep_prom: float, hold_target: float | None):
    """Low-pass tilt of the shin axis from the accelerometer; find_peaks reps; still-and-high holds."""
    rate = 100.0
    t = np.arange(shin.t[0], shin.t[-1], 1.0 / rate)
    acc = np.column_stack([np.interp(t, shin.t, shin.acc[:, k]) for k in range(3)])
    tilt = np.degrees(np.arctan2(np.hypot(acc[:, 1], acc[:, 2]), acc[:, 0]))
    b, a = butter(2, 2.0 / (rate / 2))
    tilt = filtfilt(b, a, tilt)
    base = float(np.median(tilt[t < t[0] + 2.0]))
    y = polarity * (tilt - base)
    peaks, _ = find_peaks(y, prominence=rep_prom, height=rep_prom, distance=int(0.4 * rate))
    reps = [(float(t[p]), float(tilt[p])) for p in peaks]
    holds = []
    if hold_target is not None:
        still = (y > 5.0) & (np.abs(np.gradient(tilt, 1.0 / rate)) < 5.0)
        edges = np.diff(np.concatenate(([0], still.astype(int), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        merged: list[list[int]] = []
        for s, e in zip(starts, ends):
            if merged and s - merged[-1][1] < 2 * rate:
                merged[-1][1] = e
            else:
                merged.append([s, e])
        holds = [(float(t[s]), float(t[e - 1])) for s, e in merged if e - s > rate]
    return reps, holds, base


# ----------------------------------------------------------------------------- one session

def PHONE_TIMING(seed: int) -> dict:
    """A phone's timing: intervals +-35 %, the clock 1.5 % fast or slow (by seed)."""
    return {"interval_jitter": 0.35, "clock_error": 0.015 if seed % 4 < 2 else -0.015}


def through_csv(s):
    """The session's sensors written as generic IMU CSVs (no seq: times only) and read back."""
    import tempfile

    from dorsi.sim.csv_writer import write_imu_csv
    from dorsi.sources.csv_source import read_imu_csv

    with tempfile.TemporaryDirectory() as tmp:
        shin = write_imu_csv(s.shin, Path(tmp) / "shin.csv")
        foot = write_imu_csv(s.foot, Path(tmp) / "foot.csv") if s.foot is not None else None
        rec = read_imu_csv(shin, foot)
    return rec.shin, rec.foot


def through_sensor_logger(s, seed: int):
    """The shin sensor as a phone would have logged it: a Sensor Logger zip (Android for even
    seeds, iOS for odd; the accelerometer on times of its own) read back."""
    import tempfile

    from dorsi.sim.sensor_logger_writer import write_sensor_logger
    from dorsi.sources.sensor_logger import read_sensor_logger

    with tempfile.TemporaryDirectory() as tmp:
        path = write_sensor_logger(s.shin, Path(tmp) / "phone.zip", "ios" if seed % 2 else "android")
        return read_sensor_logger(path).shin, None


def through_phyphox(s, seed: int):
    """The shin sensor as a phone running phyphox would have exported it: a zip in CSV variant
    1-5 by seed (comma, tab, semicolon; decimal point or comma), the accelerometer on times of its
    own, read back; times moved back onto the session's (phyphox counts from its start)."""
    import tempfile

    from dorsi.samples import SampleBatch
    from dorsi.sim.phyphox_writer import write_phyphox
    from dorsi.sources.phyphox import read_phyphox

    with tempfile.TemporaryDirectory() as tmp:
        shin = read_phyphox(write_phyphox(s.shin, Path(tmp) / "phyphox.zip", 1 + seed % 5)).shin
    return SampleBatch(shin.role, shin.seq, shin.t + float(s.shin.t[0]), shin.acc, shin.gyr, None, shin.meta), None


#: An AX6 logs at 3200/2^k Hz: 50 Hz stands in for 52.
AX_RATES = (25.0, 50.0, 100.0, 200.0)


def AX_TIMING(seed: int) -> dict:
    """A logger's sensor clock: 1 % fast or slow of its nominal rate (by seed)."""
    return {"clock_error": 0.01 if seed % 4 < 2 else -0.01}


def through_axivity(s, seed: int):
    """The session's sensors as Axivity AX6 loggers would have recorded them (shin.cwa and
    foot.cwa; timestamps with their fraction for even seeds, the oldest form for odd; the leg in
    the body location, as a study writes it), read back; times moved back onto the session's (the
    reader counts from the shin's first sample)."""
    import tempfile

    from dorsi.samples import SampleBatch
    from dorsi.sim.axivity_writer import write_cwa
    from dorsi.sources.axivity import read_cwa

    with tempfile.TemporaryDirectory() as tmp:
        for batch in s.batches():
            write_cwa(batch, Path(tmp) / f"{batch.role}.cwa", fractional=seed % 2 == 0,
                      metadata={"_p": f"{s.shin.meta['side']} {batch.role}", "_sc": f"seed {seed}"})
        rec = read_cwa(Path(tmp) / "shin.cwa")
    t0 = float(s.shin.t[0])
    moved = [None if b is None else SampleBatch(b.role, b.seq, b.t + t0, b.acc, b.gyr, None, b.meta)
             for b in (rec.shin, rec.foot)]
    return moved[0], moved[1]


def run_session(task: tuple) -> tuple[str, str, Result, Result]:
    label, exercise, foot, rate, loss, seed, extra = task
    from dorsi.angle import AngleEstimator
    from dorsi.events.settings import settings_for
    from dorsi.pipeline import analyze_trace
    from dorsi.routine import default_routine
    from dorsi.sim import SimOptions, simulate

    rng = np.random.default_rng(seed)
    side = "left" if seed % 2 else "right"
    opts = SimOptions(rate_hz=rate, side=side, strap_rotation_deg=float(rng.uniform(-30, 30)),
                      foot_sensor=foot, packet_loss=loss, quaternions=True,
                      posture_wander_deg=extra.get("posture_wander_deg", 0.0),
                      **(PHONE_TIMING(seed) if extra.get("phone_timing") or extra.get("sensor_logger")
                         or extra.get("phyphox") else AX_TIMING(seed) if extra.get("axivity") else {}))
    s = simulate(exercise, seed=seed, options=opts)
    if extra.get("sensor_logger"):
        shin, foot_batch = through_sensor_logger(s, seed)
    elif extra.get("phyphox"):
        shin, foot_batch = through_phyphox(s, seed)
    elif extra.get("axivity"):
        shin, foot_batch = through_axivity(s, seed)
    elif extra.get("phone_timing"):
        shin, foot_batch = through_csv(s)
    else:
        shin, foot_batch = s.shin, s.foot
    truth = s.truth
    spec = default_routine()[exercise]
    profile = {k: s.profile[k] for k in ("shank_length_m", "foot_length_m") if k in s.profile}
    trace = AngleEstimator(**profile).estimate(shin, foot_batch).trace_
    analysis = analyze_trace(trace, exercise=exercise, profile=profile, sample_rate_hz=rate)
    ex = analysis.exercises[0]
    settings = settings_for(spec, trace.source)
    sign = -1.0 if settings.polarity == "negative" else 1.0
    signal = truth.ankle_angle_deg if trace.source == "ankle" else truth.tibial_inclination_deg
    # data gaps of every sensor the detection reads (the ankle angle needs both; the knee swing
    # of seated flossing is the shin's alone)
    reads_foot = trace.source == "ankle" and foot_batch is not None and spec.signal != "knee_swing"
    sensors = [shin] + ([foot_batch] if reads_foot else [])
    # (a sensor's data starting late or ending early is lost too: a gap to the session's edge)
    t_first, t_last = float(truth.t[0]), float(truth.t[-1])
    gap_starts = np.concatenate([np.concatenate([[t_first] if b.t[0] - t_first > GAP_S else [],
                                                 b.t[:-1][np.diff(b.t) > GAP_S],
                                                 [b.t[-1]] if t_last - b.t[-1] > GAP_S else []]) for b in sensors])
    gap_ends = np.concatenate([np.concatenate([[b.t[0]] if b.t[0] - t_first > GAP_S else [],
                                               b.t[1:][np.diff(b.t) > GAP_S],
                                               [t_last] if t_last - b.t[-1] > GAP_S else []]) for b in sensors])
    key = f"{int(rate)}Hz/{'loss' if loss else 'clean'}"

    def peak_ref(rep) -> float:
        inside = (truth.t >= rep.start_s) & (truth.t <= rep.end_s)
        return float(signal[inside][np.argmax(sign * signal[inside])])

    def in_gap(tp: float) -> bool:
        return bool(np.any((gap_starts < tp) & (gap_ends > tp)))

    def lost(rep) -> bool:
        covered = np.clip(np.minimum(gap_ends, rep.end_s) - np.maximum(gap_starts, rep.start_s), 0, None).sum()
        return covered > LOST_FRACTION * (rep.end_s - rep.start_s)

    n_lost = int(sum(lost(r) for r in truth.reps))
    joined = joined_in_gaps(truth, signal, sign, gap_starts, gap_ends)

    ours, base = Result(sessions=1), Result(sessions=1)
    # reps
    det_peaks = np.array([r.peak_s for r in ex.reps])
    hold_target = spec.target.hold_s
    base_reps, base_holds, base_rest = plain_baseline(shin, sign, 1.5 if sign < 0 else 5.0, hold_target)
    # The peak angle is judged as the issue defines it: the extreme excursion from the
    # standing (resting) baseline. The absolute level of a shin sensor's angle depends on how
    # the sensor sits on the tibia (a tilt no shin-only method can observe), so it is
    # reported separately (peak_abs_err) and not part of the goal.
    truth_rest = float(np.median(signal[truth.t < truth.t[0] + 2.0]))
    ours_exc = [r.peak_angle_deg - r.baseline_deg for r in ex.reps]
    for res, peaks, values, absolute in (
            (ours, det_peaks, ours_exc, [r.peak_angle_deg for r in ex.reps]),
            (base, np.array([p for p, _ in base_reps]), [v - base_rest for _, v in base_reps], None)):
        if not truth.reps and not spec.has_reps:
            continue
        pairs = match_reps(peaks, truth.reps)
        res.tp, res.n_det, res.n_true = len(pairs), len(peaks), len(truth.reps)
        if res is ours:  # ankle circles: the way each went (the plain baseline cannot tell)
            known = [(i, j) for i, j in pairs if truth.reps[j].direction is not None]
            res.direction_total = len(known)
            res.direction_right = sum(ex.reps[i].direction == truth.reps[j].direction for i, j in known)
        exact = int(len(peaks) == len(truth.reps))
        res.count_exact = exact
        res.unobservable = n_lost
        # Exact on the observable reps: each one counted, and no rep made up. A lost rep may be
        # counted or not (its visible part may still show it, or the rhythm restore it), so a
        # detection matching no true rep is made up only beyond the lost reps left unmatched.
        # Two reps whose return to rest between them the data never shows (it all fell in gaps) are
        # one movement to the sensors: one of the two may go uncounted (``joined_in_gaps``).
        matched = {j for _, j in pairs}
        excused = {j for j in range(len(truth.reps)) if j not in matched and not lost(truth.reps[j])
                   and ((j in joined and j - 1 in matched) or (j + 1 in joined and j + 1 in matched))}
        lost_unmatched = sum(lost(r) for j, r in enumerate(truth.reps) if j not in matched)
        seen_unmatched = sum(not lost(r) for j, r in enumerate(truth.reps) if j not in matched and j not in excused)
        res.count_exact_obs = int(seen_unmatched == 0 and len(peaks) - len(pairs) <= lost_unmatched)
        res.joined_in_gaps = len(joined)
        res.count_exact_by[key] = (exact, 1)
        if spec.signal == "angle":
            for i, j in pairs:
                true = truth.reps[j]
                if true.heel_lift:
                    continue
                if in_gap(true.peak_s):
                    res.peaks_in_gaps += 1
                    continue
                res.peak_err.append(abs(values[i] - (peak_ref(true) - truth_rest)))
                if absolute is not None:
                    res.peak_abs_err.append(abs(absolute[i] - peak_ref(true)))
    # holds
    true_holds = [(h.start_s, h.end_s) for h in truth.holds]
    for res, holds in ((ours, [(h.start_s, h.end_s) for h in ex.holds]), (base, base_holds)):
        for i, j in match_intervals(holds, true_holds):
            d_det = holds[i][1] - holds[i][0]
            d_true = truth.holds[j].duration_s
            if in_gap(truth.holds[j].start_s) or in_gap(truth.holds[j].end_s):
                res.holds_in_gaps += 1  # the moment the hold began or ended was not received
                continue
            res.hold_err.append(abs(d_det - d_true))
            if hold_target is not None and abs(d_true - hold_target) > 1.0:
                res.met_total += 1
                res.met_right += int((d_det >= hold_target) == (d_true >= hold_target))
    # heel lifts (ours only: the plain baseline has none). The issue sets the heel-lift goal at
    # 52, 100 and 200 Hz, so 25 Hz sessions are left out of these figures (there the shin-only
    # detector raised 3 false lifts in 16 band-lunge sessions: see docs/validation.md).
    if rate < HEEL_MIN_RATE_HZ:
        return label, key, ours, base
    det_lifts = [(h.start_s, h.end_s) for h in ex.heel_lifts]
    ours.heel_det = len(det_lifts)
    ours.heel_tp_det = int(sum(overlaps_any(iv, truth.heel_lifts) for iv in det_lifts))
    ours.heel_true = len(truth.heel_lifts)
    ours.heel_tp_true = int(sum(overlaps_any(iv, det_lifts) for iv in truth.heel_lifts))
    return label, key, ours, base


def rows(phone: bool = False) -> list[tuple]:
    """The benchmark's rows (a phone export holds one sensor: the shin-only rows)."""
    return [r for r in ROWS if not (phone and r[2])]


def tasks(quick: bool, repeats: int, seed_base: int = 1000, posture_wander_deg: float = 0.0,
          phone_timing: bool = False, sensor_logger: bool = False, phyphox: bool = False,
          axivity: bool = False) -> list[tuple]:
    """Every row x rate x loss, ``repeats`` seeds each from ``seed_base`` (odd seeds are left legs)."""
    extra = {"posture_wander_deg": posture_wander_deg, "phone_timing": phone_timing,
             "sensor_logger": sensor_logger, "phyphox": phyphox, "axivity": axivity}
    rates = AX_RATES if axivity else RATES
    out = []
    seed = seed_base
    for label, exercise, foot in rows(sensor_logger or phyphox):
        for rate in (rates[1:3] if quick else rates):
            for loss in LOSSES:
                for _ in range(repeats):
                    out.append((label, exercise, foot, rate, loss, seed, extra))
                    seed += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="52 and 100 Hz only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="seeds per condition (default 2: left and right)")
    parser.add_argument("--verbose", action="store_true", help="list sessions whose rep count is off")
    parser.add_argument("--seed-base", type=int, default=1000,
                        help="first seed (default 1000; the figures in docs/validation.md have looked at "
                             "these many times: another base gives sessions nothing was tuned on)")
    parser.add_argument("--posture-wander", type=float, default=0.0, metavar="DEG",
                        help="the person's resting inclination wanders this much (RMS, over half a minute to "
                             "minutes: weight shifting between reps; default 0, the issue's conditions)")
    parser.add_argument("--phone-timing", action="store_true",
                        help="sample times wander as a phone's do (intervals +-35 %%, the clock 1.5 %% off the "
                             "stated rate); every session goes through a generic IMU CSV without seq and is "
                             "resampled by the reader")
    parser.add_argument("--sensor-logger", action="store_true",
                        help="the shin sensor is a phone: phone-like timing, every session written as a Sensor "
                             "Logger zip export (Android and iOS by turns, raw data only, the accelerometer on "
                             "times of its own) and read back; shin-only rows")
    parser.add_argument("--phyphox", action="store_true",
                        help="the shin sensor is a phone running phyphox: phone-like timing, every session written "
                             "as a phyphox zip export (its five CSV variants by turns, the accelerometer on times of "
                             "its own) and read back; shin-only rows")
    parser.add_argument("--axivity", action="store_true",
                        help="the sensors are Axivity AX6 loggers: every session written as shin.cwa (and foot.cwa) "
                             "and read back, the sensor clock 1 %% off its nominal rate, 50 Hz in place of 52 (an "
                             "AX6 rate); packet loss stands for blocks lost to damage")
    args = parser.parse_args(argv)
    from dorsi.routine import default_routine

    if args.seed_base < 1000:
        parser.error("--seed-base must be 1000 or more (seeds below 1000 are for tests and tuning)")
    if sum((args.sensor_logger, args.phyphox, args.axivity)) > 1:
        parser.error("one export at a time: --sensor-logger, --phyphox or --axivity")
    todo = tasks(args.quick, args.repeats, args.seed_base, args.posture_wander, args.phone_timing,
                 args.sensor_logger, args.phyphox, args.axivity)
    rates = AX_RATES if args.axivity else RATES
    t0 = time.perf_counter()
    ours: dict[str, Result] = {}
    base: dict[str, Result] = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for task, (label, key, o, b) in zip(todo, pool.map(run_session, todo, chunksize=1)):
            if args.verbose and o.n_true and (o.n_det != o.n_true or not o.count_exact_obs):
                print(f"  count off: {label} {key} seed {task[5]}: {o.n_det} detected / {o.n_true} true"
                      f" ({o.unobservable} lost in gaps, {o.joined_in_gaps} joined to the rep before in a gap; {'observable reps exact' if o.count_exact_obs else 'OBSERVABLE MISS'})")
            if args.verbose and o.hold_err and max(o.hold_err) > 1.0:
                print(f"  hold off: {label} {key} seed {task[5]}: max error {max(o.hold_err):.2f} s")
            ours.setdefault(label, Result(sessions=0)).merge(o)
            base.setdefault(label, Result(sessions=0)).merge(b)
    elapsed = time.perf_counter() - t0
    print(f"dorsi accuracy benchmark: {len(todo)} sessions, seeds {args.seed_base}-{args.seed_base + len(todo) - 1}, "
          f"rates {', '.join(str(int(r)) for r in (rates[1:3] if args.quick else rates))} Hz, "
          f"loss 0 and 2 %, left/right, strap +-30 deg"
          + (f", posture wandering {args.posture_wander:g} deg RMS" if args.posture_wander else "")
          + (", phone-like timing through CSV" if args.phone_timing else "")
          + (", a phone's Sensor Logger export (shin only)" if args.sensor_logger else "")
          + (", a phone's phyphox export (shin only)" if args.phyphox else "")
          + (", Axivity AX6 recordings (.cwa)" if args.axivity else "")
          + f"; {elapsed:.0f} s")
    header = (f"{'exercise':22s} {'count':>11s} {'count obs':>11s} {'F1':>11s} {'peak med':>11s} {'peak max':>11s} "
              f"{'hold med':>11s} {'hold max':>11s} {'met':>11s} {'heel P/R':>10s}")
    print("each cell: dorsi | plain baseline; 'count obs' leaves out reps lost in data gaps "
          f"(> {LOST_FRACTION:.0%} of the rep missing), and lets two reps whose return to rest between them "
          "fell wholly in gaps count as one: every other rep counted, none made up; "
          "peak errors in deg, hold errors in s")
    print(header)
    summary: dict = {}
    routine = default_routine()
    for label, exercise, _foot in rows(args.sensor_logger or args.phyphox):
        spec = routine[exercise]
        has_reps, has_holds = spec.has_reps, spec.has_holds
        fo = ours[label].figures(has_reps, has_holds)
        fb = base[label].figures(has_reps, has_holds, has_heel=False)
        summary[label] = {"dorsi": fo, "baseline": fb,
                          "count_exact_by_condition": {k: round(a / n, 2) for k, (a, n)
                                                       in sorted(ours[label].count_exact_by.items())}}

        def cell(key: str) -> str:
            a, b = fo.get(key), fb.get(key)
            fmt = lambda v: "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))  # noqa: E731
            return f"{fmt(a):>5s}|{fmt(b):<5s}"

        heel = f"{fo.get('heel_precision') or '-'}/{fo.get('heel_recall') or '-'}"
        print(f"{label:22s} {cell('rep_count_exact'):>11s} {cell('rep_count_exact_observable'):>11s} "
              f"{cell('rep_f1'):>11s} "
              f"{cell('peak_err_median_deg'):>11s} {cell('peak_err_max_deg'):>11s} "
              f"{cell('hold_err_median_s'):>11s} {cell('hold_err_max_s'):>11s} {cell('hold_met_accuracy'):>11s} "
              f"{heel:>10s}")
    for label in summary:
        acc = summary[label]["dorsi"].get("circle_direction_accuracy")
        if acc is not None:
            print(f"{label}: circle direction (outward / inward) right on {acc:.3f} of "
                  f"{summary[label]['dorsi']['circles_matched']} matched circles")
    print("rep count exact-match by condition (dorsi):")
    for label in summary:
        by = summary[label]["count_exact_by_condition"]
        if by:
            print(f"  {label:22s} " + " ".join(f"{k}={v:.2f}" for k, v in by.items()))
    summary["_meta"] = {"sessions": len(todo), "seconds": round(elapsed, 1), "quick": args.quick,
                        "seed_base": args.seed_base, "posture_wander_deg": args.posture_wander,
                        "phone_timing": args.phone_timing, "sensor_logger": args.sensor_logger}
    if args.phyphox:
        summary["_meta"]["phyphox"] = True
    if args.axivity:
        summary["_meta"]["axivity"] = True
    print(json.dumps(summary, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
