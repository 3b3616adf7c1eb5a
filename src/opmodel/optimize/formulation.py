"""The funding MILP (DESIGN §3) in cumulative "started by quarter t" variables.

Columns
    ``z[i,τ]`` ∈ {0,1} for τ in the start window ``[e_i, L_i]`` of initiative i: 1 when i has
    started at or before τ. ``z[i,τ]`` for τ > L_i is the same column as ``z[i,L_i]`` (no
    start after the last allowed start) and 0 for τ < e_i. The start quarter is the first τ
    with ``z = 1``; ``z[i,L_i]`` says whether i is funded at all.

    ``y[k,t]`` ∈ [0, cap_k], continuous: the level of a value item (a capability cell or a
    retirable application) in quarter t, for items where the uplifts on offer exceed the cap;
    ``t = T`` is the end state. Items whose uplifts can never exceed the cap need no ``y``:
    their value is linear in z and goes straight into the objective.

Every quantity is linear in z: starts ``x[i,s] = z[i,s] − z[i,s−1]``, spend in quarter t
``Σ_k profile_i[k]·x[i,t−k]``, running ``z[i,t] − z[i,t−d_i]``, delivered ``z[i,t−d_i]``.
A row that sums spend over an interval [a, b] has at most two nonzeros per column, which
keeps budget rows with carry-over sparse.

Rows (families; their names are what the explanations quote)
    order       z[i,τ−1] ≤ z[i,τ]
    precedence  z[j,τ] ≤ z[i,τ−d_i] for j depending on i
    exclusion   z[i,L_i] + z[j,L_j] ≤ 1
    budget      Σ spend of a pool over the quarters of a budget line ≤ amount
    capacity    Σ demand of the initiatives running in t ≤ capacity of the team in t
    guardrail   Σ spend of a kind − share × Σ spend ≥ 0 (min) or ≤ 0 (max)
    value       y[k,t] ≤ Σ amount_i · z[i,t−d_i]
Mandatory initiatives have ``z[i,L_i] ≥ 1``; forbidden and impossible ones have no columns.

The solver's form (:meth:`Milp.with_starts`, small models on the default path)
    the same MILP with one binary start column ``x[i,s]`` per z column and the budget and
    capacity rows written over x: a row's coefficient on ``x[i,s]`` is what i spends in the
    row's quarters (or the team demand it has in the row's quarter) when it starts in s, so
    these rows become knapsacks with nonnegative coefficients and one "at most one start"
    group per initiative, which HiGHS's cover cuts and clique table work on; in z the same
    rows have coefficients of both signs. Extra rows:
    start       x[i,s] = z[i,s] − z[i,s−1]
                Σ_s x[i,s] ≤ 1
    Same integer points and objective, same LP relaxation; a tighter root bound after
    HiGHS's cuts (docs/benchmarks.md, "What-if solve").

Everything is assembled with numpy (no Python loop per coefficient) and handed to HiGHS in
one ``passModel`` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .instance import Instance

INF = float("inf")
ELASTIC_FAMILIES = ("budget", "capacity", "guardrail", "exclusion")
START_FAMILIES = ("budget", "capacity")
"""The rows :meth:`Milp.with_starts` writes over start columns instead of z."""


@dataclass(frozen=True)
class RowBlock:
    """A run of rows of one family; ``describe(k)`` names row ``first + k``."""

    family: str
    first: int
    count: int
    describe: Callable[[int], str]
    data: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Milp:
    """The assembled MILP (maximize ``cost @ x``), rows in CSR form, plus the column map."""

    inst: Instance
    zoff: np.ndarray
    """Column of z[i, e_i] (−1 for an initiative without columns)."""
    n_z: int
    col_init: np.ndarray
    col_tau: np.ndarray
    y_item: np.ndarray
    y_t: np.ndarray
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integrality: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    blocks: list[RowBlock]
    offset: float = 0.0
    n_slack: int = 0
    slack_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_start: int = 0
    """Start columns at the end (the solver's form, :meth:`with_starts`), 0 without."""

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def nnz(self) -> int:
        return len(self.value)

    def zcol(self, init: np.ndarray, tau: np.ndarray) -> np.ndarray:
        """Column of z[init, tau] (clamped to the last start), −1 where z is 0 (before e_i)."""
        inst = self.inst
        e = inst.earliest[init]
        last = inst.latest[init]
        off = self.zoff[init]
        ok = (off >= 0) & (tau >= e)
        return np.where(ok, off + np.minimum(tau, last) - e, -1)

    def block_of(self, row: int) -> tuple[RowBlock, int]:
        for b in self.blocks:
            if b.first <= row < b.first + b.count:
                return b, row - b.first
        raise IndexError(row)

    def row_name(self, row: int) -> str:
        b, k = self.block_of(row)
        return b.describe(k)

    def solution_from_starts(self, start: np.ndarray) -> np.ndarray:
        """The full column vector of a schedule (start −1 = not funded), y at its best level."""
        from .value import evaluate

        x = np.zeros(self.n_cols)
        has = (start >= 0) & (self.zoff >= 0)
        cols = np.arange(self.n_z)
        ci = self.col_init
        x[cols] = (has[ci] & (self.col_tau >= start[ci])).astype(float)
        if len(self.y_item):
            levels = evaluate(self.inst, start).item_level
            x[self.n_z: self.n_z + len(self.y_item)] = levels[self.y_item, self.y_t]
        return x

    def with_starts(self) -> Milp:
        """The solver's form: the same MILP with a binary start column per z column.

        ``x[i,s] = z[i,s] − z[i,s−1]`` (a row per column, family ``start``), and the budget and
        capacity rows written over x instead of z: a budget row's coefficient on ``x[i,s]`` is
        what i spends in the row's quarters when it starts in s, a capacity row's is i's demand
        when it runs in the row's quarter — nonnegative knapsack rows with one "at most one
        start" group per initiative, the form HiGHS's cover cuts and clique table work on
        (in z the same rows have coefficients of both signs). Same integer points, same
        objective (the x columns cost nothing); a plan's vector is lifted with :meth:`Milp.lift`.
        Columns: these, then x in the order of the z columns; rows: these in place, then
        the start rows. The elastic model is returned as it is.
        """
        import dataclasses

        m = self
        n_z, n0 = m.n_z, m.n_cols
        if n_z == 0 or m.n_slack:
            return m
        rows = np.repeat(np.arange(m.n_rows), np.diff(m.start))
        cols = m.index.astype(np.int64)
        vals = m.value
        sel = np.zeros(m.n_rows, dtype=bool)
        for b in m.blocks:
            if b.family in START_FAMILIES:
                sel[b.first: b.first + b.count] = True
        moved = sel[rows] & (cols < n_z)
        # x coefficients: per row, suffix sums of the z coefficients within each initiative's
        # columns (z[i,τ] = Σ_{s≤τ} x[i,s], so x[i,s] gets Σ_{τ≥s} of z[i,τ]'s coefficient)
        srows = np.nonzero(sel)[0]
        pos = np.full(m.n_rows, -1, dtype=np.int64)
        pos[srows] = np.arange(len(srows))
        D = np.zeros((len(srows), n_z + 1))
        np.add.at(D, (pos[rows[moved]], cols[moved]), vals[moved])
        S = np.cumsum(D[:, ::-1], axis=1)[:, ::-1]
        seg_end = m.zoff[m.col_init] + (m.inst.latest - m.inst.earliest)[m.col_init] + 1
        X = S[:, :n_z] - S[:, seg_end]
        X[np.abs(X) <= 1e-12 * max(1.0, float(np.abs(vals).max(initial=0.0)))] = 0.0
        xr, xc = np.nonzero(X)
        # start rows: x[c] − z[c] + z[c−1] = 0
        c = np.arange(n_z)
        has_prev = m.col_tau > m.inst.earliest[m.col_init]
        lr = np.concatenate([c, c, c[has_prev]]) + m.n_rows
        lc = np.concatenate([n0 + c, c, c[has_prev] - 1])
        lv = np.concatenate([np.ones(n_z), -np.ones(n_z), np.ones(int(has_prev.sum()))])
        # one "at most one start" row per initiative: Σ_s x[i,s] ≤ 1
        inits = np.nonzero(m.zoff >= 0)[0]
        gpos = np.full(m.inst.n, -1, dtype=np.int64)
        gpos[inits] = np.arange(len(inits))
        gr = m.n_rows + n_z + gpos[m.col_init]
        R = np.concatenate([rows[~moved], srows[xr], lr, gr])
        C = np.concatenate([cols[~moved], n0 + xc, lc, n0 + c])
        V = np.concatenate([vals[~moved], X[xr, xc], lv, np.ones(n_z)])
        order = np.lexsort((C, R))
        R, C, V = R[order], C[order], V[order]
        n_g = len(inits)
        n_rows = m.n_rows + n_z + n_g
        start = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(R, minlength=n_rows), out=start[1:])
        ci, ct = m.col_init, m.col_tau
        ids = m.inst.ids
        block = RowBlock("start", m.n_rows, n_z + n_g,
                         lambda r: f"'{ids[ci[r]]}' starts in {m.inst.quarters[ct[r]]}" if r < n_z
                         else f"'{ids[inits[r - n_z]]}' starts at most once")
        return dataclasses.replace(
            m, cost=np.concatenate([m.cost, np.zeros(n_z)]),
            lower=np.concatenate([m.lower, np.zeros(n_z)]),
            upper=np.concatenate([m.upper, np.ones(n_z)]),
            integrality=np.concatenate([m.integrality, np.ones(n_z, dtype=np.int32)]),
            row_lower=np.concatenate([m.row_lower, np.zeros(n_z), np.full(n_g, -INF)]),
            row_upper=np.concatenate([m.row_upper, np.zeros(n_z), np.ones(n_g)]),
            start=start, index=C.astype(np.int32), value=V, blocks=[*m.blocks, block],
            n_start=n_z)

    def lift(self, x: np.ndarray) -> np.ndarray:
        """``x`` (columns without the start columns) with the start columns filled in."""
        if not self.n_start:
            return x
        z = x[: self.n_z]
        xs = z.copy()
        prev = self.col_tau > self.inst.earliest[self.col_init]
        xs[prev] -= z[np.nonzero(prev)[0] - 1]
        return np.concatenate([x[: self.n_cols - self.n_start], xs])

    def starts_from_solution(self, x: np.ndarray) -> np.ndarray:
        """Start quarter per initiative (−1 = not funded) of a column vector."""
        inst = self.inst
        start = np.full(inst.n, -1, dtype=np.int64)
        on = x[: self.n_z] > 0.5
        if on.any():
            ci, tau = self.col_init[on], self.col_tau[on]
            order = np.lexsort((tau, ci))
            ci, tau = ci[order], tau[order]
            first = np.ones(len(ci), dtype=bool)
            first[1:] = ci[1:] != ci[:-1]
            start[ci[first]] = tau[first]
        return start


