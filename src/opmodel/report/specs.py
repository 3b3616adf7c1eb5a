"""The report rendered as charts: one Vega-Lite spec per chart, shown in report.html and
drawn to PNG and SVG beside it (:mod:`.exports`).

Each spec is built once — Altair without its per-object validation, inline data passed
through (:func:`.charts.inline`) — turned into a dict once, and that dict is shared by the
HTML and the files. The analysis charts can be built before the plan exists
(:func:`analysis_chart_specs`), so they are drawn while the optimizer solves."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import altair as alt

from . import charts as C
from . import report_charts as R
from .charts import ChartSpec, heatmap_chart, top_columns
from .findings import analysis_findings
from .plan_charts import frontier_chart, spend_chart
from .tables import candidate_rows
from .views import DRILL, capability_view, guardrail_lines, plateau_records

if TYPE_CHECKING:
    from .data import Analysis, ReportData
    from .findings import Findings

ORDER = ("heatmap-stage", "heatmap-capability", "top-gaps", "value-vs-baselines",
         "value-over-time", "roadmap-gantt", "spend-vs-budget", "mix-per-quarter", "plateaus",
         "frontier", "risk-spend", "risk-overrun", "consolidation", "homogeneity-stages",
         "time-quadrant", "rank-stability")
"""Every chart of the report, in reading order (the ones a model has)."""


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    return chart.to_dict(validate=False)


class _Specs:
    """Collects chart specs: each chart is built once (Altair without its per-object
    validation) and turned into a dict once; the HTML and the files share that dict."""

    def __init__(self, skip: Iterable[str] = ()) -> None:
        self.out: dict[str, ChartSpec] = {}
        self.skip = set(skip)

    def add(self, name: str, caption: str, chart: Callable[[], alt.TopLevelMixin],
            file: bool = True) -> None:
        if name in self.skip:
            return
        with alt.utils.schemapi.debug_mode(False):
            self.out[name] = ChartSpec(name, caption, _spec(chart()), file)


def analysis_chart_specs(a: Analysis) -> dict[str, ChartSpec]:
    """The charts that need only the analysis (heat maps, gaps, consolidation, TIME,
    stability): drawn while the optimizer solves."""
    from ..analysis import ranked_gaps

    e = a.enterprise
    f = analysis_findings(a)
    mu = a.money_unit
    cm = a.capability_map
    n_cells = cm.values.size - len(cm.columns)  # without the "All units" row
    s = _Specs()
    s.add("heatmap-stage", "Priority by business unit and value-chain stage",
          lambda: C.heatmap_chart(a.stage_map, title=f.headline.title))
    s.add("heatmap-capability", "Priority by business unit and capability",
          lambda: C.heatmap_chart(cm, title="Priority by business unit and capability",
                                  note=f"all {n_cells:,} cells in results.xlsx"))
    s.add("top-gaps", "The hottest capability × unit cells",
          lambda: C.gaps_chart(ranked_gaps(e, 15, scores=a.scores),
                               title="The 15 hottest gaps"))
    s.add("consolidation",
          "Consolidation candidates: savings a year and the application to keep",
          lambda: R.consolidation_chart(candidate_rows(a, 15), a.homogeneity.total_savings,
                                        mu, title=_short(f.consolidation.title)))
    s.add("homogeneity-stages", "Duplicated run cost by stage",
          lambda: C.homogeneity_chart(a.homogeneity, by="stage", money=mu))
    s.add("time-quadrant", "TIME quadrant of the applications",
          lambda: C.time_chart(a.time, title=_short(f.applications.title)))
    s.add("rank-stability", "Rank stability of the top 10 cells",
          lambda: C.stability_chart(a.stability))
    return s.out


def plan_chart_specs(d: ReportData, f: Findings, skip: Iterable[str] = ()
                     ) -> dict[str, ChartSpec]:
    """The charts of the plan: baselines, roadmap, spend, mix, plateaus, frontier, risk
    (but the ``skip`` ones)."""
    e = d.enterprise
    money = d.money_unit
    s = _Specs(skip)
    s.add("value-vs-baselines", "The plan against the status-quo baselines",
          lambda: R.baselines_chart(d.plan, money, title=_short(f.value.title)))
    s.add("value-over-time", "Value delivered per quarter",
          lambda: R.value_over_time_chart(d.plan, money))
    road = d.roadmap
    if road is not None:
        worth = {x.id: x.value_if_dropped or 0.0 for x in d.explanations if x.funded}
        s.add("roadmap-gantt", "Funded roadmap by quarter, coloured by kind",
              lambda: R.gantt_chart(road.gantt, d.plan.quarters, worth,
                                    title=f.roadmap.title))
    s.add("spend-vs-budget", "Spend against budget per quarter and pool",
          lambda: spend_chart(d.plan, title="Spend against budget per quarter and pool"))
    if road is not None:
        s.add("mix-per-quarter", "Investment mix per quarter against the guardrails",
              lambda: R.mix_chart(road.mix, d.plan.quarters, guardrail_lines(d),
                                  title=f.mix.title))
        steps, recs, rows, cols = plateau_records(d, d.analysis.stage_map)
        s.add("plateaus", "The stage heat map after each quarter",
              lambda: R.plateau_chart(recs, steps, rows, cols))
    front = d.frontier
    if front is not None:
        s.add("frontier", "Efficient frontier: value against budget",
              lambda: frontier_chart(front, e.name, money))
    risk = d.risk
    if risk is not None:
        budgets = {(b.pool, b.period): b.amount for b in e.budgets if not b.is_fiscal_year}
        s.add("risk-spend", "Cost risk: P50 and P80 spend per quarter and pool",
              lambda: R.risk_spend_chart(risk, d.plan.quarters, budgets, money))
        s.add("risk-overrun", "Overrun probability per pool and quarter",
              lambda: R.overrun_chart(risk, d.plan.quarters))
    return s.out


def drill_spec(d: ReportData) -> dict[str, ChartSpec]:
    """The drill-down's own capability map (:data:`DRILL`), when the report's capability
    chart does not show every capability of :func:`.views.capability_view`; else none (the
    drill-down filters the report's chart)."""
    cv = capability_view(d)
    if cv is d.analysis.capability_map and top_columns(cv) is None:
        return {}
    s = _Specs()
    s.add(DRILL, "Priority by business unit and capability (drill-down)",
          lambda: heatmap_chart(cv, limit=None), file=False)
    return s.out


def chart_specs(d: ReportData, f: Findings, early: dict[str, ChartSpec] | None = None
                ) -> dict[str, ChartSpec]:
    """Every chart of the report, by name, in reading order, then the drill-down's own map
    (if any); ``early`` are the charts built already: the analysis charts
    (:func:`analysis_chart_specs`) and maybe some of the plan's."""
    done = early if early is not None else analysis_chart_specs(d.analysis)
    both = {**done, **plan_chart_specs(d, f, skip=done)}
    out = {name: both[name] for name in ORDER if name in both}
    if "heatmap-capability" in out:
        out.update(drill_spec(d))
    return out


def _short(title: str, limit: int = 90) -> str:
    return title if len(title) <= limit else title.split(":")[0]


__all__ = ["DRILL", "ORDER", "ChartSpec", "analysis_chart_specs", "chart_specs", "drill_spec",
           "plan_chart_specs"]
