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


def plan_starts(plan: Plan) -> dict[str, int]:
    return {i: int(s) for i, s in zip(plan.instance.ids, plan.start, strict=True) if s >= 0}
