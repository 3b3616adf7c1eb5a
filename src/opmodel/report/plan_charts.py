"""Chart specs for a funded plan: the roadmap Gantt, spend against budget, and the frontier.

Same conventions as :mod:`opmodel.report.charts` (fonts, config); kinds are coloured the same
everywhere: run grey-blue, grow teal, transform purple.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import altair as alt

from .charts import CONFIG, ch, inline

if TYPE_CHECKING:
    from ..optimize.frontier import Frontier
    from ..optimize.plan import Plan

KIND_COLOURS = {"run": "#7f93a8", "grow": "#1b9e77", "transform": "#7570b3"}


def _kind_scale() -> alt.Scale:
    return alt.Scale(domain=list(KIND_COLOURS), range=list(KIND_COLOURS.values()))


GANTT_LIMIT = 60
"""A Gantt shows at most this many bars: the most valuable initiatives (the value lost if
each alone were dropped); the schedule CSV lists them all."""


def gantt_chart(plan: Plan, title: str | None = None,
                limit: int = GANTT_LIMIT) -> alt.TopLevelMixin:
    """Funded initiatives as bars over the quarters of the horizon, coloured by kind; with
    more than ``limit``, the ``limit`` most valuable (in roadmap order)."""
    from ..optimize.roadmap import roadmap
    from ..optimize.value import marginal_values

    r = roadmap(plan)
    Q = list(r.quarters)
    gantt = list(r.gantt)
    if len(gantt) > limit:
        worth = marginal_values(plan.instance, plan.start)
        pos = {it.id: i for i, it in enumerate(plan.instance.enterprise.initiatives)}
        best = sorted(gantt, key=lambda g: (-float(worth[pos[g["id"]]]), g["id"]))[:limit]
        ids = {g["id"] for g in best}
        gantt = [g for g in gantt if g["id"] in ids]
    rows = [{**g, "end_quarter": Q[g["end_index"]],
             "label": f"{g['id']}{' (mandatory)' if g['mandatory'] else ''}",
             "x0": g["start_index"], "x1": g["end_index"] + 1} for g in gantt]
    order = [row["label"] for row in rows]
    e = plan.instance.enterprise
    height = max(120, 18 * len(rows))
    shown = (f"the {len(rows)} most valuable of {len(r.gantt)} funded initiatives"
             if len(rows) < len(r.gantt) else f"{len(rows)} funded initiatives")
    base = alt.Chart(inline(rows)).encode(
        **ch(y=alt.Y("label:N", sort=order, title=None)),
    )
    bars = base.mark_bar(cornerRadius=2, height=12).encode(
        **ch(x=alt.X("x0:Q", title=None, scale=alt.Scale(domain=[0, len(Q)]),
                axis=alt.Axis(values=list(range(len(Q))), labelExpr=_quarter_expr(Q),
                              grid=True)),
        x2="x1:Q",
        color=alt.Color("kind:N", scale=_kind_scale(), title="kind"),
        tooltip=[alt.Tooltip("id:N"), alt.Tooltip("name:N"), alt.Tooltip("kind:N"),
                 alt.Tooltip("start:N"), alt.Tooltip("end_quarter:N", title="finish"),
                 alt.Tooltip("cost:Q", format=",.0f")]),
    )
    return bars.properties(
        width=560, height=height,
        title=alt.Title(title or f"{e.name}: roadmap",
                        subtitle=f"{shown}; plan {plan.status_text}"),
    ).configure(**CONFIG)


def _quarter_expr(quarters: list[str]) -> str:
    labels = ",".join(f"'{q}'" for q in quarters)
    return f"[{labels}][datum.value] || ''"


def spend_chart(plan: Plan, title: str | None = None) -> alt.TopLevelMixin:
    """Spend per quarter stacked by kind, one panel per pool, with the quarter's budget line."""
    inst = plan.instance
    e = inst.enterprise
    from ..optimize.value import spend_by_initiative

    i, t, amt = spend_by_initiative(inst, plan.start)
    bars: dict[tuple[str, str, str], float] = {}
    for k, q, a in zip(i, t, amt, strict=True):
        key = (inst.pools[inst.pool[k]], inst.quarters[q], e.initiatives[k].kind)
        bars[key] = bars.get(key, 0.0) + float(a)
    bar_rows = [{"pool": p, "quarter": q, "kind": kd, "spend": v}
                for (p, q, kd), v in sorted(bars.items())]
    lines = [{"pool": r["pool"], "quarter": r["quarter"], "budget": r["budget"]}
             for r in plan.spend_rows() if r["budget"] is not None]
    x = alt.X("quarter:O", title=None, sort=list(inst.quarters))
    data = [{**r, "budget": None} for r in bar_rows] + \
        [{**r, "kind": None, "spend": None} for r in lines]
    base = alt.Chart(inline(data))
    stack = base.transform_filter("datum.spend != null").mark_bar().encode(
        **ch(x=x, y=alt.Y("sum(spend):Q", title=f"{e.currency} {e.unit}"),
        color=alt.Color("kind:N", scale=_kind_scale(), title="kind"),
        tooltip=[alt.Tooltip("pool:N"), alt.Tooltip("quarter:N"), alt.Tooltip("kind:N"),
                 alt.Tooltip("sum(spend):Q", format=",.0f", title="spend")]),
    )
    budget = base.transform_filter("datum.budget != null").mark_tick(
        color="#d62728", thickness=2, size=28).encode(
        **ch(x=x, y=alt.Y("budget:Q"), tooltip=[alt.Tooltip("budget:Q", format=",.0f")]))
    layered = alt.layer(stack, budget).properties(width=max(240, 46 * len(inst.quarters)),
                                                  height=200)
    chart = layered.facet(row=alt.Row("pool:N", title=None))
    return chart.properties(title=alt.Title(
        title or f"{e.name}: spend against budget",
        subtitle=f"bars: spend by kind; red ticks: the quarter's budget line "
                 f"(carry-over: {e.policy.carry_over})")).configure(**CONFIG)


def frontier_chart(f: Frontier, name: str = "", currency: str = "",
                   marked: str = "today's budget") -> alt.TopLevelMixin:
    """Value of the best plan against the budget scale, the point at ``f.current`` marked
    (today's budget; the web's planning workspace marks its what-if's scale)."""
    rows: list[dict[str, Any]] = [r for r in f.to_rows() if r["value"] is not None]
    base = alt.Chart(inline(rows))
    line = base.mark_line(point=True, color="#2171b5").encode(
        **ch(x=alt.X("scale:Q", title="budget (× today)", axis=alt.Axis(format="%")),
        y=alt.Y("value:Q", title=f"value of the best plan {currency}".strip()),
        tooltip=[alt.Tooltip("scale:Q", format=".0%"), alt.Tooltip("budget:Q", format=",.0f"),
                 alt.Tooltip("value:Q", format=",.0f"), alt.Tooltip("status:N"),
                 alt.Tooltip("funded:Q")]),
    )
    now = base.transform_filter("datum.current").mark_point(
        size=160, shape="diamond", filled=True, color="#d62728").encode(**ch(x="scale:Q",
                                                                         y="value:Q"))
    return alt.layer(line, now).properties(
        width=480, height=280,
        title=alt.Title(f"{name}: efficient frontier".strip(": "),
                        subtitle="value of the best plan as the budget is scaled; red diamond: "
                                 + marked),
    ).configure(**CONFIG)
