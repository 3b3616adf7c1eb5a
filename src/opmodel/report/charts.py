"""One Vega-Lite spec (an Altair chart) per chart, shared by the CLI, the report and the web.

Colour rules, the same in every chart:

- *hot* layers (priority, gap): sequential yellow → orange → red, fixed domain per layer
  (priority 0–1 on a square-root scale so that typical values 0.05–0.4 are told apart,
  gap 0–5); *maturity* layers (current, target): sequential blues, 0–5
- n/a (the unit does not need the capability): solid grey, labelled "n/a"
- not assessed (nobody knows): white with a dashed outline, labelled "?"
- TIME quadrants: Invest green, Migrate blue, Tolerate amber, Eliminate red

Large models stay readable: a capability heat map shows at most :data:`MAX_COLUMNS`
capabilities (the hottest, said in its subtitle) and colours only above
:data:`MAX_LABELLED_CELLS` cells. Inline data goes through :func:`inline` (Altair neither
copies nor validates it) and encodings through :func:`ch` (channel objects, not strings).

:func:`save_chart` writes ``.png``, ``.svg``, ``.html`` (self-contained) or ``.json`` with
vl-convert; no browser is needed.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np

from ..analysis.gaps import GapTable
from ..analysis.heatmap import ALL, ALL_NAME, LAYER_DOMAIN, HeatMap
from ..analysis.homogeneity import HomogeneityResult
from ..analysis.sensitivity import StabilityResult
from ..analysis.time_model import HIGH, QUADRANTS, TimeResult
from ..errors import InputError


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the report: a Vega-Lite spec (a dict) with its name and caption."""

    name: str
    """File stem and element id (``heatmap-stage`` → charts/heatmap-stage.png)."""
    caption: str
    spec: dict[str, Any]
    file: bool = True
    """Written as PNG and SVG beside the report (False: used by report.html only)."""


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


class InlineValues(alt.Data):
    """Inline chart data that Altair passes through as it is: no validation, no copies and
    no walk over the records when the chart is copied or turned into a dict (Altair does
    all three for ``alt.Data(values=...)``, seconds for a heat map of 10,000 cells).

    The records must already be JSON-ready (str, int, float, bool, None, lists, dicts).
    ``chart.to_dict()`` gives ``{"values": records}`` exactly like ``alt.Data(values=...)``.
    """

    def __init__(self, values: list[dict[str, Any]]) -> None:
        object.__setattr__(self, "_args", (values,))
        object.__setattr__(self, "_kwds", {})

    @property
    def records(self) -> list[dict[str, Any]]:
        return self._args[0]  # type: ignore[no-any-return]

    def to_dict(self, validate: bool = True, *, ignore: Any = None,
                context: Any = None) -> dict[str, Any]:
        return {"values": self.records}

    def copy(self, deep: Any = True, ignore: Any = None) -> InlineValues:
        return self  # never changed after construction

    def __deepcopy__(self, memo: Any) -> InlineValues:
        return self


def ch(**channels: Any) -> dict[str, Any]:
    """``encode()`` arguments as channel objects (``alt.X``, ``alt.ColorValue``…). Altair
    turns a shorthand string, an ``alt.value``/``alt.condition`` dict or a tooltip list
    into one through ``from_dict``, which indexes its whole schema on every call (about
    6 ms; seventy-odd calls per report); the objects, and so the spec, are the same."""
    return {name: _channel(name, v) for name, v in channels.items()}


def _channel(name: str, v: Any) -> Any:
    if isinstance(v, list | tuple):
        return [_channel(name, x) for x in v]
    kind = name[0].upper() + name[1:]
    if isinstance(v, str):
        return getattr(alt, kind)(v)
    if isinstance(v, dict) and "field" not in v and "shorthand" not in v and not (
            isinstance(v.get("condition"), dict) and "field" in v["condition"]):
        cls = getattr(alt, kind + "Value", None)
        if cls is not None:
            return cls(**v)
    return v


def inline(values: list[dict[str, Any]]) -> alt.Data:
    """Chart data given inline (see :class:`InlineValues`)."""
    return InlineValues(values)


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


