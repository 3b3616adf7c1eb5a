"""Explanations name the binding reason, with amounts worked out by hand (see tiny.py)."""

from __future__ import annotations

import pytest

from opmodel.model import Guardrail, Team, TeamDemand
from opmodel.optimize import Plan, optimize
from opmodel.optimize.explain import Explanation, explain, explain_all

from .tiny import ini, model, q


def reasons(plan: Plan) -> dict[str, Explanation]:
    return {x.id: x for x in explain_all(plan)}


def test_funded_initiative_value_lost_if_dropped() -> None:
    p = optimize(model([ini("a", uplift={"c1": 2}), ini("b", uplift={"c2": 1},
                                                          depends_on=["a"])]))
    x = reasons(p)
    assert x["a"].funded and x["a"].start == q(0)
    # dropping a also drops b (which depends on it): 2·7 + 1·6
    assert x["a"].value_if_dropped == pytest.approx(14 + 6)
    assert x["a"].details["dependents"] == ["b"]
    assert x["b"].value_if_dropped == pytest.approx(6)


def test_reasons_for_left_out_initiatives() -> None:
    team = Team(id="t", capacity=1)
    need = (TeamDemand(team="t", amount=1),)
    e = model([
        ini("big", uplift={"c1": 5}, cost=300),                 # fits only in quarter 0
        ini("rival", uplift={"c2": 1}, excludes=["big"]),         # conflict
        ini("child", uplift={"c3": 1}, depends_on=["rival"]),     # dependency
        ini("pricey", uplift={"c4": 1}, cost=450),               # budget: 150 short
        ini("busy1", uplift={"c5": 3}, team_demand=need, duration=4, cost=0),
        ini("busy2", uplift={"c6": 1}, team_demand=need, cost=0),  # capacity
        ini("gone", uplift={"c6": 1}, forbidden=True),
        ini("late", uplift={"c6": 1}, duration=5),               # cannot fit the horizon
    ], budget=300, teams=(team,))
    p = optimize(e)
    x = reasons(p)
    assert x["big"].funded
    assert x["rival"].reason == "conflict" and "'big'" in x["rival"].text
    assert x["child"].reason == "dependency" and "'rival'" in x["child"].text
    assert x["pricey"].reason == "budget"
    assert x["pricey"].details["extra"] == pytest.approx(150)
    assert x["busy2"].reason == "capacity" and "team t" in x["busy2"].text
    assert x["gone"].reason == "forbidden"
    assert x["late"].reason == "impossible" and "horizon" in x["late"].text


def test_guardrail_reason() -> None:
    e = model([ini("t", kind="transform", uplift={"c1": 1}),
               ini("r", kind="run", uplift={"c2": 3})], budget=200,
              guardrails=(Guardrail(kind="run", max_share=0.4),))
    p = optimize(e)
    assert p.selected == ("t",)
    x = reasons(p)["r"]
    assert x.reason == "guardrail" and "run ≤ 40%" in x.text


def test_no_value_reason() -> None:
    # b raises a cell that a already closes: it fits but adds nothing
    e = model([ini("a", uplift={"c1": 2}), ini("b", uplift={"c1": 2})], gap={"c1": 2})
    p = optimize(e)
    assert len(p.selected) == 1
    left = [x for x in explain_all(p) if not x.funded]
    assert left[0].reason == "no value"


def test_replan_gives_the_value_of_the_decision() -> None:
    e = model([ini("a", uplift={"c1": 3}), ini("b", uplift={"c2": 2}),
               ini("c", uplift={"c3": 1})], budget=[200, 0, 0, 0])
    p = optimize(e)
    assert set(p.selected) == {"a", "b"}
    out = explain(p, "b")
    # without b the money goes to c: 2·7 − 1·7 lost
    assert out.replanned == pytest.approx(7)
    forced = explain(p, "c")
    assert forced.replanned == pytest.approx(7)
    assert "pushes out 'b'" in forced.text
