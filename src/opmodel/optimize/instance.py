"""The optimizer's view of a model: flat numpy arrays over initiatives, quarters and value items.

An :class:`Instance` is built once from an :class:`~opmodel.model.Enterprise` (and the
scores of :func:`opmodel.analysis.score`) and is shared by the MILP formulation, the
baselines, the evaluator and the explanations, so every part of the optimizer reads the
same numbers. Quarters are positions ``0 … T−1`` of the horizon.

Value model (see docs/optimize.md):

- an initiative started in quarter ``s`` runs ``s … s+d−1`` and delivers from ``s+d``;
  it must finish inside the horizon;
- a *value item* is a capability cell (capability × business unit with a positive gap) or a
  retirable application. Its level in quarter ``t`` is ``min(cap, Σ amounts of the
  initiatives delivered by t)``; a cell's cap is its gap, an application's is 1;
- each level unit is worth ``money`` per quarter: ``w(c,b) · point_value / 4`` for a cell,
  ``annual_run_cost / 4`` for an application; direct value is
  ``(direct_value − added_run_cost) / 4`` per quarter delivered;
- the state at the end of the horizon is also counted for ``end_quarters`` more quarters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..model import Enterprise
from ..model.initiative import KINDS
from ..model.quarter import fiscal_year_of

if TYPE_CHECKING:
    from ..analysis import Scores

END_QUARTERS = 4
"""Quarters after the horizon for which the final state is also counted (the end-state value)."""

FAMILIES = ("budget", "capacity", "guardrail", "exclusion", "precedence", "order", "value")


@dataclass(frozen=True)
class BudgetRow:
    """Σ spend of ``pool`` over the quarters in ``pieces`` (inclusive intervals) ≤ ``amount``.

    ``amount`` is what the plan may spend against the row: the budget less ``reserve``, the
    management reserve held back when planning to a confidence (0 otherwise), so the budget
    itself is ``amount + reserve`` (:attr:`budget`).
    """

    pool: int
    pieces: tuple[tuple[int, int], ...]
    amount: float
    label: str
    last: int
    """The last quarter the row covers (where an overrun would show)."""
    year_line: bool = True
    """Whether the row is a budget line that planning to a confidence insures: a quarter
    line whose money lapses (no carry-over), a fiscal-year line, or with carry-over the
    cumulative row that closes a fiscal year (or the horizon). False for the year-to-date
    rows inside a fiscal year under carry-over (phasing; see docs/optimize.md)."""
    reserve: float = 0.0

    @property
    def budget(self) -> float:
        """The budget line itself (``amount`` plus the reserve held against it)."""
        return self.amount + self.reserve

    @property
    def rule(self) -> str:
        """The row's label, naming the reserve when one is held."""
        if self.reserve <= 0:
            return self.label
        return f"{self.label} less a reserve of {self.reserve:,.6g}"


@dataclass(frozen=True)
class GuardrailRow:
    """Spend of ``kind`` ≥ (``sense`` = 1) or ≤ (−1) ``share`` × all spend over ``quarters``."""

    kind: int
    share: float
    sense: int
    first: int
    last: int
    label: str


