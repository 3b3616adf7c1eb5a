"""Views of the report's data that more than one renderer shows: the capability heat map at a
readable size, the heat map after each quarter of the roadmap, the guardrail lines of the
mix chart. Pure functions of :class:`~.data.ReportData`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .charts import heatmap_records

if TYPE_CHECKING:
    from ..analysis import HeatMap
    from ..analysis.scoring import Scores
    from ..optimize.roadmap import Roadmap
    from .data import ReportData

DRILL = "heatmap-capability-drill"
"""The name of the drill-down's own capability heat map (a chart for report.html only)."""

MAX_CELLS = 3000
"""The drill-down of report.html rolls capabilities up to level 1 above this many cells."""


def capability_view(d: ReportData) -> HeatMap:
    """The capability heat map at a size that stays readable: every capability up to
    :data:`MAX_CELLS` cells, else rolled up to level-1 capabilities."""
    from ..analysis import heatmap

    a = d.analysis
    hm = a.capability_map
    if hm.values.size <= MAX_CELLS:
        return hm
    return heatmap(a.enterprise, "capability", "priority", "max", level=1, scores=a.scores)


def guardrail_lines(d: ReportData) -> list[dict[str, Any]]:
    out = []
    for g in d.enterprise.policy.guardrails:
        scope = " each quarter" if g.scope == "quarter" else " over the horizon"
        if g.min_share is not None:
            out.append({"kind": g.kind, "limit": g.min_share,
                        "label": f"≥ {g.min_share:.0%}{scope}"})
        if g.max_share is not None:
            out.append({"kind": g.kind, "limit": g.max_share,
                        "label": f"≤ {g.max_share:.0%}{scope}"})
    return out


def plateau_maps(d: ReportData, hm: HeatMap) -> list[tuple[str, HeatMap]]:
    """``hm`` (a priority heat map) today and after each quarter of the plan, as
    (label, HeatMap) pairs: the cells' priorities come from the roadmap, rolled up by the
    heat map's own rule and tree."""
    return roadmap_maps(d.roadmap, d.analysis.scores, hm)


def roadmap_maps(road: Roadmap | None, s: Scores, hm: HeatMap) -> list[tuple[str, HeatMap]]:
    """:func:`plateau_maps` of a roadmap and the scores of its model (the web's roadmap of
    record draws the same chart)."""
    if road is None:
        return [("today", hm)]
    cap_pos, bu_pos = s.base.cap_pos, s.base.bu_pos
    per_q = np.repeat(np.array(s.priority, dtype=float)[None], len(road.quarters), axis=0)
    q_pos = {q: t for t, q in enumerate(road.quarters)}
    for r in road.plateau_rows(changed_only=True):
        per_q[q_pos[r["quarter"]], cap_pos[r["capability"]], bu_pos[r["business_unit"]]] = \
            r["priority"]
    out = [("today", hm)]
    for t, q in enumerate(road.quarters):
        out.append((f"after {q}", hm.with_values(per_q[t])))
    return out


def plateau_records(d: ReportData, hm: HeatMap) -> tuple[list[str], list[dict[str, Any]],
                                                         list[str], list[str]]:
    """Small-multiple records (step, row_name, column_name, value) of :func:`plateau_maps`."""
    return maps_records(plateau_maps(d, hm))


def maps_records(maps: list[tuple[str, HeatMap]]) -> tuple[list[str], list[dict[str, Any]],
                                                          list[str], list[str]]:
    """Small-multiple records (step, row_name, column_name, value) of (label, map) pairs,
    for :func:`.report_charts.plateau_chart`."""
    steps, recs = [], []
    rows: list[str] = []
    cols: list[str] = []
    for label, m in maps:
        steps.append(label)
        for r in heatmap_records(m):
            if r["row"] == "all":
                continue
            recs.append({"step": label, "row_name": r["row_name"],
                         "column_name": r["column_name"], "value": r["value"]})
            if r["row_name"] not in rows:
                rows.append(r["row_name"])
            if r["column_name"] not in cols:
                cols.append(r["column_name"])
    return steps, recs, rows, cols


__all__ = ["DRILL", "MAX_CELLS", "capability_view", "guardrail_lines", "maps_records",
           "plateau_maps", "plateau_records", "roadmap_maps"]
