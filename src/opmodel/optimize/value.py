"""What a schedule is worth and what it spends, computed directly (not through the MILP).

A schedule is an integer array ``start`` over the initiatives of an
:class:`~opmodel.optimize.instance.Instance`: the start quarter (0-based), or −1 when the
initiative is not funded. The optimum, the baselines, explanations and tests all price
schedules here, so the numbers they report agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instance import Instance

TOL = 1e-6


@dataclass(frozen=True)
class Evaluation:
    """Value of a schedule in money (the model's currency unit), split by source."""

    total: float
    capability: float
    savings: float
    direct: float
    in_horizon: float
    end_state: float
    per_quarter: np.ndarray
    """(T,) value delivered in each quarter of the horizon."""
    item_level: np.ndarray
    """(items, T+1) level of each value item per quarter; column T is the end state."""


def delivered(inst: Instance, start: np.ndarray) -> np.ndarray:
    """(n, T+1) bool: initiative delivered in quarter t (column T: the end state)."""
    T = inst.T
    on = start >= 0
    from_ = np.where(on, start + inst.duration, T + 1)
    t = np.arange(T + 1)
    out = from_[:, None] <= t[None, :]
    out[:, T] = on
    return out


def evaluate(inst: Instance, start: np.ndarray) -> Evaluation:
    """Value of ``start`` under the value model of docs/optimize.md."""
    T, K = inst.T, inst.end_quarters
    start = np.asarray(start, dtype=np.int64)
    dl = delivered(inst, start)
    n_items = len(inst.item_cap)
    offered = np.zeros((n_items, T + 1))
    if len(inst.contrib_item):
        amount = inst.contrib_amount[:, None] * dl[inst.contrib_init]
        for t in range(T + 1):  # the sums of np.add.at, in the same order, 20× faster
            offered[:, t] = np.bincount(inst.contrib_item, weights=amount[:, t],
                                        minlength=n_items)
    level = np.minimum(offered, inst.item_cap[:, None])
    weight = np.ones(T + 1)
    weight[T] = K
    item_value = level * inst.item_money[:, None]  # per quarter
    is_cell = inst.item_cell[:, 0] >= 0 if n_items else np.zeros(0, dtype=bool)
    direct_q = (inst.direct[:, None] * dl).sum(axis=0) if inst.n else np.zeros(T + 1)
    cap_q = item_value[is_cell].sum(axis=0) if n_items else np.zeros(T + 1)
    sav_q = item_value[~is_cell].sum(axis=0) if n_items else np.zeros(T + 1)
    per_q = cap_q + sav_q + direct_q
    return Evaluation(
        total=float(per_q @ weight),
        capability=float(cap_q @ weight),
        savings=float(sav_q @ weight),
        direct=float(direct_q @ weight),
        in_horizon=float(per_q[:T].sum()),
        end_state=float(per_q[T] * K),
        per_quarter=per_q[:T],
        item_level=level,
    )


def marginal_values(inst: Instance, start: np.ndarray) -> np.ndarray:
    """Value lost if each funded initiative alone were dropped from ``start`` (0 if unfunded).

    Vectorized over all initiatives at once; initiatives that depend on the dropped one are
    kept (use :func:`evaluate` on an edited schedule to drop them too).
    """
    T, K = inst.T, inst.end_quarters
    start = np.asarray(start, dtype=np.int64)
    dl = delivered(inst, start).astype(float)
    weight = np.ones(T + 1)
    weight[T] = K
    n_items = len(inst.item_cap)
    out = (inst.direct[:, None] * dl) @ weight if inst.n else np.zeros(0)
    if len(inst.contrib_item):
        offered = np.zeros((n_items, T + 1))
        np.add.at(offered, inst.contrib_item, inst.contrib_amount[:, None] * dl[inst.contrib_init])
        cap = inst.item_cap[:, None]
        level = np.minimum(offered, cap)
        ci, ii = inst.contrib_item, inst.contrib_init
        without = np.minimum(offered[ci] - inst.contrib_amount[:, None] * dl[ii], cap[ci])
        loss = ((level[ci] - without) @ weight) * inst.item_money[ci]
        out = out + np.bincount(ii, weights=loss, minlength=inst.n)
    out[start < 0] = 0.0
    return out


def spend_by_initiative(inst: Instance, start: np.ndarray) -> tuple[np.ndarray, ...]:
    """Flat (initiative, quarter, amount) of every funded quarter of work."""
    on = np.nonzero(np.asarray(start) >= 0)[0]
    d = inst.duration[on]
    rep = np.repeat(on, d)
    base = np.concatenate([[0], np.cumsum(d)])[:-1]
    k = np.arange(int(d.sum())) - np.repeat(base, d)
    t = np.asarray(start)[rep] + k
    amt = inst.prof[inst.prof_off[rep] + k]
    return rep, t, amt


def spend(inst: Instance, start: np.ndarray) -> np.ndarray:
    """(pools, T) spend per pool and quarter."""
    out = np.zeros((len(inst.pools), inst.T))
    i, t, amt = spend_by_initiative(inst, start)
    np.add.at(out, (inst.pool[i], t), amt)
    return out


def spend_by_kind(inst: Instance, start: np.ndarray) -> np.ndarray:
    """(3, T) spend per kind (run, grow, transform) and quarter."""
    out = np.zeros((3, inst.T))
    i, t, amt = spend_by_initiative(inst, start)
    np.add.at(out, (inst.kind[i], t), amt)
    return out


def team_load(inst: Instance, start: np.ndarray) -> np.ndarray:
    """(teams, T) demand of the running initiatives per team and quarter."""
    out = np.zeros((len(inst.teams), inst.T))
    s = np.asarray(start)
    for i, tm, amt in zip(inst.demand_init, inst.demand_team, inst.demand_amount, strict=True):
        if s[i] >= 0:
            out[tm, s[i]: s[i] + inst.duration[i]] += amt
    return out


def budget_use(inst: Instance, start: np.ndarray) -> np.ndarray:
    """Spend counted against each budget row (same order as ``inst.budget_rows``)."""
    sp = spend(inst, start)
    out = np.zeros(len(inst.budget_rows))
    for k, b in enumerate(inst.budget_rows):
        out[k] = sum(sp[b.pool, a: z + 1].sum() for a, z in b.pieces)
    return out


def violations(inst: Instance, start: np.ndarray, tol: float = TOL) -> list[str]:
    """Every rule ``start`` breaks, in words (empty for a feasible plan)."""
    s = np.asarray(start, dtype=np.int64)
    ids, Q, T = inst.ids, inst.quarters, inst.T
    out: list[str] = []
    for i in range(inst.n):
        if s[i] < 0:
            if inst.mandatory[i]:
                out.append(f"mandatory '{ids[i]}' is not funded")
            continue
        if inst.forbidden[i]:
            out.append(f"forbidden '{ids[i]}' is funded")
        if not inst.earliest[i] <= s[i] <= inst.latest[i]:
            out.append(f"'{ids[i]}' starts in quarter {s[i]} outside its window "
                       f"{inst.earliest[i]}–{inst.latest[i]}")
        if s[i] + inst.duration[i] > T:
            out.append(f"'{ids[i]}' does not finish inside the horizon")
    for p_, j in inst.deps:
        if s[j] >= 0 and (s[p_] < 0 or s[p_] + inst.duration[p_] > s[j]):
            out.append(f"'{ids[j]}' starts before its predecessor '{ids[p_]}' has finished")
    for a, b in inst.excl:
        if s[a] >= 0 and s[b] >= 0:
            out.append(f"'{ids[a]}' and '{ids[b]}' exclude each other but both are funded")
    for k, used in enumerate(budget_use(inst, s)):
        row = inst.budget_rows[k]
        if used > row.amount + tol * max(1.0, row.amount):
            out.append(f"{row.rule}: spend {used:,.6g} above {row.amount:,.6g}")
    load = team_load(inst, s)
    for tm in range(len(inst.teams)):
        for t in range(T):
            capy = inst.team_capacity[tm, t]
            if load[tm, t] > capy + tol * max(1.0, capy):
                out.append(f"team {inst.teams[tm]} in {Q[t]}: demand {load[tm, t]:g} above "
                           f"capacity {capy:g}")
    kinds = spend_by_kind(inst, s)
    for g in inst.guardrail_rows:
        mine = kinds[g.kind, g.first: g.last + 1].sum()
        total = kinds[:, g.first: g.last + 1].sum()
        slack = g.sense * (mine - g.share * total)
        if slack < -tol * max(1.0, total):
            out.append(f"{g.label}: {mine / total if total else 0:.1%} of spend")
    return out
