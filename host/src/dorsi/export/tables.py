"""A session as flat tables: samples, angle trace, events.

Each table is a ``pyarrow.Table`` so one code path writes CSV and Parquet. The
samples table uses the generic IMU CSV column names (``seq, time_s, acc_x ...``),
so an exported CSV reads back with ``dorsi.sources.read_imu_csv``.
"""

from __future__ import annotations

import pyarrow as pa

from dorsi.angle.trace import AngleTrace
from dorsi.events.pain import reported, valid_level
from dorsi.samples import SampleBatch

EVENT_COLUMNS: dict[str, pa.DataType] = {
    "exercise": pa.string(),
    "kind": pa.string(),
    "index": pa.int32(),
    "start_s": pa.float64(),
    "end_s": pa.float64(),
    "duration_s": pa.float64(),
    "peak_s": pa.float64(),
    "angle_deg": pa.float64(),
    "baseline_deg": pa.float64(),
    "target_s": pa.float64(),
    "met": pa.bool_(),
    "heel_lift": pa.bool_(),
    "foot_roll_in": pa.bool_(),
    "lowering_s": pa.float64(),
    "knee_to_wall_cm": pa.float64(),
    "inferred": pa.bool_(),
    "direction": pa.string(),
    "samples_lost": pa.int64(),
    "pain_level": pa.int32(),
}


def samples_table(batch: SampleBatch) -> pa.Table:
    """One sensor's samples (SI units, dorsi axes)."""
    cols = {"seq": batch.seq, "time_s": batch.t}
    for i, axis in enumerate("xyz"):
        cols[f"acc_{axis}"] = batch.acc[:, i]
    for i, axis in enumerate("xyz"):
        cols[f"gyr_{axis}"] = batch.gyr[:, i]
    if batch.quat is not None:
        for i, axis in enumerate("wxyz"):
            cols[f"quat_{axis}"] = batch.quat[:, i]
    return pa.table(cols)


def trace_table(trace: AngleTrace) -> pa.Table:
    """The ankle-angle trace (one row per sample); ``foot_roll_deg``, ``shin_valid`` (the shin's
    own channels usable, through a dropout of the foot sensor) and ``foot_lost`` (the foot sensor
    silent, nothing standing in for it) with a foot sensor only."""
    cols = {
        "time_s": trace.t, "angle_deg": trace.angle_deg, "frontal_deg": trace.frontal_deg,
        "heel_lift": trace.heel_lift.astype(bool), "knee_swing_deg": trace.knee_swing_deg,
        "valid": trace.valid.astype(bool),
    }
    if trace.foot_roll_deg is not None:
        cols["foot_roll_deg"] = trace.foot_roll_deg
    if trace.shin_valid is not None:
        cols["shin_valid"] = trace.shin_valid.astype(bool)
    if trace.foot_lost is not None:
        cols["foot_lost"] = trace.foot_lost.astype(bool)
    return pa.table(cols)


def _row(**values) -> dict:
    return {name: values.get(name) for name in EVENT_COLUMNS}


def event_rows(analysis: dict) -> list[dict]:
    """Reps, holds, heel lifts (per exercise), pain reports (``kind`` ``pain``, at ``start_s``, rated
    ``pain_level`` 1-10 or empty, ``angle_deg`` where it hurt) and data gaps as rows of
    :data:`EVENT_COLUMNS`."""
    rows = []
    for ex in analysis.get("exercises", []):
        name = ex["exercise"]
        for i, r in enumerate(ex.get("reps", []), 1):
            rows.append(_row(exercise=name, kind="rep", index=i, start_s=r["start_s"], end_s=r["end_s"],
                             duration_s=round(r["end_s"] - r["start_s"], 3), peak_s=r["peak_s"],
                             angle_deg=r["peak_angle_deg"],
                             baseline_deg=r.get("baseline_deg"), heel_lift=r.get("heel_lift"),
                             foot_roll_in=r.get("foot_roll_in"), lowering_s=r.get("lowering_s"),
                             knee_to_wall_cm=r.get("knee_to_wall_cm"), inferred=r.get("inferred"),
                             direction=r.get("direction")))
        for i, h in enumerate(ex.get("holds", []), 1):
            rows.append(_row(exercise=name, kind="hold", index=i, start_s=h["start_s"], end_s=h["end_s"],
                             duration_s=h["duration_s"], angle_deg=h["mean_angle_deg"], target_s=h.get("target_s"),
                             met=h.get("met"), heel_lift=h.get("heel_lift"), foot_roll_in=h.get("foot_roll_in")))
        for i, h in enumerate(ex.get("heel_lifts", []), 1):
            rows.append(_row(exercise=name, kind="heel_lift", index=i, start_s=h["start_s"], end_s=h["end_s"],
                             duration_s=round(h["end_s"] - h["start_s"], 3)))
    for i, p in enumerate(reported(analysis), 1):
        exercise = p.get("exercise") if isinstance(p.get("exercise"), str) else None
        rows.append(_row(exercise=exercise, kind="pain", index=i, start_s=p["t_s"], end_s=p["t_s"],
                         duration_s=0.0, pain_level=valid_level(p.get("level")), angle_deg=p.get("angle_deg")))
    for i, g in enumerate(analysis.get("gaps", []), 1):
        rows.append(_row(kind="gap", index=i, start_s=g["start_s"], end_s=g["end_s"],
                         duration_s=round(g["end_s"] - g["start_s"], 3), samples_lost=g["samples_lost"]))
    return rows


def events_table(analysis: dict) -> pa.Table:
    """:func:`event_rows` as a table with a fixed schema (also when empty)."""
    schema = pa.schema(list(EVENT_COLUMNS.items()))
    return pa.Table.from_pylist(event_rows(analysis), schema=schema)
