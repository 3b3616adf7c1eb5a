"""Scenarios: named what-ifs over a model (budgets, weights, forced items, horizon).

A scenario is data (parsed from ``scenarios.yaml`` by :mod:`opmodel.io.scenarios`);
:func:`apply` turns a model into the scenario's model, which is then planned like any other.
The name ``base`` always means the model as it is.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from ..errors import Issue, ModelError
from ..model import Enterprise, Weights
from ..model import validate as validate_model
from ..model.base import MAX_AMOUNT, Entity, Frozen, Id, IdList, NonNegative, Quarter
from ..model.funding import Budget, Period

BASE = "base"
#: how far a scenario may scale budgets: a hundredfold is already no plan of this company
MAX_SCALE = 100.0
Scale = Annotated[float, Field(ge=0, le=MAX_SCALE)]


class BudgetOverride(Frozen):
    """Scale (or set) the budget lines of ``pool`` and/or ``period`` (both optional)."""

    pool: Id | None = None
    period: Period | None = None
    scale: Scale | None = None
    amount: NonNegative | None = None

    @model_validator(mode="after")
    def _one(self) -> BudgetOverride:
        if (self.scale is None) == (self.amount is None):
            raise PydanticCustomError("E-MISSING", "a budget override needs exactly one of "
                                      "'scale' or 'amount'", {})
        if self.amount is not None and (self.pool is None or self.period is None):
            raise PydanticCustomError("E-MISSING", "setting an 'amount' needs both 'pool' and "
                                      "'period'", {})
        return self


class HorizonOverride(Frozen):
    start: Quarter | None = None
    quarters: int | None = Field(default=None, ge=4, le=12)


class Scenario(Entity):
    """Named overrides. Budget scaling applies first to every line, then ``budgets`` rules
    in order; ``force_in`` makes initiatives mandatory, ``force_out`` forbids them;
    ``confidence`` sets the planning confidence of ``policy``."""

    budget_scale: Scale = 1.0
    budgets: tuple[BudgetOverride, ...] = ()
    weights: Weights | None = None
    force_in: IdList = ()
    force_out: IdList = ()
    horizon: HorizonOverride | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    """Plan the scenario to this confidence (replaces ``policy.confidence``; 0: none)."""


class Scenarios(Frozen):
    scenarios: tuple[Scenario, ...] = ()

    def get(self, name: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == name), None)


def apply(e: Enterprise, s: Scenario) -> Enterprise:
    """The model of scenario ``s``; raises :class:`ModelError` if the result is invalid."""
    budgets = [b.model_copy(update={"amount": b.amount * s.budget_scale}) for b in e.budgets]
    for o in s.budgets:
        hit = False
        for k, b in enumerate(budgets):
            if (o.pool is None or b.pool == o.pool) and (o.period is None or b.period == o.period):
                hit = True
                amount = b.amount * o.scale if o.scale is not None else o.amount
                budgets[k] = b.model_copy(update={"amount": amount})
        if not hit and o.amount is not None:
            assert o.pool is not None and o.period is not None
            budgets.append(Budget(period=o.period, pool=o.pool, amount=o.amount))
    update: dict[str, object] = {"budgets": tuple(budgets)}
    if s.weights is not None:
        update["scoring"] = e.scoring.model_copy(update={"weights": s.weights, "ahp": None})
    if s.force_in or s.force_out:
        inits = []
        for it in e.initiatives:
            if it.id in s.force_in:
                it = it.model_copy(update={"mandatory": True, "forbidden": False})
            elif it.id in s.force_out:
                it = it.model_copy(update={"mandatory": False, "forbidden": True})
            inits.append(it)
        update["initiatives"] = tuple(inits)
    if s.confidence is not None:
        update["policy"] = e.policy.model_copy(update={"confidence": s.confidence})
    if s.horizon is not None:
        update["horizon"] = e.horizon.model_copy(update={
            k: v for k, v in (("start", s.horizon.start), ("quarters", s.horizon.quarters))
            if v is not None})
    out = e.model_copy(update=update)
    errors = [Issue("E-RANGE", f"budget {b.pool} {b.period} scales to {b.amount:g}, beyond "
                    f"{MAX_AMOUNT:g}, the largest amount a model may hold", ("budgets", k))
              for k, b in enumerate(budgets) if b.amount > MAX_AMOUNT]
    errors += [i for i in validate_model(out) if i.severity == "error"]
    if errors:
        raise ModelError(errors, source=f"the model under scenario '{s.id}'")
    return out
