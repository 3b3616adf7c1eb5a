"""Tiny models whose optimum can be worked out by hand.

One business unit, one stage, capabilities ``c1 … c6``, each assessed 0 → ``gap`` (default 5)
and named by one customer expectation, with ω = (customer 1, strategic 0, pain 0): every
cell weighs 1 per gap point. With ``point_value`` 4 a gap point closed is worth exactly 1
per quarter, so an initiative raising a cell by ``u`` points, started in quarter ``s`` with
duration ``d`` over a ``T``-quarter horizon, is worth ``u·(T − s − d + 4)`` (4 end quarters).
``direct_value`` 4 is also worth 1 per quarter delivered.
"""

from __future__ import annotations

from typing import Any

from opmodel.model import (
    Assessment,
    Budget,
    BusinessUnit,
    Capability,
    Enterprise,
    Expectation,
    Guardrail,
    Horizon,
    Initiative,
    Policy,
    Scoring,
    Segment,
    Stage,
    Team,
    Weights,
)
from opmodel.model.quarter import add_quarters

START = "2027Q1"
CAPS = ("c1", "c2", "c3", "c4", "c5", "c6")


def q(k: int) -> str:
    """Quarter k of the horizon (0-based)."""
    return add_quarters(START, k)


def ini(id_: str, *, cost: float = 100, duration: int = 1, kind: str = "grow",
        uplift: dict[str, float] | None = None, value: float = 0.0, **kw: Any) -> Initiative:
    """An initiative: ``uplift`` {capability: points}, ``value`` per quarter delivered."""
    effects = [{"capability": c, "uplift": u} for c, u in (uplift or {}).items()]
    return Initiative.model_validate({
        "id": id_, "name": id_.upper(), "owner": kw.pop("owner", "bu"), "kind": kind,
        "duration": duration, "cost": cost, "direct_value": 4.0 * value, "effects": effects,
        **kw})


def model(initiatives: list[Initiative], *, quarters: int = 4,
          budget: float | list[float] | None = 1000.0, budgets: list[Budget] | None = None,
          carry: str = "none", guardrails: tuple[Guardrail, ...] = (),
          teams: tuple[Team, ...] = (), gap: float | dict[str, float] = 5.0,
          fiscal_year_start: int = 1, units: tuple[str, ...] = ("bu",)) -> Enterprise:
    if budgets is None:
        amounts = budget if isinstance(budget, list) else [budget] * quarters
        budgets = [Budget(period=q(k), amount=a) for k, a in enumerate(amounts)
                   if a is not None]
    gaps = gap if isinstance(gap, dict) else {c: gap for c in CAPS}
    return Enterprise(
        name="Tiny", horizon=Horizon(start=START, quarters=quarters),
        fiscal_year_start=fiscal_year_start,
        scoring=Scoring(weights=Weights(customer=1, strategic=0, pain=0), point_value=4),
        business_units=tuple(BusinessUnit(id=u, name=u.upper()) for u in units),
        stages=(Stage(id="s", name="S", order=1),),
        capabilities=tuple(Capability(id=c, name=c.upper(), stage="s") for c in CAPS),
        segments=(Segment(id="seg", name="Seg"),),
        expectations=(Expectation(id="x", segment="seg", statement="all", importance=5,
                                  stage="s", capabilities=CAPS),),
        assessments=tuple(Assessment(capability=c, business_unit=u, current=0,
                                     target=gaps.get(c, 5.0))
                          for c in CAPS for u in units),
        initiatives=tuple(initiatives), budgets=tuple(budgets),
        policy=Policy(carry_over=carry, guardrails=guardrails, teams=teams),  # type: ignore[arg-type]
    )
