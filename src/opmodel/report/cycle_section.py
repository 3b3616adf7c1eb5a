"""The report's "Since last quarter" section: plain data built from a re-plan (decisions of
the recent cycles, plan versus actual, what changed against the plan of record, the
heat-map trend per stage × unit), laid out by ``templates/sections/since.html.j2``.

Data first, rendering second: :func:`since_last_quarter` returns JSON-ready dicts only, so
the report, results.xlsx and the web app can show the same numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model.lifecycle import is_override
from ..model.quarter import add_quarters, quarter_index

if TYPE_CHECKING:
    from ..cycle import Replan, Trend

CYCLES_SHOWN = 2


def since_last_quarter(r: Replan, trend: Trend | None = None) -> dict[str, Any]:
    """Everything the section shows, as plain data."""
    e = r.rolled.source
    name = {it.id: it.name for it in e.initiatives}
    as_of = r.as_of
    cycles = sorted({d.cycle for d in e.decisions
                     if quarter_index(d.cycle) < quarter_index(as_of)}, key=quarter_index)
    shown = cycles[-CYCLES_SHOWN:]
    decisions = []
    for d in reversed(e.decisions):
        if d.cycle not in shown:
            continue
        decisions.append({
            "id": d.id, "cycle": d.cycle, "date": d.date.isoformat(),
            "initiative": d.initiative, "name": name.get(d.initiative, d.initiative),
            "action": d.action, "when": d.start or d.until or "",
            "by": d.by, "role": d.role, "rationale": d.rationale or "",
            "verdict": d.review.verdict if d.review else "",
            "review_note": (d.review.note or "") if d.review else "",
            "override": bool(is_override(d)),
            "recommended": ("" if d.against is None else
                            (f"start {d.against.start}" if d.against.funded else "not funded")),
        })
    variance = [{**v, "name": name.get(v["id"], v["id"])} for v in r.variance]
    ch = r.change
    counts: dict[str, int] = {}
    for s in r.rolled.lifecycle.states.values():
        counts[s.status] = counts.get(s.status, 0) + 1
    out: dict[str, Any] = {
        "as_of": as_of, "previous": add_quarters(as_of, -1), "cycles": shown,
        "currency": e.currency, "unit": e.unit,
        "statuses": counts, "sunk": r.rolled.sunk,
        "decisions": decisions,
        "overrides": sum(1 for d in decisions if d["override"]),
        "variance": variance,
        "overrun": [v["id"] for v in variance if (v["overrun"] or 0) > 0.05],
        "slipped": [v["id"] for v in variance if v["slip"] > 0],
        "change": {"record_cycle": ch.record_cycle,
                   "added": [{"id": i, "name": name.get(i, i)} for i in ch.added],
                   "removed": [{**x, "name": name.get(x["id"], x["id"])} for x in ch.removed],
                   "moved": [{**m, "name": name.get(m["id"], m["id"])} for m in ch.moved],
                   "value_record": ch.value_record, "value_plan": ch.value_plan,
                   "value_change": ch.value_change},
        "value": r.plan.objective,
        "trend": None,
    }
    if trend is not None:
        cells = trend.cells()
        grid = [{"unit": trend.row_names[k], "cells": [
            c for c in cells if c["business_unit"] == row]} for k, row in enumerate(trend.rows)]
        out["trend"] = {"cycles": list(trend.cycles), "stages": list(trend.column_names),
                        "rows": grid,
                        "moved": sorted([c for c in cells if c["change"]],
                                        key=lambda c: c["change"])[:10]}
    return out


def render_since(data: dict[str, Any]) -> str:
    """The section's HTML (autoescaped: every name and rationale is text, never markup)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("opmodel.report", "templates"),
                             autoescape=True)
    return env.get_template("sections/since.html.j2").render(s=data)


__all__ = ["render_since", "since_last_quarter"]
