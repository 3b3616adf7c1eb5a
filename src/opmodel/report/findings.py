"""What the report says in words: headlines that state findings, and the evidence under them.

Every sentence is built from numbers the analysis and the optimizer computed; nothing here
recomputes a score or a plan. Money is shown in the model's currency, scaled to k / M / bn
from the model's ``unit`` ("thousands" by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..analysis.provenance import cell_provenance
from ..optimize.baselines import FUNDING, RANKED
from .format import money, pct

if TYPE_CHECKING:
    from .data import Analysis, ReportData

Tone = Literal["neutral", "good", "warn", "bad"]
MAX_WORK = 3
"""Funded initiatives named per hot cell (the most valuable; the rest are counted)."""


@dataclass(frozen=True)
class Finding:
    title: str
    """A sentence that states the finding."""
    detail: str
    """The evidence, in one or two sentences."""
    tone: Tone = "neutral"


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    note: str
    tone: Tone = "neutral"


@dataclass(frozen=True)
class HotCell:
    rank: int
    capability: str
    capability_name: str
    stage: str
    business_unit: str
    business_unit_name: str
    current: float
    target: float
    pain: float
    priority: float
    why: str
    outcome: str
    """What the plan achieves for the cell by the end of the horizon."""
    closed: bool
    work: tuple[str, ...]
    """The funded initiatives that act on the cell, with their start quarters."""

    @property
    def closed_by(self) -> str:
        return self.outcome + (": " + "; ".join(self.work) if self.work else "")


@dataclass(frozen=True)
class Findings:
    headline: Finding
    hot_cells: tuple[HotCell, ...]
    value: Finding
    budget: Finding
    mix: Finding
    consolidation: Finding
    applications: Finding
    roadmap: Finding
    heatmap: Finding
    frontier: Finding | None
    risk: Finding | None
    kpis: tuple[Kpi, ...]

    @property
    def summary(self) -> tuple[Finding, ...]:
        """The findings of the executive summary, most important first."""
        out = [self.headline, self.value, self.budget, self.mix]
        if self.risk is not None:
            out.append(self.risk)
        out.append(self.consolidation)
        if self.frontier is not None:
            out.append(self.frontier)
        return tuple(out)


def _quote(text: str, limit: int = 70) -> str:
    t = text.strip()
    return f"“{t if len(t) <= limit else t[: limit - 1].rstrip() + '…'}”"


def _names(items: list[str], limit: int = 3) -> str:
    if len(items) <= limit:
        return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1] \
            if items else ""
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


@dataclass(frozen=True)
class AnalysisFindings:
    """The findings that need only the analysis (no plan): the report can draw their charts
    while the optimizer is still solving."""

    headline: Finding
    heatmap: Finding
    consolidation: Finding
    applications: Finding


def analysis_findings(d: Analysis) -> AnalysisFindings:
    """The hottest cell, the heat map, consolidation and applications findings (from the
    analysis ``d`` alone)."""
    e = d.enterprise
    cur, unit = e.currency, e.unit

    def m(x: float | None) -> str:
        return money(x, cur, unit)

    hm = d.stage_map

    # -- the hottest stage × unit cell ----------------------------------------------------
    n_units = len(e.business_units)
    vals = np.where(np.isnan(hm.values[:n_units]), -1.0, hm.values[:n_units])
    if vals.size and vals.max() > 0:
        r, k = np.unravel_index(int(np.argmax(vals)), vals.shape)
        x = hm.explain(hm.columns[k], hm.rows[r])
        drv = x.driver
        title = f"{hm.column_names[k]} in {hm.row_names[r]} is the hottest gap"
        detail = (f"Priority {vals[r, k]:.2f} of 1, driven by {drv.capability_name}"
                  if drv is not None else f"Priority {vals[r, k]:.2f} of 1")
        if x.provenance is not None and x.provenance.assessment is not None:
            a = x.provenance.assessment
            detail += (f": maturity {a.current:g} against a target of {a.target:g}"
                       + (f", pain {a.pain:g} of 5" if a.pain else ""))
        detail += "."
        headline = Finding(title, detail, "bad")
        col_max = np.nanmax(np.where(np.isnan(hm.values[:n_units]), -1, hm.values[:n_units]),
                            axis=0)
        row_max = vals.max(axis=1)
        hot_stage = hm.column_names[int(np.argmax(col_max))]
        hot_unit = hm.row_names[int(np.argmax(row_max))]
        hm_title = (f"{hot_stage} is the hottest stage; {hot_unit} carries the biggest gap"
                    if hot_stage != hm.column_names[k] or hot_unit != hm.row_names[r]
                    else f"{hot_stage} is the hottest stage, and hottest in {hot_unit}")
    elif d.gaps.assessed == 0:  # nothing to compare: not "no gap"
        headline = Finding("No capability is assessed yet", "No business unit has given a "
                           "current and target maturity for any capability, so no gap can "
                           "be measured; survey the units (opmodel survey export).", "warn")
        hm_title = "No capability is assessed yet"
    else:
        headline = Finding("No capability has a gap", "Every assessed capability is at or "
                           "above its target.", "good")
        hm_title = "No capability has a gap"
    heat = Finding(hm_title, f"{d.gaps.with_gap:,} of {d.gaps.assessed:,} assessed capability × "
                   "unit cells have a gap. A cell shows the hottest capability of the stage "
                   "(priority = weight × gap / 5, 0–1).")

    # -- consolidation ----------------------------------------------------------------------
    h = d.homogeneity
    cands = h.top_candidates(3)
    if cands:
        top = "; ".join(f"{c.name}: keep {c.keep.name}, retire {len(c.retire)} "
                        f"({m(c.savings)})" for c in cands)
        consolidation = Finding(
            f"{len(h.candidates)} capabilities run on several applications; consolidating "
            f"saves up to {m(h.total_savings)} a year",
            f"Largest savings: {top}.", "warn")
    else:
        consolidation = Finding("Every capability runs on one application",
                                "No consolidation candidates.", "good")

    # -- applications (TIME) ----------------------------------------------------------------
    counts, costs = d.time.counts(), d.time.cost()
    apps = Finding(
        f"{counts['eliminate']} applications to eliminate and {counts['migrate']} to migrate, "
        f"costing {m(costs['eliminate'] + costs['migrate'])} a year",
        f"Of {sum(counts.values())} applications in use: invest {counts['invest']}, migrate "
        f"{counts['migrate']}, tolerate {counts['tolerate']}, eliminate {counts['eliminate']}"
        + (f", not assessed {counts['not assessed']} (no fit yet)"
           if counts["not assessed"] else "")
        + " (functional and technical fit, 1–4; 3 or more is high).",
        "warn" if counts["eliminate"] else "neutral")

    return AnalysisFindings(headline, heat, consolidation, apps)


def findings(d: ReportData) -> Findings:
    e = d.enterprise
    cur, unit = e.currency, e.unit

    def m(x: float | None) -> str:
        return money(x, cur, unit)

    stages = {s.id: s.name for s in e.stages}
    bus = {b.id: b.name for b in e.business_units}
    plan = d.plan
    a = analysis_findings(d.analysis)
    headline, heat, consolidation, apps = a.headline, a.heatmap, a.consolidation, \
        a.applications
    h = d.analysis.homogeneity

    # -- the five hottest cells and why ---------------------------------------------------
    hot = tuple(_hot_cell(d, row, stages, bus) for row in d.analysis.gaps.rows[:5])

    # -- value against the baselines ------------------------------------------------------
    ranked = plan.baselines.get(RANKED)
    funding = plan.baselines.get(FUNDING)
    rp = plan.baseline_percent(RANKED)
    fp = plan.baseline_percent(FUNDING)
    if ranked is not None and funding is not None and rp is not None and fp is not None:
        if rp >= 99.95:
            title = (f"The plan is worth {m(plan.objective)}: as much as the ranked list and "
                     f"{_more(fp)} than funding by business unit")
        else:
            title = (f"The optimized plan is worth {m(plan.objective)}: {_more(rp)} than the "
                     f"ranked list and {_more(fp)} than funding by business unit")
        lost = plan.objective - (funding.value or 0.0)
        detail = (f"Deciding by funding — each unit spending its share on its own requests — "
                  f"reaches {fp:.0f} % of the optimum and costs {m(lost)} of value"
                  + (" (and it breaks the mix guardrails)" if funding.breaks else "")
                  + f"; a ranked list by value per cost reaches {rp:.0f} %.")
        if plan.status != "optimal":
            detail += (f" The solver stopped at its time limit, {plan.status_text} to the "
                       "proven bound: a longer --time-limit may find a better plan.")
        value = Finding(title, detail, "good" if plan.status == "optimal" else "warn")
    else:
        value = Finding(f"The optimized plan is worth {m(plan.objective)}",
                        "No baselines were computed.", "neutral")

    # -- budget ------------------------------------------------------------------------------
    budget_total = d.total_budget
    spend = plan.total_spend
    use = spend / budget_total if budget_total > 0 else None
    funded = len(plan.selected)
    n_init = plan.instance.n
    pools = []
    sp = plan.spend
    for p, pool in enumerate(plan.instance.pools):
        have = sum(b.amount for b in e.budgets if b.pool == pool)
        if have > 0:
            pools.append(f"{pool} {pct(float(sp[p].sum()) / have)}")
    budget = Finding(f"{funded:,} of {n_init:,} initiatives are funded, using {pct(use)} of "
                     "the budget",
                     f"Spend {m(spend)} of {m(budget_total)} over {len(plan.quarters)} quarters"
                     + (f" ({'; '.join(pools)})" if len(pools) > 1 else "") + ".",
                     "good" if use is not None and use >= 0.85 else "warn")

    # -- mix ---------------------------------------------------------------------------------
    sk = plan.spend_by_kind
    tot = float(sk.sum())
    shares = {k: (float(sk[i].sum()) / tot if tot > 0 else 0.0)
              for i, k in enumerate(("run", "grow", "transform"))}
    rules = []
    for g in e.policy.guardrails:
        lim = []
        if g.min_share is not None:
            lim.append(f"≥ {pct(g.min_share)}")
        if g.max_share is not None:
            lim.append(f"≤ {pct(g.max_share)}")
        rules.append(f"{g.kind} {pct(shares[g.kind])} ({' and '.join(lim)}"
                     + (" each quarter" if g.scope == "quarter" else "") + ")")
    mix_now = ", ".join(f"{k} {pct(v)}" for k, v in shares.items())
    if rules:
        mix = Finding("The investment mix meets every guardrail", f"Spend by kind: {mix_now}. "
                      f"Guardrails: {'; '.join(rules)}.", "good")
    else:
        mix = Finding(f"Spend by kind: {mix_now}", "The model sets no mix guardrails.")

    # -- roadmap -----------------------------------------------------------------------------
    ev = plan.evaluation
    first_q = next((q for q, v in zip(plan.quarters, ev.per_quarter, strict=True) if v > 0),
                   None)
    roadmap = Finding(
        f"The roadmap funds {funded:,} initiatives over {len(plan.quarters)} quarters; value "
        + (f"starts to arrive in {first_q}" if first_q else "arrives after the horizon"),
        f"{m(ev.in_horizon)} of value inside the horizon and {m(ev.end_state)} in the "
        f"{plan.instance.end_quarters} quarters after it: capability gaps closed "
        f"{m(ev.capability)}, run cost saved {m(ev.savings)}, direct value {m(ev.direct)}.")

    # -- frontier ----------------------------------------------------------------------------
    front = None
    rows = [r for r in d.frontier_rows() if r["value"] is not None]
    here = next((r for r in rows if r["current"]), None)
    if here is not None and len(rows) > 1:
        up = [r for r in rows if r["scale"] > 1.0]
        down = [r for r in rows if r["scale"] < 1.0]
        parts = []
        if up:
            u = up[0]
            parts.append(f"{pct(u['scale'] - 1)} more budget ({m(u['budget'] - here['budget'])}) "
                         f"would add {m(u['value'] - here['value'])} of value")
        if down:
            dn = down[-1]
            parts.append(f"a {pct(1 - dn['scale'])} cut would lose "
                         f"{m(here['value'] - dn['value'])}")
        if parts:
            title = parts[0][0].upper() + parts[0][1:]
            front = Finding(title + (f"; {parts[1]}" if len(parts) > 1 else ""),
                            "Each point is the best plan found with every budget line scaled "
                            "(the efficient frontier in the roadmap section gives each "
                            "point's solver status).")

    # -- risk -------------------------------------------------------------------------------
    risk = None
    if d.risk is not None:
        r = d.risk
        tone: Tone = "bad" if r.within_budget < 0.5 else "warn" if r.within_budget < 0.7 \
            else "good"
        cf = plan.confidence
        held = (f"Planned to {pct(cf.target)} confidence: a management reserve of "
                f"{m(cf.reserve)} is held, giving up {m(cf.value_given_up)} of value. "
                if cf is not None else "")
        risk = Finding(
            f"{pct(r.within_budget)} chance the plan stays within every fiscal-year budget "
            f"line; {pct(r.overrun_any)} that some budget row overruns once cost uncertainty "
            "is counted",
            held + f"Over {r.draws:,} cost draws (triangular low/likely/high), total spend is "
            f"{m(r.total_p50)} at P50 and {m(r.total_p80)} at P80 against {m(r.planned_total)} "
            f"planned; covering the P80 overrun would cut {m(r.value_at_risk)} of value"
            + (f" ({_names(r.cut_at_p80)})" if r.cut_at_p80 else "") + ".", tone)

    # -- KPI tiles -----------------------------------------------------------------------------
    kpis = [Kpi("Plan value", m(plan.objective), plan.status_text,
                "good" if plan.status == "optimal" else "warn")]
    if rp is not None:
        kpis.append(Kpi("vs ranked list", _gain(rp), f"the ranked list reaches {rp:.0f} %",
                        "good" if rp < 99.95 else "neutral"))
    if fp is not None and funding is not None:
        kpis.append(Kpi("Cost of deciding by funding", m(plan.objective - (funding.value or 0)),
                        f"funding by unit reaches {fp:.0f} %", "bad"))
    kpis.append(Kpi("Budget used", pct(use), f"{m(spend)} of {m(budget_total)}",
                    "good" if use is not None and use >= 0.85 else "warn"))
    if d.risk is not None:
        kpis.append(Kpi("Within budget", pct(d.risk.within_budget),
                        f"every fiscal-year line at once; P80 spend {m(d.risk.total_p80)}",
                        "bad" if d.risk.within_budget < 0.5 else
                        "warn" if d.risk.within_budget < 0.7 else "good"))
    kpis.append(Kpi("Consolidation savings", m(h.total_savings), "a year, run cost",
                    "neutral"))
    return Findings(headline, hot, value, budget, mix, consolidation, apps, roadmap, heat,
                    front, risk, tuple(kpis))


def _more(percent_of_optimum: float) -> str:
    if percent_of_optimum <= 0:
        return "far more"
    gain = 100.0 / percent_of_optimum - 1
    if gain >= 1:
        return f"{gain + 1:.1f}× more"
    return f"{gain:.0%} more".replace("%", " %")


def _gain(percent_of_optimum: float) -> str:
    if percent_of_optimum <= 0:
        return "–"
    gain = 100.0 / percent_of_optimum - 1
    return f"+{100 * gain:.0f} %"


def _hot_cell(d: ReportData, row: object, stages: dict[str, str],
              bus: dict[str, str]) -> HotCell:
    from ..analysis.gaps import GapRow

    assert isinstance(row, GapRow)
    e = d.enterprise
    p = cell_provenance(e, d.analysis.scores, row.capability, row.business_unit)
    bits = [f"{row.current:g} → {row.target:g}"
            + (f", pain {row.pain:g}" if row.pain else "")]
    if p.expectations:
        best = max(p.expectations, key=lambda x: x.importance)
        more = len(p.expectations) - 1
        bits.append(f"customers: {_quote(best.statement, 60)}"
                    + (f" and {more} more" if more else ""))
    if p.objectives:
        best_o = max(p.objectives, key=lambda o: o.product)
        bits.append(f"objective: {best_o.name}")
    why = "; ".join(bits)

    # which funded work closes it, and where the cell stands at the end of the horizon
    plan = d.plan
    worth = {x.id: x.value_if_dropped or 0.0 for x in d.explanations}
    found: list[tuple[float, str]] = []
    for i, it in enumerate(e.initiatives):
        if plan.start[i] < 0:
            continue
        for fx in it.effects:
            if fx.capability == row.capability and (not fx.business_units
                                                    or row.business_unit in fx.business_units):
                found.append((worth.get(it.id, 0.0),
                              f"{it.name} (from {plan.quarters[int(plan.start[i])]})"))
                break
    found.sort(key=lambda x: -x[0])  # the most valuable work first
    closers = [text for _, text in found[:MAX_WORK]]
    if len(found) > MAX_WORK:
        closers.append(f"and {len(found) - MAX_WORK} more funded initiatives")
    closed = False
    if closers and d.roadmap is not None:
        c = d.analysis.scores.cap_index(row.capability)
        b = d.analysis.scores.bu_index(row.business_unit)
        lv = float(d.roadmap.level[-1, c, b])
        closed = lv >= row.target - 1e-9
        text = (f"Closed: reaches {row.target:g} by {plan.quarters[-1]}" if closed else
                f"Narrowed: {lv:.3g} of {row.target:g} by {plan.quarters[-1]}")
    elif closers:
        text = "Funded work addresses it"
    else:
        text = "No funded initiative addresses it"
    return HotCell(row.rank, row.capability, row.capability_name,
                   stages.get(row.stage, row.stage), row.business_unit,
                   bus.get(row.business_unit, row.business_unit), row.current, row.target,
                   row.pain, row.priority, why, text, closed, tuple(closers))


__all__ = ["AnalysisFindings", "Finding", "Findings", "HotCell", "Kpi", "analysis_findings",
           "findings", "money", "pct"]
