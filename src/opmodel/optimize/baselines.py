"""The two status-quo baselines, priced on the same model as the optimum.

- **ranked list**: every initiative ranked by stand-alone value per cost; mandatory work
  (and what it depends on) first, then down the list, each started as early as budget,
  capacity, dependencies and exclusions allow.
- **funding-driven**: each business unit gets its share of every shared budget line (its
  weight; a pool named after a unit belongs to that unit) and funds its own top requests,
  ranked by the value to that unit per cost; units take turns down their lists.

Both keep every rule the optimum keeps. Mix guardrails cannot be met one item at a time,
so after the list is worked through, the lowest-ranked items that push a guardrail over
are dropped until it holds, and the list is worked through once more with every rule
checked. A baseline that cannot fit the mandatory work or meet the guardrails is reported
as infeasible (``start`` None) with the reason.

The feasibility checks use the rows of the optimizer's own MILP, so a baseline and the
optimum are held to exactly the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .formulation import Milp
from .instance import Instance
from .value import Evaluation, evaluate, violations

RANKED = "ranked list"
FUNDING = "funding-driven"
TOL = 1e-6


@dataclass(frozen=True)
class Baseline:
    """A baseline plan: its schedule (None when infeasible), value, and notes."""

    name: str
    start: np.ndarray | None
    evaluation: Evaluation | None
    note: str = ""
    breaks: tuple[str, ...] = ()
    """Rules the baseline plan breaks (it could not meet them); empty when feasible."""

    @property
    def feasible(self) -> bool:
        return self.start is not None and not self.breaks

    @property
    def value(self) -> float | None:
        return None if self.evaluation is None else self.evaluation.total


class _Greedy:
    """Funds initiatives one at a time while keeping the MILP's rows satisfied."""

    def __init__(self, milp: Milp, accounts: np.ndarray | None = None) -> None:
        self.m = milp
        inst = milp.inst
        self.inst = inst
        n_z = milp.n_z
        # CSC of the z part
        rows = np.repeat(np.arange(milp.n_rows), np.diff(milp.start))
        cols = milp.index.astype(np.int64)
        zmask = cols < n_z
        rows, cols, vals = rows[zmask], cols[zmask], milp.value[zmask]
        order = np.argsort(cols, kind="stable")
        self.rows, self.vals = rows[order], vals[order]
        self.cstart = np.zeros(n_z + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=n_z), out=self.cstart[1:])
        self.act = np.zeros(milp.n_rows)
        self.lo = milp.row_lower
        self.hi = milp.row_upper
        fam = np.empty(milp.n_rows, dtype=object)
        for b in milp.blocks:
            fam[b.first: b.first + b.count] = b.family
        self.is_guard = fam == "guardrail"
        self.is_budget = fam == "budget"
        self.start = np.full(inst.n, -1, dtype=np.int64)
        # funding-driven: per-account budget rows (accounts × rows), None otherwise
        self.accounts = accounts
        self.acc_act = None if accounts is None else np.zeros_like(accounts)

    def delta(self, i: int, s: int) -> tuple[np.ndarray, np.ndarray]:
        m, inst = self.m, self.inst
        first = m.zoff[i] + (s - inst.earliest[i])
        last = m.zoff[i] + (inst.latest[i] - inst.earliest[i])
        a, b = self.cstart[first], self.cstart[last + 1]
        r, v = self.rows[a:b], self.vals[a:b]
        uniq, inv = np.unique(r, return_inverse=True)
        return uniq, np.bincount(inv, weights=v)

    def fits(self, i: int, s: int, guard: bool, account: int | None) -> bool:
        r, d = self.delta(i, s)
        new = self.act[r] + d
        tol = TOL * np.maximum(1.0, np.abs(self.hi[r]))
        ok_hi = new <= self.hi[r] + tol
        ok_lo = new >= self.lo[r] - TOL * np.maximum(1.0, np.abs(self.lo[r]))
        if not guard:
            g = self.is_guard[r]
            ok_hi |= g
            ok_lo |= g
        if not (ok_hi.all() and ok_lo.all()):
            return False
        if account is not None and self.accounts is not None:
            assert self.acc_act is not None
            bud = self.is_budget[r]
            rb = r[bud]
            cap = self.accounts[account, rb]
            if (self.acc_act[account, rb] + d[bud] > cap + TOL * np.maximum(1.0, cap)).any():
                return False
        return True

    def fund(self, i: int, s: int, account: int | None) -> None:
        r, d = self.delta(i, s)
        self.act[r] += d
        self.start[i] = s
        if account is not None and self.acc_act is not None:
            bud = self.is_budget[r]
            self.acc_act[account, r[bud]] += d[bud]

    def unfund(self, i: int, account: int | None) -> None:
        r, d = self.delta(i, int(self.start[i]))
        self.act[r] -= d
        self.start[i] = -1
        if account is not None and self.acc_act is not None:
            bud = self.is_budget[r]
            self.acc_act[account, r[bud]] -= d[bud]

    def earliest_ok(self, i: int, preds: list[int]) -> int | None:
        """Earliest start allowed by the predecessors (None when one is not funded)."""
        inst = self.inst
        s = int(inst.earliest[i])
        for p in preds:
            if self.start[p] < 0:
                return None
            s = max(s, int(self.start[p] + inst.duration[p]))
        return s

    def try_fund(self, i: int, preds: list[int], guard: bool, account: int | None) -> str:
        """"funded", "waiting" (a predecessor is not funded yet) or "no room"."""
        s0 = self.earliest_ok(i, preds)
        if s0 is None:
            return "waiting"
        for s in range(s0, int(self.inst.latest[i]) + 1):
            if self.fits(i, s, guard, account):
                self.fund(i, s, account)
                return "funded"
        return "no room"

    def guard_violation(self) -> float:
        g = self.is_guard
        over = np.maximum(0.0, self.act[g] - self.hi[g]) + np.maximum(0.0, self.lo[g] - self.act[g])
        return float(over.sum())