@dataclass(frozen=True)
class Instance:
    """Flat arrays describing one optimization problem (read-only by convention)."""

    enterprise: Enterprise
    quarters: tuple[str, ...]
    end_quarters: int
    ids: tuple[str, ...]
    names: tuple[str, ...]
    duration: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    """Last allowed start (after deadline, latest start and the horizon end); may be < earliest."""
    impossible: dict[int, str]
    """Initiatives that cannot be scheduled at all, with the reason."""
    prof_off: np.ndarray
    prof: np.ndarray
    """Cost per quarter of every initiative, flattened; initiative i is prof[off[i]:off[i]+d]."""
    total_cost: np.ndarray
    pools: tuple[str, ...]
    pool: np.ndarray
    kind: np.ndarray
    owner: np.ndarray
    """Index of the owner business unit (−1 when unknown)."""
    mandatory: np.ndarray
    forbidden: np.ndarray
    direct: np.ndarray
    """Direct value per quarter delivered (money)."""
    # value items: capability cells, then retirable applications
    item_label: tuple[str, ...]
    item_cell: np.ndarray
    """(K, 2) capability and business-unit index of a cell item; (−1, −1) for an application."""
    item_cap: np.ndarray
    item_money: np.ndarray
    contrib_item: np.ndarray
    contrib_init: np.ndarray
    contrib_amount: np.ndarray
    """Contribution of an initiative to an item, already capped at the item's cap."""
    deps: np.ndarray
    """(n, 2) rows (predecessor, successor)."""
    excl: np.ndarray
    """(n, 2) rows (i, j) with i < j: never both."""
    teams: tuple[str, ...]
    team_capacity: np.ndarray
    """(n_teams, T) capacity per quarter."""
    demand_init: np.ndarray
    demand_team: np.ndarray
    demand_amount: np.ndarray
    budget_rows: tuple[BudgetRow, ...]
    guardrail_rows: tuple[GuardrailRow, ...]
    bu_ids: tuple[str, ...] = ()
    bu_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Share of the shared budget each business unit gets in the funding-driven baseline."""
    omega: dict[str, float] | None = None
    """The scoring weights the value coefficients were computed with."""

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def T(self) -> int:
        return len(self.quarters)

    def index(self, initiative_id: str) -> int:
        return self.ids.index(initiative_id)

    def profile(self, i: int) -> np.ndarray:
        return self.prof[self.prof_off[i]: self.prof_off[i] + self.duration[i]]

    @property
    def schedulable(self) -> np.ndarray:
        """Initiatives with at least one allowed start."""
        ok = (self.latest >= self.earliest) & ~self.forbidden
        if self.impossible:
            ok[list(self.impossible)] = False
        return ok

    @property
    def money_per_start(self) -> np.ndarray:
        """Stand-alone value of each initiative started at its earliest start (money)."""
        T, K = self.T, self.end_quarters
        quarters = np.maximum(0, T - self.earliest - self.duration) + K
        per_q = self.direct.copy()
        np.add.at(per_q, self.contrib_init,
                  self.contrib_amount * self.item_money[self.contrib_item])
        out = per_q * quarters
        out[~self.schedulable] = 0.0
        return out


def build_instance(e: Enterprise, scores: Scores | None = None,
                   end_quarters: int = END_QUARTERS) -> Instance:
    """The arrays of ``e`` for the optimizer; ``scores`` defaults to :func:`analysis.score`."""
    if scores is None:
        from ..analysis import score

        scores = score(e)
    T = e.horizon.quarters
    quarters = e.horizon.labels
    inits = e.initiatives
    n = len(inits)
    ids = tuple(it.id for it in inits)
    pos = {i_: k for k, i_ in reversed(list(enumerate(ids)))}

    duration = np.array([it.duration for it in inits], dtype=np.int64)
    earliest = np.zeros(n, dtype=np.int64)
    latest = np.zeros(n, dtype=np.int64)
    impossible: dict[int, str] = {}
    for k, it in enumerate(inits):
        e0 = 0 if it.earliest_start is None else max(0, e.horizon.index(it.earliest_start))
        last = T - it.duration
        why = f"its {it.duration} quarter(s) do not fit in the {T}-quarter horizon"
        if it.latest_start is not None:
            last = min(last, e.horizon.index(it.latest_start))
        if it.deadline is not None:
            by_deadline = e.horizon.index(it.deadline) - it.duration + 1
            if by_deadline < last:
                last = by_deadline
                why = (f"it cannot finish by its deadline {it.deadline} starting at "
                       f"{quarters[min(e0, T - 1)]}")
        earliest[k], latest[k] = e0, last
        if it.forbidden:
            impossible[k] = "it is forbidden"
        elif last < e0:
            impossible[k] = why
    # propagate earliest starts along dependencies (topological order), and impossibility
    deps_list = [(pos[d], k) for k, it in enumerate(inits) for d in dict.fromkeys(it.depends_on)
                 if d in pos and pos[d] != k]
    order = _topological(n, deps_list)
    preds: list[list[int]] = [[] for _ in range(n)]
    for p_, s_ in deps_list:
        preds[s_].append(p_)
    for k in order:
        for p_ in preds[k]:
            if p_ in impossible and k not in impossible:
                impossible[k] = f"it depends on '{ids[p_]}', which cannot be scheduled"
            earliest[k] = max(earliest[k], earliest[p_] + duration[p_])
        if k not in impossible and latest[k] < earliest[k]:
            late = [ids[p_] for p_ in preds[k] if earliest[p_] + duration[p_] > latest[k]]
            impossible[k] = (f"its predecessor(s) {', '.join(repr(x) for x in late)} cannot "
                             f"finish before its last possible start "
                             f"{quarters[latest[k]] if latest[k] >= 0 else 'in the horizon'}")

    profs = [np.asarray(it.profile, dtype=float) for it in inits]
    prof_off = np.zeros(n, dtype=np.int64)
    if n:
        prof_off[1:] = np.cumsum(duration)[:-1]
    prof = np.concatenate(profs) if profs else np.zeros(0)
    total_cost = np.array([p.sum() for p in profs]) if n else np.zeros(0)

    pools = tuple(dict.fromkeys([*e.pools, *(it.pool for it in inits)]))
    pool_pos = {p: k for k, p in enumerate(pools)}
    pool = np.array([pool_pos[it.pool] for it in inits], dtype=np.int64)
    kind_pos = {k: j for j, k in enumerate(KINDS)}
    kind = np.array([kind_pos[it.kind] for it in inits], dtype=np.int64)
    bu_pos = {b.id: k for k, b in enumerate(e.business_units)}
    owner = np.array([bu_pos.get(it.owner, -1) for it in inits], dtype=np.int64)
    mandatory = np.array([it.mandatory for it in inits], dtype=bool)
    forbidden = np.array([it.forbidden for it in inits], dtype=bool)
    # net direct money per delivered quarter: the benefit less the run cost it adds
    direct = (np.array([(it.direct_value - it.added_run_cost) / 4.0 for it in inits])
              if n else np.zeros(0))

    items, contribs = _value_items(e, scores, pos)
    item_label, item_cell, item_cap, item_money = items
    c_item, c_init, c_amount = contribs

    excl_set = {tuple(sorted((k, pos[x]))) for k, it in enumerate(inits)
                for x in it.excludes if x in pos and pos[x] != k}
    excl = np.array(sorted(excl_set), dtype=np.int64).reshape(-1, 2)
    deps = np.array(sorted(set(deps_list)), dtype=np.int64).reshape(-1, 2)

    teams = tuple(t.id for t in e.policy.teams)
    team_pos = {t: k for k, t in enumerate(teams)}
    cap = np.array([[t.capacity_in(q) for q in quarters] for t in e.policy.teams],
                   dtype=float).reshape(len(teams), T)
    d_init, d_team, d_amount = [], [], []
    for k, it in enumerate(inits):
        per_team: dict[int, float] = {}
        for td in it.team_demand:
            if td.team in team_pos and td.amount > 0:
                per_team[team_pos[td.team]] = per_team.get(team_pos[td.team], 0.0) + td.amount
        for tm, amt in per_team.items():
            d_init.append(k)
            d_team.append(tm)
            d_amount.append(amt)

    bu_ids = tuple(b.id for b in e.business_units)
    w = np.asarray(scores.bu_weight, dtype=float)
    bu_share = w / w.sum() if w.size and w.sum() > 0 else np.zeros(len(bu_ids))

    return Instance(
        enterprise=e, quarters=quarters, end_quarters=end_quarters, ids=ids,
        names=tuple(it.name for it in inits), duration=duration, earliest=earliest,
        latest=latest, impossible=impossible, prof_off=prof_off, prof=prof,
        total_cost=total_cost, pools=pools, pool=pool, kind=kind, owner=owner,
        mandatory=mandatory, forbidden=forbidden, direct=direct, item_label=item_label,
        item_cell=item_cell, item_cap=item_cap, item_money=item_money, contrib_item=c_item,
        contrib_init=c_init, contrib_amount=c_amount, deps=deps, excl=excl, teams=teams,
        team_capacity=cap, demand_init=np.array(d_init, dtype=np.int64),
        demand_team=np.array(d_team, dtype=np.int64), demand_amount=np.array(d_amount),
        budget_rows=_budget_rows(e, pools), guardrail_rows=_guardrail_rows(e),
        bu_ids=bu_ids, bu_share=bu_share, omega=dict(scores.omega),
    )


def _topological(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Kahn's order of 0..n−1 (nodes on a cycle — a validation error — come last)."""
    indeg = np.zeros(n, dtype=np.int64)
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
        indeg[b] += 1
    stack = [k for k in range(n - 1, -1, -1) if indeg[k] == 0]
    out: list[int] = []
    while stack:
        k = stack.pop()
        out.append(k)
        for s in succ[k]:
            indeg[s] -= 1
            if indeg[s] == 0:
                stack.append(s)
    seen = set(out)
    return out + [k for k in range(n) if k not in seen]


