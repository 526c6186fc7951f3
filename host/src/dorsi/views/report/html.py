"""The self-contained HTML page of a session report.

No scripts, no external resources (a Content-Security-Policy forbids any), plots
embedded as base64 PNG. Tables turn into label/value cards on narrow screens so
the page never scrolls sideways on a phone. Every number cell carries a
``data-key`` naming its source, which the tests compare with the analysis JSON.
"""

from __future__ import annotations

import base64
from html import escape

from dorsi.events import pain
from dorsi.views.report.summary import ExerciseSummary, KneeToWallResult

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1d;background:#fafafa}
main{max-width:980px;margin:0 auto;padding:12px}
h1{font-size:1.5em;margin:.3em 0}
h2{font-size:1.2em;margin:1.2em 0 .4em;border-bottom:1px solid #ddd}
h3{font-size:1.05em;margin:1em 0 .3em}
.meta{color:#555;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:8px}
.card{flex:1 1 140px;background:#fff;border:1px solid #ddd;border-radius:8px;padding:8px 10px}
.card .big{font-size:1.6em;font-weight:600}
.ok{color:#2e7d32}.short{color:#c62828}.warn{color:#ef6c00}
figure{margin:8px 0}
img{display:block;max-width:100%;height:auto;border:1px solid #eee;background:#fff}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.92em}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:right;overflow-wrap:anywhere}
th:first-child,td:first-child{text-align:left}
ul{padding-left:1.2em}
@media (max-width:640px){
 table,thead,tbody,tr,th,td{display:block;width:100%}
 thead{display:none}
 tr{border:1px solid #ccc;border-radius:6px;margin:0 0 8px;background:#fff}
 td{border:none;border-bottom:1px solid #eee;text-align:right;padding-left:48%;position:relative;min-height:1.6em}
 td:first-child{text-align:right;font-weight:600}
 td::before{content:attr(data-label);position:absolute;left:6px;width:44%;text-align:left;font-weight:400;color:#555}
}
"""


def fmt(value, digits: int = 1, unit: str = "") -> str:
    """A number for display; an en dash for "does not apply"."""
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value}{unit}"
    return f"{value:.{digits}f}{unit}"


def cell(label: str, text: str, key: str | None = None, value=None, cls: str = "") -> str:
    attrs = f' data-label="{escape(label)}"'
    if key is not None:
        attrs += f' data-key="{escape(key)}" data-value="{escape("" if value is None else repr(value))}"'
    if cls:
        attrs += f' class="{cls}"'
    return f"<td{attrs}>{escape(text)}</td>"


def table(headers: list[str], rows: list[str], caption: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}"></figure>'


EXERCISE_HEADERS = ["exercise", "reps (done / target)", "heel-down reps", "holds met / target", "peak angle",
                    "lowering", "score"]


def _achieved(done: int, target: int | None) -> str:
    return f"{done} / {target}" if target is not None else f"{done}"


def exercise_row(i: int, s: ExerciseSummary) -> str:
    k = f"exercises.{i}"
    reps_cls = "" if s.reps_target is None else ("ok" if s.reps_done >= s.reps_target else "short")
    reps_text = _achieved(s.reps_done, s.reps_target) if s.reps_target is not None or s.reps_done else "\u2013"
    if s.circles_each_way is not None:
        out, inward = s.circles_each_way
        reps_text += f" ({out} outward, {inward} inward)"
        if s.reps_target is not None and min(out, inward) < s.reps_target // 2:
            reps_cls = "short"  # 20 each way: all of them one way is half done
    holds_cls = "" if s.holds_target is None else ("ok" if s.holds_met >= s.holds_target else "short")
    if s.lowering_mean_s is not None:
        lowering = f"mean {s.lowering_mean_s:.1f} s, min {s.lowering_min_s:.1f} s"
        if s.lowering_controlled is not None:
            lowering += f", {s.lowering_controlled} slow enough"
    elif s.kind == "duration" and s.active_s is not None:
        lowering = f"{s.active_s:.0f} s worked"
    else:
        lowering = "\u2013"
    h = EXERCISE_HEADERS
    cells = [
        cell(h[0], s.title, f"{k}.exercise", s.exercise),
        cell(h[1], reps_text, f"{k}.reps_done", s.reps_done, reps_cls),
        cell(h[2], f"{s.heel_free_reps} / {s.reps_done}" if s.reps_done else "\u2013", f"{k}.heel_free_reps",
             s.heel_free_reps),
        cell(h[3], _achieved(s.holds_met, s.holds_target) if s.holds_target is not None or s.holds_done else "\u2013",
             f"{k}.holds_met", s.holds_met, holds_cls),
        cell(h[4], fmt(s.peak_angle_deg, 1, "\u00b0") + (" knee swing" if s.signal == "knee_swing" and
                                                         s.peak_angle_deg is not None else ""),
             f"{k}.peak_angle_deg", s.peak_angle_deg),
        cell(h[5], lowering, f"{k}.lowering_mean_s", s.lowering_mean_s),
        cell(h[6], score_text(s.score), f"{k}.score", s.score),
    ]
    return "<tr>" + "".join(cells) + "</tr>"


def score_text(score: int | None) -> str:
    """An exercise's score as shown; one the sensors worn cannot see is not scored."""
    return "not scored" if score is None else f"{score}"


COMPONENT_NAMES = {"completion": "completion", "holds_met": "holds met", "heel_down": "heel down",
                   "range": "range reached", "control": "control"}


def components_table(summaries: list[ExerciseSummary]) -> str:
    names = [n for n in COMPONENT_NAMES if any(s.components.get(n) is not None for s in summaries)]
    headers = ["exercise", *(COMPONENT_NAMES[n] for n in names), "score"]
    rows = []
    for i, s in enumerate(summaries):
        cells = [cell("exercise", s.title)]
        for n in names:
            v = s.components.get(n)
            cells.append(cell(COMPONENT_NAMES[n], "\u2013" if v is None else f"{100 * v:.0f}%",
                              f"exercises.{i}.components.{n}", v))
        cells.append(cell("score", score_text(s.score), f"exercises.{i}.score", s.score))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return table(headers, rows)


def knee_to_wall_section(k: KneeToWallResult) -> str:
    cm = f"{k.best_cm:.1f} cm"
    verdict = (f'<span class="ok">aim of {k.aim_cm:g} cm reached</span>' if k.aim_met
               else f'<span class="short">{k.aim_cm - k.best_cm:.1f} cm short of the {k.aim_cm:g} cm aim</span>')
    note = ("distance calibrated with your tape measurement" if k.calibrated
            else "distance estimated from the angle with average body proportions; calibrate it with "
                 "<code>dorsi history calibrate --cm N</code>")
    rows = []
    for i, (d, c, ok) in enumerate(zip(k.trials_deg, k.trials_cm, k.valid)):
        rows.append("<tr>" + cell("trial", f"trial {i + 1}")
                    + cell("angle", fmt(d, 1, "\u00b0"), f"ktw.trials_deg.{i}", d)
                    + cell("distance", fmt(c, 1, " cm"), f"ktw.trials_cm.{i}", c)
                    + cell("heel down", "yes" if ok else "no (not counted)", f"ktw.valid.{i}", ok,
                           "" if ok else "short") + "</tr>")
    return (
        '<section id="knee-to-wall"><h2>Knee-to-wall test</h2><div class="cards">'
        f'<div class="card">best angle<div class="big" data-key="ktw.best_deg" data-value="{k.best_deg!r}">'
        f"{k.best_deg:.1f}\u00b0</div></div>"
        f'<div class="card">estimated distance<div class="big" data-key="ktw.best_cm" '
        f'data-value="{escape(repr(k.best_cm))}">{cm}</div>{verdict}</div></div>'
        f'<p class="meta">{note}. A trial with the heel off the ground does not count.</p>'
        + table(["trial", "angle", "distance", "heel down"], rows) + "</section>"
    )


def pain_section(analysis: dict, titles: dict[str, str], t0: float, reportable: bool = True) -> str:
    """The pain the user reported, one row each (times as m:ss from ``t0``); "none" when none was
    and the input could have held a report (``reportable``: a session recording, a phone's notes)."""
    reports = pain.reported(analysis)
    if not reports:
        if not reportable:
            return ""
        return ('<section id="pain"><h2>Pain</h2><p data-key="pain.count" data-value="0">No pain was '
                "reported during the session.</p></section>")
    rows = []
    for p in reports:
        where = titles.get(p.get("exercise") or "", p.get("exercise") or "between exercises")
        level = pain.valid_level(p.get("level"))
        angle = p.get("angle_deg")
        rows.append("<tr>" + cell("time", pain.clock(float(p["t_s"]) - t0)) + cell("exercise", where)
                    + cell("pain (0-10)", "not rated" if level is None else f"{level}/10", "pain.level", level,
                           "short" if level is not None and level >= 5 else "warn")
                    + cell("where it hurt", fmt(angle, 0, "\u00b0"), "pain.angle_deg", angle) + "</tr>")
    levels = pain.rated(reports)
    worst = f", worst {max(levels)}/10" if levels else ""
    return (f'<section id="pain"><h2>Pain</h2><p class="short" data-key="pain.count" data-value="{len(reports)}">'
            f"Pain was reported {len(reports)} time{'s' if len(reports) > 1 else ''}{worst}. The routine is meant "
            "to be pain-free: these exercises are to be done only in a range that does not hurt; talk them over "
            "with your physiotherapist. The quality scores do not count pain. Where it hurt: the highest ankle "
            "angle in the 3 s before the report (exercises where the angle is the ankle's).</p>"
            + table(["time", "exercise", "pain (0-10)", "where it hurt"], rows) + "</section>")


def gaps_section(analysis: dict, problems: list[str]) -> str:
    gaps = analysis.get("gaps", [])
    rate = float(analysis.get("sample_rate_hz") or 0.0)
    lost = sum(int(g["samples_lost"]) for g in gaps)
    items = []
    if not gaps:
        items.append('<li data-key="gaps.count" data-value="0">No samples were lost.</li>')
    else:
        total = lost + rate * float(analysis.get("duration_s") or 0.0)
        share = 100.0 * lost / total if total > 0 else 0.0
        items.append(f'<li data-key="gaps.count" data-value="{len(gaps)}">{len(gaps)} gap(s) in the data: '
                     f'<span data-key="gaps.samples_lost" data-value="{lost}">{lost}</span> samples lost '
                     f"({lost / rate if rate else 0:.1f} s, {share:.1f}% of the session). Nothing was "
                     "filled in: the plots are blank (hatched) there and events inside a gap may be missed.</li>")
        for g in gaps[:20]:
            items.append(f"<li>{g['start_s']:.2f}\u2013{g['end_s']:.2f} s: {g['samples_lost']} samples</li>")
        if len(gaps) > 20:
            items.append(f"<li>\u2026 and {len(gaps) - 20} more</li>")
    notes = analysis.get("notes", [])
    for p in problems:
        if p not in notes:  # an analysis made from this input lists them among its notes already
            items.append(f'<li class="warn">{escape(p)}</li>')
    for n in notes:
        items.append(f'<li class="warn">{escape(n)}</li>' if n in problems else f"<li>{escape(n)}</li>")
    return f'<section id="data"><h2>Data quality</h2><ul>{"".join(items)}</ul></section>'


def page(title: str, meta: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{escape(title)}</h1><p class=\"meta\">{meta}</p>" + "".join(body) + "</main></body></html>\n"
    )
