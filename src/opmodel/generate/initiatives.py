"""Initiatives: kind, owner, cost, timing, effects on capabilities, dependencies (a DAG),
exclusions, team demand, retirements — built so the portfolio stays feasible."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .draft import Draft
from .draw import Rng, draw, pick, quarter, round_to
from .funding import guardrails_feasible, quarterly_budgets
from .words import KIND_NAMES, KIND_P, POOLS, VERBS


def initiatives(g: Draft) -> None:
    n, r = g.n, g.rng["inits"]
    m, b, q = n.initiatives, n.business_units, n.quarters
    kind = r.choice(3, size=m, p=KIND_P)
    owner = r.choice(b, size=m, p=g.bu_weight)
    mean = np.array([150.0, 400.0, 1200.0])[kind]
    cost = np.maximum(5.0, np.round(r.lognormal(np.log(mean), 0.7) / 5) * 5)
    dur_choices = ([1, 2], [1, 2, 3, 4], [2, 3, 4, 5, 6])
    duration = np.array([min(q, int(r.choice(dur_choices[k]))) for k in kind], int)
    # capabilities worth raising: popular ones with large gaps (n/a cells excluded)
    gap_sum = g.gap.sum(axis=1).astype(float)
    want = g.popularity * (gap_sum + 0.5)
    want_pick = draw(r, want, (m, 6))  # candidate capabilities of each initiative
    ok_cells = ~g.na  # (capability, unit) cells an effect may target
    all_ok = ok_cells.all(axis=1)

    # mandatory: ~3 %, mostly run; no dependencies, exclusions or team demand
    mandatory = np.zeros(m, bool)
    if m >= 10:
        cand = np.flatnonzero(kind < 2)
        n_mand = int(min(len(cand), max(1, round(0.03 * m))))
        pref = np.where(kind[cand] == 0, 3.0, 1.0)
        mandatory[r.choice(cand, size=n_mand, replace=False, p=pref / pref.sum())] = True
    # dependencies: a DAG, each on 1–2 earlier initiatives close by in the list
    deps: list[list[int]] = [[] for _ in range(m)]
    has_dep = r.random(m) < n.dependency_density
    for i in range(1, m):
        if has_dep[i] and not mandatory[i]:
            lo = max(0, i - 40)
            k = int(min(i - lo, 1 if r.random() < 0.8 else 2))
            deps[i] = sorted(int(x) for x in r.choice(np.arange(lo, i), size=k,
                                                      replace=False))
    # timing: some start late, some fixed starts, some deadlines; always reachable
    late = r.random(m) < 0.15
    fixed = r.random(m) < 0.05
    with_deadline = r.random(m) < 0.08
    earliest = np.zeros(m, int)
    for i in range(m):
        room = q - int(duration[i])  # last possible start offset
        if late[i] and room > 0:
            earliest[i] = int(r.integers(1, room + 1))
    # exclusions: a few pairs of optional alternatives, unrelated by dependency: neither
    # depends on the other, nor does any third initiative depend on both, even through
    # others (it could never be funded: an E-CONFLICT)
    excludes: list[list[int]] = [[] for _ in range(m)]
    n_pairs = round(0.02 * m)
    optional = np.flatnonzero(~mandatory)
    below = _Dependents(deps)
    for _ in range(n_pairs if len(optional) > 1 else 0):
        i, j = sorted(int(x) for x in r.choice(optional, size=2, replace=False))
        if i in excludes[j] or j in excludes[i] or not below.of(i).isdisjoint(below.of(j)):
            continue
        excludes[j].append(i)
    # teams
    n_teams = int(min(8, max(2, m // 400 + 2))) if m else 0
    teams = [f"team-{k + 1}" for k in range(n_teams)]
    demand: list[list[tuple[int, float]]] = [[] for _ in range(m)]
    load = np.zeros(n_teams)
    biggest = np.zeros(n_teams)
    for i in np.flatnonzero((r.random(m) < 0.3) & ~mandatory):
        picks = r.choice(n_teams, size=int(min(n_teams, r.integers(1, 3))), replace=False)
        for t in picks:
            amount = pick(r, (0.5, 1.0, 2.0, 3.0, 4.0), (0.2, 0.4, 0.6, 0.8))
            demand[int(i)].append((int(t), amount))
            load[t] += amount * duration[i]
            biggest[t] = max(biggest[t], amount)
    g.teams = [
        {"id": t, "name": f"Delivery team {k + 1}",
         "capacity": max(float(biggest[k]), round_to(0.5 * load[k] / q, 0.5))}
        for k, t in enumerate(teams)]
    if n_teams and r.random() < 0.7:  # one team is thinner in one quarter (holidays)
        k = int(r.integers(0, n_teams))
        cap = g.teams[k]["capacity"]
        g.teams[k]["by_quarter"] = [{"quarter": quarter(g.h0 + int(r.integers(0, q))),
                                        "capacity": max(float(biggest[k]), cap / 2)}]

    # money: budgets at ~50 % of demand per pool, then mandatory costs capped to fit
    pool = np.where(kind == 2, 1, 0)
    demand_per_pool = np.array([cost[pool == p].sum() for p in range(2)])
    g.budget = quarterly_budgets(g, demand_per_pool)
    for p in range(2):
        mand = np.flatnonzero(mandatory & (pool == p))
        limit = 0.3 * g.budget[p].min()
        total = cost[mand].sum()
        if len(mand) and total > limit:
            cost[mand] = np.floor(cost[mand] * limit / total)
    cost = np.maximum(cost, 1.0)
    if mandatory.any():
        for p in range(2):  # never more mandatory spend than a fraction of the smallest budget
            mand = np.flatnonzero(mandatory & (pool == p))
            while len(mand) and cost[mand].sum() > 0.3 * g.budget[p].min():
                mandatory[mand[-1]] = False
                mand = mand[:-1]

    # retirements: an initiative retires 1–2 apps serving what it raises
    retire_p = np.array([0.05, 0.2, 0.45])[kind]
    retired_by: set[int] = set()
    items: list[dict[str, Any]] = []
    for i in range(m):
        k = int(kind[i])
        d = int(duration[i])
        o = int(owner[i])
        effects, targets = _effects(g, r, k, o, want_pick[i], ok_cells, all_ok)
        cap0 = g.cap_ids[effects[0]["capability_index"]] if effects else None
        verb = VERBS[KIND_NAMES[k]][int(r.integers(0, 4))]
        what = (g.cap_name[effects[0]["capability_index"]] if effects
                else "shared services")
        it: dict[str, Any] = {
            "id": f"ini-{i + 1:05d}", "name": f"{verb} {what}",
            "owner": g.bu_ids[o], "kind": KIND_NAMES[k], "duration": d,
        }
        if pool[i] == 1:
            it["pool"] = POOLS[1]
        c = float(cost[i])
        if d > 1 and r.random() < 0.2:  # a cost profile: ramp up, then down
            shape = np.hanning(d + 2)[1:-1] + 0.3
            prof = [round(float(x), 1) for x in c * shape / shape.sum()]
            it["cost_profile"] = prof
            c = float(sum(prof))
        else:
            it["cost"] = c
        if r.random() < 0.5:
            low = math.floor(c * r.uniform(0.75, 0.95))
            high = math.ceil(c * r.uniform(1.1, 1.8))
            it["cost_range"] = {"low": float(low), "likely": c, "high": float(high)}
        e0 = int(earliest[i])
        if e0:
            it["earliest_start"] = quarter(g.h0 + e0)
        if not deps[i] and not mandatory[i] and fixed[i]:
            it["earliest_start"] = it["latest_start"] = quarter(g.h0 + e0)
        if not deps[i] and with_deadline[i]:
            last_end = e0 + d - 1
            it["deadline"] = quarter(g.h0 + int(r.integers(last_end, q)))
        if r.random() < 0.1:
            it["direct_value"] = float(round_to(c * r.uniform(0.05, 0.3), 1.0))
        it["effects"] = [{k_: v for k_, v in e.items() if k_ != "capability_index"}
                         for e in effects]
        if cap0 is not None and r.random() < retire_p[i]:
            serving = [x for e in effects for x in g.app_caps.get(e["capability_index"], ())
                       if x not in retired_by]
            serving = [x for x in dict.fromkeys(serving)
                       if not g.app_units[x].isdisjoint(targets)]
            if serving:
                take = r.choice(len(serving), size=min(len(serving), int(r.integers(1, 3))),
                                replace=False)
                ret = sorted(serving[int(t)] for t in take)
                retired_by.update(ret)
                it["retires"] = [g.app_ids[x] for x in ret]
        if deps[i]:
            it["depends_on"] = [f"ini-{j + 1:05d}" for j in deps[i]]
        if excludes[i]:
            it["excludes"] = [f"ini-{j + 1:05d}" for j in excludes[i]]
        if mandatory[i]:
            it["mandatory"] = True
        if r.random() < 0.6:
            it["architecture_fit"] = round(float(r.beta(5, 2)), 2)
        if demand[i]:
            it["team_demand"] = [{"team": teams[t], "amount": a} for t, a in demand[i]]
        items.append(it)
    g.data["initiatives"] = items
    g.guardrails_ok = guardrails_feasible(g, items)


def _effects(d: Draft, r: Rng, kind: int, owner: int, candidates: np.ndarray,
             ok_cells: np.ndarray, all_ok: np.ndarray) -> tuple[list[dict[str, Any]], set[int]]:
    """1–3 effects of one initiative, never on a cell its unit marked n/a."""
    b = d.n.business_units
    n_eff = pick(r, (1, 2, 3), (0.5, 0.85))
    caps = dict.fromkeys(candidates.tolist())  # distinct, in draw order
    effects: list[dict[str, Any]] = []
    targets: set[int] = set()
    for cap in caps:
        if len(effects) == n_eff:
            break
        if kind == 2 and r.random() < 0.4:  # transformation: every unit that can use it
            units = np.flatnonzero(ok_cells[cap])
            scope: list[str] | None = None if all_ok[cap] else [d.bu_ids[u] for u in units]
        else:
            extra = 0 if kind == 0 else pick(r, (0, 1, 2), (0.5, 0.8))
            others = [int(x) for x in r.choice(b, size=min(b, extra + 1), replace=False)
                      if int(x) != owner][:extra]
            units = np.array(sorted([owner, *others]), int)
            units = units[ok_cells[cap, units]]
            scope = [d.bu_ids[u] for u in units]
        if len(units) == 0:
            continue
        uplift = pick(r, (0.5, 1.0, 1.5, 2.0), (0.2, 0.6, 0.8))
        eff: dict[str, Any] = {"capability": d.cap_ids[cap], "capability_index": cap,
                               "uplift": uplift}
        if scope is not None:
            eff["business_units"] = scope
        effects.append(eff)
        targets.update(units.tolist())
    return effects, targets


class _Dependents:
    """Each initiative with everything that depends on it, directly or through others
    (itself included), computed when first asked for."""

    def __init__(self, deps: list[list[int]]) -> None:
        self.succ: list[list[int]] = [[] for _ in deps]
        for j, ds in enumerate(deps):
            for i in ds:
                self.succ[i].append(j)
        self.memo: dict[int, set[int]] = {}

    def of(self, i: int) -> set[int]:
        if i not in self.memo:
            seen, stack = {i}, [i]
            while stack:
                for j in self.succ[stack.pop()]:
                    if j not in seen:
                        seen.add(j)
                        stack.append(j)
            self.memo[i] = seen
        return self.memo[i]


__all__ = ["initiatives"]
