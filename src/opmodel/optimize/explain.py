"""Why each initiative is in or out of a plan.

Funded: its start quarter and the value lost if it were dropped (with the initiatives that
depend on it; :func:`explain` can also re-plan without it). Not funded: the binding reason,
checked in this order — it cannot be scheduled at all (forbidden, no start fits its window),
a predecessor is not funded, it conflicts with a funded initiative, and otherwise what stops
it at each start it could take: team capacity, a mix guardrail, or budget, with the extra
amount and the budget line (pool and quarters) that would admit it at its cheapest start.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import InfeasibleError, OptimizationError
from .baselines import _Greedy
from .formulation import Milp, build_milp
from .instance import Instance
from .plan import Plan
from .solve import SolveOptions
from .value import delivered, evaluate

Reason = Literal["funded", "mandatory", "forbidden", "impossible", "dependency", "conflict",
                 "capacity", "guardrail", "budget", "no value"]


@dataclass(frozen=True)
class Explanation:
    """Why ``id`` is funded (``reason`` "funded"/"mandatory") or not (the binding rule)."""

    id: str
    name: str
    funded: bool
    start: str | None
    reason: Reason
    text: str
    value_if_dropped: float | None = None
    """Value lost if this funded initiative (and what depends on it) were dropped."""
    replanned: float | None = None
    """With re-planning: value lost if dropped (funded) or if forced in (not funded)."""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def explain_all(plan: Plan) -> list[Explanation]:
    """An explanation for every initiative of the plan's model (no re-solves)."""
    ctx = _Context.of(plan)
    return [_explain_one(plan, ctx, i) for i in range(plan.instance.n)]


def explain(plan: Plan, initiative_id: str, *, replan: bool = True,
            options: SolveOptions | None = None) -> Explanation:
    """The explanation of one initiative; ``replan`` also re-solves with it dropped (if
    funded) or forced in (if not), to give the value the decision is worth."""
    inst = plan.instance
    i = inst.index(initiative_id) if initiative_id in inst.ids else None
    if i is None:
        inst.enterprise.initiative(initiative_id)  # raises UnknownIdError with a hint
        raise AssertionError  # pragma: no cover
    ex = _explain_one(plan, _Context.of(plan), i)
    if not replan or ex.reason in ("forbidden", "impossible", "mandatory"):
        return ex
    from .optimizer import optimize

    opts = options or dataclasses.replace(plan.options, time_limit=min(plan.options.time_limit,
                                                                       30.0))
    forced = _force(inst, i, "out" if ex.funded else "in")
    try:
        # the plan itself, less or plus this one, is a good place for the solver to start
        hint = {inst.ids[k]: inst.quarters[int(t)] for k, t in enumerate(plan.start) if t >= 0}
        other = optimize(forced, opts, with_baselines=False, hints=[hint])
    except InfeasibleError as exc:
        text = ex.text + f" Forcing it in makes the plan infeasible: {exc.message}"
        return dataclasses.replace(ex, text=text)
    except OptimizationError:
        return ex
    delta = plan.objective - other.objective
    if ex.funded:
        text = ex.text + (f" Re-planned without it, the portfolio is worth {_m(delta)} less"
                          f" ({other.status_text}).")
    else:
        moved = [inst.ids[k] for k in range(inst.n)
                 if plan.start[k] >= 0 and other.start[k] < 0]
        text = ex.text + (f" Forcing it in (re-planned) costs {_m(delta)} of value"
                          + (f" and pushes out {_names(moved)}" if moved else "")
                          + f" ({other.status_text}).")
    return dataclasses.replace(ex, text=text, replanned=delta)


# -- internals ------------------------------------------------------------------------------
def _m(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.2f}"


