"""The report's charts: one Vega-Lite spec each, shown in report.html and written beside it as
PNG and SVG (vl-convert, in worker processes when there are many)."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt

if TYPE_CHECKING:
    from .build import ReportData


@dataclass(frozen=True)
class ChartSpec:
    name: str
    """File stem and element id (``heatmap-stage`` → charts/heatmap-stage.png)."""
    caption: str
    spec: dict[str, Any]


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    return chart.to_dict(validate=False)


def chart_specs(d: ReportData) -> dict[str, ChartSpec]:
    """Every chart of the report, by name, in reading order."""
    from ..analysis import ranked_gaps
    from . import charts as C
    from . import report_charts as R
    from .plan_charts import frontier_chart, spend_chart

    e = d.enterprise
    f = d.findings()
    money = d.money_unit
    out: dict[str, ChartSpec] = {}

    def add(name: str, caption: str, chart: alt.TopLevelMixin) -> None:
        out[name] = ChartSpec(name, caption, _spec(chart))

    add("heatmap-stage", "Priority by business unit and value-chain stage",
        C.heatmap_chart(d.stage_map, title=f.headline.title))
    add("heatmap-capability", "Priority by business unit and capability",
        C.heatmap_chart(capability_view(d), title="Priority by business unit and capability"))
    add("top-gaps", "The hottest capability × unit cells",
        C.gaps_chart(ranked_gaps(e, 15, scores=d.scores), title="The 15 hottest gaps"))
    add("value-vs-baselines", "The plan against the status-quo baselines",
        R.baselines_chart(d.plan, money, title=_short(f.value.title)))
    add("value-over-time", "Value delivered per quarter", R.value_over_time_chart(d.plan, money))
    if d.roadmap is not None:
        worth = {x.id: x.value_if_dropped or 0.0 for x in d.explanations if x.funded}
        add("roadmap-gantt", "Funded roadmap by quarter, coloured by kind",
            R.gantt_chart(d.roadmap.gantt, d.plan.quarters, worth, title=f.roadmap.title))
    add("spend-vs-budget", "Spend against budget per quarter and pool",
        spend_chart(d.plan, title="Spend against budget per quarter and pool"))
    if d.roadmap is not None:
        add("mix-per-quarter", "Investment mix per quarter against the guardrails",
            R.mix_chart(d.roadmap.mix, d.plan.quarters, guardrail_lines(d),
                        title=f.mix.title))
        steps, recs, rows, cols = plateau_records(d, d.stage_map)
        add("plateaus", "The stage heat map after each quarter",
            R.plateau_chart(recs, steps, rows, cols))
    if d.frontier is not None:
        add("frontier", "Efficient frontier: value against budget",
            frontier_chart(d.frontier, e.name, money))
    if d.risk is not None:
        budgets = {(b.pool, b.period): b.amount for b in e.budgets if not b.is_fiscal_year}
        add("risk-spend", "Cost risk: P50 and P80 spend per quarter and pool",
            R.risk_spend_chart(d.risk, d.plan.quarters, budgets, money))
        add("risk-overrun", "Overrun probability per pool and quarter",
            R.overrun_chart(d.risk, d.plan.quarters))
    from .tables import candidate_rows

    add("consolidation", "Consolidation candidates: savings a year and the application to keep",
        R.consolidation_chart(candidate_rows(d, 15), d.homogeneity.total_savings, money,
                              title=_short(f.consolidation.title)))
    add("homogeneity-stages", "Duplicated run cost by stage",
        C.homogeneity_chart(d.homogeneity, by="stage", money=money))
    add("time-quadrant", "TIME quadrant of the applications",
        C.time_chart(d.time, title=_short(f.applications.title)))
    add("rank-stability", "Rank stability of the top 10 cells", C.stability_chart(d.stability))
    return out


def _short(title: str, limit: int = 90) -> str:
    return title if len(title) <= limit else title.split(":")[0]


def capability_view(d: ReportData) -> Any:
    """The capability heat map at a size that stays readable: every capability up to
    :data:`MAX_CELLS` cells, else rolled up to level-1 capabilities."""
    from ..analysis import heatmap

    hm = d.capability_map
    if hm.values.size <= MAX_CELLS:
        return hm
    return heatmap(d.enterprise, "capability", "priority", "max", level=1, scores=d.scores)


MAX_CELLS = 3000


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


def plateau_maps(d: ReportData, hm: Any) -> list[tuple[str, Any]]:
    """``hm`` (a priority heat map) today and after each quarter of the plan, as
    (label, HeatMap) pairs: the cells' priorities come from the roadmap, rolled up by the
    heat map's own rule and tree."""
    import numpy as np

    road = d.roadmap
    if road is None:
        return [("today", hm)]
    s = d.scores
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


def plateau_records(d: ReportData, hm: Any) -> tuple[list[str], list[dict[str, Any]],
                                                      list[str], list[str]]:
    """Small-multiple records (step, row_name, column_name, value) of :func:`plateau_maps`."""
    from .charts import heatmap_records

    steps, recs = [], []
    rows: list[str] = []
    cols: list[str] = []
    for label, m in plateau_maps(d, hm):
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


# -- rendering ---------------------------------------------------------------------------------
def _vl_version() -> str:
    return alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]


def render_one(name: str, spec: dict[str, Any], folder: str) -> list[str]:
    """Write ``folder/name.svg`` and ``folder/name.png``; returns the paths."""
    from ._render import render_one as run

    return run(name, spec, folder, _vl_version())


class ChartJobs:
    """Chart rendering started in worker processes, collected later: the main process writes
    the HTML and the workbook meanwhile."""

    def __init__(self, specs: dict[str, ChartSpec], folder: Path, processes: int = 2) -> None:
        from ._render import render_one as run

        self.items = list(specs.values())
        self.folder = folder
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[Any] = []
        if processes > 1 and len(self.items) > 2:
            ctx = mp.get_context("spawn")
            self.pool = ProcessPoolExecutor(max_workers=min(processes, len(self.items)),
                                            mp_context=ctx)
            version = _vl_version()
            # the slowest (largest) charts first, so the workers finish together
            order = sorted(self.items, key=lambda c: -len(str(c.spec)))
            self.futures = [self.pool.submit(run, c.name, c.spec, str(folder), version)
                            for c in order]

    def collect(self, progress: Callable[[int, int], None] | None = None) -> list[Path]:
        tick = progress or (lambda k, n: None)
        n = len(self.items)
        tick(0, n)
        written: list[str] = []
        try:
            if self.pool is not None:
                for k, fut in enumerate(as_completed(self.futures), start=1):
                    written += fut.result()
                    tick(k, n)
            else:
                for k, c in enumerate(self.items, start=1):
                    written += render_one(c.name, c.spec, str(self.folder))
                    tick(k, n)
        finally:
            self.close()
        return sorted(Path(p) for p in written)

    def close(self) -> None:
        if self.pool is not None:
            for f in self.futures:
                f.cancel()
            self.pool.shutdown(wait=True)
            self.pool = None


def render_charts(specs: dict[str, ChartSpec], folder: Path, processes: int = 2,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Render every chart to PNG and SVG in ``folder`` (``processes`` workers)."""
    return ChartJobs(specs, folder, processes).collect(progress)


__all__ = ["MAX_CELLS", "ChartJobs", "ChartSpec", "capability_view", "chart_specs",
           "guardrail_lines", "plateau_maps", "plateau_records", "render_charts", "render_one"]
