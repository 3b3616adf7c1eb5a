"""Properties of the optimizer on generated models (small, so each solve takes well under 1 s)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opmodel.errors import InfeasibleError
from opmodel.generate import generate
from opmodel.model import Enterprise
from opmodel.optimize import SolveOptions, optimize

from .checker import broken_rules, plan_starts

OPTS = SolveOptions(time_limit=20, seed=0)


@st.composite
def generated(draw: st.DrawFn) -> Enterprise:
    e = generate(seed=draw(st.integers(0, 10_000)), business_units=draw(st.integers(1, 4)),
                 capabilities=draw(st.integers(6, 20)), applications=draw(st.integers(4, 20)),
                 initiatives=draw(st.integers(3, 24)), quarters=draw(st.integers(4, 8)),
                 dependency_density=draw(st.sampled_from([0.0, 0.2, 0.5])))
    carry = draw(st.sampled_from(["keep", "none", "fiscal-year", "horizon"]))
    if carry != "keep":
        e = e.model_copy(update={"policy": e.policy.model_copy(update={"carry_over": carry})})
    if draw(st.booleans()):  # pool the first year of one pool into a fiscal-year line
        from opmodel.model import Budget
        from opmodel.model.quarter import fiscal_year_of

        first = e.budgets[0]
        year = fiscal_year_of(first.period, e.fiscal_year_start)
        moved = [b for b in e.budgets if b.pool == first.pool and not b.is_fiscal_year
                 and fiscal_year_of(b.period, e.fiscal_year_start) == year]
        keep_some = draw(st.booleans())  # keep one quarter line as a cap inside the year
        rest = [b for b in e.budgets if b not in moved[keep_some:]]
        fy = Budget(period=f"FY{year}", pool=first.pool, amount=sum(b.amount for b in moved))
        e = e.model_copy(update={"budgets": (*rest, fy)})
    return e


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated())
def test_plans_keep_every_rule_and_beat_the_baselines(e: Enterprise) -> None:
    try:
        p = optimize(e, OPTS)
    except InfeasibleError as exc:  # the generator can draw rules no plan meets
        assert "these rules conflict" in str(exc)
        return
    assert broken_rules(e, plan_starts(p)) == []
    assert p.bound >= p.objective - 1e-6 * max(1.0, p.objective)
    # the MILP and the direct evaluation agree on the plan's value
    assert p.objective == pytest.approx(p.solver_objective, rel=1e-6, abs=1e-6)
    for b in p.baselines.values():
        if b.start is None:
            continue
        starts = {i: int(s) for i, s in zip(p.instance.ids, b.start, strict=True) if s >= 0}
        assert sorted(broken_rules(e, starts)) == sorted(_kinds(b.breaks))
        if b.feasible and p.status == "optimal":
            assert b.value <= p.objective * (1 + 1e-4) + 1e-6


def _kinds(breaks: tuple[str, ...]) -> list[str]:
    """Baselines only ever break mix guardrails; map their wording to the checker's."""
    out = []
    for text in breaks:
        assert text.startswith("guardrail")
        kind = text.split()[1]
        op, share = text.split()[2], text.split()[3]
        out.append(f"{kind} {'below' if op == '≥' else 'above'} "
                   f"{float(share.rstrip('%')) / 100:g}")
    return out


@settings(max_examples=8, deadline=None)
@given(generated())
def test_same_input_and_seed_give_the_same_plan(e: Enterprise) -> None:
    try:
        a = optimize(e, OPTS)
    except InfeasibleError:
        return
    b = optimize(e, OPTS)
    assert np.array_equal(a.start, b.start)
    assert a.objective == b.objective
