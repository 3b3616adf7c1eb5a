"""Monte Carlo cost risk of a plan (seeded, vectorized numpy).

Each funded initiative's total cost is drawn from a triangular distribution on its
``cost_range`` (low, likely, high; likely defaults to low); an initiative without a range
costs exactly its estimate. A draw scales the initiative's cost profile by draw / estimate,
so the timing of spend stays as planned. For every draw we sum spend per pool and quarter
and check each budget line (with the model's carry-over) for an overrun.

Reported: per budget line the probability of an overrun and the P50/P80 of the spend
counted against it; per pool and quarter the P50/P80 spend; the probability that any line
overruns; the probability that every fiscal-year budget line holds at once (the joint
confidence level that :mod:`~opmodel.optimize.confidence` plans to); and the *value at
risk* (P80): at the P80 spend of each budget line, the overrun
of each pool (its largest line overrun) must be found by cutting work; cutting the funded,
non-mandatory initiatives of that pool that nothing funded depends on, least value per cost
first, until their cost covers it, the value at risk is what those cuts lose (each priced on
its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from .value import marginal_values

if TYPE_CHECKING:
    from .instance import Instance
    from .plan import Plan

CHUNK = 2048


def quantile(a: np.ndarray, q: float) -> Any:
    """``np.quantile(a, q, axis=0)`` with numpy's default ('linear') method, computed as
    numpy does — the same numbers to the last bit (tests/optimize/test_risk_quantile.py) —
    without numpy's internal ``np.unique`` call, which imports ``numpy.ma`` (7 ms of the
    start-up of `opmodel plan`). Empty or non-finite samples go to numpy itself."""
    a = np.asarray(a)
    n = a.shape[0] if a.ndim else 0
    if n == 0 or a.dtype.kind != "f" or not np.isfinite(a).all():
        return np.quantile(a, q, axis=0)
    v = (n - 1) * np.asarray(q, dtype=float)  # numpy's virtual index
    lo = hi = int(np.floor(v))
    hi += 1
    if v >= n - 1:
        lo = hi = -1
    elif v < 0:
        lo = hi = 0
    t = float(v - lo)  # numpy's gamma: the virtual index less the lower index as used
    s = np.partition(a, sorted({lo % n, hi % n}), axis=0)
    below, above = s[lo], s[hi]
    diff = above - below
    return above - diff * (1 - t) if t >= 0.5 else below + diff * t


@dataclass(frozen=True)
class CostRisk:
    draws: int
    seed: int
    overrun_any: float
    """Probability that at least one budget row (year-to-date rows included) overruns."""
    lines: list[dict[str, Any]]
    spend: list[dict[str, Any]]
    value_at_risk: float
    cut_at_p80: list[str]
    """Initiatives the value at risk assumes are cut (least value per cost first)."""
    total_p50: float
    total_p80: float
    planned_total: float
    within_budget: float = 1.0
    """Probability that every fiscal-year budget line holds at once (the joint confidence
    level; see :attr:`~opmodel.optimize.instance.BudgetRow.year_line`)."""

    @property
    def within_budget_se(self) -> float:
        """Standard error of :attr:`within_budget` (binomial, from the number of draws)."""
        p = self.within_budget
        return float(np.sqrt(max(p * (1 - p), 0.0) / self.draws))

    def to_dict(self) -> dict[str, Any]:
        return {"draws": self.draws, "seed": self.seed, "overrun_any": self.overrun_any,
                "within_budget": self.within_budget,
                "within_budget_se": self.within_budget_se,
                "value_at_risk": self.value_at_risk,
                "cut_at_p80": self.cut_at_p80, "planned_total": self.planned_total,
                "total_p50": self.total_p50, "total_p80": self.total_p80,
                "lines": self.lines, "spend": self.spend}


@dataclass(frozen=True)
class _Samples:
    spend: np.ndarray
    """draws × (pool, quarter) spend."""
    planned: np.ndarray
    """(pool, quarter) spend on the estimates."""
    R: np.ndarray
    """(pool, quarter) × budget rows: which quarters each row counts."""
    budget: np.ndarray
    """The budget of each row (reserve included: the line itself)."""

    @property
    def use(self) -> np.ndarray:
        """draws × budget rows: spend counted against each row."""
        return self.spend @ self.R

    @property
    def planned_use(self) -> np.ndarray:
        return self.planned @ self.R


def _samples(plan_start: np.ndarray, inst: Instance, draws: int, seed: int) -> _Samples:
    """Seeded draws of the spend of the schedule ``plan_start`` (see the module notes)."""
    if draws < 1:
        raise InputError(f"draws must be at least 1 (got {draws})", hint="use e.g. 10000")
    e = inst.enterprise
    T, P = inst.T, len(inst.pools)
    sel = np.nonzero(plan_start >= 0)[0]
    est = inst.total_cost[sel]
    low = est.copy()
    mode = est.copy()
    high = est.copy()
    for k, i in enumerate(sel):
        cr = e.initiatives[i].cost_range
        if cr is not None:
            low[k], high[k] = cr.low, cr.high
            mode[k] = cr.low if cr.likely is None else cr.likely
    uncertain = (high > low) & (est > 0)
    # spend map: initiative × (pool, quarter), and budget lines over (pool, quarter)
    n = len(sel)
    M = np.zeros((n, P * T))
    for k, i in enumerate(sel):
        s = int(plan_start[i])
        prof = inst.profile(int(i))
        M[k, inst.pool[i] * T + s + np.arange(len(prof))] += prof
    rows = inst.budget_rows
    R = np.zeros((P * T, len(rows)))
    for r, b in enumerate(rows):
        for a, z in b.pieces:
            R[b.pool * T + a: b.pool * T + z + 1, r] = 1.0
    budget = np.array([b.budget for b in rows])
    base_spend = M.sum(axis=0)  # costs that do not vary
    u_idx = np.nonzero(uncertain)[0]
    Mu = M[u_idx] / est[u_idx, None]  # spend per unit of drawn total cost
    base_fixed = base_spend - M[u_idx].sum(axis=0)

    rng = np.random.default_rng(seed)
    spend_all = np.empty((draws, P * T), dtype=np.float64)
    for a in range(0, draws, CHUNK):
        m = min(CHUNK, draws - a)
        if len(u_idx):
            x = rng.triangular(low[u_idx], mode[u_idx], high[u_idx], size=(m, len(u_idx)))
            spend_all[a: a + m] = x @ Mu + base_fixed
        else:
            spend_all[a: a + m] = base_fixed
    return _Samples(spend_all, base_spend, R, budget)


def overruns(use: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """draws × rows: True where the spend counted against a row is above its budget."""
    return use > budget * (1 + 1e-9) + 1e-9


def within_budget(inst: Instance, start: np.ndarray, draws: int = 10_000,
                  seed: int = 0) -> tuple[float, np.ndarray, np.ndarray]:
    """P(every fiscal-year budget line of ``inst`` holds at once) for the schedule
    ``start``, the probability each budget row holds, and the draws × rows spend counted
    against the rows (for :mod:`~opmodel.optimize.confidence`). Same draws as
    :func:`cost_risk` with the same seed."""
    sm = _samples(np.asarray(start), inst, draws, seed)
    use = sm.use
    over = overruns(use, sm.budget)
    lines = np.array([b.year_line for b in inst.budget_rows], dtype=bool)
    joint = float((~over[:, lines].any(axis=1)).mean()) if lines.any() else 1.0
    per_row = 1.0 - over.mean(axis=0) if len(lines) else np.zeros(0)
    return joint, per_row, use


def cost_risk(plan: Plan, draws: int = 10_000, seed: int = 0) -> CostRisk:
    """Simulate ``draws`` cost outcomes of ``plan`` (same seed, same numbers)."""
    inst = plan.instance
    T, P = inst.T, len(inst.pools)
    sel = np.nonzero(plan.start >= 0)[0]
    sm = _samples(plan.start, inst, draws, seed)
    rows = inst.budget_rows
    spend_all, base_spend, R, amount = sm.spend, sm.planned, sm.R, sm.budget
    use = spend_all @ R  # draws × lines
    over = overruns(use, amount)
    p_over = over.mean(axis=0) if len(rows) else np.zeros(0)
    any_over = float(over.any(axis=1).mean()) if len(rows) else 0.0
    year = np.array([b.year_line for b in rows], dtype=bool)
    within = float((~over[:, year].any(axis=1)).mean()) if year.any() else 1.0

    q50 = quantile(use, 0.5) if len(rows) else np.zeros(0)
    q80 = quantile(use, 0.8) if len(rows) else np.zeros(0)
    # value at risk (P80): cut the least valuable work per cost until each pool's overrun is met
    lost = marginal_values(inst, plan.start)
    var, cut = 0.0, []
    needed = {int(a) for a, b in inst.deps if plan.start[b] >= 0}  # cutting them cuts more
    for p in range(P):
        mine = [r for r, b in enumerate(rows) if b.pool == p]
        need = max((q80[r] - amount[r] for r in mine), default=0.0)
        if need <= 0:
            continue
        cand = [int(i) for i in sel if inst.pool[i] == p and not inst.mandatory[i]
                and int(i) not in needed]
        cand.sort(key=lambda i: (lost[i] / max(inst.total_cost[i], 1e-9), inst.ids[i]))
        freed = 0.0
        for i in cand:
            if freed >= need:
                break
            freed += float(inst.total_cost[i])
            var += float(lost[i])
            cut.append(inst.ids[i])
    planned = base_spend @ R if len(rows) else np.zeros(0)
    lines = [{"line": b.label, "pool": inst.pools[b.pool], "until": inst.quarters[b.last],
              "budget": float(amount[r]), "reserve": float(b.reserve),
              "planned": float(planned[r]), "p50": float(q50[r]), "p80": float(q80[r]),
              "overrun_probability": float(p_over[r]), "year_line": bool(b.year_line)}
             for r, b in enumerate(rows)]
    s50 = quantile(spend_all, 0.5)
    s80 = quantile(spend_all, 0.8)
    spend = [{"pool": inst.pools[p], "quarter": inst.quarters[t],
              "planned": float(base_spend[p * T + t]), "p50": float(s50[p * T + t]),
              "p80": float(s80[p * T + t])} for p in range(P) for t in range(T)]
    totals = spend_all.sum(axis=1)
    return CostRisk(draws, seed, any_over, lines, spend, var, cut, float(quantile(totals, 0.5)),
                    float(quantile(totals, 0.8)), float(base_spend.sum()), within)
