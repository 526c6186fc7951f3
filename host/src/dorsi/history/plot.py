"""The progress figure: knee-to-wall and peak dorsiflexion per side over weeks,
left/right asymmetry, and adherence (sessions per week)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dorsi.history.progress import IDEAL_PER_WEEK, METRICS, MIN_PER_WEEK, ProgressAnalyzer  # noqa: E402

SIDE_COLORS = {"left": "#6a1b9a", "right": "#00838f", "unspecified": "#555555"}


class ProgressFigure:
    """Plot a fitted :class:`ProgressAnalyzer`.

    Parameters
    ----------
    ktw_aim_cm : float
        The knee-to-wall aim drawn on the distance panel.
    dpi : int

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
    """

    def __init__(self, ktw_aim_cm: float = 8.0, dpi: int = 110) -> None:
        self.ktw_aim_cm = ktw_aim_cm
        self.dpi = dpi

    def draw(self, progress: ProgressAnalyzer) -> "ProgressFigure":
        weeks = progress.weeks_
        if not weeks:
            raise ValueError("no sessions in the history yet")
        x = np.array([np.datetime64(w.start) for w in weeks])
        fig = Figure(figsize=(8, 11), dpi=self.dpi, layout="constrained")
        axes = fig.subplots(5, 1, sharex=True)
        for ax, metric in zip(axes, METRICS):
            name, unit = METRICS[metric]
            for side in progress.sides_:
                y = np.array([np.nan if (v := w.value(side, metric)) is None else v for w in weeks])
                if np.all(np.isnan(y)):
                    continue
                mdc = progress.mdc_[(side, "cm" if metric == "ktw_cm" else "deg")].mdc_
                ok = ~np.isnan(y)
                ax.errorbar(x[ok], y[ok], yerr=mdc / 2, marker="o", capsize=3, color=SIDE_COLORS[side],
                            label=f"{side} (bars: \u00b1MDC/2 = {mdc / 2:.1f}{unit.strip()})")
            if metric == "ktw_cm":
                ax.axhline(self.ktw_aim_cm, color="#ef6c00", ls=":", label=f"{self.ktw_aim_cm:g} cm aim")
            ax.set_ylabel(f"{name}\n({unit.strip()})")
            ax.grid(True, alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=7, loc="best")
        ax = axes[3]
        asym = [a for a in progress.asymmetry_ if a.metric == "ktw_deg"]
        if asym:
            ax.bar(np.array([np.datetime64(a.week) for a in asym]), [a.difference for a in asym], width=5,
                   color=["#c62828" if a.real else "#9e9e9e" for a in asym])
            mdc = asym[-1].mdc
            ax.axhspan(-mdc, mdc, color="#9e9e9e", alpha=0.2, label=f"within \u00b1MDC ({mdc:.1f}\u00b0): not real")
            ax.legend(fontsize=7, loc="best")
        else:
            ax.text(0.5, 0.5, "needs both sides measured in the same week", transform=ax.transAxes,
                    ha="center", va="center", fontsize=8, color="#555")
        ax.axhline(0, color="#555", lw=0.8)
        ax.set_ylabel("left \u2212 right\nknee-to-wall (\u00b0)")
        ax.grid(True, alpha=0.3)
        counts = np.array([w.sessions for w in weeks])
        ax = axes[-1]
        ax.bar(x, counts, width=5, color=np.where(counts >= MIN_PER_WEEK, "#2e7d32", "#c62828"))
        ax.axhline(MIN_PER_WEEK, color="#555", ls="--", lw=1, label=f"minimum {MIN_PER_WEEK}/week")
        ax.axhline(IDEAL_PER_WEEK, color="#555", ls=":", lw=1, label=f"ideal {IDEAL_PER_WEEK}/week")
        ax.set_ylabel("sessions\nper week")
        ax.set_xlabel("week starting")
        ax.legend(fontsize=7, loc="upper left")
        fig.suptitle("Progress")
        fig.autofmt_xdate()
        self.figure_ = fig
        return self

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.figure_.savefig(buf, format="png", dpi=self.dpi)
        return buf.getvalue()
