"""Planning to a stated confidence (a management reserve), on models worked out by hand and
on generated ones, checked by an independent Monte Carlo draw."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opmodel.errors import ConfidenceError, InputError
from opmodel.generate import generate
from opmodel.model import Budget, CostRange
from opmodel.optimize import SolveOptions, build_instance, optimize, violations
from opmodel.optimize.confidence import plan_to_confidence, require_certified, with_reserve
from opmodel.optimize.risk import cost_risk, within_budget
from opmodel.optimize.scenario import Scenario, apply

from .tiny import ini, model, q

RANGE = CostRange(low=80, likely=100, high=200)


def two(**kw: object) -> object:
    """a (worth 21, cost 100 but 80–200) and b (worth 7, cost 40 for sure); money only in
    the first quarter: 150. Both fit on the estimates (140) but hold only when a ≤ 110:
    P = 1 − (200 − 110)² / (120 · 100) = 0.325; a alone holds when a ≤ 150:
    P = 1 − 50² / 12000 = 0.7917; b alone always holds."""
    a = ini("a", uplift={"c1": 3}, cost_range=RANGE, **kw)
    b = ini("b", uplift={"c2": 1}, cost=40)
    return model([a, b], budget=[150, 0, 0, 0])


def independent(plan: object, seed: int = 4242, draws: int = 20_000) -> float:
    return within_budget(plan.instance, plan.start, draws, seed)[0]  # type: ignore[attr-defined]


def test_without_a_confidence_the_plan_is_the_plain_optimum() -> None:
    e = two()
    plain = optimize(e)
    for c in (None, 0, 0.0):
        p = plan_to_confidence(e, c)
        assert p.confidence is None
        assert p.objective == pytest.approx(plain.objective)
        assert np.array_equal(p.start, plain.start)
        assert p.status_text == "optimal"


def test_the_probability_of_the_plain_plan_is_worked_out() -> None:
    p = optimize(two())
    assert sorted(p.selected) == ["a", "b"]
    r = cost_risk(p, draws=40_000, seed=3)
    assert r.within_budget == pytest.approx(0.325, abs=0.01)
    assert r.within_budget == pytest.approx(1 - r.overrun_any)  # one line: the same event


def test_a_confidence_drops_b_and_prices_it() -> None:
    p = plan_to_confidence(two(), 0.5, draws=20_000, seed=1)
    cf = p.confidence
    assert cf is not None and cf.certified
    assert p.selected == ("a",)
    assert cf.achieved == pytest.approx(0.7917, abs=0.01)
    assert independent(p) >= 0.5
    assert cf.value_without == pytest.approx(28) and cf.value == pytest.approx(21)
    assert cf.value_given_up == pytest.approx(7)
    assert cf.achieved_without == pytest.approx(0.325, abs=0.015)
    # the reserve held is the budget less planned spend on the line: 150 − 100
    assert cf.reserve == pytest.approx(50) and cf.budget == pytest.approx(150)
    assert 0 < cf.required <= cf.reserve + 1e-9
    assert cf.lines[0]["within_probability"] == pytest.approx(cf.achieved)
    # the budget lines themselves are unchanged; the plan was held to them less the reserve
    assert p.budget_rows()[0]["budget"] == 150
    assert "less the reserve" in p.status_text
    # the baselines are held to the same reserve: neither can fund both any more
    for b in p.baselines.values():
        assert b.value is not None and b.value <= p.objective + 1e-9


def test_a_higher_confidence_keeps_only_what_is_certain() -> None:
    p = plan_to_confidence(two(), 0.9, draws=20_000, seed=1)
    assert p.confidence is not None and p.confidence.certified
    assert p.selected == ("b",)
    assert p.confidence.achieved == 1.0
    assert p.confidence.value_given_up == pytest.approx(28 - 7)


def test_a_plan_that_already_holds_needs_no_reserve() -> None:
    p = plan_to_confidence(two(), 0.25, draws=20_000, seed=1)
    cf = p.confidence
    assert cf is not None and cf.certified and cf.solves == 0
    assert sorted(p.selected) == ["a", "b"]
    assert cf.value_given_up == 0 and cf.required == 0
    assert "without a reserve" in cf.note


def test_an_unreachable_confidence_is_said_plainly() -> None:
    e = two(mandatory=True)  # a must run and holds with 79 % at best
    p = plan_to_confidence(e, 0.95, draws=20_000, seed=1, max_solves=5)
    cf = p.confidence
    assert cf is not None and not cf.certified
    assert cf.achieved == pytest.approx(0.7917, abs=0.01)  # the best plan found: a alone
    assert p.selected == ("a",)
    with pytest.raises(ConfidenceError) as info:
        require_certified(p)
    assert "95%" in info.value.message and "79.2%" in info.value.message
    assert "--confidence 0.79" in (info.value.hint or "")
    assert info.value.code == "E-CONFIDENCE"


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_a_confidence_outside_zero_one_is_refused(bad: float) -> None:
    with pytest.raises(InputError, match="between 0 and 1"):
        plan_to_confidence(two(), bad)


def test_policy_and_scenario_set_the_confidence() -> None:
    e = two()
    prudent = apply(e, Scenario(id="prudent", name="Prudent", confidence=0.5))
    assert prudent.policy.confidence == 0.5
    p = plan_to_confidence(prudent, draws=5_000)
    assert p.confidence is not None and p.confidence.target == 0.5
    assert plan_to_confidence(prudent, 0).confidence is None  # 0 switches it off


def test_which_rows_are_fiscal_year_lines() -> None:
    """none: every quarter; fiscal-year: the year's total (last year-to-date row);
    horizon: the cumulative row at each year end; fiscal-year lines are always lines."""
    its = [ini("a", uplift={"c1": 1})]
    expect = {"none": [True] * 8, "fiscal-year": [False, False, False, True] * 2,
              "horizon": [False, False, False, True] * 2}
    for carry, lines in expect.items():
        inst = build_instance(model(its, quarters=8, budget=100, carry=carry))
        assert [b.year_line for b in inst.budget_rows] == lines, carry
    # fiscal years from July: 2027Q1–Q2 close FY2027, 2027Q3–2028Q2 FY2028, the rest FY2029
    july = build_instance(model(its, quarters=8, budget=100, carry="fiscal-year",
                                fiscal_year_start=3))
    assert [b.year_line for b in july.budget_rows] == [False, True, False, False, False, True,
                                                       False, True]
    e = model(its, quarters=8, carry="fiscal-year",
              budgets=[Budget(period="FY2027", amount=400)]
              + [Budget(period=q(k), amount=100) for k in range(4, 8)])
    rows = build_instance(e).budget_rows
    assert [(b.label.split(" (")[0], b.year_line) for b in rows] == [
        ("budget enterprise 2028Q1", False), ("budget enterprise 2028Q1–2028Q2", False),
        ("budget enterprise 2028Q1–2028Q3", False), ("budget enterprise 2028Q1–2028Q4", True),
        ("budget enterprise FY2027", True)]


def test_a_reserve_tightens_the_rows_but_not_the_budget() -> None:
    inst = build_instance(two())
    r = with_reserve(inst, np.full(len(inst.budget_rows), 30.0))
    row = r.budget_rows[0]
    assert (row.amount, row.reserve, row.budget) == (120, 30, 150)
    assert "less a reserve of 30" in row.rule
    start = np.array([0, 0])  # a and b in the first quarter: 140 > 120
    assert any("less a reserve" in v for v in violations(r, start))
    assert violations(inst, start) == []


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), c=st.sampled_from([0.6, 0.8]),
       carry=st.sampled_from(["none", "fiscal-year", "horizon"]))
def test_planned_to_a_confidence_holds_under_an_independent_draw(seed: int, c: float,
                                                                 carry: str) -> None:
    e = generate(seed=seed, initiatives=10, quarters=8, capabilities=8, applications=4)
    e = e.model_copy(update={"policy": e.policy.model_copy(update={"carry_over": carry})})
    opts = SolveOptions(time_limit=20)
    try:
        plain = optimize(e, opts)
    except Exception:  # a generated model may have no plan at all: nothing to test
        return
    p = plan_to_confidence(e, c, opts, draws=4_000, seed=seed, max_solves=4)
    cf = p.confidence
    if cf is None:
        raise AssertionError("a confidence was asked for")
    # never worse than nothing: the value given up is measured against a real plan
    assert cf.value_given_up >= -1e-6
    assert cf.value_without >= plain.objective - 1e-6 * max(1.0, abs(plain.objective))
    # the plan keeps every rule of the model as it is (the reserve only tightens them)
    base = build_instance(e)
    assert violations(base, p.start) == []
    assert all(ln["reserve"] >= -1e-6 for ln in cf.lines)
    if not cf.certified:
        with pytest.raises(ConfidenceError):
            require_certified(p)
        return
    draws = 20_000
    se = math.sqrt(c * (1 - c) / 4_000) + math.sqrt(c * (1 - c) / draws)
    assert independent(p, seed=seed + 1, draws=draws) >= c - 3 * se


def test_nested_lines_count_once_in_the_total() -> None:
    """Under horizon carry-over the line at the end of 2028 contains the one at the end of
    2027: the total reserve and budget count the outer line only."""
    a = ini("a", uplift={"c1": 3}, cost_range=RANGE)
    b = ini("b", uplift={"c2": 1}, cost=40)
    e = model([a, b], quarters=8, budget=[150] + [0] * 7, carry="horizon")
    p = plan_to_confidence(e, 0.5, draws=10_000, seed=2)
    cf = p.confidence
    assert cf is not None and cf.certified and p.selected == ("a",)
    assert [ln["counted_in_total"] for ln in cf.lines] == [False, True]
    assert cf.budget == 150 and cf.reserve == pytest.approx(50)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(1, 5), aim=st.floats(0.05, 1.0))
def test_raised_reserves_cover_the_simulated_excess_jointly(seed: int, rows: int,
                                                             aim: float) -> None:
    """After a raise, a plan with the same spread that left each line its reserve unspent
    would hold jointly with probability ≥ aim; lines with slack to spare keep theirs."""
    from opmodel.optimize.confidence import _raise

    rng = np.random.default_rng(seed)
    draws = 500
    planned = rng.uniform(50, 100, rows)
    budget = planned + rng.uniform(0, 30, rows)
    use = planned + rng.gamma(2.0, 5.0, (draws, rows)) - 5.0
    reserve = rng.uniform(0, 1, rows) * (budget - planned)  # a plan keeps its reserve
    year = np.ones(rows, dtype=bool)
    r = _raise(use, planned, budget, reserve, year, aim)
    assert (r >= reserve - 1e-12).all() and (r <= budget + 1e-12).all()
    slack = budget - planned
    raised = r > reserve + 1e-12
    assert (r[raised] > slack[raised]).all()  # only lines short of slack are raised
    # the same spread, with each line's slack at least its new reserve: holds ≥ aim jointly
    thr = np.maximum(slack, r)
    assert ((use - planned) <= thr + 1e-9).all(axis=1).mean() >= aim - 1e-12
