"""Recommended versus decided: the plan a cycle's meeting decided against, and the value of
the decided portfolio against the recommended one, priced by the same evaluator
(:func:`opmodel.optimize.value.evaluate`) — per override and all together, as decided and
re-optimized around the decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..model import Decision, Enterprise, lifecycle
from ..model.lifecycle import is_override
from ..model.quarter import quarter_index
from ..optimize import Plan, SolveOptions
from ..optimize.value import evaluate, marginal_values, violations
from .replan import Replan, recommended, replan


def before_cycle(e: Enterprise, cycle: str) -> Enterprise:
    """``e`` with only the decisions of cycles before ``cycle`` (what its meeting saw)."""
    try:
        c = quarter_index(cycle)
    except ValueError:
        from ..errors import InputError

        raise InputError(f"'{cycle}' is not a quarter like 2027Q3") from None
    return e.model_copy(update={"decisions": tuple(
        d for d in e.decisions if quarter_index(d.cycle) < c)})


def recommendation(e: Enterprise, cycle: str, options: SolveOptions | None = None, *,
                   optimizer: Callable[..., Plan] = recommended) -> Replan:
    """The plan the meeting of ``cycle`` decides against: the re-plan as of ``cycle`` with the
    decisions of earlier cycles (so every decision of one meeting has the same plan),
    planned as ``opmodel plan --as-of`` plans it (:func:`~opmodel.cycle.replan.recommended`:
    to the policy's confidence when it sets one)."""
    return replan(before_cycle(e, cycle), cycle, options, optimizer=optimizer,
                  record=False)  # what changed against the record is not asked here


def recommended_for(rec: Replan, initiative: str) -> dict[str, Any]:
    """What ``rec`` says about one initiative: funded, start, and the value at stake (value
    lost if dropped when funded, value gained if started at its earliest start otherwise)."""
    plan = rec.plan
    inst = plan.instance
    i = inst.index(initiative)
    start = plan.start_of(initiative)
    if start is not None:
        stake = float(marginal_values(inst, plan.start)[i])
    elif inst.schedulable[i]:
        trial = plan.start.copy()
        trial[i] = inst.earliest[i]
        stake = evaluate(inst, trial).total - plan.objective
    else:
        stake = 0.0
    # to the cent: what a spreadsheet keeps of it (15 significant digits) round-trips
    return {"funded": start is not None, "start": start, "value_at_stake": round(stake, 2)}


@dataclass(frozen=True)
class DecisionRow:
    id: str
    initiative: str
    action: str
    decided_start: str | None
    recommended_funded: bool
    recommended_start: str | None
    override: bool
    value_change: float
    """Value of the recommended plan with only this decision applied, minus its value."""
    by: str
    role: str
    rationale: str | None
    verdict: str | None
    moves: dict[str, list[str]] = field(default_factory=dict)
    """Traceability: the capability cells (``capability × unit``) and the objectives the
    initiative moves."""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def traces(e: Enterprise, initiative: str) -> dict[str, list[str]]:
    """Decision → initiative → the capability cells and objectives it moves."""
    it = e.initiative(initiative)
    bus = [b.id for b in e.business_units]
    cells = [f"{eff.capability} × {b}" for eff in it.effects for b in (eff.business_units or bus)]
    caps = {eff.capability for eff in it.effects}
    objectives = [o.id for o in e.objectives if any(ln.capability in caps for ln in o.links)]
    return {"cells": cells, "objectives": objectives}


@dataclass(frozen=True)
class Pricing:
    """The decisions of one cycle against its recommendation."""

    cycle: str
    recommended_value: float
    decided_value: float
    """The recommended plan with every decision applied, nothing else moved."""
    reoptimized_value: float | None
    """The best plan that keeps every decision (re-optimized around them)."""
    rows: list[DecisionRow]
    breaks: list[str] = field(default_factory=list)
    """Rules the decided portfolio breaks when nothing else moves (e.g. a budget line)."""
    undecided: list[str] = field(default_factory=list)
    """Recommended to start in the cycle's quarter but not decided on."""

    @property
    def given_up(self) -> float:
        """Value given up by departing from the recommendation (negative: gained)."""
        best = self.reoptimized_value if self.reoptimized_value is not None \
            else self.decided_value
        return self.recommended_value - best

    def to_dict(self) -> dict[str, Any]:
        return {"cycle": self.cycle, "recommended_value": self.recommended_value,
                "decided_value": self.decided_value,
                "reoptimized_value": self.reoptimized_value, "given_up": self.given_up,
                "breaks": self.breaks, "undecided": self.undecided,
                "decisions": [r.to_dict() for r in self.rows]}


def _apply(start: np.ndarray, rec: Replan, d: Decision) -> np.ndarray:
    inst = rec.plan.instance
    i = inst.index(d.initiative)
    out = start.copy()
    c = quarter_index(rec.as_of)
    if d.action in ("approve", "force-start"):
        q = d.start or rec.plan.start_of(d.initiative)
        if q is not None:
            s = quarter_index(q) - c
            if s >= 0 and s + inst.duration[i] <= inst.T:
                out[i] = s
    elif d.action in ("reject", "defer", "cancel"):
        out[i] = -1
    return out


def price_decisions(e: Enterprise, cycle: str | None = None,
                    options: SolveOptions | None = None, *, reoptimize: bool = True,
                    optimizer: Callable[..., Plan] = recommended) -> Pricing:
    """Price the decisions of ``cycle`` (default: the latest cycle with decisions)."""
    if cycle is None:
        if not e.decisions:
            raise InputError("the model has no decisions yet",
                             hint="record one with `opmodel decide`")
        cycle = max((d.cycle for d in e.decisions), key=quarter_index)
    rec = recommendation(e, cycle, options, optimizer=optimizer)
    lc = lifecycle(e, cycle)
    mine = [e.decisions[k] for k in lc.counted if e.decisions[k].cycle == cycle]
    inst = rec.plan.instance
    base = rec.plan.start
    all_applied = base.copy()
    rows = []
    for d in mine:
        r = recommended_for(rec, d.initiative)
        alone = evaluate(inst, _apply(base, rec, d)).total - rec.plan.objective
        all_applied = _apply(all_applied, rec, d)
        o = is_override(d)
        if o is None:
            o = (d.action in ("reject", "defer") and r["funded"]) or (
                d.action in ("approve", "force-start")
                and (not r["funded"] or (d.start is not None and d.start != r["start"])))
        decided_start = d.start or (r["start"] if d.action == "approve" else None)
        rows.append(DecisionRow(
            d.id, d.initiative, d.action, decided_start, r["funded"], r["start"], bool(o),
            alone, d.by, d.role, d.rationale, d.review.verdict if d.review else None,
            traces(e, d.initiative)))
    decided = evaluate(inst, all_applied).total
    breaks = violations(inst, all_applied)
    reopt = None
    if reoptimize and mine:
        upto = e.model_copy(update={"decisions": tuple(
            d for d in e.decisions if quarter_index(d.cycle) <= quarter_index(cycle))})
        reopt = replan(upto, cycle, options, optimizer=optimizer).plan.objective
    decided_ids = {d.initiative for d in mine}
    undecided = [iid for iid in rec.plan.selected
                 if rec.plan.start_of(iid) == cycle and iid not in decided_ids
                 and iid not in rec.rolled.fixed]
    return Pricing(cycle, rec.plan.objective, decided, reopt, rows, breaks, undecided)