def _preds(inst: Instance) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(inst.n)]
    for p, s in inst.deps:
        out[int(s)].append(int(p))
    return out


def _must(inst: Instance, preds: list[list[int]]) -> np.ndarray:
    """Mandatory initiatives and everything they (transitively) depend on."""
    must = inst.mandatory.copy()
    stack = list(np.nonzero(must)[0])
    while stack:
        k = stack.pop()
        for p in preds[k]:
            if not must[p]:
                must[p] = True
                stack.append(p)
    return must


def _topo(ids: list[int], preds: list[list[int]]) -> list[int]:
    chosen = set(ids)
    out: list[int] = []
    seen: set[int] = set()

    def visit(k: int) -> None:
        if k in seen:
            return
        seen.add(k)
        for p in preds[k]:
            if p in chosen:
                visit(p)
        out.append(k)

    for k in ids:
        visit(k)
    return out


def _run(milp: Milp, order: list[int], account_of: np.ndarray | None,
         accounts: np.ndarray | None, name: str) -> Baseline:
    inst = milp.inst
    preds = _preds(inst)
    must = _must(inst, preds)
    ok = inst.schedulable
    g = _Greedy(milp, accounts)

    def acc(i: int) -> int | None:
        if account_of is None or account_of[i] < 0:
            return None
        return int(account_of[i])

    # 1. mandatory work first, against the whole budget (charged to the owner's share)
    for i in _topo([int(k) for k in np.nonzero(must)[0]], preds):
        if not ok[i] or g.try_fund(i, preds[i], guard=False, account=None) != "funded":
            return Baseline(name, None, None,
                            f"cannot fit the mandatory initiative '{inst.ids[i]}'")
        if acc(i) is not None and g.acc_act is not None:
            r, d = g.delta(i, int(g.start[i]))
            bud = g.is_budget[r]
            g.acc_act[acc(i), r[bud]] += d[bud]

    rest = [i for i in order if ok[i] and not must[i]]

    def fill(guard: bool) -> None:
        pending = list(rest)
        while pending:
            waiting: list[int] = []
            progressed = False
            for i in pending:
                if g.start[i] >= 0:
                    continue
                if account_of is not None and account_of[i] < 0:
                    continue
                res = g.try_fund(i, preds[i], guard, acc(i))
                if res == "funded":
                    progressed = True
                elif res == "waiting":
                    waiting.append(i)
            if not progressed or not waiting:
                break
            pending = waiting

    fill(guard=False)
    note = ""
    if g.guard_violation() > TOL:
        before_repair = g.start.copy()
        succ: list[list[int]] = [[] for _ in range(inst.n)]
        for p, s in inst.deps:
            succ[int(p)].append(int(s))
        rank = {i: k for k, i in enumerate(order)}
        dropped = 0
        while g.guard_violation() > TOL:
            before = g.guard_violation()
            candidates = sorted((i for i in range(inst.n) if g.start[i] >= 0 and not must[i]),
                                key=lambda i: -rank.get(i, -1))
            done = False
            for i in candidates:
                group = _closure(i, succ, g.start)
                saved = {k: int(g.start[k]) for k in group}
                for k in group:
                    g.unfund(k, acc(k))
                if g.guard_violation() < before - TOL:
                    dropped += len(group)
                    done = True
                    break
                for k in sorted(group, key=lambda k: saved[k]):
                    g.fund(k, saved[k], acc(k))
            if not done:
                broken = tuple(violations(inst, before_repair))
                return Baseline(name, before_repair, evaluate(inst, before_repair),
                                "cannot meet the mix guardrails; the plan shown breaks them",
                                broken)
        fill(guard=True)
        note = f"dropped {dropped} initiative(s) to meet the mix guardrails"
    start = g.start.copy()
    return Baseline(name, start, evaluate(inst, start), note)