def _value_items(e: Enterprise, scores: Scores, pos: dict[str, int]) -> tuple[
        tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray],
        tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Capability cells and retirable applications, with each initiative's contribution."""
    from ..analysis.scoring import ASSESSED

    gap = np.nan_to_num(np.asarray(scores.gap, dtype=float), nan=0.0)
    open_ = (np.asarray(scores.status) == ASSESSED) & (gap > 0)
    weight = np.asarray(scores.weight, dtype=float)
    pv = e.scoring.point_value
    n_b = len(scores.business_units)
    raw: dict[tuple[int, int], float] = {}  # (cell flat index, initiative) → uplift
    for k, it in enumerate(e.initiatives):
        for eff in it.effects:
            try:
                c = scores.cap_index(eff.capability)
            except KeyError:
                continue
            if eff.business_units:
                cols = [scores.base.bu_pos[b] for b in eff.business_units
                        if b in scores.base.bu_pos]
            else:
                cols = list(range(n_b))
            for b in cols:
                if open_[c, b]:
                    key = (c * n_b + b, k)
                    raw[key] = raw.get(key, 0.0) + eff.uplift
    cells = sorted({cell for cell, _ in raw})
    cell_pos = {cell: j for j, cell in enumerate(cells)}
    labels = [f"{scores.capabilities[c // n_b]} × {scores.business_units[c % n_b]}"
              for c in cells]
    cell_rc = np.array([(c // n_b, c % n_b) for c in cells], dtype=np.int64).reshape(-1, 2)
    cap = [gap[c // n_b, c % n_b] for c in cells]
    money = [weight[c // n_b, c % n_b] * pv / 4.0 for c in cells]
    c_item = [cell_pos[cell] for cell, _ in raw]
    c_init = [k for _, k in raw]
    c_amount = [min(u, gap[cell // n_b, cell % n_b]) for (cell, _), u in raw.items()]

    # applications retired by at least one initiative (saving once, however many retire it)
    apps = {a.id: a for a in e.applications}
    retirers: dict[str, list[int]] = {}
    for k, it in enumerate(e.initiatives):
        for a in dict.fromkeys(it.retires):
            app = apps.get(a)
            if app is not None and app.lifecycle != "retired" and app.annual_run_cost > 0:
                retirers.setdefault(a, []).append(k)
    for a, ks in retirers.items():
        j = len(labels)
        labels.append(f"retire {a}")
        cap.append(1.0)
        money.append(apps[a].annual_run_cost / 4.0)
        for k in ks:
            c_item.append(j)
            c_init.append(k)
            c_amount.append(1.0)
    n_apps = len(retirers)
    item_cell = np.vstack([cell_rc, np.full((n_apps, 2), -1, dtype=np.int64)])
    return ((tuple(labels), item_cell, np.array(cap, dtype=float), np.array(money, dtype=float)),
            (np.array(c_item, dtype=np.int64), np.array(c_init, dtype=np.int64),
             np.array(c_amount, dtype=float)))


def _budget_rows(e: Enterprise, pools: tuple[str, ...]) -> tuple[BudgetRow, ...]:
    """Budget constraints per pool (see docs/optimize.md, "Budgets").

    Quarter lines cap their quarter, fiscal-year lines cap the part of their year inside the
    horizon; a quarter of a pool covered by neither has no money. Carry-over lets unspent
    money move forward: ``fiscal-year`` within the fiscal year (quarter lines), ``horizon``
    across the horizon (quarter lines to later quarters, fiscal-year lines to later years).
    """
    T = e.horizon.quarters
    quarters = e.horizon.labels
    fys = [fiscal_year_of(q, e.fiscal_year_start) for q in quarters]
    carry = e.policy.carry_over
    rows: list[BudgetRow] = []
    for p_idx, p in enumerate(pools):
        qlines: dict[int, float] = {}
        ylines: dict[int, float] = {}
        for b in e.budgets:
            if b.pool != p:
                continue
            if b.is_fiscal_year:
                ylines[int(b.period[2:])] = b.amount
            elif e.horizon.contains(b.period):
                qlines[e.horizon.index(b.period)] = b.amount
        covered_by_year = {t for t in range(T) if fys[t] in ylines}
        qts = [t for t in range(T) if t in qlines or t not in covered_by_year]
        amount = {t: qlines.get(t, 0.0) for t in qts}
        for t in qts:
            span, note, year_line = [t], "", True
            if carry == "fiscal-year" and fys[t] not in ylines:
                span = [u for u in qts if fys[u] == fys[t] and u <= t]
                note = " (with carry-over inside the fiscal year)"
                year_line = not any(fys[u] == fys[t] and u > t for u in qts)
            elif carry == "horizon":
                span = [u for u in qts if u <= t]
                note = " (with carry-over)"
                year_line = not any(fys[u] == fys[t] and u > t for u in qts)
            label = (f"budget {p} {quarters[t]}" if len(span) == 1
                     else f"budget {p} {quarters[span[0]]}–{quarters[t]}{note}")
            rows.append(BudgetRow(p_idx, _pieces(span), sum(amount[u] for u in span), label, t,
                                  year_line))
        years = sorted(ylines)
        for k, y in enumerate(years):
            span_years = years[: k + 1] if carry == "horizon" else [y]
            span = [t for t in range(T) if fys[t] in span_years]
            if not span:
                continue
            label = (f"budget {p} FY{y}" if len(span_years) == 1
                     else f"budget {p} FY{span_years[0]}–FY{y} (with carry-over)")
            rows.append(BudgetRow(p_idx, _pieces(span), sum(ylines[u] for u in span_years),
                                  label, span[-1]))
    return tuple(rows)


def _pieces(ts: list[int]) -> tuple[tuple[int, int], ...]:
    """Sorted quarters as inclusive intervals: [0, 1, 2, 5] → ((0, 2), (5, 5))."""
    out: list[tuple[int, int]] = []
    for t in sorted(ts):
        if out and out[-1][1] == t - 1:
            out[-1] = (out[-1][0], t)
        else:
            out.append((t, t))
    return tuple(out)


def _guardrail_rows(e: Enterprise) -> tuple[GuardrailRow, ...]:
    T = e.horizon.quarters
    quarters = e.horizon.labels
    kind_pos = {k: j for j, k in enumerate(KINDS)}
    rows: list[GuardrailRow] = []
    for g in e.policy.guardrails:
        spans = [(0, T - 1, "over the horizon")] if g.scope == "horizon" else \
            [(t, t, f"in {quarters[t]}") for t in range(T)]
        k = kind_pos[g.kind]
        for a, b, where in spans:
            if g.min_share is not None and g.min_share > 0:
                label = f"guardrail {g.kind} ≥ {g.min_share:.0%} of spend {where}"
                rows.append(GuardrailRow(k, g.min_share, 1, a, b, label))
            if g.max_share is not None and g.max_share < 1:
                label = f"guardrail {g.kind} ≤ {g.max_share:.0%} of spend {where}"
                rows.append(GuardrailRow(k, g.max_share, -1, a, b, label))
    return tuple(rows)
