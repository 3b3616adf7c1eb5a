"""Charts the planning report needs beyond :mod:`.charts` and :mod:`.plan_charts`.

Same conventions: one Vega-Lite spec per chart (Altair), the fonts and config of
:data:`.charts.CONFIG`, the kind colours of :data:`.plan_charts.KIND_COLOURS` and the priority
scale of :func:`.charts.colour_scale`, so a colour means the same thing in every chart.

- :func:`baselines_chart` — the plan's value against the two status-quo baselines
- :func:`value_over_time_chart` — value delivered per quarter, plan against baselines
- :func:`gantt_chart` — the funded roadmap; long portfolios keep their most valuable bars
- :func:`mix_chart` — share of spend per kind and quarter, against the guardrails
- :func:`plateau_chart` — the stage heat map after each quarter (small multiples)
- :func:`assessment_trend_chart` — a capability's current and target per unit over quarters
- :func:`risk_spend_chart`, :func:`overrun_chart` — Monte Carlo cost risk
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import altair as alt

from .charts import CONFIG, ch, colour_scale, inline
from .plan_charts import KIND_COLOURS

if TYPE_CHECKING:
    from ..optimize.plan import Plan
    from ..optimize.risk import CostRisk

PLAN_COLOUR = "#2166ac"
BASELINE_COLOURS = {"optimized plan": PLAN_COLOUR, "ranked list": "#92c5de",
                    "funding-driven": "#f4a582"}
BUDGET_COLOUR = "#b2182b"
GANTT_LIMIT = 60
"""The Gantt shows at most this many bars (the most valuable); the table lists all."""


def kind_scale() -> alt.Scale:
    return alt.Scale(domain=list(KIND_COLOURS), range=list(KIND_COLOURS.values()))


def _quarter_expr(quarters: list[str]) -> str:
    labels = ",".join(f"'{q}'" for q in quarters)
    return f"[{labels}][datum.value] || ''"


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)


def baselines_chart(plan: Plan, money: str = "", title: str | None = None
                    ) -> alt.TopLevelMixin:
    """Value of the optimized plan and of each baseline, with its share of the optimum."""
    rows = [{"plan": "optimized plan", "value": _num(plan.objective), "share": 1.0,
             "note": plan.status_text}]
    for name, b in plan.baselines.items():
        pct = plan.baseline_percent(name)
        rows.append({"plan": name, "value": _num(b.value),
                     "share": None if pct is None else pct / 100,
                     "note": b.note + (" (breaks rules)" if b.breaks else "")})
    order = [r["plan"] for r in rows]
    bars = alt.Chart().mark_bar(height=26).encode(
        **ch(x=alt.X("value:Q", title=f"value {money}".strip(), axis=alt.Axis(format=",.0f")),
        y=alt.Y("plan:N", sort=order, title=None, axis=alt.Axis(labelFontSize=12)),
        color=alt.Color("plan:N", scale=alt.Scale(domain=list(BASELINE_COLOURS),
                                                  range=list(BASELINE_COLOURS.values())),
                        legend=None),
        tooltip=[alt.Tooltip("plan:N"), alt.Tooltip("value:Q", format=",.0f"),
                 alt.Tooltip("share:Q", format=".0%", title="share of the optimum"),
                 alt.Tooltip("note:N")]))
    text = bars.mark_text(align="left", dx=5, fontSize=12, fontWeight="bold").encode(
        **ch(text=alt.Text("share:Q", format=".0%"), color=alt.value("#222")))
    return (alt.layer(bars, text, data=inline(rows))
            .properties(width=460, height=alt.Step(38), title=alt.Title(
                title or "The optimized plan against deciding by list or by funding",
                subtitle="same model, same budget and rules; % = share of the optimum's value"))
            .configure(**CONFIG))


def value_over_time_chart(plan: Plan, money: str = "") -> alt.TopLevelMixin:
    """Cumulative value delivered inside the horizon: the plan against the baselines."""
    rows: list[dict[str, Any]] = []
    series = [("optimized plan", plan.evaluation)] + [
        (n, b.evaluation) for n, b in plan.baselines.items() if b.evaluation is not None]
    for name, ev in series:
        acc = 0.0
        for q, v in zip(plan.quarters, ev.per_quarter, strict=True):
            acc += float(v)
            rows.append({"plan": name, "quarter": q, "value": round(acc, 2)})
    chart = alt.Chart(inline(rows)).mark_line(point=True, strokeWidth=2.5).encode(
        **ch(x=alt.X("quarter:O", sort=list(plan.quarters), title=None,
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=f"value delivered so far {money}".strip(),
                axis=alt.Axis(format=",.0f")),
        color=alt.Color("plan:N", scale=alt.Scale(domain=list(BASELINE_COLOURS),
                                                  range=list(BASELINE_COLOURS.values())),
                        title=None, legend=alt.Legend(orient="top-left")),
        tooltip=["plan:N", "quarter:N", alt.Tooltip("value:Q", format=",.0f")]))
    return chart.properties(width=460, height=240, title=alt.Title(
        "Value delivered inside the horizon", subtitle="cumulative, per quarter")
    ).configure(**CONFIG)


def gantt_chart(gantt: list[dict[str, Any]], quarters: tuple[str, ...],
                value_if_dropped: dict[str, float], title: str | None = None,
                limit: int = GANTT_LIMIT) -> alt.TopLevelMixin:
    """Funded initiatives as bars over the quarters, coloured by kind; mandatory work is
    outlined. With more than ``limit`` bars, the most valuable ``limit`` are shown."""
    rows = list(gantt)
    hidden = 0
    if len(rows) > limit:
        keep = sorted(rows, key=lambda r: (-value_if_dropped.get(r["id"], 0.0), r["id"]))
        ids = {r["id"] for r in keep[:limit]}
        hidden = len(rows) - limit
        rows = [r for r in rows if r["id"] in ids]
    Q = list(quarters)
    data = [{"id": r["id"], "name": r["name"], "kind": r["kind"], "owner": r["owner"],
             "start": r["start"], "finish": r["finish"], "x0": r["start_index"],
             "x1": r["end_index"] + 1, "cost": r["cost"],
             "mandatory": "yes" if r["mandatory"] else "no",
             "worth": _num(value_if_dropped.get(r["id"])),
             "label": r["name"] if len(r["name"]) <= 42 else r["name"][:41] + "…"}
            for r in rows]
    order = [d["label"] for d in data]
    x = alt.X("x0:Q", title=None, scale=alt.Scale(domain=[0, len(Q)], nice=False),
              axis=alt.Axis(values=list(range(len(Q))), labelExpr=_quarter_expr(Q), grid=True,
                            orient="top", labelAlign="left", labelFontWeight="bold"))
    bars = alt.Chart().mark_bar(cornerRadius=3, height={"band": 0.72}).encode(
        **ch(x=x, x2="x1:Q",
        # labels are cut to 42 characters above: no measuring and cutting by Vega
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=0)),
        color=alt.Color("kind:N", scale=kind_scale(), title="kind",
                        legend=alt.Legend(orient="top", direction="horizontal")),
        stroke=alt.condition("datum.mandatory == 'yes'", alt.value("#222"),
                             alt.value(None)),
        strokeWidth=alt.value(1.5),
        tooltip=[alt.Tooltip("name:N", title="initiative"), alt.Tooltip("id:N"),
                 alt.Tooltip("kind:N"), alt.Tooltip("owner:N"), alt.Tooltip("start:N"),
                 alt.Tooltip("finish:N"), alt.Tooltip("cost:Q", format=",.0f"),
                 alt.Tooltip("worth:Q", format=",.0f", title="value lost if dropped"),
                 alt.Tooltip("mandatory:N")]))
    sub = "bars run from the start of the first quarter to the end of the last; " \
          "outlined: mandatory"
    if hidden:
        sub = f"the {limit} most valuable of {len(gantt)} funded initiatives " \
              f"({hidden} more in the table); " + sub
    return (bars.properties(data=inline(data), width=max(420, 70 * len(Q)),
                            height=alt.Step(20),
                            title=alt.Title(title or "Funded roadmap", subtitle=sub))
            .configure(**CONFIG))


def mix_chart(mix: list[dict[str, Any]], quarters: tuple[str, ...],
              guardrails: list[dict[str, Any]], title: str | None = None) -> alt.TopLevelMixin:
    """One panel per kind: its share of each quarter's spend (and of the whole horizon),
    with the guardrail limits as dashed lines."""
    HORIZON = "horizon"
    totals: dict[str, float] = {}
    for r in mix:
        totals[r["kind"]] = totals.get(r["kind"], 0.0) + r["spend"]
    all_spend = sum(totals.values())
    rows = [{"kind": r["kind"], "quarter": r["quarter"], "share": _num(r["share"]),
             "spend": r["spend"], "whole": "quarter"} for r in mix]
    rows += [{"kind": k, "quarter": HORIZON, "share": _num(v / all_spend) if all_spend else None,
              "spend": v, "whole": "horizon"} for k, v in totals.items()]
    rules = [{"kind": g["kind"], "limit": g["limit"], "label": g["label"]} for g in guardrails]
    xs = [*quarters, HORIZON]
    kinds = list(KIND_COLOURS)
    base_bar = alt.Chart(inline(rows)).mark_bar().encode(
        **ch(x=alt.X("quarter:O", sort=xs, title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("share:Q", title="share of spend", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("kind:N", scale=kind_scale(), legend=None),
        opacity=alt.condition("datum.whole == 'horizon'", alt.value(1.0), alt.value(0.75)),
        tooltip=["kind:N", "quarter:N", alt.Tooltip("share:Q", format=".0%"),
                 alt.Tooltip("spend:Q", format=",.0f")]))
    panels = []
    for k in kinds:
        bar = base_bar.transform_filter(f"datum.kind == '{k}'")
        layers: list[Any] = [bar]
        mine = [r for r in rules if r["kind"] == k]
        if mine:
            rule_base = alt.Chart(inline(mine))
            layers.append(rule_base.mark_rule(color=BUDGET_COLOUR, strokeDash=[5, 3],
                                              strokeWidth=2).encode(**ch(y="limit:Q")))
            layers.append(rule_base.mark_text(align="left", dx=3, dy=-7, fontSize=11,
                                              color=BUDGET_COLOUR).encode(
                **ch(y="limit:Q", x=alt.value(0), text="label:N")))
        panels.append(alt.layer(*layers).properties(
            width=max(200, 26 * len(xs)), height=170,
            title=alt.Title(k, fontSize=13, color=KIND_COLOURS[k])))
    return (alt.hconcat(*panels, spacing=18)
            .properties(title=alt.Title(title or "Investment mix per quarter",
                                        subtitle="share of each quarter's spend by kind; last "
                                                 "bar: the whole horizon; dashed: guardrail"))
            .configure(**CONFIG))


def plateau_chart(records: list[dict[str, Any]], steps: list[str], rows: list[str],
                  columns: list[str], title: str | None = None) -> alt.TopLevelMixin:
    """The stage × unit priority heat map now and after each quarter, as small multiples."""
    cell = alt.Chart().mark_rect(stroke="white", strokeWidth=1).encode(
        **ch(x=alt.X("column_name:N", sort=columns, title=None,
                axis=alt.Axis(labelAngle=-40, labelLimit=90, labelFontSize=9, domain=False,
                              ticks=False)),
        y=alt.Y("row_name:N", sort=rows, title=None,
                axis=alt.Axis(labelLimit=120, labelFontSize=9, domain=False, ticks=False)),
        color=alt.Color("value:Q", scale=colour_scale("priority"), title="priority (max)",
                        legend=alt.Legend(orient="right", gradientLength=120)),
        tooltip=["step:N", alt.Tooltip("row_name:N", title="unit"),
                 alt.Tooltip("column_name:N", title="stage"),
                 alt.Tooltip("value:Q", format=".2f", title="priority")]))
    chart = cell.properties(width=alt.Step(22), height=alt.Step(16)).facet(
        facet=alt.Facet("step:N", sort=steps, title=None,
                        header=alt.Header(labelFontSize=12, labelFontWeight="bold")),
        columns=min(5, len(steps)), data=inline(records), spacing=10)
    return chart.properties(title=alt.Title(
        title or "The heat map as the roadmap delivers",
        subtitle="priority by unit and stage today and after each quarter (hottest "
                 "capability per cell)")).configure(**CONFIG)


TREND_COLOURS = {"current": "#1f4e8c", "target": "#b07d00"}


def assessment_trend_chart(records: list[dict[str, Any]], quarters: list[str],
                           units: list[str], title: str | None = None) -> alt.TopLevelMixin:
    """One capability's assessments over the quarters, a small multiple per business unit:
    current (solid) and target (dashed) maturity 0–5. ``records``: unit, quarter, measure
    (current|target), value, source (where the number comes from)."""
    measures = list(TREND_COLOURS)
    base = alt.Chart().encode(
        **ch(x=alt.X("quarter:O", sort=quarters, title=None,
                     axis=alt.Axis(labelAngle=-40, labelFontSize=9)),
             y=alt.Y("value:Q", title="maturity", scale=alt.Scale(domain=[0, 5]),
                     axis=alt.Axis(values=[0, 1, 2, 3, 4, 5])),
             color=alt.Color("measure:N", title=None, scale=alt.Scale(
                 domain=measures, range=[TREND_COLOURS[m] for m in measures])),
             strokeDash=alt.StrokeDash("measure:N", title=None, scale=alt.Scale(
                 domain=measures, range=[[1, 0], [5, 3]])),
             tooltip=[alt.Tooltip("unit:N"), alt.Tooltip("quarter:N"),
                      alt.Tooltip("measure:N"), alt.Tooltip("value:Q", format=".1f"),
                      alt.Tooltip("source:N", title="from")]))
    layered = alt.layer(base.mark_line(), base.mark_point(filled=True, size=45)
                        ).properties(width=alt.Step(34) if len(quarters) > 4 else 150,
                                     height=110)
    chart = layered.facet(facet=alt.Facet("unit:N", sort=units, title=None,
                                          header=alt.Header(labelFontWeight="bold")),
                          columns=3, data=inline(records), spacing=12)
    return chart.properties(title=alt.Title(
        title or "Assessments over the quarters",
        subtitle="current (solid) and target (dashed) maturity per business unit: archived "
                 "cycles, changes on record, and now")).configure(**CONFIG)


def consolidation_chart(candidates: list[dict[str, Any]], total: float, money: str = "",
                        title: str | None = None) -> alt.TopLevelMixin:
    """Savings per consolidation candidate (the run cost of the applications to retire),
    coloured by homogeneity like :func:`.charts.homogeneity_chart`, with the application to
    keep beside each bar."""
    data = [{"name": c["name"], "savings": round(c["savings"], 2),
             "homogeneity": c["homogeneity"],
             "note": f"keep {c['keep']}; retire {len(c['retire'])}",
             "retire": ", ".join(c["retire"]), "units": c["units"]} for c in candidates]
    order = [d["name"] for d in data]
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=230))
    tip = [alt.Tooltip("name:N", title="capability"),
           alt.Tooltip("savings:Q", format=",.0f", title=f"savings a year {money}".strip()),
           alt.Tooltip("homogeneity:Q", format=".0%"), alt.Tooltip("note:N", title="keep"),
           alt.Tooltip("retire:N"), alt.Tooltip("units:N")]
    bars = alt.Chart().mark_bar(height={"band": 0.75}).encode(
        **ch(x=alt.X("savings:Q", title=f"savings a year {money}".strip(),
                axis=alt.Axis(format=",.0f")),
        y=y,
        color=alt.Color("homogeneity:Q", scale=alt.Scale(scheme="redyellowgreen",
                                                         domain=[0, 1]),
                        title="homogeneity", legend=alt.Legend(
                            orient="bottom", gradientLength=140, format=".0%",
                            titleOrient="left")),
        tooltip=tip))
    amount = bars.mark_text(align="left", dx=4, fontSize=11).encode(
        **ch(text=alt.Text("savings:Q", format=",.0f"), color=alt.value("#222")))
    notes = alt.Chart().mark_text(align="left", fontSize=11, color="#444").encode(
        **ch(y=alt.Y("name:N", sort=order, axis=None), x=alt.value(0), text="note:N",
        tooltip=tip))
    left = alt.layer(bars, amount).properties(width=340, height=alt.Step(22))
    right = notes.properties(width=330, height=alt.Step(22))
    return (alt.hconcat(left, right, data=inline(data), spacing=28)
            .properties(title=alt.Title(
                title or "Consolidation candidates",
                subtitle=f"savings = run cost of the applications to retire; {total:,.0f} "
                         f"{money} a year over all candidates; red: many applications, "
                         "green: one shared platform"))
            .configure(**CONFIG))


def risk_spend_chart(risk: CostRisk, quarters: tuple[str, ...], budgets: dict[tuple[str, str],
                     float], money: str = "", title: str | None = None) -> alt.TopLevelMixin:
    """Per pool and quarter: planned spend, the P50–P80 range of simulated spend, and the
    quarter's budget line."""
    rows = [{"pool": r["pool"], "quarter": r["quarter"], "planned": round(r["planned"], 2),
             "p50": round(r["p50"], 2), "p80": round(r["p80"], 2),
             "budget": budgets.get((r["pool"], r["quarter"]))} for r in risk.spend]
    x = alt.X("quarter:O", sort=list(quarters), title=None, axis=alt.Axis(labelAngle=-45))
    tip = ["pool:N", "quarter:N", alt.Tooltip("planned:Q", format=",.0f"),
           alt.Tooltip("p50:Q", format=",.0f", title="P50"),
           alt.Tooltip("p80:Q", format=",.0f", title="P80"),
           alt.Tooltip("budget:Q", format=",.0f")]
    base = alt.Chart()
    planned = base.mark_bar(color="#9ecae1", width={"band": 0.7}).encode(
        **ch(x=x, y=alt.Y("planned:Q", title=money or "spend"), tooltip=tip))
    band = base.mark_rule(color="#08519c", strokeWidth=3).encode(**ch(x=x, y="p50:Q", y2="p80:Q",
                                                                 tooltip=tip))
    p80 = base.mark_tick(color="#08519c", thickness=2, size=14).encode(**ch(x=x, y="p80:Q",
                                                                       tooltip=tip))
    bud = base.transform_filter("datum.budget != null").mark_tick(
        color=BUDGET_COLOUR, thickness=2.5, size=30).encode(**ch(x=x, y="budget:Q", tooltip=tip))
    layered = alt.layer(planned, band, p80, bud).properties(
        width=max(240, 40 * len(quarters)), height=170)
    return (layered.facet(column=alt.Column("pool:N", title=None,
                                            header=alt.Header(labelFontSize=12,
                                                              labelFontWeight="bold")),
                          data=inline(rows))
            .properties(title=alt.Title(
                title or "Cost risk per quarter",
                subtitle=f"bars: planned spend; blue line: P50–P80 of {risk.draws:,} cost draws "
                         "(tick at P80); red tick: the quarter's budget"))
            .configure(**CONFIG))


