"""Planning to a stated confidence: a management reserve against the cost ranges.

:func:`plan_to_confidence` returns a plan that stays within every fiscal-year budget line
*at once* (the joint confidence level, as NASA's JCL) with probability at least ``c`` under
the triangular cost ranges that :mod:`~opmodel.optimize.risk` samples. Which rows are such
lines depends on the carry-over rule (:attr:`~opmodel.optimize.instance.BudgetRow.year_line`):

- ``none`` — money lapses at the end of its period, so every quarter line and every
  fiscal-year line is a line of its own;
- ``fiscal-year`` — quarter lines pool within their fiscal year, so the line is the year's
  total (the year-to-date row at the year's last quarter in the horizon); fiscal-year lines
  are lines; a quarter line in a year that also has a fiscal-year line stands alone;
- ``horizon`` — money carries to later years, so the line is the cumulative spend at the
  end of each fiscal year (and of the horizon) against the cumulative budget.

The year-to-date rows inside a fiscal year under carry-over (phasing) still hold on the
estimates, as every rule does; their joint probability is reported beside it, not insured.

The chance constraint is met through its deterministic equivalent: every line is reduced by
a reserve ``r`` and the MILP is solved through the one solver path (:func:`optimize`); the
plan is then simulated (seeded, vectorised) and each line whose slack is short gets as its
reserve the plan's excess over planned spend at a common quantile level ``q``, ``q`` the
lowest at which the simulated lines hold jointly with the target probability (lines with
enough slack count as holding). Once a plan is certified, the reserve is shrunk between the
last reserve that failed and the one that held (interpolating the probabilities reached,
kept between 10 % and 90 % of the way; halfway when the last solve repeated a plan),
keeping the most valuable certified plan; it stops when less reserve could add at most
0.2 % of value (the plan at the last failing reserve bounds what any reserve between is
worth). The probability is not monotone in the reserve (plans change in steps), so the
search is a heuristic, bounded and honest about what it found.
At most ``max_solves`` solves after the plan without a reserve; if none is certified the
result says so (``certified`` False) with the best probability reached — never a claim it
cannot back.

The value given up is the value of the best plan found without a reserve less the value of
the plan returned; that plan is optimal (when HiGHS proved it) for the budget lines less its
reserve, which is not a proof that no plan at this confidence is worth more.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfidenceError, InfeasibleError, InputError
from .baselines import baselines
from .formulation import build_milp
from .instance import END_QUARTERS, Instance
from .plan import Confidence  # the result's type lives beside Plan, which holds it
from .risk import overruns, within_budget
from .solve import Progress, SolveOptions
from .value import budget_use

if TYPE_CHECKING:
    from ..model import Enterprise
    from .plan import Plan
    from .warm import Hint

MAX_SOLVES = 6
"""Solves with a reserve after the plan without one (the default bound)."""

SHRINK_GAIN = 2e-3
"""Stop shrinking the reserve when a smaller one could add at most this share of value."""


def with_reserve(inst: Instance, reserve: np.ndarray) -> Instance:
    """``inst`` with ``reserve`` held back from each budget row (the budgets stay)."""
    rows = tuple(dataclasses.replace(b, amount=max(0.0, b.budget - float(r)),
                                     reserve=min(b.budget, max(0.0, float(r))))
                 for b, r in zip(inst.budget_rows, reserve, strict=True))
    return dataclasses.replace(inst, budget_rows=rows)


def check_confidence(c: float | None) -> float:
    """``c`` as a probability (None: 0); :class:`InputError` when outside [0, 1]."""
    if c is None:
        return 0.0
    if not (isinstance(c, int | float) and math.isfinite(c) and 0 <= c <= 1):
        raise InputError(f"confidence must be a probability between 0 and 1 (got {c})",
                         hint="e.g. --confidence 0.8 for 80 %")
    return float(c)


def plan_to_confidence(e: Enterprise | Instance, confidence: float | None = None,
                       options: SolveOptions | None = None, *,
                       progress: Callable[[Progress], None] | None = None,
                       draws: int = 10_000, seed: int = 0, max_solves: int = MAX_SOLVES,
                       end_quarters: int = END_QUARTERS,
                       omega: dict[str, float] | None = None,
                       on_solve: Callable[[int, float], None] | None = None,
                       every_row: bool = False,
                       hints: Sequence[Hint] = ()) -> Plan:
    """The most valuable plan found that stays within every fiscal-year budget line at once
    with probability ≥ ``confidence`` (default: the model's ``policy.confidence``).

    Without a confidence (None or 0) this is :func:`optimize` itself. Otherwise the plan
    carries a :class:`Confidence` (``plan.confidence``): the reserve per line, the
    probability reached, and the value given up against the plan without a reserve. Each
    solve gets ``options.time_limit``. ``on_solve(k, reserve)`` is called before the k-th
    solve with a reserve (for a progress line). ``every_row`` insures every budget row, the
    year-to-date rows under carry-over included, instead of the fiscal-year lines.
    ``hints`` (earlier plans) go to the first solve's starting plan (:func:`optimize`).
    """
    from .optimizer import optimize

    opts = options or SolveOptions()
    ent = e.enterprise if isinstance(e, Instance) else e
    c = check_confidence(ent.policy.confidence if confidence is None else confidence)
    if max_solves < 1:
        raise InputError(f"max_solves must be at least 1 (got {max_solves})")
    base = optimize(e, opts, progress=progress, end_quarters=end_quarters, omega=omega,
                    hints=hints)
    if c <= 0:
        return base
    inst = base.instance
    if any(b.reserve > 0 for b in inst.budget_rows):
        inst = with_reserve(inst, np.zeros(len(inst.budget_rows)))
    if every_row:
        inst = dataclasses.replace(inst, budget_rows=tuple(
            dataclasses.replace(b, year_line=True) for b in inst.budget_rows))
    year = np.array([b.year_line for b in inst.budget_rows], dtype=bool)
    outer = _outer(inst, year)
    budget = np.array([b.budget for b in inst.budget_rows])
    p0, _, use0 = within_budget(inst, base.start, draws, seed)
    history = [_step(0, 0.0, base, p0)]
    best: tuple[Plan, np.ndarray, float] | None = None  # certified: plan, reserve, p
    closest: tuple[Plan, np.ndarray, float] = (base, np.zeros(len(budget)), p0)
    note = ""
    if p0 >= c:
        best = (base, np.zeros(len(budget)), p0)
        note = "the plan holds at this confidence without a reserve"
    se = math.sqrt(c * (1 - c) / draws)
    aim = min(1.0, c + se)  # aim a standard error above the target
    r_fail = np.zeros(len(budget))
    fail_value = base.objective  # value of the plan at r_fail (an upper bound beyond it)
    fail_p = p0
    fail_start = base.start
    repeat = False
    r_cur, plan_cur, use_cur = r_fail, base, use0
    r_inf: np.ndarray | None = None  # the smallest reserve tried that left no plan
    why = ""
    solves = 0
    while solves < max_solves:
        if best is None:
            r_next = _raise(use_cur, budget_use(inst, plan_cur.start), budget, r_cur, year, aim)
            if r_inf is not None:  # a reserve that left no plan: stay below it
                r_next = np.minimum(r_next, (r_cur + r_inf) / 2)
            if np.allclose(r_next, r_cur, rtol=0, atol=1e-6 * max(1.0, budget.max())):
                note = "the reserves stopped growing before the target was reached"
                break
        else:
            # shrink the reserve while a plan with less could be worth noticeably more:
            # the plan at the failing reserve bounds what any reserve between is worth
            r_ok, ok_p = best[1], best[2]
            gap = float(np.abs(r_ok - r_fail).max()) if len(r_ok) else 0.0
            upside = fail_value - best[0].objective
            if best[0] is base or gap <= max(1e-3 * float(budget[year].max(initial=0.0)), 1e-9) \
                    or upside <= SHRINK_GAIN * max(1.0, abs(base.objective)):
                break
            # regula falsi on the probability (kept off the ends so that it cannot stall)
            lam = (aim - fail_p) / (ok_p - fail_p) if ok_p > fail_p and not repeat else 0.5
            lam = min(0.9, max(0.1, lam))
            r_next = r_fail + lam * (r_ok - r_fail)
        if on_solve is not None:
            on_solve(solves + 1, float(r_next[outer].sum()))
        inst_r = with_reserve(inst, r_next)
        try:
            plan_k = optimize(inst_r, opts, progress=progress, with_baselines=False)
        except InfeasibleError:
            solves += 1
            history.append({"solve": solves, "reserve": float(r_next[outer].sum()),
                            "value": None, "within_budget": None, "infeasible": True})
            if best is None:  # too much reserve for the required (mandatory) work
                r_inf = r_next
                why = ("the reserve the target needs leaves no plan for the required "
                       "(mandatory) work")
            else:
                r_fail = r_next
            continue
        solves += 1
        p, _, use = within_budget(inst_r, plan_k.start, draws, seed)
        history.append(_step(solves, float(r_next[outer].sum()), plan_k, p))
        # the same plan again on the same side teaches little: bisect next time
        if p >= c:
            repeat = best is not None and np.array_equal(plan_k.start, best[0].start)
            if best is None or plan_k.objective >= best[0].objective - 1e-9:
                best = (plan_k, r_next, p)
            else:  # less reserve yet less value (a time-limited solve): keep the better
                r_fail, fail_value, fail_p, fail_start = r_next, plan_k.objective, p, \
                    plan_k.start
                continue
        else:
            repeat = np.array_equal(plan_k.start, fail_start)
            r_fail, fail_value, fail_p, fail_start = r_next, plan_k.objective, p, plan_k.start
            if p > closest[2]:
                closest = (plan_k, r_next, p)
            if best is None:
                r_cur, plan_cur, use_cur = r_next, plan_k, use
    certified = best is not None
    chosen, r_chosen, p_chosen = best if best is not None else closest
    if not certified and r_inf is not None:
        note = why
    if not certified and not note:
        note = (f"not certified after {solves} solve(s) with a reserve; the best plan found "
                f"holds with {p_chosen:.1%}")
    elif not certified:
        note += f"; the best plan found holds with {p_chosen:.1%}"
    return _result(base, chosen, r_chosen, p_chosen, c, certified, year, draws, seed, solves,
                   p0, note, history)


def _step(k: int, reserve: float, plan: Plan, p: float) -> dict[str, Any]:
    return {"solve": k, "reserve": reserve, "value": plan.objective, "status": plan.status,
            "within_budget": p, "seconds": plan.solve_time + plan.build_time}


def _raise(use: np.ndarray, planned: np.ndarray, budget: np.ndarray, reserve: np.ndarray,
           year: np.ndarray, aim: float) -> np.ndarray:
    """Reserves raised by what the simulated plan lacks at the joint level ``aim``.

    ``use`` (draws × rows) is the simulated spend of the plan against each row, ``planned``
    its spend on the estimates. The excess over planned spend ``X`` is the same whatever the
    budget; a line holds in a draw when ``X ≤ slack`` (budget − planned). At the lowest
    common quantile level ``q`` at which every line holds jointly with probability ≥ ``aim``
    (a line holds up to ``max(slack, Q_q(X))``), each line whose slack is short of
    ``Q_q(X)`` gets that as its reserve, so the next plan must leave it unspent.
    """
    out = reserve.copy()
    idx = np.nonzero(year)[0]
    if len(idx) == 0:
        return out
    excess = use[:, idx] - planned[idx]
    slack = budget[idx] - planned[idx]
    ordered = np.sort(excess, axis=0)
    n = len(excess)

    tol = 1e-9 * np.maximum(1.0, np.abs(budget[idx]))

    def joint(k: int) -> float:
        thr = np.maximum(slack, ordered[k]) + tol
        return float((excess <= thr).all(axis=1).mean())

    lo, hi = 0, n - 1  # joint(hi) = 1 ≥ aim
    while lo < hi:
        mid = (lo + hi) // 2
        if joint(mid) >= aim:
            hi = mid
        else:
            lo = mid + 1
    need = ordered[lo]
    short = need > slack  # the plan must leave ``need`` unspent on these lines
    out[idx] = np.where(short, np.minimum(budget[idx], np.maximum(reserve[idx], need)),
                        reserve[idx])
    return out


def _outer(inst: Instance, year: np.ndarray) -> np.ndarray:
    """Year lines not inside another year line of their pool (nested cumulative rows under
    ``horizon`` carry-over count once: the outermost holds all that is held back)."""
    rows = inst.budget_rows
    out = year.copy()
    by_pool: dict[int, list[int]] = {}
    for r in np.nonzero(year)[0]:
        by_pool.setdefault(rows[r].pool, []).append(int(r))
    for mine in by_pool.values():
        if len(mine) < 2:
            continue
        spans = {r: {t for a, z in rows[r].pieces for t in range(a, z + 1)} for r in mine}
        for r in mine:
            out[r] = not any(k != r and spans[r] < spans[k] for k in mine)
    return out


def _result(base: Plan, chosen: Plan, reserve: np.ndarray, p: float, c: float, certified: bool,
            year: np.ndarray, draws: int, seed: int, solves: int, p0: float, note: str,
            history: list[dict[str, Any]]) -> Plan:
    inst = chosen.instance
    _, per_row, use = within_budget(inst, chosen.start, draws, seed)
    budgets = np.array([b.budget for b in inst.budget_rows])
    within_all = float((~overruns(use, budgets).any(axis=1)).mean()) if len(per_row) else 1.0
    used = budget_use(inst, chosen.start)
    outer = _outer(inst, year)
    held = np.array([b.budget for b in inst.budget_rows]) - used
    lines = [{"line": b.label, "pool": inst.pools[b.pool], "until": inst.quarters[b.last],
              "budget": b.budget, "planned": float(used[r]), "reserve": float(held[r]),
              "required": float(reserve[r]), "within_probability": float(per_row[r]),
              "counted_in_total": bool(outer[r])}
             for r, b in enumerate(inst.budget_rows) if year[r]]
    value_without = max(base.objective, chosen.objective)
    conf = Confidence(
        target=c, achieved=p, certified=certified, draws=draws, seed=seed, lines=lines,
        reserve=float(held[outer].sum()), required=float(reserve[outer].sum()),
        budget=float(sum(b.budget for b, o in zip(inst.budget_rows, outer, strict=True) if o)),
        value=chosen.objective, value_without=value_without,
        status_without=base.status_text, achieved_without=p0, within_all=within_all,
        solves=solves, note=note, history=history, plan_without=base)
    # the status quo held to the same rules: the budget lines less the same reserve
    status_quo = base.baselines if chosen is base or not base.baselines else \
        baselines(build_milp(inst))
    return dataclasses.replace(chosen, baselines=status_quo, confidence=conf)


def require_certified(plan: Plan) -> Plan:
    """``plan`` itself, or :class:`ConfidenceError` when it was planned to a confidence it
    could not be certified to meet (the message gives the best probability reached)."""
    cf = plan.confidence
    if cf is None or cf.certified:
        return plan
    floor = math.floor(cf.achieved * 100) / 100
    raise ConfidenceError(
        f"no plan found that stays within every fiscal-year budget line with {cf.target:.0%} "
        f"probability: {cf.note}",
        achieved=cf.achieved,
        hint=(f"lower the confidence (e.g. --confidence {floor:.2f}), add budget, or make "
              "fewer initiatives mandatory" if floor > 0 else
              "add budget or make fewer initiatives mandatory"))