def heatmap_records(hm: HeatMap, columns: Sequence[int] | None = None
                    ) -> list[dict[str, Any]]:
    """The cells of a heat map as chart data (one dict per cell), row by row; ``columns``
    (indices, in the order to keep) limits them to some columns."""
    cols = _unique(list(hm.column_names), list(hm.columns))
    rows = _unique(list(hm.row_names), list(hm.rows))
    e = hm.enterprise
    stage_names = {s.id: s.name for s in e.stages}
    keep = range(len(hm.columns)) if columns is None else columns
    stage_of = [stage_names.get(st, st) for st in hm.column_stages]
    values, state = hm.values.tolist(), hm.state.tolist()
    n_as, n_na = hm.n_assessed.tolist(), hm.n_na.tolist()
    n_mi, n_ru = hm.n_missing.tolist(), hm.n_rolled_up.tolist()
    out = []
    for r, row in enumerate(hm.rows):
        for k in keep:
            st = int(state[r][k])
            v = float(values[r][k])
            has = st == 1 and not math.isnan(v)
            out.append({
                "row": row, "row_name": rows[r], "column": hm.columns[k],
                "column_name": cols[k], "stage": stage_of[k],
                "value": round(v, 4) if has else None,
                "state": "value" if has else (NA_LABEL if st == 2 else MISSING_LABEL),
                "label": _fmt(hm.layer, v) if has else ("n/a" if st == 2 else "?"),
                "dark": has and _dark(hm.layer, v),
                "assessed": int(n_as[r][k]), "na": int(n_na[r][k]),
                "missing": int(n_mi[r][k]), "rolled_up": int(n_ru[r][k]),
            })
    return out


MAX_COLUMNS = 60
"""A capability heat map shows at most this many capabilities (the hottest); wider maps are
unreadable on a screen or a slide. The full map is in the data (CSV, results.xlsx)."""
LABEL_CHARS = 34
"""Capability names on a heat map's axis are cut to this many characters."""
MAX_LABELLED_CELLS = 800
"""A heat map with more cells shows colours only (the tooltips and the data have the
numbers): a number in each of a thousand small cells is noise, and slow to draw."""
RANKED_BY = {"priority": "hottest", "gap": "with the largest gaps",
             "current": "least mature", "target": "with the lowest targets"}
"""How :func:`top_columns` picks the capabilities of each layer, in words."""


def top_columns(hm: HeatMap, limit: int | None = MAX_COLUMNS) -> list[int] | None:
    """The columns a chart of ``hm`` shows: None (all) for a stage map or when there are at
    most ``limit``; else the ``limit`` hottest capabilities (by their hottest unit; the
    least mature for maturity layers), in the map's own order."""
    n_k = len(hm.columns)
    if hm.by == "stage" or limit is None or n_k <= limit:
        return None
    units = np.asarray(hm.values[:-1], dtype=float)
    has = (np.asarray(hm.state[:-1]) == 1) & ~np.isnan(units)
    if hm.layer in ("current", "target"):
        key = np.where(has, units, np.inf).min(axis=0)  # lowest first
    else:
        key = -np.where(has, units, -np.inf).max(axis=0)
    order = np.lexsort((np.arange(n_k), key))  # ties: the map's order
    return sorted(int(k) for k in order[:limit])