def overrun_chart(risk: CostRisk, quarters: tuple[str, ...],
                  title: str | None = None) -> alt.TopLevelMixin:
    """Per pool: the probability that its budget is overrun by the end of each quarter (the
    budget lines, with carry-over where the model allows it)."""
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for r in risk.lines:
        key = (r["pool"], r["until"])
        if key not in best or r["overrun_probability"] > best[key]["p"]:
            best[key] = {"pool": r["pool"], "quarter": r["until"],
                         "p": round(r["overrun_probability"], 4), "line": r["line"],
                         "budget": r["budget"], "p80": round(r["p80"], 2)}
    rows = list(best.values())
    bars = alt.Chart().mark_bar(width={"band": 0.7}).encode(
        **ch(x=alt.X("quarter:O", sort=list(quarters), title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("p:Q", title="overrun probability", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("p:Q", scale=alt.Scale(scheme="orangered", domain=[0, 1]),
                        legend=None),
        tooltip=["pool:N", "quarter:N", alt.Tooltip("p:Q", format=".0%", title="probability"),
                 alt.Tooltip("line:N", title="budget line"),
                 alt.Tooltip("budget:Q", format=",.0f"),
                 alt.Tooltip("p80:Q", format=",.0f", title="P80 spend")]))
    text = bars.mark_text(dy=-6, fontSize=10).encode(
        **ch(text=alt.Text("p:Q", format=".0%"), color=alt.value("#333")))
    layered = alt.layer(bars, text).properties(width=max(240, 40 * len(quarters)),
                                               height=150)
    return (layered.facet(column=alt.Column("pool:N", title=None,
                                            header=alt.Header(labelFontSize=12,
                                                              labelFontWeight="bold")),
                          data=inline(rows))
            .properties(title=alt.Title(
                title or "Chance of overrunning the budget",
                subtitle="per pool, by the end of each quarter (budget lines with the model's "
                         "carry-over)"))
            .configure(**CONFIG))


__all__ = ["BASELINE_COLOURS", "GANTT_LIMIT", "baselines_chart", "consolidation_chart",
           "gantt_chart", "kind_scale",
           "mix_chart", "overrun_chart", "plateau_chart", "risk_spend_chart",
           "value_over_time_chart"]
