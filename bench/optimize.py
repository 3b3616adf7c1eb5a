"""Benchmark: the funding optimizer against HiGHS alone and OR-Tools CP-SAT alone.

For each generated portfolio the same MILP (opmodel's cumulative formulation) is solved

* **opmodel** — :func:`opmodel.optimize.optimize`: build, both baselines, HiGHS warm-started
  from the ranked list (what ``opmodel plan`` does);
* **HiGHS alone** — the textbook formulation of the same model (one binary per possible
  start, aggregated big-M precedence; see :func:`textbook`) handed to HiGHS as is;
* **CP-SAT alone** — the same textbook model translated row by row for CP-SAT (y scaled to
  integers, rows scaled to integer coefficients), no hint, 2 workers;
* **HiGHS on ours** — opmodel's exported MILP handed to HiGHS without the warm start (the
  ablation, and the reference for the build overhead);

with the same time limit, and prints for each the plan's value (priced by opmodel's own
evaluator), its proven bound and gap, and time. Also: the baselines' value as % of
opmodel's plan, and the build overhead (build / HiGHS solve time, and opmodel's total
time / HiGHS alone).

Classes (``--classes``):

* ``std``  — 2,000 initiatives × 8 quarters, 10 % dependencies (goal: ≤ 0.1 % gap in ≤ 30 s)
* ``hard`` — 12 quarters, budgets at 45 % of demand, team capacity at 55 % of load, 25 % of
  initiatives with a predecessor, exclusion pairs and mandatory items from the generator,
  a transform ≥ 25 % guardrail; 100, 200 and 400 initiatives
* ``big``  — 10,000 initiatives × 12 quarters (goal: a plan better than the ranked list
  within 60 s; opmodel only)
* ``mc``   — Monte Carlo cost risk, 10,000 draws on the 2,000-initiative plan (goal ≤ 2 s)

    .venv/bin/python bench/optimize.py                       # everything (about 15 minutes)
    .venv/bin/python bench/optimize.py --classes hard --time-limit 30
"""

from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from opmodel.errors import OptimizationError
from opmodel.generate import generate
from opmodel.model import Enterprise, Guardrail, Team
from opmodel.optimize import SolveOptions, build_instance, evaluate, optimize
from opmodel.optimize.baselines import baselines
from opmodel.optimize.formulation import Milp, build_milp
from opmodel.optimize.solve import relative_gap, run_highs


@dataclass
class Result:
    name: str
    value: float | None
    bound: float | None
    seconds: float
    note: str = ""

    @property
    def gap(self) -> float | None:
        if self.value is None or self.bound is None:
            return None
        return relative_gap(self.value, self.bound)