class _Rows:
    """Accumulates COO triplets block by block."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self.n = 0
        self.blocks: list[RowBlock] = []

    def add(self, family: str, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
            lo: np.ndarray, hi: np.ndarray, describe: Callable[[int], str],
            **data: np.ndarray) -> None:
        count = len(lo)
        if count == 0:
            return
        keep = vals != 0
        self.r.append(rows[keep] + self.n)
        self.c.append(cols[keep])
        self.v.append(vals[keep])
        self.lo.append(np.asarray(lo, dtype=float))
        self.hi.append(np.asarray(hi, dtype=float))
        self.blocks.append(RowBlock(family, self.n, count, describe, data))
        self.n += count


def _interval_coefs(m: Milp, cols: np.ndarray, factor: np.ndarray, P: np.ndarray,
                    CP: np.ndarray, off: np.ndarray, piece_row: np.ndarray,
                    piece_a: np.ndarray, piece_b: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients on z of Σ_{t∈[a,b]} Σ_k P_i[k]·x[i,t−k] for each piece, times ``factor``.

    With x[i,s] = z[i,s] − z[i,s−1] (and no start after L_i) the coefficient on z[i,τ] is
    P_i(b−τ) − P_i(a−1−τ) for τ < L_i and CP_i(b−L_i) − CP_i(a−1−L_i) for τ = L_i, where
    CP is the cumulative profile. ``P``/``CP`` are flat per-initiative arrays at ``off``.
    """
    if len(cols) == 0 or len(piece_row) == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0)
    inst = m.inst
    ci = m.col_init[cols]
    tau = m.col_tau[cols]
    d = inst.duration[ci]
    last = inst.latest[ci]
    o = off[ci]
    is_last = tau == last
    a = piece_a[:, None]
    b = piece_b[:, None]

    def p_at(k: np.ndarray) -> np.ndarray:
        ok = (k >= 0) & (k < d)
        return np.where(ok, P[o + np.clip(k, 0, d - 1)], 0.0)

    def cp_at(k: np.ndarray) -> np.ndarray:
        return np.where(k < 0, 0.0, CP[o + np.clip(k, 0, d - 1)])

    inner = p_at(b - tau) - p_at(a - 1 - tau)
    at_last = cp_at(b - last) - cp_at(a - 1 - last)
    coef = np.where(is_last, at_last, inner) * factor[None, :]
    rr, cc = np.nonzero(coef)
    return piece_row[rr], cols[cc], coef[rr, cc]


