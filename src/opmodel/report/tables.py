"""The report's tables, built from :class:`~.data.ReportData` and its
:class:`~.findings.Findings`, shown both in report.html and as the sheets of results.xlsx.

:func:`sheets` lists every table of the workbook with its column formats; the smaller
``*_rows`` helpers feed the HTML template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..analysis.scoring import STATUS_NAMES
from ..model.initiative import KINDS
from .findings import Findings, findings
from .format import money, pct

if TYPE_CHECKING:
    from .data import Analysis, ReportData

Fmt = Literal["text", "int", "money", "share", "priority", "number", "bool"]
REASON_LABELS = {"funded": "funded", "mandatory": "mandatory", "forbidden": "forbidden",
                 "impossible": "cannot be scheduled", "dependency": "dependency not funded",
                 "conflict": "conflicts with funded work", "capacity": "team capacity",
                 "guardrail": "mix guardrail", "budget": "budget", "no value": "adds no value"}


@dataclass(frozen=True)
class Column:
    name: str
    fmt: Fmt = "text"
    width: int | None = None


@dataclass(frozen=True)
class Sheet:
    """One workbook sheet: a title, typed columns and rows; ``heat`` names the columns that
    get a colour-scale heat map (``heat_range`` is the scale's fixed min and max)."""

    name: str
    columns: tuple[Column, ...]
    rows: list[list[Any]]
    heat: tuple[str, ...] = ()
    heat_range: tuple[float, float] = (0.0, 1.0)
    heat_palette: Literal["hot", "green"] = "hot"
    note: str = ""
    freeze_columns: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _f(x: Any) -> Any:
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


# -- rows for the HTML ---------------------------------------------------------------------------
def initiative_rows(d: ReportData) -> list[dict[str, Any]]:
    """Every initiative with its decision and the explanation of it."""
    e, plan = d.enterprise, d.plan
    sched = {r["id"]: r for r in plan.schedule_rows()}
    bus = {b.id: b.name for b in e.business_units}
    out = []
    for x, it in zip(d.explanations, e.initiatives, strict=True):
        r = sched[it.id]
        out.append({
            "id": it.id, "name": it.name, "kind": it.kind, "owner": it.owner,
            "owner_name": bus.get(it.owner, it.owner), "pool": it.pool,
            "cost": float(r["cost"]), "duration": int(r["duration"]),
            "funded": x.funded, "decision": "funded" if x.funded else "not funded",
            "reason": x.reason, "reason_label": REASON_LABELS.get(x.reason, x.reason),
            "start": r["start"], "finish": r["finish"], "delivers_from": r["delivers_from"],
            "value_if_dropped": x.value_if_dropped, "text": x.text,
            "mandatory": bool(r["mandatory"]),
        })
    # funded work first, most valuable first; then what is left out, by reason
    order = list(REASON_LABELS)
    out.sort(key=lambda r: (not r["funded"], -(r["value_if_dropped"] or 0.0),
                            order.index(r["reason"]) if r["reason"] in order else 99, r["id"]))
    return out


def reason_labels(d: ReportData) -> list[tuple[str, str]]:
    seen = dict.fromkeys(x.reason for x in d.explanations)
    order = list(REASON_LABELS)
    return [(r, REASON_LABELS.get(r, r)) for r in sorted(seen, key=lambda r: (
        order.index(r) if r in order else len(order), r))]


def candidate_rows(a: Analysis, n: int | None = None) -> list[dict[str, Any]]:
    bus = {b.id: b.name for b in a.enterprise.business_units}
    return [{"rank": c.rank, "capability": c.capability, "name": c.name, "stage": c.stage,
             "units": ", ".join(bus.get(b, b) for b in c.business_units),
             "n_units": len(c.business_units), "keep": c.keep.name,
             "retire": [x.name for x in c.retire], "savings": c.savings,
             "homogeneity": c.homogeneity, "spread": c.spread}
            for c in a.homogeneity.top_candidates(n)]


def stage_homogeneity_rows(d: ReportData) -> list[dict[str, Any]]:
    return [{"stage": s.name, "capabilities": s.capabilities, "units": s.business_units,
             "applications": s.distinct, "homogeneity": s.homogeneity, "spread": s.spread,
             "duplicated": s.duplicated_cost, "candidates": s.candidates}
            for s in d.analysis.homogeneity.stages]


def baseline_rows(d: ReportData) -> list[dict[str, Any]]:
    plan = d.plan
    out = [{"plan": "optimized plan", "value": plan.objective, "percent": 100.0,
            "funded": len(plan.selected), "note": plan.status_text, "breaks": []}]
    for name, b in plan.baselines.items():
        out.append({"plan": name, "value": b.value, "percent": plan.baseline_percent(name),
                    "funded": None if b.start is None else int((b.start >= 0).sum()),
                    "note": b.note, "breaks": list(b.breaks)})
    return out


def pool_rows(d: ReportData) -> list[dict[str, Any]]:
    e, plan = d.enterprise, d.plan
    sp = plan.spend
    out = []
    for p, pool in enumerate(plan.instance.pools):
        have = float(sum(b.amount for b in e.budgets if b.pool == pool))
        used = float(sp[p].sum())
        out.append({"pool": pool, "budget": have, "spend": used,
                    "use": used / have if have > 0 else None})
    return out


def mix_summary(d: ReportData) -> list[dict[str, Any]]:
    e, plan = d.enterprise, d.plan
    sk = plan.spend_by_kind
    tot = float(sk.sum())
    out = []
    for k, kind in enumerate(KINDS):
        share = float(sk[k].sum()) / tot if tot > 0 else None
        rules = []
        for g in e.policy.guardrails:
            if g.kind != kind:
                continue
            scope = " each quarter" if g.scope == "quarter" else ""
            if g.min_share is not None:
                rules.append(f"≥ {pct(g.min_share)}{scope}")
            if g.max_share is not None:
                rules.append(f"≤ {pct(g.max_share)}{scope}")
        out.append({"kind": kind, "spend": float(sk[k].sum()), "share": share,
                    "guardrail": " and ".join(rules)})
    return out


def time_rows(d: ReportData) -> list[dict[str, Any]]:
    order = {"eliminate": 0, "migrate": 1, "tolerate": 2, "invest": 3, "not assessed": 4}
    rows = [{"id": a.application, "name": a.name, "quadrant": a.quadrant,
             "functional": "–" if a.functional_fit is None else a.functional_fit,
             "technical": "–" if a.technical_fit is None else a.technical_fit,
             "cost": a.annual_run_cost, "lifecycle": a.lifecycle, "vendor": a.vendor or "",
             "units": a.business_units, "capabilities": a.capabilities, "varies": a.varies}
            for a in d.analysis.time.applications]
    rows.sort(key=lambda r: (order[r["quadrant"]], -r["cost"], r["id"]))
    return rows


def weights_rows(d: ReportData) -> dict[str, Any]:
    w = d.analysis.weights
    return {"source": w.source, "omega": w.omega, "criteria": list(w.criteria),
            "matrix": [list(r) for r in w.matrix] if w.matrix else None,
            "lambda_max": w.lambda_max, "ci": w.ci, "ri": w.ri, "cr": w.cr,
            "consistent": w.consistent, "worst": w.worst, "worst_given": w.worst_given,
            "worst_implied": w.worst_implied}


def solver_rows(d: ReportData) -> list[tuple[str, str]]:
    plan = d.plan
    o = plan.options
    e = d.enterprise

    def m(x: float) -> str:
        return money(x, e.currency, e.unit)

    rows = [
        ("status", plan.status_text),
        ("solver status", f"HiGHS {plan.solver_status}"),
        ("value of the plan", f"{plan.objective:,.2f} {d.money_unit} ({m(plan.objective)})"),
        ("proven upper bound", f"{plan.bound:,.2f} {d.money_unit}"),
        ("relative gap", f"{plan.gap:.4%}" if math.isfinite(plan.gap) else "–"),
        ("solve time", f"{plan.solve_time:.2f} s (model built in {plan.build_time:.2f} s)"),
        ("branch-and-bound nodes", f"{plan.nodes:,}"),
        ("model size", ", ".join(f"{v:,} {k}" for k, v in plan.size.items())),
        ("options", f"time limit {o.time_limit:g} s, gap {o.mip_gap:g}, seed {o.seed}, "
                    f"threads {o.threads or 'HiGHS default'}"),
    ]
    if plan.warm_start is not None:
        rows.append(("warm start", f"{plan.warm_start_source or 'ranked list'}, worth "
                                   f"{plan.warm_start:,.2f}"))
    return rows


def input_rows(d: ReportData) -> list[tuple[str, str]]:
    e = d.enterprise
    rows = [(k, f"{v:,}") for k, v in e.summary().items()]
    rows.append(("horizon", f"{e.horizon.start}, {e.horizon.quarters} quarters"))
    rows.append(("money", f"{e.currency} {e.unit}"))
    rows.append(("budget over the horizon", f"{d.total_budget:,.0f} in {len(e.pools)} pool(s)"))
    rows.append(("carry-over", e.policy.carry_over))
    rows.append(("point value", f"{e.scoring.point_value:,g} per fully weighted maturity "
                                "point and year"))
    return rows


def risk_line_rows(d: ReportData) -> list[dict[str, Any]]:
    if d.risk is None:
        return []
    return sorted(d.risk.lines, key=lambda r: -r["overrun_probability"])


# -- the workbook's sheets -----------------------------------------------------------------------
def sheets(d: ReportData, f: Findings | None = None) -> list[Sheet]:
    """Every table of the report, one sheet each, in reading order (``f``: the report's
    findings, stated here when not given)."""
    a = d.analysis
    e, s, plan = d.enterprise, a.scores, d.plan
    f = findings(d) if f is None else f
    out: list[Sheet] = []
    mu = d.money_unit

    out.append(Sheet("Summary", (Column("finding", "text", 70), Column("evidence", "text", 110)),
                     [[x.title, x.detail] for x in f.summary]
                     + [["", ""]] + [[k.label, f"{k.value} — {k.note}"] for k in f.kpis]))

    hm = a.stage_map
    out.append(Sheet(
        "Stage heat map",
        (Column("business unit", "text", 28),
         *(Column(n, "priority", 16) for n in hm.column_names)),
        [[hm.row_names[r], *(_f(None if math.isnan(v) else float(v)) for v in hm.values[r])]
         for r in range(len(hm.rows))],
        heat=tuple(hm.column_names), note="priority (0–1), hottest capability per cell; "
        "empty: n/a or not assessed", freeze_columns=1))

    cm = a.capability_map
    stages = {st.id: st.name for st in e.stages}
    cols = (Column("capability", "text", 36), Column("stage", "text", 22),
            *(Column(n, "priority", 12) for n in cm.row_names))
    rows = []
    for k in range(len(cm.columns)):
        rows.append([cm.column_names[k], stages.get(cm.column_stages[k], cm.column_stages[k]),
                     *(_f(None if math.isnan(v) else float(v)) for v in cm.values[:, k])])
    out.append(Sheet("Capability heat map", cols, rows, heat=tuple(cm.row_names),
                     note="priority (0–1) per capability and unit", freeze_columns=2))

    # every capability × unit cell, hottest first, with the inputs of its priority
    rank = {(r.capability, r.business_unit): r.rank for r in a.gaps.rows}
    cap_names = {c.id: c.name for c in e.capabilities}
    cap_stage = {c.id: stages.get(c.stage, c.stage) for c in e.capabilities}
    pr = np.nan_to_num(np.asarray(s.priority, dtype=float), nan=-1.0)
    pr = np.where(s.status == 1, pr, -2.0)
    order = np.lexsort((np.arange(pr.size), -pr.ravel()))
    n_b = len(s.business_units)
    cells = []
    for f_ in order.tolist():
        i, j = divmod(f_, n_b)
        c, b = s.capabilities[i], s.business_units[j]
        cells.append([rank.get((c, b)), c, cap_names[c], cap_stage[c], b,
                      STATUS_NAMES[int(s.status[i, j])], _nan(s.current[i, j]),
                      _nan(s.target[i, j]), _nan(s.gap[i, j]), _nan(s.pain[i, j]),
                      _nan(s.customer[i]), _nan(s.strategic[i]), _nan(s.bu_weight[j]),
                      _nan(s.weight[i, j]), _nan(s.priority[i, j])])
    out.append(Sheet("Cells", (
        Column("rank", "int"), Column("capability"), Column("capability name", "text", 34),
        Column("stage", "text", 22), Column("business unit"), Column("status"),
        Column("current", "number"), Column("target", "number"), Column("gap", "number"),
        Column("pain", "number"), Column("customer", "priority"),
        Column("strategic", "priority"), Column("bu weight", "priority"),
        Column("weight", "priority"), Column("priority", "priority")),
        cells, heat=("priority",), freeze_columns=3,
        note="every capability × unit cell, hottest first; rank: position among the cells "
             "with a gap; priority = weight × gap / 5"))

    hfr = a.homogeneity.to_frame("capability")
    out.append(_frame_sheet("Homogeneity", hfr, {"units": "int", "distinct": "int",
                                                 "homogeneity": "share", "spread": "number",
                                                 "duplicated_cost": "money"},
                            heat=("homogeneity",), palette="green"))
    cand = candidate_rows(a)
    out.append(Sheet("Consolidation", (
        Column("rank", "int"), Column("capability"), Column("name", "text", 34),
        Column("stage"), Column("units", "text", 30), Column("keep", "text", 30),
        Column("retire", "text", 60), Column(f"savings ({mu})", "money"),
        Column("homogeneity", "share"), Column("spread", "number")),
        [[c["rank"], c["capability"], c["name"], c["stage"], c["units"], c["keep"],
          "; ".join(c["retire"]), c["savings"], c["homogeneity"], c["spread"]] for c in cand],
        note="capabilities served by several applications, biggest savings first"))
    out.append(Sheet("Stage homogeneity", (
        Column("stage", "text", 28), Column("capabilities", "int"), Column("units", "int"),
        Column("applications", "int"), Column("homogeneity", "share"),
        Column("spread", "number"), Column(f"duplicated ({mu})", "money"),
        Column("candidates", "int")),
        [list(r.values()) for r in stage_homogeneity_rows(d)], heat=("homogeneity",),
        heat_palette="green"))
    out.append(_frame_sheet("TIME", a.time.to_frame(), {
        "functional_fit": "int", "technical_fit": "int", "annual_run_cost": "money",
        "business_units": "int", "capabilities": "int", "varies": "bool"}))
    out.append(_frame_sheet("TIME by unit", a.time.to_frame("unit"), {
        "functional_fit": "int", "technical_fit": "int", "override": "bool"}))

    init = initiative_rows(d)
    out.append(Sheet("Initiatives", (
        Column("id", "text", 24), Column("name", "text", 40), Column("kind"),
        Column("owner"), Column("pool"), Column(f"cost ({mu})", "money"),
        Column("duration", "int"), Column("decision"), Column("reason", "text", 22),
        Column("start"), Column("finish"), Column("value if dropped", "money"),
        Column("mandatory", "bool"), Column("explanation", "text", 100)),
        [[r["id"], r["name"], r["kind"], r["owner"], r["pool"], r["cost"], r["duration"],
          r["decision"], r["reason_label"], r["start"], r["finish"], r["value_if_dropped"],
          r["mandatory"], r["text"]] for r in init], freeze_columns=2,
        note="every initiative with the decision and why"))
    out.append(Sheet("Baselines", (
        Column("plan", "text", 20), Column(f"value ({mu})", "money"),
        Column("% of optimum", "number"), Column("funded", "int"), Column("note", "text", 60),
        Column("rules broken", "text", 80)),
        [[r["plan"], r["value"], r["percent"], r["funded"], r["note"], "; ".join(r["breaks"])]
         for r in baseline_rows(d)]))
    out.append(_rows_sheet("Spend", plan.spend_rows(), {"spend": "money", "budget": "money"}))
    out.append(_rows_sheet("Budgets", plan.budget_rows(), {"budget": "money", "spend": "money",
                                                           "use": "share"},
                           heat=("use",)))
    mix = d.roadmap.mix if d.roadmap is not None else plan.mix_rows()
    out.append(_rows_sheet("Mix", mix, {"spend": "money", "share": "share",
                                        "min_share": "share", "max_share": "share"}))
    teams = plan.team_rows()
    if teams:
        out.append(_rows_sheet("Teams", teams, {"demand": "number", "capacity": "number"}))
    if d.roadmap is not None:
        out.append(_rows_sheet("Gantt", d.roadmap.gantt, {
            "start_index": "int", "end_index": "int", "cost": "money", "mandatory": "bool"}))
        out.append(plateau_sheet(d))
    if d.frontier is not None:
        out.append(_rows_sheet("Frontier", d.frontier_rows(), {
            "scale": "share", "budget": "money", "value": "money", "bound": "money",
            "funded": "int", "spend": "money", "carried": "bool", "current": "bool"}))
    if d.risk is not None:
        out.append(_rows_sheet("Risk lines", d.risk.lines, {
            "budget": "money", "planned": "money", "p50": "money", "p80": "money",
            "overrun_probability": "share"}, heat=("overrun_probability",)))
        out.append(_rows_sheet("Risk spend", d.risk.spend, {
            "planned": "money", "p50": "money", "p80": "money"}))
    w = a.weights
    wrows: list[list[Any]] = [[k, v] for k, v in w.omega.items()]
    if w.cr is not None:
        wrows += [["", None], ["AHP λmax", w.lambda_max], ["AHP CI", w.ci], ["AHP RI", w.ri],
                  ["AHP CR (≤ 0.1 is consistent)", w.cr]]
    out.append(Sheet("Weights", (Column("criterion", "text", 30), Column("weight", "priority")),
                     wrows, note=f"ω from {'the AHP matrix' if w.source == 'ahp' else 'weights'}"))
    out.append(_frame_sheet("Stability", a.stability.to_frame(), {
        "rank": "int", "priority": "priority", "stay": "share", "median_rank": "int",
        "worst_rank": "int"}, heat=("stay",), palette="green"))
    out.append(Sheet("Solver", (Column("item", "text", 26), Column("value", "text", 90)),
                     [list(r) for r in solver_rows(d)]))
    out.append(Sheet("Inputs", (Column("item", "text", 26), Column("value", "text", 70)),
                     [list(r) for r in input_rows(d)] + [["command", d.command],
                                                         ["generated", d.generated],
                                                         ["opmodel", d.version]]))
    return out


def plateau_sheet(d: ReportData) -> Sheet:
    """The cells the roadmap moves: maturity today and after each quarter, and the target."""
    road = d.roadmap
    assert road is not None
    cap_names = {c.id: c.name for c in d.enterprise.capabilities}
    T = len(road.quarters)
    moved = np.nonzero(~np.isnan(road.current) & (road.level[T - 1] > road.current + 1e-12))
    rows = []
    for c, b in zip(*moved, strict=True):
        cur = float(road.current[c, b])
        tgt = float(road.target[c, b])
        last = float(road.level[T - 1, c, b])
        rows.append([road.capabilities[c], cap_names.get(road.capabilities[c], ""),
                     road.business_units[b], cur,
                     *(round(float(road.level[t, c, b]), 4) for t in range(T)), tgt,
                     min(1.0, (last - cur) / (tgt - cur)) if tgt > cur else None])
    return Sheet("Plateaus", (
        Column("capability"), Column("capability name", "text", 34), Column("business unit"),
        Column("today", "number"), *(Column(f"after {q}", "number") for q in road.quarters),
        Column("target", "number"), Column("gap closed", "share")),
        rows, heat=("gap closed",), heat_palette="green", freeze_columns=3,
        note="maturity of every cell the roadmap moves, today and after each quarter")


def _nan(x: Any) -> float | None:
    v = float(x)
    return None if math.isnan(v) else v


def _rows_sheet(name: str, rows: list[dict[str, Any]], fmts: dict[str, Fmt],
                heat: tuple[str, ...] = (), note: str = "") -> Sheet:
    keys: list[str] = list(dict.fromkeys(k for r in rows for k in r))
    return Sheet(name, tuple(Column(k, fmts.get(k, "text")) for k in keys),
                 [[_f(r.get(k)) for k in keys] for r in rows], heat=heat, note=note)


def _frame_sheet(name: str, frame: Any, fmts: dict[str, Fmt], heat: tuple[str, ...] = (),
                 palette: Literal["hot", "green"] = "hot") -> Sheet:
    keys = [str(c) for c in frame.columns]
    rows = [[_f(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return Sheet(name, tuple(Column(k, fmts.get(k, "text")) for k in keys), rows, heat=heat,
                 heat_palette=palette)


__all__ = ["REASON_LABELS", "Column", "Sheet", "baseline_rows", "candidate_rows",
           "initiative_rows", "input_rows", "mix_summary", "pool_rows", "reason_labels",
           "risk_line_rows", "sheets", "solver_rows", "stage_homogeneity_rows", "time_rows",
           "weights_rows"]