def _names(ids: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"'{x}'" for x in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


@dataclass
class _Context:
    """What explaining every initiative of one plan shares, built once per plan: the MILP
    and the greedy state of the plan's schedule, each initiative's successors, predecessors
    and exclusions, and the plan's value per value item (so the value lost by dropping an
    initiative is priced on the items it touches, not by re-pricing the whole plan: that
    made explaining a plan quadratic in its initiatives)."""

    milp: Milp
    g: _Greedy
    succ: list[list[int]]
    preds: list[list[int]]
    rivals: list[list[int]]
    drop: _Drop

    @classmethod
    def of(cls, plan: Plan) -> _Context:
        inst = plan.instance
        milp = build_milp(inst)
        preds: list[list[int]] = [[] for _ in range(inst.n)]
        for p, s in inst.deps:
            preds[int(s)].append(int(p))
        rivals: list[list[int]] = [[] for _ in range(inst.n)]
        for a, b in inst.excl:
            rivals[int(a)].append(int(b))
            if int(b) != int(a):
                rivals[int(b)].append(int(a))
        return cls(milp, _state(milp, plan.start), _successors(inst), preds, rivals,
                   _Drop(inst, plan.start))


class _Drop:
    """The value of a schedule less that of the same schedule without some of its funded
    initiatives, computed on the value items those initiatives contribute to — the same
    sums as :func:`~opmodel.optimize.value.evaluate`, over the touched items only."""

    def __init__(self, inst: Instance, start: np.ndarray) -> None:
        self.inst = inst
        T = inst.T
        self.dl = delivered(inst, np.asarray(start, dtype=np.int64))
        self.weight = np.ones(T + 1)
        self.weight[T] = inst.end_quarters
        n_items = len(inst.item_cap)
        self.offered = np.zeros((n_items, T + 1))
        if len(inst.contrib_item):
            amount = inst.contrib_amount[:, None] * self.dl[inst.contrib_init]
            for t in range(T + 1):
                self.offered[:, t] = np.bincount(inst.contrib_item, weights=amount[:, t],
                                                 minlength=n_items)
        order = np.argsort(inst.contrib_init, kind="stable")
        cut = np.searchsorted(inst.contrib_init[order], np.arange(1, inst.n + 1))
        self.by_init = np.split(order, cut[:-1]) if inst.n else []
        self.base = evaluate(inst, start).total

    def lost(self, group: list[int]) -> float:
        """The value the schedule loses without the (funded) initiatives in ``group``."""
        gone = np.asarray(group, dtype=np.int64)
        return -self._change(gone, -self.dl[gone].astype(float))

    def gained(self, i: int, t: int) -> float:
        """The value the schedule gains with the (unfunded) initiative ``i`` starting in
        quarter ``t``."""
        T = self.inst.T
        row = (np.arange(T + 1) >= t + int(self.inst.duration[i])).astype(float)
        row[T] = 1.0  # the end state (as delivered() has it)
        return self._change(np.full(1, i, dtype=np.int64), row[None, :])

    def _change(self, inits: np.ndarray, dl: np.ndarray) -> float:
        """The change in value when initiatives ``inits`` deliver ``dl`` (rows of −1/0/+1
        per quarter) on top of the schedule."""
        inst = self.inst
        direct = float(((inst.direct[inits, None] * dl).sum(axis=0)) @ self.weight)
        rows = [self.by_init[k] for k in inits]
        if not rows or not sum(len(r) for r in rows):
            return direct
        cs = np.concatenate(rows)
        which = np.repeat(np.arange(len(inits)), [len(r) for r in rows])
        items, where = np.unique(inst.contrib_item[cs], return_inverse=True)
        change = np.zeros((len(items), inst.T + 1))
        np.add.at(change, where, inst.contrib_amount[cs, None] * dl[which])
        offered = self.offered[items]
        cap = inst.item_cap[items, None]
        level = np.minimum(offered + change, cap) - np.minimum(offered, cap)
        return float(((level * inst.item_money[items, None]) @ self.weight).sum()) + direct


def _state(milp: Milp, start: np.ndarray) -> _Greedy:
    g = _Greedy(milp)
    for i in np.nonzero(start >= 0)[0]:
        g.fund(int(i), int(start[i]), None)
    return g


def _successors(inst: Instance) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(inst.n)]
    for p, s in inst.deps:
        out[int(p)].append(int(s))
    return out


def _force(inst: Instance, i: int, how: Literal["in", "out"]) -> Instance:
    mand = inst.mandatory.copy()
    forb = inst.forbidden.copy()
    impossible = dict(inst.impossible)
    if how == "in":
        mand[i] = True
    else:
        forb[i] = True
        mand[i] = False
        impossible[i] = "it is left out on purpose"
        # what depends on it cannot be scheduled either
        stack = [i]
        succ = _successors(inst)
        while stack:
            k = stack.pop()
            for s in succ[k]:
                if s not in impossible:
                    impossible[s] = f"it depends on '{inst.ids[i]}'"
                    stack.append(s)
    return dataclasses.replace(inst, mandatory=mand, forbidden=forb, impossible=impossible)