def heatmap_chart(hm: HeatMap, *, values_in_cells: bool | None = None,
                  title: str | None = None, limit: int | None = MAX_COLUMNS,
                  note: str | None = None) -> alt.TopLevelMixin:
    """Units as rows, stages (or capabilities, grouped under their stage) left to right.

    A capability map with more than ``limit`` columns shows the ``limit`` hottest
    (:func:`top_columns`) and says so in its subtitle, followed by ``note`` (e.g. where the
    full map is)."""
    keep = top_columns(hm, limit)
    data = heatmap_records(hm, keep)
    idx = list(range(len(hm.columns))) if keep is None else keep
    n_r, n_k = len(hm.rows), len(idx)
    if values_in_cells is None:  # numbers in the cells while they stay readable
        values_in_cells = n_k <= 120 and n_r <= 60 and n_k * n_r <= MAX_LABELLED_CELLS
    all_cols = _unique(list(hm.column_names), list(hm.columns))
    cols = [all_cols[k] for k in idx]
    rows = _unique(list(hm.row_names), list(hm.rows))
    by_stage = hm.by == "stage"
    longest = max((len(c) for c in cols), default=4)
    step_x = max(64, min(210, int(7.5 * longest))) if by_stage else 32
    wrap_at = max(8, step_x // 7)
    wrapped = max((len(_wrap(c, wrap_at)) for c in cols), default=1) if by_stage else 1
    step_y = 30 if by_stage else 26
    # capability names are cut by characters (about 220 px), not by measured width: Vega
    # measures a label again and again to cut it, the largest cost of drawing a big map
    x = alt.X("column_name:N", sort=cols, title=None,
              axis=alt.Axis(orient="top", labelAngle=0 if by_stage else -90,
                            labelLimit=step_x if by_stage else 0, domain=False, ticks=False,
                            labelAlign="center" if by_stage else "left",
                            labelBaseline="bottom" if by_stage else "middle",
                            labelPadding=4 + 13 * (wrapped - 1),
                            labelExpr=_wrap_expr(cols, wrap_at) if by_stage else
                            f"truncate(datum.label, {LABEL_CHARS})"))
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
    base = alt.Chart().encode(**ch(x=x, y=y))
    legend_title = f"{hm.layer} ({hm.rollup})" if hm.by == "stage" or hm.level else hm.layer
    valued = base.transform_filter("datum.state == 'value'").mark_rect(
        stroke="white", strokeWidth=1.5).encode(
        **ch(color=alt.Color("value:Q", scale=colour_scale(hm.layer), title=legend_title,
                        legend=alt.Legend(orient="right",
                                          gradientLength=max(80, min(200, step_y * n_r)))),
        tooltip=tooltip))
    empty = base.transform_filter("datum.state != 'value'").mark_rect(
        stroke="#888", strokeWidth=1, strokeDash=[3, 2]).encode(
        **ch(fill=alt.Fill("state:N", title="no value",
                        scale=alt.Scale(domain=[NA_LABEL, MISSING_LABEL],
                                        range=[NA_COLOUR, MISSING_COLOUR]),
                        legend=alt.Legend(orient="right", symbolType="square",
                                          symbolStrokeColor="#888", symbolStrokeWidth=1)),
        tooltip=tooltip))
    layers: list[alt.Chart] = [valued, empty]
    if values_in_cells:
        layers.append(base.mark_text(fontSize=11 if by_stage else 8).encode(
            **ch(text="label:N",
            color=alt.condition("datum.dark", alt.value("white"), alt.value("#222")))))
    what = "stage" if by_stage else "capability"
    head = title or f"{hm.layer.capitalize()} by business unit and {what}"
    sub = (f"cells roll up the assessed capabilities by {hm.rollup}; bottom row: all units"
           if by_stage or hm.level else "bottom row: all units, " + hm.rollup)
    if not by_stage and not hm.level and hm.n_rolled_up[:-1].any():
        sub += ("; a parent a unit did not assess shows its sub-capabilities rolled up by "
                + hm.rollup)
    if by_stage:
        chart = alt.layer(*layers, data=inline(data))
        return chart.properties(width=alt.Step(step_x), height=alt.Step(step_y),
                                title=alt.Title(head, subtitle=sub)).configure(**CONFIG)
    if keep is not None:
        word = "capabilities" if hm.level is None else f"level-{hm.level} capabilities"
        sub = (f"the {n_k} {RANKED_BY.get(hm.layer, 'first')} of {len(hm.columns)} {word}"
               + (f" ({note})" if note else "") + "; " + sub)
    layers += _stage_layers(base, data, cols, n_r * step_y)
    return (alt.layer(*layers, data=inline(data))
            .properties(width=alt.Step(step_x), height=alt.Step(step_y),
                        title=alt.Title(head, subtitle=sub)).configure(**CONFIG))


def _stage_layers(base: alt.Chart, data: list[dict[str, Any]], cols: list[str],
                  height: int) -> list[alt.Chart]:
    """Capabilities grouped under their stage in one chart (one x scale, no facet): a line
    under each stage's columns with the stage's name, and a white rule between stages.

    Marks the records of each stage's first column (``first``; ``sep`` when it is not the
    first stage) and gives each record its stage's width in columns (``n_stage``). The
    layers use the chart's own data and field, so the x scale keeps a single sort."""
    n_stage: dict[str, int] = {}
    first_col: dict[str, str] = {}
    for r in data:
        if r["row"] == ALL:
            n_stage[r["stage"]] = n_stage.get(r["stage"], 0) + 1
            first_col.setdefault(r["stage"], r["column_name"])
    first_stage = next(iter(first_col), None)
    for r in data:
        first = first_col.get(r["stage"]) == r["column_name"]
        r["first"] = first
        r["sep"] = first and r["stage"] != first_stage
        r["n_stage"] = n_stage.get(r["stage"], 0)
    x0 = alt.X("column_name:N", sort=cols, bandPosition=0)
    under = base.transform_filter(f"datum.row == '{ALL}'").mark_rule(
        color="#999", strokeWidth=1.5).encode(
        **ch(x=x0, x2=alt.X2("column_name:N", bandPosition=1), y=alt.value(height + 4)))
    label = base.transform_filter(f"datum.first && datum.row == '{ALL}'").mark_text(
        align="left", baseline="top", dx=2, fontSize=12, fontWeight="bold", color="#222",
        # as wide as the stage's columns, whatever width the chart is drawn at
        limit={"expr": "datum.n_stage * bandwidth('x') - 6"}).encode(  # type: ignore[arg-type]
        **ch(x=x0, y=alt.value(height + 8), text="stage:N",
        tooltip=[alt.Tooltip("stage:N"), alt.Tooltip("n_stage:Q", title="capabilities")]))
    seps = base.transform_filter(f"datum.sep && datum.row == '{ALL}'").mark_rule(
        color="white", strokeWidth=5).encode(**ch(x=x0, y=alt.value(0), y2=alt.value(height + 6)))
    return [under.properties(name="stage-lines"), seps.properties(name="stage-separators"),
            label.properties(name="stage-names")]


def gaps_chart(table: GapTable, title: str | None = None) -> alt.TopLevelMixin:
    """The top gaps as horizontal bars coloured like the priority heat map."""
    data = [{"cell": f"{r.rank}. {r.capability_name} · {r.business_unit}",
             "priority": round(r.priority, 4), "gap": r.gap, "current": r.current,
             "target": r.target, "weight": round(r.weight, 4)} for r in table.rows]
    order = [d["cell"] for d in data]
    bars = alt.Chart().mark_bar().encode(
        **ch(x=alt.X("priority:Q", scale=alt.Scale(domain=list(LAYER_DOMAIN["priority"])),
                title="priority = w × gap / 5"),
        y=alt.Y("cell:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
        color=alt.Color("priority:Q", scale=colour_scale("priority"), legend=None),
        tooltip=["cell:N", "priority:Q", "gap:Q", "current:Q", "target:Q", "weight:Q"]))
    text = bars.mark_text(align="left", dx=4, fontSize=10).encode(
        **ch(text=alt.Text("priority:Q", format=".2f"), color=alt.value("#222")))
    return (alt.layer(bars, text, data=inline(data))
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
    apps = [a for a in result.applications if a.quadrant in QUADRANTS]  # fits to plot
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
    bg = alt.Chart(inline(quads)).mark_rect(opacity=0.12).encode(
        **ch(x=alt.X("x0:Q", scale=scale_x, title="technical fit (1–4)", axis=alt.Axis(**axis)),
        x2="x1:Q",
        y=alt.Y("y0:Q", scale=scale_y, title="functional fit (1–4)", axis=alt.Axis(**axis)),
        y2="y1:Q",
        color=alt.Color("q:N", scale=alt.Scale(domain=names, range=colours), legend=None)))
    qlabel = alt.Chart(inline(quads)).mark_text(
        fontSize=14, fontWeight="bold", opacity=0.8, align="left", baseline="top", dx=6,
        dy=6).encode(**ch(x=alt.X("x0:Q", scale=scale_x), y=alt.Y("y1:Q", scale=scale_y),
                     text="q:N",
                     color=alt.Color("q:N", scale=alt.Scale(domain=names, range=colours),
                                     legend=None)))
    max_cost = max((a.annual_run_cost for a in apps), default=1.0) or 1.0
    points = alt.Chart(inline(data)).mark_circle(opacity=0.85, stroke="white",
                                                          strokeWidth=1).encode(
        **ch(x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y),
        size=alt.Size("run_cost:Q", title="annual run cost",
                      scale=alt.Scale(domain=[0, max_cost], range=[40, 900]),
                      legend=alt.Legend(orient="bottom", direction="horizontal")),
        color=alt.Color("quadrant:N", scale=alt.Scale(domain=names, range=colours),
                        title="TIME"),
        tooltip=["application:N", "quadrant:N", "functional_fit:Q", "technical_fit:Q",
                 "run_cost:Q", "lifecycle:N", "varies:N"]))
    layers = [bg, qlabel, points]
    if labels is None or labels:
        # every name when there are few; else the 12 largest by run cost
        named = data if (labels or len(apps) <= 40) else \
            sorted(data, key=lambda d: -d["run_cost"])[:12]
        layers.append(alt.Chart(inline(named)).mark_text(
            align="left", dx=9, fontSize=10, color="#333", limit=180).encode(
            **ch(x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y),
            text="application:N")))
    rule_data = inline([{"v": cut}])
    layers.append(alt.Chart(rule_data).mark_rule(strokeDash=[4, 3], color="#666").encode(
        **ch(x=alt.X("v:Q", scale=scale_x))))
    layers.append(alt.Chart(rule_data).mark_rule(strokeDash=[4, 3], color="#666").encode(
        **ch(y=alt.Y("v:Q", scale=scale_y))))
    counts = result.counts()
    sub = ", ".join(f"{q.capitalize()} {counts[q]}" for q in QUADRANTS)
    if counts["not assessed"]:
        sub += f"; {counts['not assessed']} not assessed (no fit yet, not shown)"
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
    what to keep and retire beside each bar (cut to the panel's width; the tooltip has it
    all)."""
    note_width = 380
    if by == "stage":
        data = [{"name": s.name, "cost": round(s.duplicated_cost, 2),
                 "homogeneity": s.homogeneity, "note": f"{s.distinct} application(s), "
                 f"{s.candidates} candidate(s)"} for s in result.stages]
        head = title or "Duplicated run cost by stage"
    else:
        data = [{"name": c.name, "cost": round(c.savings, 2), "homogeneity": c.homogeneity,
                 "note": f"keep {c.keep.name}",
                 "retire": f"retire {len(c.retire)}: " + ", ".join(a.name for a in c.retire)}
                for c in result.top_candidates(top)]
        head = title or f"Top {len(data)} consolidation candidates"
    two_lines = by != "stage"
    step = 32 if two_lines else 22
    order = [d["name"] for d in data]
    scale = alt.Scale(scheme="redyellowgreen", domain=[0, 1])
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=240))
    tip = ["name:N", "cost:Q", "homogeneity:Q", "note:N"] + (["retire:N"] if two_lines else [])
    bars = alt.Chart().mark_bar().encode(
        **ch(x=alt.X("cost:Q", title=f"duplicated annual run cost {money}".strip()),
        y=y,
        color=alt.Color("homogeneity:Q", scale=scale, title="homogeneity (1 = one platform)",
                        legend=alt.Legend(orient="bottom", gradientLength=160,
                                          titleLimit=400)),
        tooltip=tip))
    amount = bars.mark_text(align="left", dx=4, fontSize=10).encode(
        **ch(text=alt.Text("cost:Q", format=",.0f"), color=alt.value("#222")))
    y_note = alt.Y("name:N", sort=order, axis=None)
    notes = alt.Chart().mark_text(align="left", fontSize=11, color="#333", limit=note_width,
                                  dy=-7 if two_lines else 0).encode(
        **ch(y=y_note, x=alt.value(0), text="note:N", tooltip=tip))
    right_layers = [notes]
    if two_lines:
        right_layers.append(alt.Chart().mark_text(
            align="left", fontSize=10, color="#666", limit=note_width, dy=7).encode(
            **ch(y=y_note, x=alt.value(0), text="retire:N", tooltip=tip)))
    left = alt.layer(bars, amount).properties(width=320, height=alt.Step(step))
    right = alt.layer(*right_layers).properties(
        width=note_width, height=alt.Step(step),
        title=alt.Title("keep / retire" if by == "capability" else "", fontSize=12,
                        anchor="start"))
    total = f"{result.total_savings:,.0f} {money}".strip()
    return (alt.hconcat(left, right, data=inline(data), spacing=12)
            .properties(title=alt.Title(head, subtitle="estimated savings (run cost of the "
                                        f"applications to retire): {total} a year in total"))
            .configure(**CONFIG))


def stability_chart(result: StabilityResult, title: str | None = None) -> alt.TopLevelMixin:
    """Share of ω draws in which each top-N cell stays in the top N."""
    data = [{"cell": f"{c.rank}. {c.capability} · {c.business_unit}", "stay": c.stay,
             "worst": c.worst_rank} for c in result.cells]
    order = [d["cell"] for d in data]
    bars = alt.Chart().mark_bar().encode(
        **ch(x=alt.X("stay:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"),
                title=f"draws in which the cell stays in the top {result.top}"),
        y=alt.Y("cell:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
        color=alt.Color("stay:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                        legend=None),
        tooltip=["cell:N", alt.Tooltip("stay:Q", format=".0%"), "worst:Q"]))
    text = bars.mark_text(align="left", dx=4, fontSize=10).encode(
        **ch(text=alt.Text("stay:Q", format=".0%"), color=alt.value("#222")))
    return (alt.layer(bars, text, data=inline(data))
            .properties(width=380, height=alt.Step(20), title=alt.Title(
                title or f"Rank stability of the top {result.top}",
                subtitle=f"ω perturbed ±{result.spread:.0%}, {result.draws} draws, "
                         f"seed {result.seed}"))
            .configure(**CONFIG))


_UNDRAWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def drawable(spec: Any) -> Any:
    """``spec`` with the characters an SVG cannot hold (control characters other than tab
    and newline, U+FFFE, U+FFFF, lone surrogates) dropped from every text, keys included:
    vl-convert aborts the whole process on them (a Rust panic, not an exception), and a
    name pasted from a word processor can carry one (Word's line break is U+000B)."""
    if isinstance(spec, str):
        return _UNDRAWABLE.sub("", spec) if _UNDRAWABLE.search(spec) else spec
    if isinstance(spec, dict):
        return {drawable(k): drawable(v) for k, v in spec.items()}
    if isinstance(spec, list | tuple):
        return [drawable(v) for v in spec]
    return spec


def chart_bytes(chart: alt.TopLevelMixin, fmt: str, scale: float = 2.0) -> bytes:
    """The chart rendered to ``fmt`` (png, svg, html, json) with vl-convert."""
    import vl_convert as vlc

    if fmt not in FORMATS:
        raise InputError(f"cannot write a chart as '{fmt}'",
                         hint=f"use one of: {', '.join(FORMATS)}")
    # one dict, not validated again (the tests validate every chart's spec)
    spec = chart.to_dict(validate=False)
    if fmt == "json":
        return json.dumps(spec, indent=2, sort_keys=True).encode()
    version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    spec = drawable(spec)
    if fmt == "png":
        return bytes(vlc.vegalite_to_png(spec, vl_version=version, scale=scale))
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec, vl_version=version).encode()
    return vlc.vegalite_to_html(spec, vl_version=version, bundle=True).encode()


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file: never a half-written file (a
    symbolic link at ``path`` stays one: the file it leads to is replaced)."""
    from ..atomic import link_target

    p = link_target(path)
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


__all__ = ["FORMATS", "ChartSpec", "ch", "chart_bytes", "colour_scale", "drawable",
           "gaps_chart", "heatmap_chart", "heatmap_records", "homogeneity_chart", "save_chart",
           "stability_chart", "time_chart", "write_atomic"]
