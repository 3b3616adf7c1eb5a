"""An independent check of a plan against the model's rules, written from docs/optimize.md
with plain loops over the Enterprise (it shares no code with the optimizer)."""

from __future__ import annotations

from opmodel.model import Enterprise
from opmodel.model.quarter import fiscal_year_of
from opmodel.optimize import Plan

TOL = 1e-6


def broken_rules(e: Enterprise, starts: dict[str, int]) -> list[str]:
    """Rules broken by ``starts`` ({initiative id: 0-based start quarter}; absent = unfunded)."""
    T = e.horizon.quarters
    qs = e.horizon.labels
    by_id = {it.id: it for it in e.initiatives}
    out: list[str] = []
    spend: dict[tuple[str, int], float] = {}
    kind_spend: dict[tuple[str, int], float] = {}
    load: dict[tuple[str, int], float] = {}
    for it in e.initiatives:
        s = starts.get(it.id)
        if s is None:
            if it.mandatory:
                out.append(f"mandatory {it.id} not funded")
            continue
        if it.forbidden:
            out.append(f"forbidden {it.id} funded")
        if s < 0 or s + it.duration > T:
            out.append(f"{it.id} outside the horizon")
        if it.earliest_start and s < e.horizon.index(it.earliest_start):
            out.append(f"{it.id} before its earliest start")
        if it.latest_start and s > e.horizon.index(it.latest_start):
            out.append(f"{it.id} after its latest start")
        if it.deadline and s + it.duration - 1 > e.horizon.index(it.deadline):
            out.append(f"{it.id} misses its deadline")
        for d in it.depends_on:
            sd = starts.get(d)
            if sd is None or sd + by_id[d].duration > s:
                out.append(f"{it.id} starts before {d} has finished")
        for x in it.excludes:
            if x in starts:
                out.append(f"{it.id} and {x} both funded")
        for k, amount in enumerate(it.profile):
            spend[(it.pool, s + k)] = spend.get((it.pool, s + k), 0.0) + amount
            kind_spend[(it.kind, s + k)] = kind_spend.get((it.kind, s + k), 0.0) + amount
            for td in it.team_demand:
                load[(td.team, s + k)] = load.get((td.team, s + k), 0.0) + td.amount
    # budgets
    fy = [fiscal_year_of(q, e.fiscal_year_start) for q in qs]
    pools = {b.pool for b in e.budgets} | {it.pool for it in e.initiatives}
    carry = e.policy.carry_over
    for pool in pools:
        qline = {e.horizon.index(b.period): b.amount for b in e.budgets
                 if b.pool == pool and not b.is_fiscal_year and e.horizon.contains(b.period)}
        yline = {int(b.period[2:]): b.amount for b in e.budgets
                 if b.pool == pool and b.is_fiscal_year}
        limited = [t for t in range(T) if t in qline or fy[t] not in yline]
        for t in limited:
            if carry == "horizon":
                span = [u for u in limited if u <= t]
            elif carry == "fiscal-year" and fy[t] not in yline:
                span = [u for u in limited if u <= t and fy[u] == fy[t]]
            else:
                span = [t]
            used = sum(spend.get((pool, u), 0.0) for u in span)
            have = sum(qline.get(u, 0.0) for u in span)
            if used > have + TOL * max(1, have):
                out.append(f"budget {pool} {qs[t]}: {used} > {have}")
        years = sorted(yline)
        for k, y in enumerate(years):
            ys = years[: k + 1] if carry == "horizon" else [y]
            used = sum(spend.get((pool, t), 0.0) for t in range(T) if fy[t] in ys)
            have = sum(yline[u] for u in ys)
            if used > have + TOL * max(1, have):
                out.append(f"budget {pool} FY{y}: {used} > {have}")
    # capacity
    for team in e.policy.teams:
        for t, q in enumerate(qs):
            if load.get((team.id, t), 0.0) > team.capacity_in(q) + TOL:
                out.append(f"team {team.id} over capacity in {q}")
    # guardrails
    for g in e.policy.guardrails:
        spans = [range(T)] if g.scope == "horizon" else [range(t, t + 1) for t in range(T)]
        for span in spans:
            total = sum(v for (_, t), v in kind_spend.items() if t in span)
            mine = sum(v for (k, t), v in kind_spend.items() if t in span and k == g.kind)
            if g.min_share is not None and mine < g.min_share * total - TOL * max(1, total):
                out.append(f"{g.kind} below {g.min_share}")
            if g.max_share is not None and mine > g.max_share * total + TOL * max(1, total):
                out.append(f"{g.kind} above {g.max_share}")
    return out


def plan_value(e: Enterprise, starts: dict[str, int], end_quarters: int = 4) -> float:
    """Value of ``starts`` under docs/optimize.md "The value model", quarter by quarter.

    Uses only the analysis scores (gap and weight per cell) and the Enterprise.
    """
    from opmodel.analysis import score
    from opmodel.analysis.scoring import ASSESSED

    sc = score(e)
    T = e.horizon.quarters
    pv = e.scoring.point_value
    apps = {a.id: a for a in e.applications}
    by_id = {it.id: it for it in e.initiatives}
    total = 0.0
    for t in [*range(T), T]:  # t == T: the end state, counted end_quarters times
        weight = end_quarters if t == T else 1
        done = [by_id[i] for i, s in starts.items() if t == T or s + by_id[i].duration <= t]
        offered: dict[tuple[int, int], float] = {}
        for it in done:
            total += weight * (it.direct_value - it.added_run_cost) / 4
            for eff in it.effects:
                if eff.capability not in sc.capabilities:
                    continue
                c = sc.capabilities.index(eff.capability)
                units = eff.business_units or sc.business_units
                for u in units:
                    if u not in sc.business_units:
                        continue
                    b = sc.business_units.index(u)
                    if sc.status[c, b] == ASSESSED and sc.gap[c, b] > 0:
                        offered[(c, b)] = offered.get((c, b), 0.0) + eff.uplift
        for (c, b), up in offered.items():
            total += weight * sc.weight[c, b] * min(up, sc.gap[c, b]) * pv / 4
        retired = {a for it in done for a in it.retires}
        for a in retired:
            app = apps.get(a)
            if app is not None and app.lifecycle != "retired":
                total += weight * app.annual_run_cost / 4
    return total


def plan_starts(plan: Plan) -> dict[str, int]:
    return {i: int(s) for i, s in zip(plan.instance.ids, plan.start, strict=True) if s >= 0}
