"""Re-plan as of a quarter: optimize the rolled model (the same optimizer, no special cases
in the MILP) and say what changed against the plan of record and against the actuals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import Enterprise, lifecycle
from ..model.quarter import add_quarters, quarter_index
from ..optimize import Plan, SolveOptions, optimize
from ..optimize.value import evaluate, spend, violations
from .roll import Rolled, roll


@dataclass(frozen=True)
class Change:
    """What changed against the plan of record (the decided roadmap before ``as_of``)."""

    record_cycle: str | None
    """The cycle whose decided roadmap is the plan of record (None: nothing decided yet)."""
    added: list[str]
    """Funded now, not in the plan of record."""
    removed: list[dict[str, Any]]
    """In the plan of record, not any more (with the reason: cancelled, rejected, …)."""
    moved: list[dict[str, Any]]
    """Start or finish later or earlier than the plan of record said."""
    value_record: float
    """The plan of record continued as decided — the work in it that is still to do (not
    done, cancelled or rejected since), where it said, or from the as-of quarter when that
    passed — priced on the rolled model."""
    value_plan: float
    record_breaks: list[str]
    spend: list[dict[str, Any]]

    @property
    def value_change(self) -> float:
        return self.value_plan - self.value_record

    def to_dict(self) -> dict[str, Any]:
        return {"record_cycle": self.record_cycle, "added": self.added,
                "removed": self.removed, "moved": self.moved,
                "value_record": self.value_record, "value_plan": self.value_plan,
                "value_change": self.value_change, "record_breaks": self.record_breaks,
                "spend": self.spend}


@dataclass(frozen=True)
class Replan:
    """A plan as of ``as_of`` with its history: what is sunk, fixed, delivered, changed."""

    rolled: Rolled
    plan: Plan
    change: Change
    variance: list[dict[str, Any]] = field(default_factory=list)

    @property
    def as_of(self) -> str:
        return self.rolled.as_of

    def starts(self) -> dict[str, str | None]:
        """Every initiative's start on the whole timeline: history before ``as_of`` (where
        work began), the plan from it on; None when not funded."""
        out: dict[str, str | None] = {}
        for iid, st in self.rolled.lifecycle.states.items():
            if st.status in ("in-flight", "done") or (
                    st.status == "cancelled" and st.start is not None):
                out[iid] = st.start
            elif iid in self.rolled.fixed:
                out[iid] = self.rolled.fixed[iid]
            elif st.status == "approved":  # decided to start after this horizon
                out[iid] = st.start
            else:
                out[iid] = self.plan.start_of(iid)
        return out

    def against(self, record_cycle: str | None, record: dict[str, str | None]) -> Change:
        """What changed in this plan against a plan of record (``record``: its start per
        initiative, as :func:`plan_of_record` gives it), priced on this plan's instance: what
        :func:`replan` reports, for a plan of record computed once (the web's what-ifs)."""
        return _change(self.rolled, self.plan, record_cycle, record)

    def to_dict(self) -> dict[str, Any]:
        r = self.rolled
        return {
            "as_of": r.as_of,
            "statuses": {k: s.to_dict() for k, s in r.lifecycle.states.items()},
            "fixed": r.fixed, "sunk": r.sunk,
            "delivered": r.delivered, "budgets_closed": r.budgets, "notes": r.notes,
            "what_changed": self.change.to_dict(),
            "variance": self.variance,
        }


def recommended(e: Enterprise, options: SolveOptions | None = None, *,
                certified: bool = True) -> Plan:
    """The plan a cycle's meeting is recommended, as ``opmodel plan`` plans it: to the
    model's ``policy.confidence`` when it sets one (certified, else
    :class:`~opmodel.errors.ConfidenceError` — unless not ``certified``: then the closest
    plan the search found), else the optimum on the estimates. The one optimizer of the
    recommendation a decision records, of the pricing and of the plan of record — so the
    plan id a decision names is the plan the meeting was shown."""
    if e.policy.confidence:
        from ..optimize.confidence import plan_to_confidence, require_certified

        seed = options.seed if options is not None else 0
        plan = plan_to_confidence(e, None, options, seed=seed)
        return require_certified(plan) if certified else plan
    return optimize(e, options)


def _of_record(e: Enterprise, options: SolveOptions | None = None) -> Plan:
    """:func:`recommended`, never refused: a past roadmap is reconstructed even when the
    policy's confidence could not be certified for it."""
    return recommended(e, options, certified=False)


def replan(e: Enterprise, as_of: str, options: SolveOptions | None = None, *,
           quarters: int | None = None, optimizer: Callable[..., Plan] = optimize,
           record: bool = True) -> Replan:
    """The plan of ``e`` as of ``as_of``: :func:`roll`, then :func:`optimize` the rolled
    model, then compare with the plan of record and with the actuals.

    The plan of record is the roadmap decided at the last cycle before ``as_of``: that
    cycle's recommendation with its decisions applied (one more solve, with
    :func:`recommended` as the recommendation was made, not ``optimizer``; ``record=False``
    compares with the decided work only)."""
    rolled = roll(e, as_of, quarters)
    plan = optimizer(rolled.enterprise, options)
    # the plan of record is what that cycle's meeting was recommended (opmodel decide
    # records it so), whatever this plan is optimized for (a confidence asked now, hints…)
    rec_cycle, starts = (plan_of_record(e, as_of, options) if record
                         else _decided_only(e, as_of))
    return Replan(rolled, plan, _change(rolled, plan, rec_cycle, starts),
                  variance_rows(rolled))


def _decided_only(e: Enterprise, as_of: str) -> tuple[str | None, dict[str, str | None]]:
    lc = lifecycle(e, add_quarters(as_of, -1))
    cycles = [d.cycle for d in e.decisions if quarter_index(d.cycle) < quarter_index(as_of)]
    last = max(cycles, key=quarter_index) if cycles else None
    return last, {k: s.start for k, s in lc.states.items()
                  if s.status in ("approved", "in-flight")}


def plan_of_record(e: Enterprise, as_of: str, options: SolveOptions | None = None,
                   optimizer: Callable[..., Plan] = _of_record
                   ) -> tuple[str | None, dict[str, str | None]]:
    """(cycle, start per initiative) of the roadmap decided at the last cycle before
    ``as_of``: that cycle's recommendation with its decisions applied; (None, {}) when
    nothing was decided yet."""
    cycles = [d.cycle for d in e.decisions if quarter_index(d.cycle) < quarter_index(as_of)]
    if not cycles:
        return None, {}
    last = max(cycles, key=quarter_index)
    c = quarter_index(last)
    before = e.model_copy(update={"decisions": tuple(
        d for d in e.decisions if quarter_index(d.cycle) < c)})
    rec = replan(before, last, options, optimizer=optimizer, record=False)
    starts = rec.starts()
    lc = lifecycle(e, last)
    for iid, st in rec.rolled.lifecycle.states.items():
        if st.status in ("cancelled", "rejected"):  # settled before that meeting: its
            starts[iid] = None  # roadmap did not hold them (the history keeps their start)
    for k in lc.counted:
        d = e.decisions[k]
        if d.cycle != last:
            continue
        if d.action in ("approve", "force-start"):
            starts[d.initiative] = lc[d.initiative].planned_start
        elif d.action in ("reject", "defer", "cancel"):
            starts[d.initiative] = None
    return last, starts


def variance_rows(rolled: Rolled) -> list[dict[str, Any]]:
    """Plan versus actual per initiative that was ever started or approved."""
    out = []
    for s in rolled.standings.values():
        if s.planned_start is None and s.spent == 0:
            continue
        out.append({"id": s.id, "status": s.status, "planned_start": s.planned_start,
                    "start": s.start, "planned_finish": s.planned_finish,
                    "finish": s.finish, "slip": s.slip, "planned_cost": s.planned_cost,
                    "planned_to_date": s.planned_to_date, "spent": s.spent,
                    "assumed": s.assumed, "variance": s.variance, "remaining": s.remaining,
                    "estimate_at_completion": s.estimate_at_completion,
                    "overrun": s.overrun})
    return out


def _change(rolled: Rolled, plan: Plan, record_cycle: str | None,
            record: dict[str, str | None]) -> Change:
    as_of = rolled.as_of
    clock = quarter_index(as_of)
    inst = plan.instance
    now = rolled.lifecycle
    rec_start = np.full(inst.n, -1, dtype=np.int64)
    added, removed, moved = [], [], []
    for i, iid in enumerate(inst.ids):
        r_start = record.get(iid)
        in_record = r_start is not None
        funded_now = plan.start[i] >= 0
        st = now[iid]
        if in_record and st.status not in ("done", "cancelled", "rejected"):
            # the plan of record continued: what is still to do, where it said (or now)
            assert r_start is not None
            rec_start[i] = max(0, quarter_index(r_start) - clock)
            if rec_start[i] + inst.duration[i] > inst.T:
                rec_start[i] = -1
        if funded_now and not in_record:
            added.append(iid)
        if in_record and not funded_now and st.status != "done":
            removed.append({"id": iid, "now": st.status, "decision": st.decision})
        if in_record and funded_now:
            assert r_start is not None
            it = rolled.source.initiative(iid)
            r_finish = add_quarters(r_start, it.duration - 1)
            if st.status == "in-flight":
                new_start, new_finish = st.start, rolled.standings[iid].finish
            else:
                new_start = plan.start_of(iid)
                new_finish = add_quarters(as_of, int(plan.start[i]) + int(inst.duration[i]) - 1)
            if new_start != r_start or new_finish != r_finish:
                moved.append({"id": iid, "start_record": r_start, "start_now": new_start,
                              "finish_record": r_finish, "finish_now": new_finish})
    rec_value = evaluate(inst, rec_start).total
    breaks = violations(inst, rec_start)
    sp_rec, sp_new = spend(inst, rec_start), plan.spend
    spend_rows = [{"pool": pool, "quarter": q, "record": float(sp_rec[p, t]),
                   "plan": float(sp_new[p, t]), "change": float(sp_new[p, t] - sp_rec[p, t])}
                  for p, pool in enumerate(inst.pools) for t, q in enumerate(inst.quarters)]
    return Change(record_cycle, added, removed, moved, rec_value, plan.objective, breaks,
                  spend_rows)


def next_quarter(e: Enterprise) -> str | None:
    """The quarter to re-plan from next: after the last decided cycle and the last reported
    actuals (None when the model has neither, or when that quarter is past the horizon:
    nothing is left to plan)."""
    marks = [quarter_index(d.cycle) for d in e.decisions]
    marks += [quarter_index(a.quarter) for a in e.actuals]
    if not marks:
        return None
    nxt = max(max(marks) + 1, quarter_index(e.horizon.start))
    if nxt > quarter_index(e.horizon.end):
        return None
    return add_quarters(e.horizon.start, nxt - quarter_index(e.horizon.start))