def _explain_one(plan: Plan, ctx: _Context, i: int) -> Explanation:
    inst = plan.instance
    milp, g, succ = ctx.milp, ctx.g, ctx.succ
    Q = inst.quarters
    ident, name = inst.ids[i], inst.names[i]
    s = int(plan.start[i])
    if s >= 0:
        group = _dependents(i, succ, plan.start)
        lost = plan.objective - (ctx.drop.base - ctx.drop.lost(group))
        deps = [inst.ids[k] for k in group if k != i]
        end = s + int(inst.duration[i]) - 1
        runs = f"in {Q[s]}" if end == s else f"{Q[s]}–{Q[end]}"
        which = "which depends" if len(deps) == 1 else "which depend"
        text = (f"'{ident}' is funded: it runs {runs}"
                + (" (mandatory)" if inst.mandatory[i] else "")
                + "; dropping it" + (f" (and {_names(deps)}, {which} on it)" if deps else "")
                + f" loses {_m(lost)} of value.")
        return Explanation(ident, name, True, Q[s], "mandatory" if inst.mandatory[i]
                           else "funded", text, value_if_dropped=lost,
                           details={"dependents": deps})
    if inst.forbidden[i]:
        return Explanation(ident, name, False, None, "forbidden",
                           f"'{ident}' is not funded: it is forbidden in the model.")
    if i in inst.impossible or inst.latest[i] < inst.earliest[i]:
        why = inst.impossible.get(i, "no start fits its window")
        return Explanation(ident, name, False, None, "impossible",
                           f"'{ident}' is not funded: {why}.")
    preds = ctx.preds[i]
    missing = [inst.ids[p] for p in preds if plan.start[p] < 0]
    if missing:
        return Explanation(ident, name, False, None, "dependency",
                           f"'{ident}' is not funded: it depends on {_names(missing)}, which "
                           f"{'is' if len(missing) == 1 else 'are'} not funded.",
                           details={"missing": missing})
    rivals = ctx.rivals[i]
    funded_rivals = [inst.ids[k] for k in rivals if plan.start[k] >= 0]
    if funded_rivals:
        return Explanation(ident, name, False, None, "conflict",
                           f"'{ident}' is not funded: it excludes {_names(funded_rivals)}, "
                           "which the plan funds.", details={"conflicts": funded_rivals})
    first = int(inst.earliest[i])
    for p in preds:
        first = max(first, int(plan.start[p] + inst.duration[p]))
    options: list[dict[str, Any]] = []
    for t in range(first, int(inst.latest[i]) + 1):
        rows, d = g.delta(i, t)
        new = g.act[rows] + d
        over_hi = new - g.hi[rows]
        over_lo = g.lo[rows] - new
        over = np.maximum(over_hi, over_lo)
        tol = 1e-6 * np.maximum(1.0, np.abs(np.where(np.isfinite(g.hi[rows]), g.hi[rows], 0)))
        bad = over > tol
        fams: dict[str, list[tuple[str, float]]] = {}
        for r, amount in zip(rows[bad], over[bad], strict=True):
            b, _ = milp.block_of(int(r))
            if b.family == "value":
                continue
            fams.setdefault(b.family, []).append((milp.row_name(int(r)), float(amount)))
        options.append({"start": t, "blocked_by": fams})
    clear = [o for o in options if not o["blocked_by"]]
    if clear:
        t = clear[0]["start"]
        gain = ctx.drop.base + ctx.drop.gained(i, t) - plan.objective
        if gain <= 1e-6 * max(1.0, plan.objective):
            text = (f"'{ident}' is not funded: it would fit (from {Q[t]}) but adds no value "
                    "to the plan; the gaps it closes are already closed by funded work.")
            return Explanation(ident, name, False, None, "no value", text)
        text = (f"'{ident}' is not funded although it fits from {Q[t]} and would add "
                f"{_m(gain)}; the plan is {plan.status_text}, so the solver may not have "
                "reached it.")
        return Explanation(ident, name, False, None, "no value", text, details={"gain": gain})
    if not options:  # pragma: no cover - predecessors finish too late is caught above
        return Explanation(ident, name, False, None, "dependency",
                           f"'{ident}' is not funded: its predecessors finish too late.")
    # the binding family: capacity or guardrail at every start, else budget
    for fam in ("capacity", "guardrail"):
        if all(fam in o["blocked_by"] for o in options):
            row, amount = options[0]["blocked_by"][fam][0]
            what = ("short by " + f"{amount:g}") if fam == "capacity" else \
                f"off by {_m(amount)} of spend"
            text = (f"'{ident}' is not funded: {row} binds at every start it could take "
                    f"(from {Q[options[0]['start']]}, {what}).")
            return Explanation(ident, name, False, None, fam, text,  # type: ignore[arg-type]
                               details={"row": row, "amount": amount})
    budget_only = [o for o in options if set(o["blocked_by"]) == {"budget"}]
    pool = budget_only or options
    best = min(pool, key=lambda o: sum(a for _, a in o["blocked_by"].get("budget", [])))
    lines = best["blocked_by"].get("budget", [])
    if lines:
        worst = max(lines, key=lambda x: x[1])
        extra = max(a for _, a in lines)
        text = (f"'{ident}' is not funded: budget. Starting in {Q[best['start']]} it needs "
                f"{_m(extra)} more in {worst[0].removeprefix('budget ')}"
                + (f" (and {len(lines) - 1} more budget line(s))" if len(lines) > 1 else "")
                + "; the plan spends that money on higher-value work.")
        return Explanation(ident, name, False, None, "budget", text,
                           details={"start": Q[best["start"]], "extra": extra,
                                    "lines": [{"line": n, "short": a} for n, a in lines]})
    fam, rows = next(iter(best["blocked_by"].items()))
    text = f"'{ident}' is not funded: {rows[0][0]} binds (off by {_m(rows[0][1])})."
    return Explanation(ident, name, False, None, fam, text)  # type: ignore[arg-type]


def _dependents(i: int, succ: list[list[int]], start: np.ndarray) -> list[int]:
    out, stack, seen = [i], [i], {i}
    while stack:
        k = stack.pop()
        for s in succ[k]:
            if s not in seen and start[s] >= 0:
                seen.add(s)
                out.append(s)
                stack.append(s)
    return out
