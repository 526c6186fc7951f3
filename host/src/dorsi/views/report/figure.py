"""The session figure: ankle angle over time with reps, holds, heel lifts, pain reports and gaps.

Drawn with matplotlib's Agg backend (no display needed). Times are shown from
the start of the session; lost data is drawn as a hatched band and the trace
is broken there, never bridged.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from dorsi.angle.trace import AngleTrace  # noqa: E402
from dorsi.events import pain  # noqa: E402
from dorsi.events.pain import reported  # noqa: E402
from dorsi.history.calibration import KneeToWallCalibration  # noqa: E402

COLORS = {"trace": "#1f4e79", "swing": "#8e24aa", "rep": "#2e7d32", "rep_lift": "#c62828", "hold": "#1976d2",
          "heel": "#c62828", "gap": "#9e9e9e", "aim": "#ef6c00", "segment": "#f3f3f3", "pain": "#d81b60"}


def _spans(mask: np.ndarray, t: np.ndarray) -> list[tuple[float, float]]:
    """Time spans where ``mask`` is true."""
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(float(t[a]), float(t[b])) for a, b in zip(starts, ends)]


class SessionFigure:
    """Plot a session's ankle-angle trace and its events.

    Parameters
    ----------
    width_in, height_in : float
        Figure size in inches.
    dpi : int
        Raster resolution for :meth:`png`.
    ktw_aim_cm : float
        Knee-to-wall aim drawn as an angle line over knee-to-wall segments.
    calibration : KneeToWallCalibration, optional
        The user's cm-to-degree relation (default: the uncalibrated model).
    knee_swing_exercises : tuple of str
        Exercises counted on the knee-swing channel (routine ``signal =
        "knee_swing"``): their trace and rep peaks are the knee swing.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
        The drawn figure (after :meth:`draw`).
    """

    def __init__(self, width_in: float = 10.0, height_in: float = 4.2, dpi: int = 110, ktw_aim_cm: float = 8.0,
                 calibration: KneeToWallCalibration | None = None,
                 knee_swing_exercises: tuple[str, ...] = ("nerve_floss",)) -> None:
        self.width_in = width_in
        self.height_in = height_in
        self.dpi = dpi
        self.ktw_aim_cm = ktw_aim_cm
        self.calibration = calibration
        self.knee_swing_exercises = tuple(knee_swing_exercises)

    def draw(self, trace: AngleTrace, analysis: dict, start_s: float | None = None, end_s: float | None = None,
             title: str | None = None) -> "SessionFigure":
        """Draw ``trace`` between ``start_s`` and ``end_s`` (input time base; default: all)."""
        if len(trace) == 0:
            raise ValueError("empty angle trace")
        t0 = float(trace.t[0])
        lo = t0 if start_s is None else float(start_s)
        hi = float(trace.t[-1]) if end_s is None else float(end_s)
        fig = Figure(figsize=(self.width_in, self.height_in), dpi=self.dpi, layout="constrained")
        ax, strip = fig.subplots(2, 1, sharex=True, height_ratios=[6, 1])
        part = trace.slice_time(lo, hi + 1e-9)
        x = part.t - t0
        angle = np.where(part.valid, part.angle_deg, np.nan)
        # break the line at lost samples
        dt = np.diff(part.t)
        if dt.size:
            jump = np.flatnonzero(dt > 1.5 * np.median(dt)) + 1
            x = np.insert(x, jump, np.nan)
            angle = np.insert(angle, jump, np.nan)
        aim_drawn = False
        for ex in analysis.get("exercises", []):
            if ex["end_s"] < lo or ex["start_s"] > hi:
                continue
            aim_drawn |= self._segment(ax, ex, t0, lo, hi, several=start_s is None)
        swing = np.where(part.channel_valid("knee_swing"), part.knee_swing_deg, np.nan)
        if dt.size:
            swing = np.insert(swing, jump, np.nan)
        in_swing = np.zeros(len(x), dtype=bool)
        for ex in analysis.get("exercises", []):
            if ex["exercise"] in self.knee_swing_exercises:
                in_swing |= (x >= ex["start_s"] - t0) & (x <= ex["end_s"] - t0)
        # seated knee-swing exercises: the shank's inclination is not the ankle angle there
        ax.plot(x, np.where(in_swing, np.nan, angle), color=COLORS["trace"], lw=1.0, label="ankle angle")
        if in_swing.any():
            ax.plot(x, np.where(in_swing, swing, np.nan), color=COLORS["swing"], lw=1.0, label="knee swing")
        gap_spans = [(g["start_s"], g["end_s"]) for g in analysis.get("gaps", [])]
        gap_spans += _spans(~part.valid, part.t)
        for a, b in gap_spans:
            if b >= lo and a <= hi:
                for axis in (ax, strip):
                    axis.axvspan(a - t0, b - t0, facecolor="none", edgecolor=COLORS["gap"], hatch="///", lw=0)
        for ex in analysis.get("exercises", []):
            for h in ex.get("heel_lifts", []):
                if h["end_s"] >= lo and h["start_s"] <= hi:
                    strip.axvspan(h["start_s"] - t0, h["end_s"] - t0, color=COLORS["heel"], alpha=0.8)
        pains = [p for p in reported(analysis) if lo <= p["t_s"] <= hi]
        for p in pains:  # at the angle it hurt near, else on the axis' top edge
            y = p.get("angle_deg")
            ax.plot(p["t_s"] - t0, y if y is not None else 1.0, marker="P", ms=9, ls="", color=COLORS["pain"],
                    mec="white", transform=ax.transData if y is not None else ax.get_xaxis_transform(),
                    clip_on=False, zorder=5)
            level = pain.valid_level(p.get("level"))
            if level is not None:
                ax.annotate(f"{level}/10", (p["t_s"] - t0, y if y is not None else 1.0),
                            xycoords="data" if y is not None else ax.get_xaxis_transform(),
                            xytext=(5, 4), textcoords="offset points", fontsize=7, color=COLORS["pain"])
        strip.set_yticks([])
        strip.set_ylabel("heel", rotation=0, ha="right", va="center")
        strip.set_xlabel("time since start (s)")
        ax.set_ylabel("angle (deg)")
        ax.set_xlim(lo - t0, hi - t0)
        ax.grid(True, alpha=0.3)
        handles: list[Artist] = [plt.Line2D([], [], color=COLORS["trace"], label="ankle angle")]
        if in_swing.any():
            handles.append(plt.Line2D([], [], color=COLORS["swing"], label="knee swing (seated)"))
        handles += [
                   plt.Line2D([], [], color=COLORS["rep"], marker="o", ls="", label="rep peak"),
                   plt.Line2D([], [], color=COLORS["rep_lift"], marker="x", ls="", label="rep with heel lift"),
                   Patch(color=COLORS["hold"], alpha=0.25, label="hold"),
                   plt.Line2D([], [], color=COLORS["hold"], ls="--", label="hold target"),
                   Patch(color=COLORS["heel"], label="heel lift"),
                   Patch(facecolor="none", edgecolor=COLORS["gap"], hatch="///", label="no data")]
        if pains:
            handles.append(plt.Line2D([], [], color=COLORS["pain"], marker="P", ls="", label="pain reported"))
        if aim_drawn and start_s is None:  # a whole session: the aim is named here, not over a narrow segment
            handles.append(plt.Line2D([], [], color=COLORS["aim"], ls=":", lw=1.5,
                                      label=f"knee-to-wall aim ({self.ktw_aim_cm:g} cm)"))
        fig.legend(handles=handles, loc="outside lower center", fontsize=7, ncols=7, frameon=False)
        if title:
            fig.suptitle(title, fontsize=11)
        self.figure_ = fig
        return self

    def _segment(self, ax, ex: dict, t0: float, lo: float, hi: float, several: bool) -> bool:
        """Draw one exercise's span, events and (knee-to-wall) aim; returns whether the aim was drawn."""
        a, b = max(ex["start_s"], lo) - t0, min(ex["end_s"], hi) - t0
        if several:
            ax.axvspan(a, b, color=COLORS["segment"], zorder=0)
            ax.text(a, 0.99, " " + ex["exercise"].replace("_", " "), transform=ax.get_xaxis_transform(),
                    fontsize=7, va="top", ha="left", rotation=90, clip_on=True)
        for h in ex.get("holds", []):
            ax.axvspan(h["start_s"] - t0, h["end_s"] - t0, color=COLORS["hold"], alpha=0.25)
            if h.get("target_s"):
                ax.axvline(h["start_s"] + h["target_s"] - t0, color=COLORS["hold"], ls="--", lw=1)
        reps = ex.get("reps", [])
        if reps:
            px = np.array([r["peak_s"] for r in reps]) - t0
            py = np.array([r["peak_angle_deg"] for r in reps])
            lift = np.array([bool(r.get("heel_lift")) for r in reps])
            inferred = np.array([bool(r.get("inferred")) for r in reps])
            seen = ~lift & ~inferred
            ax.plot(px[seen], py[seen], "o", color=COLORS["rep"], ms=4)
            ax.plot(px[inferred], py[inferred], "o", mfc="none", color=COLORS["rep"], ms=4)  # peak in a gap
            ax.plot(px[lift], py[lift], "x", color=COLORS["rep_lift"], ms=6, mew=2)
        if ex["exercise"] == "knee_to_wall":
            aim_deg = (self.calibration or KneeToWallCalibration()).angle_for_cm(self.ktw_aim_cm)
            if np.isfinite(aim_deg):
                ax.hlines(aim_deg, a, b, color=COLORS["aim"], ls=":", lw=1.5)
                if not several:  # one exercise fills the plot: the label fits beside its line
                    ax.text(b, aim_deg, f"{self.ktw_aim_cm:g} cm aim ", color=COLORS["aim"], fontsize=7,
                            ha="right", va="bottom")
                return True
        return False

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        self.figure_.savefig(buf, format="png", dpi=self.dpi)
        return buf.getvalue()
