"""Conformance suite: tiny problems whose optimum is known by hand (see tiny.py).

With T = 4 quarters and 4 end quarters, ``u`` points delivered from quarter ``s + d`` are
worth ``u·(8 − s − d)``.
"""

from __future__ import annotations

import pytest

from opmodel.errors import InfeasibleError, SolverError
from opmodel.model import Budget, Enterprise, Guardrail, Team, TeamDemand
from opmodel.optimize import Plan, SolveOptions, optimize, violations

from .tiny import ini, model, q


def starts(plan: Plan) -> dict[str, str | None]:
    return {i: plan.start_of(i) for i in plan.instance.ids}


def test_single_initiative_starts_at_once() -> None:
    p = optimize(model([ini("a", uplift={"c1": 1})]))
    assert p.status == "optimal"
    assert p.objective == pytest.approx(7)
    assert p.bound == pytest.approx(7)
    assert p.gap == pytest.approx(0)
    assert starts(p) == {"a": q(0)}


def test_value_model_counts_quarters_after_completion_and_end_state() -> None:
    # d = 3 must start by quarter 1 to finish inside the 4-quarter horizon
    p = optimize(model([ini("a", uplift={"c1": 2}, duration=3, value=1)]))
    assert starts(p) == {"a": q(0)}
    assert p.objective == pytest.approx(2 * 5 + 1 * 5)
    assert p.evaluation.capability == pytest.approx(10)
    assert p.evaluation.direct == pytest.approx(5)
    assert p.evaluation.end_state == pytest.approx(12)


def test_tie_is_broken_the_same_way_every_time() -> None:
    e = model([ini("a", uplift={"c1": 1}), ini("b", uplift={"c2": 1})],
              budget=[100, 0, 0, 0])
    plans = [optimize(e) for _ in range(3)]
    assert all(p.objective == pytest.approx(7) for p in plans)
    assert len(plans[0].selected) == 1
    assert len({p.selected for p in plans}) == 1


def test_tie_over_quarters() -> None:
    p = optimize(model([ini("a", uplift={"c1": 1}), ini("b", uplift={"c2": 1})], budget=100))
    assert p.objective == pytest.approx(7 + 6)
    assert sorted(starts(p).values()) == [q(0), q(1)]


def test_dependency_chain() -> None:
    e = model([ini("a", uplift={"c1": 1}),
               ini("b", uplift={"c2": 1}, duration=2, depends_on=["a"]),
               ini("c", uplift={"c3": 1}, depends_on=["b"])])
    p = optimize(e)
    assert starts(p) == {"a": q(0), "b": q(1), "c": q(3)}
    assert p.objective == pytest.approx(7 + 5 + 4)


def test_exclusion_keeps_the_better_of_the_pair() -> None:
    e = model([ini("a", uplift={"c1": 3}, excludes=["b"]), ini("b", uplift={"c2": 2}),
               ini("c", uplift={"c3": 1})])
    p = optimize(e)
    assert set(p.selected) == {"a", "c"}
    assert p.objective == pytest.approx(3 * 7 + 7)


def test_gap_caps_value_no_double_counting() -> None:
    # two uplifts of 3 on a cell with gap 4: the second adds only 1 point
    e = model([ini("a", uplift={"c1": 3}), ini("b", uplift={"c1": 3})], budget=100,
              gap={"c1": 4})
    p = optimize(e)
    assert p.objective == pytest.approx(3 + 4 + 4 + 4 * 4)


def test_binding_guardrail() -> None:
    runs = [ini(f"r{k}", kind="run", uplift={f"c{k}": 3}) for k in range(1, 5)]
    t = ini("t", kind="transform", uplift={"c5": 1})
    free = optimize(model([*runs, t], budget=100))
    assert free.objective == pytest.approx(3 * (7 + 6 + 5 + 4))
    g = Guardrail(kind="transform", min_share=0.2)
    p = optimize(model([*runs, t], budget=100, guardrails=(g,)))
    assert p.objective == pytest.approx(3 * (7 + 6 + 5) + 4)
    assert p.start_of("t") == q(3)
    assert violations(p.instance, p.start) == []


def test_quarter_guardrail_maximum() -> None:
    # run at most half of each quarter's spend: a run item needs a grow item beside it
    e = model([ini("r", kind="run", uplift={"c1": 3}), ini("g", uplift={"c2": 1}, cost=100)],
              budget=200, guardrails=(Guardrail(kind="run", max_share=0.5, scope="quarter"),))
    p = optimize(e)
    assert starts(p) == {"r": q(0), "g": q(0)}


def test_team_capacity_serializes_work() -> None:
    team = Team(id="t", capacity=1)
    need = (TeamDemand(team="t", amount=1),)
    items = [ini(n, uplift={c: u}, team_demand=need)
             for n, c, u in (("a", "c1", 3), ("b", "c2", 2), ("c", "c3", 1))]
    p = optimize(model(items, teams=(team,)))
    assert starts(p) == {"a": q(0), "b": q(1), "c": q(2)}
    assert p.objective == pytest.approx(3 * 7 + 2 * 6 + 5)


@pytest.mark.parametrize(("carry", "expected"), [("none", None), ("fiscal-year", 3),
                                                 ("horizon", 2)])
def test_carry_over(carry: str, expected: int | None) -> None:
    # fiscal years start in July: 2027Q1–Q2 are FY2027, 2027Q3–Q4 FY2028
    e = model([ini("a", uplift={"c1": 1}, cost=150)], budget=[100, 0, 100, 100], carry=carry,
              fiscal_year_start=3)
    p = optimize(e)
    if expected is None:
        assert p.selected == ()
        assert p.objective == 0
    else:
        assert p.start_of("a") == q(expected)
        assert p.objective == pytest.approx(8 - expected - 1)