def _closure(i: int, succ: list[list[int]], start: np.ndarray) -> list[int]:
    """``i`` and its funded dependents (they must go when it goes)."""
    out, stack, seen = [], [i], {i}
    while stack:
        k = stack.pop()
        out.append(k)
        for s in succ[k]:
            if s not in seen and start[s] >= 0:
                seen.add(s)
                stack.append(s)
    return out


def _ratio_order(value: np.ndarray, cost: np.ndarray, ids: tuple[str, ...]) -> list[int]:
    ratio = np.where(cost > 0, value / np.maximum(cost, 1e-12), np.inf)
    ratio = np.where((cost <= 0) & (value <= 0), 0.0, ratio)
    return sorted(range(len(ids)), key=lambda i: (-ratio[i], -value[i], ids[i]))


def ranked_list(milp: Milp) -> Baseline:
    """Greedy by stand-alone value per cost, each as early as the rules allow."""
    inst = milp.inst
    order = _ratio_order(inst.money_per_start, inst.total_cost, inst.ids)
    return _run(milp, order, None, None, RANKED)


def funding_driven(milp: Milp) -> Baseline:
    """Each business unit funds its own top requests from its share of the budget."""
    inst = milp.inst
    n_bu = len(inst.bu_ids)
    if n_bu == 0:
        return Baseline(FUNDING, None, None, "the model has no business units")
    # value of each initiative to its owner: cells of the owner's unit, savings, direct value
    T, K = inst.T, inst.end_quarters
    cell_bu = inst.item_cell[inst.contrib_item, 1]
    mine = (cell_bu < 0) | (cell_bu == inst.owner[inst.contrib_init])
    per_q = inst.direct.copy()
    np.add.at(per_q, inst.contrib_init[mine],
              inst.contrib_amount[mine] * inst.item_money[inst.contrib_item[mine]])
    value = per_q * (np.maximum(0, T - inst.earliest - inst.duration) + K)
    lists: list[list[int]] = []
    for b in range(n_bu):
        own = [i for i in _ratio_order(value, inst.total_cost, inst.ids) if inst.owner[i] == b]
        lists.append(own)
    order = [lst[k] for k in range(max((len(x) for x in lists), default=0))
             for lst in lists if k < len(lst)]
    # budget accounts: unit b gets share_b of shared pools, all of the pool named after it
    rows = np.array([b.amount for b in inst.budget_rows]) if inst.budget_rows else np.zeros(0)
    n_rows = milp.n_rows
    accounts = np.zeros((n_bu, n_rows))
    brow = next((b for b in milp.blocks if b.family == "budget"), None)
    if brow is not None:
        for k, row in enumerate(inst.budget_rows):
            pool = inst.pools[row.pool]
            if pool in inst.bu_ids:
                accounts[inst.bu_ids.index(pool), brow.first + k] = rows[k]
            else:
                accounts[:, brow.first + k] = inst.bu_share * rows[k]
    return _run(milp, order, inst.owner, accounts, FUNDING)


def baselines(milp: Milp) -> dict[str, Baseline]:
    return {RANKED: ranked_list(milp), FUNDING: funding_driven(milp)}
