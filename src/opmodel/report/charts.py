"""One Vega-Lite spec (an Altair chart) per chart, shared by the CLI, the report and the web.

Colour rules, the same in every chart:

- *hot* layers (priority, gap): sequential yellow → orange → red, fixed domain per layer
  (priority 0–1 on a square-root scale so that typical values 0.05–0.4 are told apart,
  gap 0–5); *maturity* layers (current, target): sequential blues, 0–5
- n/a (the unit does not need the capability): solid grey, labelled "n/a"
- not assessed (nobody knows): white with a dashed outline, labelled "?"
- TIME quadrants: Invest green, Migrate blue, Tolerate amber, Eliminate red

:func:`save_chart` writes ``.png``, ``.svg``, ``.html`` (self-contained) or ``.json`` with
vl-convert; no browser is needed.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import altair as alt

from ..analysis.gaps import GapTable
from ..analysis.heatmap import ALL_NAME, LAYER_DOMAIN, HeatMap
from ..analysis.homogeneity import HomogeneityResult
from ..analysis.sensitivity import StabilityResult
from ..analysis.time_model import HIGH, QUADRANTS, TimeResult
from ..errors import InputError

FORMATS = ("png", "svg", "html", "json")
HOT_SCHEME = "yelloworangered"
MATURITY_SCHEME = "blues"
NA_COLOUR = "#bdbdbd"
MISSING_COLOUR = "#ffffff"
NA_LABEL = "n/a (not applicable)"
MISSING_LABEL = "? (not assessed)"
QUADRANT_COLOURS = {"invest": "#1a9850", "migrate": "#4575b4", "tolerate": "#fdae61",
                    "eliminate": "#d73027"}
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
CONFIG: dict[str, Any] = {
    "font": FONT, "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelFont": FONT, "titleFont": FONT},
    "legend": {"labelFontSize": 11, "titleFontSize": 12},
    "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 11,
              "subtitleColor": "#555"},
}


def colour_scale(layer: str) -> alt.Scale:
    """The colour scale of a heat-map layer: identical in every chart that shows it."""
    lo, hi = LAYER_DOMAIN[layer]
    if layer == "priority":
        return alt.Scale(scheme=HOT_SCHEME, domain=[lo, hi], type="sqrt", clamp=True)
    scheme = HOT_SCHEME if layer == "gap" else MATURITY_SCHEME
    return alt.Scale(scheme=scheme, domain=[lo, hi], clamp=True)


def _fmt(layer: str, v: float) -> str:
    return f"{v:.2f}" if layer == "priority" else f"{v:.1f}".rstrip("0").rstrip(".")


def _dark(layer: str, v: float) -> bool:
    """Whether a cell is dark enough to need white text."""
    lo, hi = LAYER_DOMAIN[layer]
    x = (v - lo) / (hi - lo)
    if layer == "priority":
        x = math.sqrt(max(x, 0.0))
    return x > 0.6


def _unique(names: list[str], ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return [n if seen[n] == 1 else f"{n} ({i})" for n, i in zip(names, ids, strict=True)]


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [text]


def _wrap_expr(labels: list[str], width: int) -> str:
    """A Vega label expression that breaks long labels over lines of about ``width``."""
    table = {lab: _wrap(lab, width) for lab in labels if len(lab) > width}
    if not table:
        return "datum.label"
    return f"{json.dumps(table)}[datum.label] || datum.label"


def heatmap_records(hm: HeatMap) -> list[dict[str, Any]]:
    """The cells of a heat map as chart data (one dict per cell)."""
    cols = _unique(list(hm.column_names), list(hm.columns))
    rows = _unique(list(hm.row_names), list(hm.rows))
    e = hm.enterprise
    stage_names = {s.id: s.name for s in e.stages}
    out = []
    for r, row in enumerate(hm.rows):
        for k, col in enumerate(hm.columns):
            st = int(hm.state[r, k])
            v = float(hm.values[r, k])
            has = st == 1 and not math.isnan(v)
            out.append({
                "row": row, "row_name": rows[r], "column": col, "column_name": cols[k],
                "stage": stage_names.get(hm.column_stages[k], hm.column_stages[k]),
                "value": round(v, 4) if has else None,
                "state": "value" if has else (NA_LABEL if st == 2 else MISSING_LABEL),
                "label": _fmt(hm.layer, v) if has else ("n/a" if st == 2 else "?"),
                "dark": has and _dark(hm.layer, v),
                "assessed": int(hm.n_assessed[r, k]), "na": int(hm.n_na[r, k]),
                "missing": int(hm.n_missing[r, k]), "rolled_up": int(hm.n_rolled_up[r, k]),
            })
    return out


def heatmap_chart(hm: HeatMap, *, values_in_cells: bool | None = None,
                  title: str | None = None) -> alt.TopLevelMixin:
    """Units as rows, stages (or capabilities, grouped under their stage) left to right."""
    data = heatmap_records(hm)
    n_r, n_k = len(hm.rows), len(hm.columns)
    if values_in_cells is None:
        values_in_cells = n_k <= 120 and n_r <= 60
    cols = _unique(list(hm.column_names), list(hm.columns))
    rows = _unique(list(hm.row_names), list(hm.rows))
    by_stage = hm.by == "stage"
    longest = max((len(c) for c in cols), default=4)
    step_x = max(64, min(210, int(7.5 * longest))) if by_stage else 32
    wrap_at = max(8, step_x // 7)
    wrapped = max((len(_wrap(c, wrap_at)) for c in cols), default=1) if by_stage else 1
    step_y = 30 if by_stage else 26
    x = alt.X("column_name:N", sort=cols, title=None,
              axis=alt.Axis(orient="top", labelAngle=0 if by_stage else -90,
                            labelLimit=step_x if by_stage else 220, domain=False, ticks=False,
                            labelAlign="center" if by_stage else "left",
                            labelBaseline="bottom" if by_stage else "middle",
                            labelPadding=4 + 13 * (wrapped - 1),
                            labelExpr=_wrap_expr(cols, wrap_at) if by_stage else
                            "datum.label"))
    y = alt.Y("row_name:N", sort=rows, title=None,
              axis=alt.Axis(domain=False, ticks=False, labelLimit=200, labelFontWeight={
                  "condition": {"test": f"datum.value == '{ALL_NAME}'", "value": "bold"},
                  "value": "normal"}))
    tooltip = [alt.Tooltip("row_name:N", title="unit"),
               alt.Tooltip("column_name:N", title=hm.by),
               alt.Tooltip("value:Q", title=hm.layer, format=".3f"),
               alt.Tooltip("assessed:Q", title="assessed children"),
               alt.Tooltip("na:Q", title="n/a children"),
               alt.Tooltip("missing:Q", title="not assessed"),
               alt.Tooltip("rolled_up:Q", title="parents rolled up from sub-capabilities")]
    base = alt.Chart().encode(x=x, y=y)
    legend_title = f"{hm.layer} ({hm.rollup})" if hm.by == "stage" or hm.level else hm.layer
    valued = base.transform_filter("datum.state == 'value'").mark_rect(
        stroke="white", strokeWidth=1.5).encode(
        color=alt.Color("value:Q", scale=colour_scale(hm.layer), title=legend_title,
                        legend=alt.Legend(orient="right",
                                          gradientLength=max(80, min(200, step_y * n_r)))),
        tooltip=tooltip)
    empty = base.transform_filter("datum.state != 'value'").mark_rect(
        stroke="#888", strokeWidth=1, strokeDash=[3, 2]).encode(
        fill=alt.Fill("state:N", title="no value",
                        scale=alt.Scale(domain=[NA_LABEL, MISSING_LABEL],
                                        range=[NA_COLOUR, MISSING_COLOUR]),
                        legend=alt.Legend(orient="right", symbolType="square",
                                          symbolStrokeColor="#888", symbolStrokeWidth=1)),
        tooltip=tooltip)
    layers: list[alt.Chart] = [valued, empty]
    if values_in_cells:
        layers.append(base.mark_text(fontSize=11 if by_stage else 8).encode(
            text="label:N",
            color=alt.condition("datum.dark", alt.value("white"), alt.value("#222"))))
    what = "stage" if by_stage else "capability"
    head = title or f"{hm.layer.capitalize()} by business unit and {what}"
    sub = (f"cells roll up the assessed capabilities by {hm.rollup}; bottom row: all units"
           if by_stage or hm.level else "bottom row: all units, " + hm.rollup)
    if not by_stage and not hm.level and hm.n_rolled_up[:-1].any():
        sub += ("; a parent a unit did not assess shows its sub-capabilities rolled up by "
                + hm.rollup)
    if by_stage:
        chart = alt.layer(*layers, data=alt.Data(values=data))
        return chart.properties(width=alt.Step(step_x), height=alt.Step(step_y),
                                title=alt.Title(head, subtitle=sub)).configure(**CONFIG)
    stages = [s.name for s in hm.enterprise.ordered_stages]
    present = [s for s in stages if s in {d["stage"] for d in data}]
    inner = alt.layer(*layers)
    return (inner.properties(width=alt.Step(step_x), height=alt.Step(step_y))
            .facet(column=alt.Column("stage:N", sort=present, title=None,
                                     header=alt.Header(labelFontSize=12, labelFontWeight="bold",
                                                       labelOrient="top", labelAlign="left",
                                                       labelAnchor="start",
                                                       labelExpr=_wrap_expr(present, 16))),
                   data=alt.Data(values=data), spacing=8)
            .resolve_scale(x="independent")
            .properties(title=alt.Title(head, subtitle=sub)).configure(**CONFIG))


def gaps_chart(table: GapTable, title: str | None = None) -> alt.TopLevelMixin:
    """The top gaps as horizontal bars coloured like the priority heat map."""
    data = [{"cell": f"{r.rank}. {r.capability_name} · {r.business_unit}",
             "priority": round(r.priority, 4), "gap": r.gap, "current": r.current,
             "target": r.target, "weight": round(r.weight, 4)} for r in table.rows]
    order = [d["cell"] for d in data]
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("priority:Q", scale=alt.Scale(domain=list(LAYER_DOMAIN["priority"])),
                title="priority = w × gap / 5"),
        y=alt.Y("cell:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("priority:Q", scale=colour_scale("priority"), legend=None),
        tooltip=["cell:N", "priority:Q", "gap:Q", "current:Q", "target:Q", "weight:Q"])
    text = bars.mark_text(align="left", dx=4, fontSize=10).encode(
        text=alt.Text("priority:Q", format=".2f"), color=alt.value("#222"))
    return (alt.layer(bars, text, data=alt.Data(values=data))
            .properties(width=420, height=alt.Step(20),
                        title=alt.Title(title or f"Top {len(data)} gaps by priority",
                                        subtitle=f"{table.with_gap} of {table.assessed} assessed "
                                                 "cells have a gap"))
            .configure(**CONFIG))


def _jitter(points: list[tuple[int, int]]) -> list[tuple[float, float]]:
    """Spread applications that share a fit pair on a small sunflower inside their cell."""
    groups: dict[tuple[int, int], list[int]] = {}
    for n, p in enumerate(points):
        groups.setdefault(p, []).append(n)
    out: list[tuple[float, float]] = [(0.0, 0.0)] * len(points)
    for (f, t), members in groups.items():
        m = len(members)
        for k, n in enumerate(members):
            if m == 1:
                out[n] = (float(t), float(f))
                continue
            r = 0.36 * math.sqrt((k + 0.5) / m)
            a = k * 2.399963
            out[n] = (t + r * math.cos(a), f + r * math.sin(a))
    return out


def time_chart(result: TimeResult, title: str | None = None,
               labels: bool | None = None) -> alt.TopLevelMixin:
    """TIME quadrant: technical fit (x) against functional fit (y), bubbles sized by run cost."""
    apps = result.applications
    xy = _jitter([(a.functional_fit, a.technical_fit) for a in apps])
    data = [{"application": a.name, "id": a.application, "quadrant": a.quadrant.capitalize(),
             "functional_fit": a.functional_fit, "technical_fit": a.technical_fit,
             "x": round(x, 3), "y": round(y, 3), "run_cost": a.annual_run_cost,
             "lifecycle": a.lifecycle, "varies": "yes" if a.varies else "no"}
            for a, (x, y) in zip(apps, xy, strict=True)]
    cut = HIGH - 0.5
    quads = [
        {"q": "Invest", "x0": cut, "x1": 4.5, "y0": cut, "y1": 4.5},
        {"q": "Migrate", "x0": 0.5, "x1": cut, "y0": cut, "y1": 4.5},
        {"q": "Tolerate", "x0": cut, "x1": 4.5, "y0": 0.5, "y1": cut},
        {"q": "Eliminate", "x0": 0.5, "x1": cut, "y0": 0.5, "y1": cut},
    ]
    names = [q.capitalize() for q in QUADRANTS]
    colours = [QUADRANT_COLOURS[q] for q in QUADRANTS]
    scale_x = alt.Scale(domain=[0.5, 4.5], nice=False)
    scale_y = alt.Scale(domain=[0.5, 4.5], nice=False)
    axis = {"values": [1, 2, 3, 4], "grid": False, "tickCount": 4}
    bg = alt.Chart(alt.Data(values=quads)).mark_rect(opacity=0.12).encode(
        x=alt.X("x0:Q", scale=scale_x, title="technical fit (1–4)", axis=alt.Axis(**axis)),
        x2="x1:Q",
        y=alt.Y("y0:Q", scale=scale_y, title="functional fit (1–4)", axis=alt.Axis(**axis)),
        y2="y1:Q",
        color=alt.Color("q:N", scale=alt.Scale(domain=names, range=colours), legend=None))
    qlabel = alt.Chart(alt.Data(values=quads)).mark_text(
        fontSize=14, fontWeight="bold", opacity=0.8, align="left", baseline="top", dx=6,
        dy=6).encode(x=alt.X("x0:Q", scale=scale_x), y=alt.Y("y1:Q", scale=scale_y),
                     text="q:N",
                     color=alt.Color("q:N", scale=alt.Scale(domain=names, range=colours),
                                     legend=None))
    max_cost = max((a.annual_run_cost for a in apps), default=1.0) or 1.0
    points = alt.Chart(alt.Data(values=data)).mark_circle(opacity=0.85, stroke="white",
                                                          strokeWidth=1).encode(
        x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y),
        size=alt.Size("run_cost:Q", title="annual run cost",
                      scale=alt.Scale(domain=[0, max_cost], range=[40, 900]),
                      legend=alt.Legend(orient="bottom", direction="horizontal")),
        color=alt.Color("quadrant:N", scale=alt.Scale(domain=names, range=colours),
                        title="TIME"),
        tooltip=["application:N", "quadrant:N", "functional_fit:Q", "technical_fit:Q",
                 "run_cost:Q", "lifecycle:N", "varies:N"])
    layers = [bg, qlabel, points]
    if labels is None or labels:
        # every name when there are few; else the 12 largest by run cost
        named = data if (labels or len(apps) <= 40) else \
            sorted(data, key=lambda d: -d["run_cost"])[:12]
        layers.append(alt.Chart(alt.Data(values=named)).mark_text(
            align="left", dx=9, fontSize=10, color="#333", limit=180).encode(
            x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y),
            text="application:N"))
    rule_data = alt.Data(values=[{"v": cut}])
    layers.append(alt.Chart(rule_data).mark_rule(strokeDash=[4, 3], color="#666").encode(
        x=alt.X("v:Q", scale=scale_x)))
    layers.append(alt.Chart(rule_data).mark_rule(strokeDash=[4, 3], color="#666").encode(
        y=alt.Y("v:Q", scale=scale_y)))
    counts = result.counts()
    sub = ", ".join(f"{q.capitalize()} {counts[q]}" for q in QUADRANTS)
    return (alt.layer(*layers).properties(
        width=440, height=440,
        title=alt.Title(title or "TIME: applications by fit",
                        subtitle=f"fit ≥ {HIGH} is high; {sub}"
                        + ("" if len(apps) <= 40 else "; the 12 costliest are named")))
        .configure(**CONFIG))


def homogeneity_chart(result: HomogeneityResult, by: str = "capability", top: int = 20,
                      title: str | None = None, money: str = "") -> alt.TopLevelMixin:
    """Duplicated run cost per capability (top consolidation candidates) or per stage,
    coloured by homogeneity (red = many applications, green = one shared platform), with
    what to keep and retire beside each bar."""
    if by == "stage":
        data = [{"name": s.name, "cost": round(s.duplicated_cost, 2),
                 "homogeneity": s.homogeneity, "note": f"{s.distinct} application(s), "
                 f"{s.candidates} candidate(s)"} for s in result.stages]
        head = title or "Duplicated run cost by stage"
    else:
        data = [{"name": c.name, "cost": round(c.savings, 2), "homogeneity": c.homogeneity,
                 "note": f"keep {c.keep.name}; retire "
                         + ", ".join(a.name for a in c.retire)}
                for c in result.top_candidates(top)]
        head = title or f"Top {len(data)} consolidation candidates"
    order = [d["name"] for d in data]
    scale = alt.Scale(scheme="redyellowgreen", domain=[0, 1])
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=240))
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("cost:Q", title=f"duplicated annual run cost {money}".strip()),
        y=y,
        color=alt.Color("homogeneity:Q", scale=scale, title="homogeneity (1 = one platform)",
                        legend=alt.Legend(orient="bottom", gradientLength=160,
                                          titleLimit=400)),
        tooltip=["name:N", "cost:Q", "homogeneity:Q", "note:N"])
    amount = bars.mark_text(align="left", dx=4, fontSize=10).encode(
        text=alt.Text("cost:Q", format=",.0f"), color=alt.value("#222"))
    notes = alt.Chart().mark_text(align="left", fontSize=11, color="#333").encode(
        y=alt.Y("name:N", sort=order, axis=None), x=alt.value(0), text="note:N")
    left = alt.layer(bars, amount).properties(width=320, height=alt.Step(22))
    right = notes.properties(width=380, height=alt.Step(22),
                             title=alt.Title("keep / retire" if by == "capability" else "",
                                             fontSize=12, anchor="start"))
    total = f"{result.total_savings:,.0f} {money}".strip()
    return (alt.hconcat(left, right, data=alt.Data(values=data), spacing=12)
            .properties(title=alt.Title(head, subtitle="estimated savings (run cost of the "
                                        f"applications to retire): {total} a year in total"))
            .configure(**CONFIG))


def stability_chart(result: StabilityResult, title: str | None = None) -> alt.TopLevelMixin:
    """Share of ω draws in which each top-N cell stays in the top N."""
    data = [{"cell": f"{c.rank}. {c.capability} · {c.business_unit}", "stay": c.stay,
             "worst": c.worst_rank} for c in result.cells]
    order = [d["cell"] for d in data]
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("stay:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"),
                title=f"draws in which the cell stays in the top {result.top}"),
        y=alt.Y("cell:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
        color=alt.Color("stay:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                        legend=None),
        tooltip=["cell:N", alt.Tooltip("stay:Q", format=".0%"), "worst:Q"])
    text = bars.mark_text(align="left", dx=4, fontSize=10).encode(
        text=alt.Text("stay:Q", format=".0%"), color=alt.value("#222"))
    return (alt.layer(bars, text, data=alt.Data(values=data))
            .properties(width=380, height=alt.Step(20), title=alt.Title(
                title or f"Rank stability of the top {result.top}",
                subtitle=f"ω perturbed ±{result.spread:.0%}, {result.draws} draws, "
                         f"seed {result.seed}"))
            .configure(**CONFIG))


def chart_bytes(chart: alt.TopLevelMixin, fmt: str, scale: float = 2.0) -> bytes:
    """The chart rendered to ``fmt`` (png, svg, html, json) with vl-convert."""
    import vl_convert as vlc

    if fmt not in FORMATS:
        raise InputError(f"cannot write a chart as '{fmt}'",
                         hint=f"use one of: {', '.join(FORMATS)}")
    spec = chart.to_dict()
    if fmt == "json":
        return chart.to_json(indent=2).encode()
    version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    if fmt == "png":
        return bytes(vlc.vegalite_to_png(spec, vl_version=version, scale=scale))
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec, vl_version=version).encode()
    return vlc.vegalite_to_html(spec, vl_version=version, bundle=True).encode()


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file: never a half-written file."""
    p = Path(path)
    if p.parent and not p.parent.exists():
        raise InputError(f"folder {p.parent} does not exist", hint="create it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def save_chart(chart: alt.TopLevelMixin, path: str | os.PathLike[str],
               scale: float = 2.0) -> Path:
    """Write ``chart`` to ``path``; the format comes from the suffix (.png .svg .html .json)."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"{path}: cannot tell the chart format from the suffix",
                         hint=f"end the file name with .{', .'.join(FORMATS)}")
    return write_atomic(path, chart_bytes(chart, fmt, scale))


__all__ = ["FORMATS", "chart_bytes", "colour_scale", "gaps_chart", "heatmap_chart",
           "heatmap_records", "homogeneity_chart", "save_chart", "stability_chart",
           "time_chart", "write_atomic"]
