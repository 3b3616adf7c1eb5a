"""Amounts anywhere within the model's limits never reach an internal solver error.

Every money amount of the starter model is drawn from zero, tiny and huge values up to the
ceiling (10¹³); planning and cost risk must end in a plan or in a user-facing error
(infeasible), never in ``SolverError`` ("report this as a bug") or a numpy warning.
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import opmodel
from opmodel.errors import InfeasibleError
from opmodel.model.base import MAX_AMOUNT
from opmodel.optimize import SolveOptions, optimize
from opmodel.optimize.risk import cost_risk

from .builders import STARTER

AMOUNTS = st.sampled_from([0.0, 1e-9, 1e-3, 1.0, 1e4, 1e9, 1e12, MAX_AMOUNT])
BASE = opmodel.load(STARTER)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_extreme_amounts_plan_or_say_why(data: st.DataObject) -> None:
    e = BASE
    inits = []
    for it in e.initiatives:
        upd: dict[str, object] = {"direct_value": data.draw(AMOUNTS),
                                  "added_run_cost": data.draw(AMOUNTS), "cost_range": None}
        if it.cost_profile is None:
            upd["cost"] = data.draw(AMOUNTS)
        else:
            upd["cost_profile"] = tuple(data.draw(AMOUNTS) for _ in it.cost_profile)
        inits.append(it.model_copy(update=upd))
    model = e.model_copy(update={
        "initiatives": tuple(inits),
        "budgets": tuple(b.model_copy(update={"amount": data.draw(AMOUNTS)})
                         for b in e.budgets),
        "applications": tuple(a.model_copy(update={"annual_run_cost": data.draw(AMOUNTS)})
                              for a in e.applications),
        "scoring": e.scoring.model_copy(update={"point_value": data.draw(
            AMOUNTS.filter(lambda v: v > 0))}),
    })
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning is a failure too
        try:
            plan = optimize(model, SolveOptions(time_limit=20))
        except InfeasibleError:
            return
        cost_risk(plan, draws=200, seed=1)


def test_a_rounding_margin_over_budget_is_infeasible_not_a_solver_bug() -> None:
    """Mandatory work costing 0.001 against zero budgets, beside amounts of 10¹³: HiGHS
    returns a plan 0.001 over budget (inside its tolerance); that is no plan, said so."""
    inits = []
    for it in BASE.initiatives:
        cost = 1e-3 if it.mandatory else MAX_AMOUNT
        upd: dict[str, object] = {"direct_value": MAX_AMOUNT, "added_run_cost": 0.0,
                                  "cost_range": None}
        if it.cost_profile is None:
            upd["cost"] = cost
        else:
            upd["cost_profile"] = tuple(cost for _ in it.cost_profile)
        inits.append(it.model_copy(update=upd))
    assert any(it.mandatory for it in inits)
    model = BASE.model_copy(update={
        "initiatives": tuple(inits),
        "budgets": tuple(b.model_copy(update={"amount": 0.0}) for b in BASE.budgets)})
    with pytest.raises(InfeasibleError):
        optimize(model, SolveOptions(time_limit=20))