# -- instances ------------------------------------------------------------------------------
def hard(n: int, seed: int = 1) -> Enterprise:
    """A generated portfolio made tight: budgets 45 % of demand, capacity 55 % of load."""
    e = generate(seed=seed, initiatives=n, quarters=12, dependency_density=0.25,
                 capabilities=max(40, n // 3), applications=max(40, n // 3))
    T = e.horizon.quarters
    demand: dict[str, float] = {}
    for it in e.initiatives:
        demand[it.pool] = demand.get(it.pool, 0.0) + it.total_cost
    have: dict[str, float] = {}
    for b in e.budgets:
        have[b.pool] = have.get(b.pool, 0.0) + b.amount
    budgets = tuple(b.model_copy(update={"amount": round(
        b.amount * 0.45 * demand.get(b.pool, 0.0) / have[b.pool], 1)}) for b in e.budgets)
    load: dict[str, float] = {}
    biggest: dict[str, float] = {}
    for it in e.initiatives:
        for td in it.team_demand:
            load[td.team] = load.get(td.team, 0.0) + td.amount * it.duration
            biggest[td.team] = max(biggest.get(td.team, 0.0), td.amount)
    teams = tuple(Team(id=t.id, name=t.name, capacity=max(
        biggest.get(t.id, 0.0), round(0.55 * load.get(t.id, 0.0) / T, 1)))
        for t in e.policy.teams)
    rails = (*(g for g in e.policy.guardrails if g.kind != "transform"),
             Guardrail(kind="transform", min_share=0.25))
    policy = e.policy.model_copy(update={"teams": teams, "guardrails": rails})
    return e.model_copy(update={"budgets": budgets, "policy": policy,
                                "name": f"hard class, {n} initiatives"})


# -- the textbook formulation: one binary per possible start --------------------------------
def textbook(m: Milp) -> Milp:
    """The same problem with x[i,s] = 1 when i starts in s (what one writes "alone").

    Derived exactly from opmodel's MILP by substituting z[i,τ] = Σ_{s≤τ} x[i,s]: budget,
    capacity, guardrail, exclusion and value rows keep their meaning; the monotonicity rows
    become "at most one start" rows (= 1 for mandatory work); and the per-quarter precedence
    rows are replaced by the usual aggregated pair ``Σ_s x[j,s] ≤ Σ_s x[i,s]`` and
    ``Σ_s s·x[j,s] ≥ Σ_s (s + d_i)·x[i,s] − M·(1 − Σ_s x[j,s])`` with M = T + d_i.
    """
    import dataclasses

    inst = m.inst
    n_z = m.n_z
    rows = np.repeat(np.arange(m.n_rows), np.diff(m.start))
    cols, vals = m.index.astype(np.int64), m.value
    fam = np.empty(m.n_rows, dtype=object)
    for b in m.blocks:
        fam[b.first: b.first + b.count] = b.family
    keep = ~np.isin(fam[rows], ["order", "precedence"])
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    isz = cols < n_z
    # z[i,τ] → x[i,s] for every s ≤ τ in the window
    zi, zt = m.col_init[cols[isz]], m.col_tau[cols[isz]]
    cnt = zt - inst.earliest[zi] + 1
    base = np.concatenate([[0], np.cumsum(cnt)])[:-1]
    k = np.arange(int(cnt.sum())) - np.repeat(base, cnt)
    xr = np.repeat(rows[isz], cnt)
    xc = np.repeat(m.zoff[zi], cnt) + k
    xv = np.repeat(vals[isz], cnt)
    r_all = [xr, rows[~isz]]
    c_all = [xc, cols[~isz]]
    v_all = [xv, vals[~isz]]
    kept = np.nonzero(~np.isin(fam, ["order", "precedence"]))[0]
    new_id = np.full(m.n_rows, -1)
    new_id[kept] = np.arange(len(kept))
    lo = list(m.row_lower[kept])
    hi = list(m.row_upper[kept])
    r_all = [new_id[r] for r in r_all]
    nr = len(kept)
    ok = np.nonzero(m.zoff >= 0)[0]
    width = inst.latest[ok] - inst.earliest[ok] + 1
    # at most one start (exactly one when mandatory)
    r1 = np.repeat(nr + np.arange(len(ok)), width)
    c1 = np.concatenate([m.zoff[i] + np.arange(w) for i, w in zip(ok, width, strict=True)])
    r_all.append(r1)
    c_all.append(c1)
    v_all.append(np.ones(len(c1)))
    lo += [1.0 if inst.mandatory[i] else -np.inf for i in ok]
    hi += [1.0] * len(ok)
    nr += len(ok)
    # aggregated precedence with big-M
    for p_, j in inst.deps:
        if m.zoff[p_] < 0 or m.zoff[j] < 0:
            continue
        sp = np.arange(inst.earliest[p_], inst.latest[p_] + 1)
        sj = np.arange(inst.earliest[j], inst.latest[j] + 1)
        cp = m.zoff[p_] + np.arange(len(sp))
        cj = m.zoff[j] + np.arange(len(sj))
        big = float(inst.T + inst.duration[p_])
        r_all += [np.full(len(cj) + len(cp), nr), np.full(len(cj) + len(cp), nr + 1)]
        c_all += [np.concatenate([cj, cp]), np.concatenate([cj, cp])]
        v_all += [np.concatenate([np.ones(len(cj)), -np.ones(len(cp))]),
                  np.concatenate([sj - big, -(sp + inst.duration[p_])])]
        lo += [-np.inf, -big]
        hi += [0.0, np.inf]
        nr += 2
    R = np.concatenate(r_all)
    C = np.concatenate(c_all)
    V = np.concatenate(v_all)
    key = R * m.n_cols + C
    uniq, inv = np.unique(key, return_inverse=True)
    V = np.bincount(inv, weights=V)
    R, C = uniq // m.n_cols, uniq % m.n_cols
    nz = V != 0
    R, C, V = R[nz], C[nz], V[nz]
    start = np.zeros(nr + 1, dtype=np.int64)
    np.cumsum(np.bincount(R, minlength=nr), out=start[1:])
    # objective: c_x[i,s] = Σ_{τ≥s} c_z[i,τ] (suffix sums inside each window)
    cost = m.cost.copy()
    for i in ok:
        a = m.zoff[i]
        w = inst.latest[i] - inst.earliest[i] + 1
        cost[a: a + w] = np.cumsum(m.cost[a: a + w][::-1])[::-1]
    lower = m.lower.copy()
    lower[:n_z] = 0.0
    return dataclasses.replace(
        m, cost=cost, lower=lower, row_lower=np.array(lo), row_upper=np.array(hi),
        start=start, index=C.astype(np.int32), value=V, blocks=[])


def textbook_starts(m: Milp, x: np.ndarray) -> np.ndarray:
    """Start per initiative from x[i,s] (−1 = not funded)."""
    z = x.copy()
    inst = m.inst
    for i in np.nonzero(m.zoff >= 0)[0]:
        a = m.zoff[i]
        w = inst.latest[i] - inst.earliest[i] + 1
        z[a: a + w] = np.cumsum(x[a: a + w])
    return m.starts_from_solution(z)


# -- CP-SAT on the same MILP ----------------------------------------------------------------
def _integral(values: np.ndarray) -> float | None:
    for f in (1, 2, 4, 5, 10, 20, 25, 50, 100, 1000):
        v = values * f
        if np.all(np.abs(v - np.round(v)) < 1e-6 * np.maximum(1.0, np.abs(v))):
            return float(f)
    return None


def cpsat(m: Milp, time_limit: float, workers: int = 2, name: str = "CP-SAT alone",
          decode: Any = None) -> Result:
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    model = cp_model.CpModel()
    n_z = m.n_z
    ycap = m.upper[n_z:]
    ycoef = np.abs(m.value[m.index >= n_z])
    S = _integral(np.concatenate([ycap, ycoef])) or 100.0
    xs: list[Any] = [model.new_bool_var(f"z{k}") for k in range(n_z)]
    for k in range(n_z):
        if m.lower[k] > 0.5:
            model.add(xs[k] == 1)
    xs += [model.new_int_var(0, math.floor(c * S + 1e-9), f"y{k}")
           for k, c in enumerate(ycap)]
    colscale = np.ones(m.n_cols)
    colscale[n_z:] = 1.0 / S
    rounded = 0
    for r in range(m.n_rows):
        a, b = m.start[r], m.start[r + 1]
        idx = m.index[a:b]
        coef = m.value[a:b] * colscale[idx]
        f = _integral(np.concatenate([coef, [0.0]]))
        if f is None:
            f, rounded = 1000.0, rounded + 1
        ic = np.round(coef * f).astype(np.int64)
        expr = cp_model.LinearExpr.weighted_sum([xs[i] for i in idx], ic.tolist())
        lo, hi = m.row_lower[r], m.row_upper[r]
        if np.isfinite(hi):
            model.add(expr <= math.floor(hi * f + 1e-6))
        if np.isfinite(lo):
            model.add(expr >= math.ceil(lo * f - 1e-6))
    obj = np.round(m.cost * colscale * 100).astype(np.int64)
    model.maximize(cp_model.LinearExpr.weighted_sum(xs, obj.tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - t0))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    secs = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Result(name, None, None, secs, solver.status_name(status))
    x = np.array([solver.value(v) for v in xs[:n_z]] + [0.0] * (m.n_cols - n_z), dtype=float)
    start = (decode or m.starts_from_solution)(x)
    value = evaluate(m.inst, start).total
    bound = solver.best_objective_bound / 100.0
    note = solver.status_name(status).lower() + (f", {rounded} rows rounded" if rounded else "")
    return Result(name, value, max(bound, value), secs, note)


def highs_alone(m: Milp, time_limit: float, name: str = "HiGHS alone",
                decode: Any = None) -> Result:
    t0 = time.perf_counter()
    try:
        run = run_highs(m, SolveOptions(time_limit=time_limit, warm_start=False))
    except OptimizationError as exc:
        return Result(name, None, None, time.perf_counter() - t0, exc.code)
    value = evaluate(m.inst, (decode or m.starts_from_solution)(run.x)).total
    return Result(name, value, max(run.bound, value), run.time, run.status)


# -- reporting ------------------------------------------------------------------------------
def _fmt(x: float | None, spec: str = ",.0f") -> str:
    return "–" if x is None or not math.isfinite(x) else format(x, spec)


def compare(label: str, e: Enterprise, limit: float, others: bool) -> None:
    t0 = time.perf_counter()
    inst = build_instance(e)
    milp = build_milp(inst)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    base = baselines(milp)
    t_base = time.perf_counter() - t1
    t2 = time.perf_counter()
    plan = optimize(inst, SolveOptions(time_limit=limit))
    total = time.perf_counter() - t2 + build
    print(f"\n## {label}: {inst.n:,} initiatives × {inst.T} quarters — {milp.n_rows:,} rows, "
          f"{milp.n_cols:,} columns ({milp.n_z:,} binary), {milp.nnz:,} nonzeros; "
          f"time limit {limit:g} s")
    rows = [Result("opmodel", plan.objective, plan.bound, total, plan.status_text)]
    if others:
        tb = textbook(milp)

        def dec(x: np.ndarray) -> np.ndarray:
            return textbook_starts(tb, x)

        rows.append(highs_alone(tb, limit, "HiGHS alone", dec))
        rows.append(cpsat(tb, limit, 2, "CP-SAT alone", dec))
        rows.append(highs_alone(milp, limit, "HiGHS on ours"))
    print(f"{'solver':<14}{'value':>14}{'bound':>14}{'gap':>9}{'seconds':>9}  note")
    for r in rows:
        print(f"{r.name:<14}{_fmt(r.value):>14}{_fmt(r.bound):>14}"
              f"{_fmt(None if r.gap is None else 100 * r.gap, '.3f') + ' %':>9}"
              f"{r.seconds:>9.1f}  {r.note}")
    best = max((r.value or 0.0) for r in rows)
    for r in rows[1:]:
        if r.value is not None:
            print(f"  opmodel / {r.name}: value ×{plan.objective / r.value:.4f}, "
                  f"gap {100 * (plan.gap or 0):.3f} % vs {100 * (r.gap or 0):.3f} %")
    for name, b in base.items():
        pct = None if b.value is None else 100 * b.value / plan.objective
        print(f"  {name}: {_fmt(b.value)} = {_fmt(pct, '.1f')} % of opmodel's plan"
              + (f" ({b.note})" if b.note else ""))
    print(f"  build {build:.2f} s + baselines {t_base:.2f} s; HiGHS in opmodel "
          f"{plan.solve_time:.1f} s; build / solve = {build / max(plan.solve_time, 1e-9):.1%}")
    if others and rows[3].seconds > 0:
        print(f"  opmodel total / HiGHS on the same exported MILP = "
              f"{total / rows[3].seconds:.2f}")
    assert best >= plan.objective


def monte_carlo(limit: float) -> None:
    from opmodel.optimize.risk import cost_risk

    e = generate(seed=1, initiatives=2000, quarters=8, dependency_density=0.1)
    plan = optimize(e, SolveOptions(time_limit=limit), with_baselines=False)
    t0 = time.perf_counter()
    r = cost_risk(plan, draws=10_000, seed=0)
    secs = time.perf_counter() - t0
    print(f"\n## Monte Carlo: 10,000 draws on a plan of {len(plan.selected):,} funded "
          f"initiatives: {secs:.2f} s (goal ≤ 2 s); P(any overrun) {r.overrun_any:.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--classes", default="std,hard,big,mc")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--big-time-limit", type=float, default=60.0)
    ap.add_argument("--sizes", default="100,200,400", help="hard-class sizes")
    args = ap.parse_args()
    classes = args.classes.split(",")
    print(f"# bench/optimize.py — {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at start")
    if "std" in classes:
        e = generate(seed=1, initiatives=2000, quarters=8, dependency_density=0.1)
        compare("std", e, args.time_limit, True)
    if "hard" in classes:
        for n in (int(x) for x in args.sizes.split(",")):
            compare(f"hard {n}", hard(n), args.time_limit, True)
    if "big" in classes:
        e = generate(seed=1, initiatives=10_000, quarters=12, dependency_density=0.1)
        compare("big", e, args.big_time_limit, False)
    if "mc" in classes:
        monte_carlo(args.time_limit)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