def _sum_duplicates(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n_cols: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(rows) == 0:
        return rows, cols, vals
    key = rows.astype(np.int64) * max(1, n_cols) + cols
    uniq, inv = np.unique(key, return_inverse=True)
    out = np.bincount(inv, weights=vals)
    return uniq // max(1, n_cols), uniq % max(1, n_cols), out


def build_milp(inst: Instance, elastic: bool = False, value: bool = True) -> Milp:
    """Assemble the MILP of ``inst``.

    ``elastic`` adds a slack column to every budget, capacity, guardrail and exclusion row
    and minimizes their (scaled) sum instead of maximizing value: the infeasibility
    diagnosis. ``value=False`` leaves the value rows and y columns out.
    """
    T, K = inst.T, inst.end_quarters
    ok = inst.schedulable
    width = np.where(ok, inst.latest - inst.earliest + 1, 0)
    zoff = np.full(inst.n, -1, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(width)])[:-1]
    zoff[ok] = starts[ok]
    n_z = int(width.sum())
    col_init = np.repeat(np.arange(inst.n), width)
    col_tau = (np.arange(n_z) - np.repeat(starts, width)) + np.repeat(inst.earliest, width)
    last_col = np.where(ok, zoff + width - 1, -1)

    # -- value items: linear ones fold into a per-initiative value per quarter --------------
    n_items = len(inst.item_cap)
    offered = np.bincount(inst.contrib_item, weights=inst.contrib_amount, minlength=n_items)
    capped = offered > inst.item_cap + 1e-9
    per_q = inst.direct.copy()
    lin = ~capped[inst.contrib_item]
    np.add.at(per_q, inst.contrib_init[lin],
              inst.contrib_amount[lin] * inst.item_money[inst.contrib_item[lin]])
    if not value or elastic:
        per_q[:] = 0.0
        capped[:] = False

    # y columns: for each capped item, quarters from the first possible delivery to T (end)
    ci_c = inst.contrib_item[~lin] if value and not elastic else np.zeros(0, dtype=np.int64)
    cinit_c = inst.contrib_init[~lin] if value and not elastic else np.zeros(0, dtype=np.int64)
    camt_c = inst.contrib_amount[~lin] if value and not elastic else np.zeros(0)
    alive = ok[cinit_c]
    ci_c, cinit_c, camt_c = ci_c[alive], cinit_c[alive], camt_c[alive]
    first_t = np.full(n_items, T, dtype=np.int64)
    if len(ci_c):
        np.minimum.at(first_t, ci_c, np.minimum(T, inst.earliest[cinit_c]
                                                + inst.duration[cinit_c]))
    # np.unique(ci_c) without numpy.ma (its import is 7 ms of a small plan's start-up)
    items_c = np.flatnonzero(np.bincount(ci_c, minlength=n_items))
    ylen = T - first_t[items_c] + 1
    n_y = int(ylen.sum())
    y_item = np.repeat(items_c, ylen)
    ystart = np.concatenate([[0], np.cumsum(ylen)])[:-1]
    y_t = np.arange(n_y) - np.repeat(ystart, ylen) + np.repeat(first_t[items_c], ylen)
    yoff = np.full(n_items, -1, dtype=np.int64)
    yoff[items_c] = n_z + ystart

    n_cols = n_z + n_y
    cost = np.zeros(n_cols)
    lower = np.zeros(n_cols)
    upper = np.ones(n_cols)
    integrality = np.zeros(n_cols, dtype=np.int32)
    integrality[:n_z] = 1
    # z objective: value per quarter times the quarters it is delivered in
    zi = col_init
    cost[:n_z] = per_q[zi]
    is_last = np.zeros(n_z, dtype=bool)
    is_last[last_col[ok]] = True
    lt = col_tau[is_last]
    li = zi[is_last]
    cost[:n_z][is_last] = per_q[li] * (T - lt - inst.duration[li] + K)
    mand = ok & inst.mandatory
    lower[last_col[mand]] = 1.0
    # y objective and bounds
    cost[n_z:] = inst.item_money[y_item] * np.where(y_t == T, K, 1)
    upper[n_z:] = inst.item_cap[y_item]

    m = Milp(inst, zoff, n_z, col_init, col_tau, y_item, y_t, cost, lower, upper, integrality,
             np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32),
             np.zeros(0), [])
    R = _Rows()
    ids, Q = inst.ids, inst.quarters

    def qname(t: int) -> str:
        return Q[t] if t < T else "the end state"

    # -- order ---------------------------------------------------------------------------
    mono = np.nonzero(col_tau > inst.earliest[col_init])[0]
    k = np.arange(len(mono))
    R.add("order", np.concatenate([k, k]), np.concatenate([mono - 1, mono]),
          np.concatenate([np.ones(len(mono)), -np.ones(len(mono))]),
          np.full(len(mono), -INF), np.zeros(len(mono)),
          lambda r, mono=mono: f"'{ids[col_init[mono[r]]]}' started by {Q[col_tau[mono[r]]]}")

    # -- precedence ----------------------------------------------------------------------
    if len(inst.deps):
        pi, sj = inst.deps[:, 0], inst.deps[:, 1]
        both = ok[pi] & ok[sj]
        pi, sj = pi[both], sj[both]
        hi_tau = np.minimum(inst.latest[sj], inst.latest[pi] + inst.duration[pi] - 1)
        cnt = np.maximum(0, hi_tau - inst.earliest[sj] + 1)
        # plus the row at L_j when it is not already among them
        extra = inst.latest[sj] > hi_tau
        cnt_all = cnt + extra
        dep_of = np.repeat(np.arange(len(pi)), cnt_all)
        base = np.concatenate([[0], np.cumsum(cnt_all)])[:-1]
        kk = np.arange(int(cnt_all.sum())) - np.repeat(base, cnt_all)
        tau = np.where(kk < cnt[dep_of], inst.earliest[sj][dep_of] + kk,
                       inst.latest[sj][dep_of])
        jj, ii = sj[dep_of], pi[dep_of]
        cj = m.zcol(jj, tau)
        cpred = m.zcol(ii, tau - inst.duration[ii])
        nrow = len(tau)
        r_ = np.arange(nrow)
        bad = cpred < 0  # cannot happen after window propagation; keep the row as z ≤ 0
        rows = np.concatenate([r_, r_[~bad]])
        cols = np.concatenate([cj, cpred[~bad]])
        vals = np.concatenate([np.ones(nrow), -np.ones(int((~bad).sum()))])
        R.add("precedence", rows, cols, vals, np.full(nrow, -INF), np.zeros(nrow),
              lambda r, jj=jj, ii=ii, tau=tau: f"'{ids[jj[r]]}' may start in {Q[tau[r]]} only "
              f"after '{ids[ii[r]]}' has finished", succ=jj, pred=ii)

    # -- exclusions ----------------------------------------------------------------------
    if len(inst.excl):
        a_, b_ = inst.excl[:, 0], inst.excl[:, 1]
        both = ok[a_] & ok[b_]
        a_, b_ = a_[both], b_[both]
        nrow = len(a_)
        r_ = np.arange(nrow)
        R.add("exclusion", np.concatenate([r_, r_]),
              np.concatenate([last_col[a_], last_col[b_]]), np.ones(2 * nrow),
              np.full(nrow, -INF), np.ones(nrow),
              lambda r, a_=a_, b_=b_: f"'{ids[a_[r]]}' and '{ids[b_[r]]}' exclude each other",
              a=a_, b=b_)

    # -- budgets -------------------------------------------------------------------------
    P = inst.prof
    CP = _cumulative(inst, P)
    brows = inst.budget_rows
    if brows:
        rr, cc, vv = [], [], []
        for p_idx in range(len(inst.pools)):
            mine = [k for k, b in enumerate(brows) if b.pool == p_idx]
            if not mine:
                continue
            cols = np.nonzero(inst.pool[col_init] == p_idx)[0]
            pr = np.array([k for k in mine for _ in brows[k].pieces], dtype=np.int64)
            pa = np.array([pc[0] for k in mine for pc in brows[k].pieces], dtype=np.int64)
            pb = np.array([pc[1] for k in mine for pc in brows[k].pieces], dtype=np.int64)
            r_, c_, v_ = _interval_coefs(m, cols, np.ones(len(cols)), P, CP, inst.prof_off,
                                         pr, pa, pb)
            rr.append(r_)
            cc.append(c_)
            vv.append(v_)
        r_, c_, v_ = _sum_duplicates(np.concatenate(rr), np.concatenate(cc),
                                     np.concatenate(vv), n_cols)
        amounts = np.array([b.amount for b in brows])
        R.add("budget", r_, c_, v_, np.full(len(brows), -INF), amounts,
              lambda r: brows[r].rule, amount=amounts)

    # -- team capacity -------------------------------------------------------------------
    if len(inst.demand_init) and len(inst.teams):
        ones = np.ones(len(P))
        CP1 = _cumulative(inst, ones)
        rr, cc, vv = [], [], []
        n_team = len(inst.teams)
        for tm in range(n_team):
            sel = inst.demand_team == tm
            amt = np.zeros(inst.n)
            amt[inst.demand_init[sel]] = inst.demand_amount[sel]
            cols = np.nonzero(amt[col_init] > 0)[0]
            pq = np.arange(T)
            r_, c_, v_ = _interval_coefs(m, cols, amt[col_init[cols]], ones, CP1,
                                         inst.prof_off, tm * T + pq, pq, pq)
            rr.append(r_)
            cc.append(c_)
            vv.append(v_)
        cap = inst.team_capacity.reshape(-1)
        R.add("capacity", np.concatenate(rr), np.concatenate(cc), np.concatenate(vv),
              np.full(len(cap), -INF), cap,
              lambda r: f"capacity of team {inst.teams[r // T]} in {Q[r % T]}", amount=cap)

    # -- guardrails ----------------------------------------------------------------------
    grows = inst.guardrail_rows
    if grows:
        rr, cc, vv = [], [], []
        cols = np.arange(n_z)
        for k, g in enumerate(grows):
            f = (inst.kind[col_init] == g.kind).astype(float) - g.share
            r_, c_, v_ = _interval_coefs(m, cols, f, P, CP, inst.prof_off,
                                         np.array([k]), np.array([g.first]), np.array([g.last]))
            rr.append(r_)
            cc.append(c_)
            vv.append(v_)
        lo = np.array([0.0 if g.sense > 0 else -INF for g in grows])
        hi = np.array([INF if g.sense > 0 else 0.0 for g in grows])
        R.add("guardrail", np.concatenate(rr), np.concatenate(cc), np.concatenate(vv), lo, hi,
              lambda r: grows[r].label)

    # -- value ---------------------------------------------------------------------------
    if n_y:
        # one row per y column: y[k,t] − Σ amount·z[i, t−d_i] ≤ 0
        row_of_item_t = yoff  # row index = column index − n_z
        n_c = len(ci_c)
        span = T - first_t[ci_c] + 1
        crep = np.repeat(np.arange(n_c), span)
        base = np.concatenate([[0], np.cumsum(span)])[:-1]
        t = np.arange(int(span.sum())) - np.repeat(base, span) + first_t[ci_c][crep]
        ii = cinit_c[crep]
        tau = np.where(t == T, inst.latest[ii], t - inst.duration[ii])
        zc = m.zcol(ii, tau)
        keep = zc >= 0
        row = row_of_item_t[ci_c[crep]] - n_z + (t - first_t[ci_c[crep]])
        r_ = np.concatenate([np.arange(n_y), row[keep]])
        c_ = np.concatenate([n_z + np.arange(n_y), zc[keep]])
        v_ = np.concatenate([np.ones(n_y), -camt_c[crep][keep]])
        r_, c_, v_ = _sum_duplicates(r_, c_, v_, n_cols)
        R.add("value", r_, c_, v_, np.full(n_y, -INF), np.zeros(n_y),
              lambda r: f"level of {inst.item_label[y_item[r]]} in {qname(y_t[r])}")

    rows = np.concatenate(R.r) if R.r else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(R.c) if R.c else np.zeros(0, dtype=np.int64)
    vals = np.concatenate(R.v) if R.v else np.zeros(0)
    lo = np.concatenate(R.lo) if R.lo else np.zeros(0)
    hi = np.concatenate(R.hi) if R.hi else np.zeros(0)

    slack_row = np.zeros(0, dtype=np.int64)
    if elastic:
        el = [b for b in R.blocks if b.family in ELASTIC_FAMILIES]
        slack_row = np.concatenate([np.arange(b.first, b.first + b.count) for b in el]) \
            if el else np.zeros(0, dtype=np.int64)
        ns = len(slack_row)
        sc = n_cols + np.arange(ns)
        # ≤ rows get −s, ≥ rows get +s (guardrail minimums)
        sign = np.where(np.isfinite(hi[slack_row]), -1.0, 1.0)
        rows = np.concatenate([rows, slack_row])
        cols = np.concatenate([cols, sc])
        vals = np.concatenate([vals, sign])
        scale = np.maximum(1.0, np.abs(np.where(np.isfinite(hi[slack_row]), hi[slack_row],
                                                lo[slack_row])))
        # guardrail rows have right-hand side 0: weigh their slack (money) like a budget line
        money = float(np.mean([b.amount for b in inst.budget_rows])) if inst.budget_rows \
            else 1.0
        is_guard = np.zeros(R.n, dtype=bool)
        for b in R.blocks:
            if b.family == "guardrail":
                is_guard[b.first: b.first + b.count] = True
        scale = np.where(is_guard[slack_row], max(1.0, money), scale)
        base_cost = np.zeros(n_cols)
        base_cost[last_col[ok]] = -1e-9  # fund nothing that is not required
        cost = np.concatenate([base_cost, -1.0 / scale])
        lower = np.concatenate([lower, np.zeros(ns)])
        upper = np.concatenate([upper, np.full(ns, INF)])
        integrality = np.concatenate([integrality, np.zeros(ns, dtype=np.int32)])
        m.n_slack = ns

    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    start = np.zeros(R.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=R.n), out=start[1:])
    m.cost, m.lower, m.upper, m.integrality = cost, lower, upper, integrality
    m.row_lower, m.row_upper = lo, hi
    m.start, m.index, m.value = start, cols.astype(np.int32), vals
    m.blocks = R.blocks
    m.slack_row = slack_row
    return m


def _cumulative(inst: Instance, P: np.ndarray) -> np.ndarray:
    """Per-initiative cumulative sums of the flat profile ``P``."""
    if len(P) == 0:
        return P.copy()
    cs = np.cumsum(P)
    before = np.concatenate([[0.0], cs])[inst.prof_off]
    return cs - np.repeat(before, inst.duration)
