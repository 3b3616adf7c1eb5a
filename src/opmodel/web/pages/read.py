"""The reading pages: overview, heat map (and its drill-down to a cell's provenance),
capability, initiatives, history. Each is the same library call the REST API makes, on
the same snapshot, cached per model version in the same cache."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from ...analysis import heatmap as heatmap_fn
from ...analysis.heatmap import LAYERS
from ..auth import Principal
from ..resources import snapshot
from ..source import Snapshot
from .common import PageError, page_user, render, revision_info, travelling

T = TypeVar("T")
Who = Depends(page_user)
Snap = Depends(snapshot)

def cached(request: Request, snap: Snapshot, name: str, params: tuple[Any, ...],
           compute: Callable[[], T]) -> T:
    """``compute()`` once per model version and parameters (the API's cache)."""
    ctx = request.app.state.ctx
    return ctx.cache.get_or_compute((snap.version, "page", name, params), compute)


def colour(layer: str, v: float | None) -> str:
    """The inline style of a cell's colour: the report's colour scale of the layer over its
    fixed range (``report.html.layer_colours``), so the same number has the same colour in
    the report and here; grey for none. The numbers are printed too."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    from ...report.html import layer_colours

    fill, ink = layer_colours(layer, v)
    return f"background:{fill};color:{ink}"


LEGEND_STEPS = 10


MAX_COLUMNS = 40
"""A capability × unit page shows at most this many columns unless asked for all: the
hottest ones, chosen as the report's chart chooses them (``top_columns``)."""


def grid(hm: Any, limit: int | None = None) -> dict[str, Any]:
    """A heat map as rows of cells for the template (at most ``limit`` columns)."""
    from ...report.charts import top_columns

    lo, hi = hm.domain  # the layer's fixed range (analysis.heatmap.LAYER_DOMAIN)
    keep = top_columns(hm, limit)
    cols = list(range(len(hm.columns))) if keep is None else keep
    rows = []
    for r, (rid, rname) in enumerate(zip(hm.rows, hm.row_names, strict=True)):
        cells = []
        for k in cols:
            cid = hm.columns[k]
            v = hm.values[r, k]
            val = None if math.isnan(float(v)) else float(v)
            cells.append({"column": cid, "value": val, "style": colour(hm.layer, val),
                          "text": "–" if val is None else (f"{val:.2f}" if hm.layer ==
                                                            "priority" else f"{val:.1f}")})
        rows.append({"id": rid, "name": rname, "cells": cells})
    return {"columns": [(hm.columns[k], hm.column_names[k]) for k in cols], "rows": rows,
            "layer": hm.layer, "total": len(hm.columns), "shown": len(cols),
            "lo": lo, "hi": hi,
            "legend": [colour(hm.layer, lo + (hi - lo) * i / (LEGEND_STEPS - 1))
                       for i in range(LEGEND_STEPS)]}


def _layer(layer: str) -> str:
    if layer not in LAYERS:
        raise PageError(400, f"layer must be one of {', '.join(LAYERS)}")
    return layer


def overview_data(snap: Snapshot) -> dict[str, Any]:
    from ...analysis import homogeneity, ranked_gaps, score, time_classification, weights
    from ...report import charts as C
    from ...report.data import Analysis
    from ...report.findings import analysis_findings

    e = snap.enterprise
    s = score(e)
    stage = heatmap_fn(e, "stage", "priority", "max", scores=s)
    cap = heatmap_fn(e, "capability", "priority", "max", scores=s)
    gaps = ranked_gaps(e, None, scores=s)
    a = Analysis(e, s, weights(e), stage, cap, gaps, homogeneity(e, scores=s),
                 time_classification(e), None)  # type: ignore[arg-type]
    f = analysis_findings(a)
    charts = chart_specs(**{"top-gaps": lambda: C.gaps_chart(ranked_gaps(e, 15, scores=s),
                                                               title="The 15 hottest gaps")})
    return {"findings": [f.headline, f.heatmap, f.consolidation, f.applications],
            "charts": charts,
            "counts": {"business units": len(e.business_units),
                       "capabilities": len(e.capabilities), "assessments": len(e.assessments),
                       "initiatives": len(e.initiatives)}}


def spec_json(spec: Any) -> str:
    """A chart spec as JSON that cannot end the <script> element it is inlined in (user
    text such as names and notes is data)."""
    return json.dumps(spec).replace("</", "<\\/").replace("<!--", "<\\u0021--")


def chart_specs(**charts: Any) -> dict[str, str]:
    """The report's chart builders' specs (``name=lambda: chart``) as inlinable JSON."""
    import altair as alt

    with alt.utils.schemapi.debug_mode(False):
        return {k: spec_json(make().to_dict(validate=False)) for k, make in charts.items()}


def trend_chart(cap: Any, e: Any, log: list[Any]) -> dict[str, str]:
    """The capability's assessments over the quarters as the report's trend chart spec
    (none when nothing is assessed)."""
    from ...report.report_charts import assessment_trend_chart
    from .trend import trend

    records, quarters, units = trend(e, cap.id, log)
    if not records:
        return {}
    return chart_specs(trend=lambda: assessment_trend_chart(
        records, quarters, units, title=f"{cap.name}: assessments over the quarters"))


def last_change(request: Request, snap: Snapshot) -> Any:
    src = request.app.state.ctx.source
    if not src.writable:
        return None
    if travelling(request):  # the change that made the version shown
        return revision_info(src.store, int(snap.version))
    log = src.store.history(limit=1)
    return log[-1] if log else None


def register(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request, me: Principal = Who, snap: Snapshot = Snap) -> Response:
        data = cached(request, snap, "overview", (), lambda: overview_data(snap))
        return render(request, "overview.html", page="overview", snap=snap,
                      name=snap.enterprise.name, last=last_change(request, snap), **data)

    @app.get("/heatmap", response_class=HTMLResponse, include_in_schema=False)
    def heatmap(request: Request, layer: str = Query("priority"), me: Principal = Who,
                snap: Snapshot = Snap) -> Response:
        _layer(layer)
        g = cached(request, snap, "stage-grid", (layer,), lambda: grid(
            heatmap_fn(snap.enterprise, "stage", layer, "max")))
        return render(request, "heatmap.html", page="heatmap", snap=snap, grid=g,
                      layer=layer, layers=LAYERS, stage=None)

    @app.get("/heatmap/{stage}", response_class=HTMLResponse, include_in_schema=False)
    def heatmap_stage(request: Request, stage: str, layer: str = Query("priority"),
                      columns: str = Query("top"), me: Principal = Who,
                      snap: Snapshot = Snap) -> Response:
        _layer(layer)
        e = snap.enterprise
        if stage not in e.ids("stage"):
            raise PageError(404, f"no stage '{stage}'")
        limit = None if columns == "all" else MAX_COLUMNS
        g = cached(request, snap, "cap-grid", (layer, stage, limit), lambda: grid(
            heatmap_fn(e, "capability", layer, "max", stage=stage), limit))
        name = next(s.name for s in e.stages if s.id == stage)
        return render(request, "heatmap.html", page="heatmap", snap=snap, grid=g,
                      layer=layer, layers=LAYERS, stage=(stage, name))

    @app.get("/cell/{column}/{unit}", response_class=HTMLResponse, include_in_schema=False)
    def cell(request: Request, column: str, unit: str, layer: str = Query("priority"),
             by: str = Query("capability"), me: Principal = Who,
             snap: Snapshot = Snap) -> Response:
        _layer(layer)
        e = snap.enterprise
        if by not in ("stage", "capability") or column not in e.ids(by) or \
                (unit not in e.ids("business unit") and unit != "all"):
            raise PageError(404, f"no heat-map cell {column}/{unit}")

        def compute() -> Any:
            try:
                return heatmap_fn(e, by, layer, "max").explain(column, unit).to_dict()
            except Exception as exc:  # an unknown row/column: the library's message
                raise PageError(404, str(exc)) from None

        x = cached(request, snap, "cell", (by, layer, column, unit), compute)
        return render(request, "cell.html", x=x, snap=snap,
                      pretty=lambda v: json.dumps(v, indent=1, default=str,
                                                  ensure_ascii=False))

    @app.get("/capabilities/{cap}", response_class=HTMLResponse, include_in_schema=False)
    def capability(request: Request, cap: str, me: Principal = Who,
                   snap: Snapshot = Snap) -> Response:
        from ...analysis import homogeneity

        e = snap.enterprise
        found = next((c for c in e.capabilities if c.id == cap), None)
        if found is None:
            raise PageError(404, f"no capability '{cap}'")
        units = {u.id: u.name for u in e.business_units}
        rows = [a for a in e.assessments if a.capability == cap]
        apps = [a for a in e.applications if cap in getattr(a, "capabilities", ())]
        h = cached(request, snap, "homogeneity", (), lambda: homogeneity(e))
        cand = next((c for c in h.candidates if getattr(c, "capability", None) == cap), None)
        moving = [i for i in e.initiatives if any(f.capability == cap for f in i.effects)]
        log = []
        src = request.app.state.ctx.source
        if src.writable:
            upto = int(snap.version)  # as of ?at=: what had happened by then
            log = sorted((c for u in e.business_units
                          for c in src.store.history(f"assessments:{cap}/{u.id}")
                          if c.revision <= upto), key=lambda c: (c.revision, c.at))
        charts = trend_chart(found, e, log)
        return render(request, "capability.html", page="heatmap", snap=snap, cap=found, e=e,
                      rows=rows, units=units, apps=apps, candidate=cand, moving=moving,
                      history=log[::-1][:50], charts=charts)

    @app.get("/initiatives", response_class=HTMLResponse, include_in_schema=False)
    def initiatives(request: Request, owner: str = Query(""), kind: str = Query(""),
                    q: str = Query(""), me: Principal = Who,
                    snap: Snapshot = Snap) -> Response:
        e = snap.enterprise
        items = [i for i in e.initiatives
                 if (not owner or i.owner == owner) and (not kind or i.kind == kind)
                 and (not q or q.lower() in (i.id + " " + i.name).lower())]
        kinds = sorted({str(i.kind) for i in e.initiatives})
        return render(request, "initiatives.html", page="initiatives", snap=snap,
                      items=items, units=e.business_units, kinds=kinds,
                      f={"owner": owner, "kind": kind, "q": q}, money=e.unit,
                      currency=e.currency)

    @app.get("/history", response_class=HTMLResponse, include_in_schema=False)
    def history(request: Request, entity: str = Query(""), who: str = Query(""),
                action: str = Query(""), me: Principal = Who,
                snap: Snapshot = Snap) -> Response:
        src = request.app.state.ctx.source
        changes: list[Any] = []
        if src.writable:
            try:  # the newest 300 that match (as of ?at=: what had happened by then)
                changes = src.store.history(entity or None, limit=300, who=who or None,
                                            action=action or None, until=int(snap.version))
            except Exception as exc:
                raise PageError(400, f"entity: {exc}") from None
            changes.reverse()
        return render(request, "history.html", page="history", snap=snap, changes=changes,
                      f={"entity": entity, "who": who, "action": action})