def test_fiscal_year_budget_line_limits_the_year_total() -> None:
    items = [ini(f"i{k}", uplift={f"c{k}": 1}) for k in range(1, 5)]
    p = optimize(model(items, budgets=[Budget(period="FY2027", amount=300)]))
    assert len(p.selected) == 3
    assert all(s == q(0) for s in starts(p).values() if s is not None)
    assert p.objective == pytest.approx(21)


def test_mandatory_is_funded_even_at_a_loss() -> None:
    e = model([ini("m", mandatory=True, cost=100), ini("a", uplift={"c1": 3}, cost=100)],
              budget=[100, 0, 0, 0])
    p = optimize(e)
    assert p.selected == ("m",)


def test_forbidden_is_never_funded() -> None:
    p = optimize(model([ini("a", uplift={"c1": 3}, forbidden=True)]))
    assert p.selected == ()


def test_infeasible_mandatory_set_names_the_budget_line() -> None:
    fixed = {"earliest_start": q(0), "latest_start": q(0)}
    e = model([ini("a", mandatory=True, cost=200, **fixed),
               ini("b", mandatory=True, cost=200, **fixed)], budget=300)
    with pytest.raises(InfeasibleError) as exc:
        optimize(e)
    msg = str(exc.value)
    assert "budget enterprise 2027Q1" in msg
    assert "'a'" in msg and "'b'" in msg
    assert "100 short" in msg


def test_infeasible_deadline_against_dependency() -> None:
    e = model([ini("a", duration=3), ini("b", mandatory=True, depends_on=["a"],
                                         deadline=q(1))])
    with pytest.raises(InfeasibleError) as exc:
        optimize(e)
    msg = str(exc.value)
    assert "'b'" in msg and "'a'" in msg and "predecessor" in msg


def test_infeasible_capacity_is_named() -> None:
    team = Team(id="t", capacity=1)
    need = (TeamDemand(team="t", amount=2),)
    e = model([ini("m", mandatory=True, team_demand=need)], teams=(team,))
    with pytest.raises(InfeasibleError) as exc:
        optimize(e)
    assert "capacity of team t" in str(exc.value)


def test_time_limit_is_reported_honestly() -> None:
    from opmodel.generate import generate

    e = generate(seed=3, initiatives=400, quarters=8)
    try:
        p = optimize(e, SolveOptions(time_limit=0.05))
    except SolverError as exc:  # stopped before any plan: must say so, and what to do
        assert "time limit" in str(exc)
        return
    assert p.status == "feasible"
    assert p.status_text.startswith("feasible")
    assert p.gap > 0
    assert p.bound > p.objective
    assert violations(p.instance, p.start) == []


def test_added_run_cost_offsets_direct_value() -> None:
    """A platform whose run cost exceeds its direct value is left out; without that run cost
    the same initiative is funded."""
    worth = optimize(model([ini("shiny", cost=10, value=10)]))
    assert worth.selected == ("shiny",)
    costly = ini("shiny", cost=10, value=10, added_run_cost=4.0 * 15)
    assert optimize(model([costly])).selected == ()


def test_thread_count_can_change_between_solves() -> None:
    """HiGHS keeps one thread pool per process; a different `threads` must still solve."""
    m = model([ini("a", cost=10, value=10)])
    for threads in (None, 1, 2, None, 1):
        assert optimize(m, SolveOptions(threads=threads)).status == "optimal"


def test_warm_start_does_not_stand_in_for_the_optimum() -> None:
    """The ranked list is handed to HiGHS as its starting plan; the plan returned must be the
    optimum, worth exactly what the solver says, not the starting plan.

    ``big`` (cost 200, +2 on c1) fits only in 2027Q1, the one quarter with 300; ``quick``
    (cost 100, +3 on c2 capped at the gap 2, and 1 of direct value) and ``twin`` (cost 100,
    the same +3 on c2) close the same cell. Worth per quarter delivered: big 2, quick 3,
    twin 2, so started in 2027Q1 (7 quarters of value): 14, 21, 14.
    Optimum: big + quick in 2027Q1 = 35 (big + twin = 28, then quick adds only its direct
    value from 2027Q2: 1 · 6 → 34). The ranked list (value per cost: quick, twin, big)
    funds quick and leaves no room for big: 21. HiGHS 1.16 took the ranked list through
    presolve, credited it 35 in its reduced space, stopped "optimal" and handed back the
    starting plan itself (worth 21).
    """
    e = model([ini("big", cost=200, uplift={"c1": 2}),
               ini("quick", cost=100, uplift={"c2": 3}, value=1),
               ini("twin", cost=100, uplift={"c2": 3})],
              budget=[300, 100, 100, 100], gap=2)
    for fast in (False, True):  # the ranked list as starting plan (fast: the best candidate)
        p = optimize(e, SolveOptions(time_limit=20, seed=0, fast=fast))
        assert p.warm_start_source == "ranked list" or fast
        _check_warm_start_case(e, p)


def _check_warm_start_case(e: Enterprise, p: Plan) -> None:
    assert p.baselines["ranked list"].value == pytest.approx(21)
    assert starts(p) == {"big": q(0), "quick": q(0), "twin": None}
    assert p.objective == pytest.approx(35)
    assert p.solver_objective == pytest.approx(p.objective)
    assert p.status == "optimal"
    assert p.bound == pytest.approx(35)
