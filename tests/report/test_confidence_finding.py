"""The report's executive summary states the probability the plan stays within budget, and
the reserve held when the model plans to a confidence (policy.confidence)."""

from __future__ import annotations

from pathlib import Path

import opmodel
from opmodel.report.build import ReportOptions, compute
from opmodel.report.findings import findings

FAST = ReportOptions(time_limit=20, frontier_scales=(), charts=False, stability_draws=50,
                     risk_draws=2000)


def _risk_title(e: opmodel.Enterprise) -> tuple[str, str, object]:
    d = compute(e, options=FAST)
    f = findings(d)
    assert f.risk is not None and f.risk in f.summary
    return f.risk.title, f.risk.detail, d


def test_summary_states_the_probability_of_staying_within_budget(starter_path: Path) -> None:
    title, detail, d = _risk_title(opmodel.load(starter_path))
    assert "chance the plan stays within every fiscal-year budget line" in title
    assert d.plan.confidence is None and "management reserve" not in detail
    assert f"{100 * d.risk.within_budget:.0f} %" in title


def test_report_plans_to_the_policy_confidence(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    e = e.model_copy(update={"policy": e.policy.model_copy(update={"confidence": 0.6})})
    _, detail, d = _risk_title(e)
    cf = d.plan.confidence
    assert cf is not None and cf.certified and cf.target == 0.6
    assert d.risk.within_budget >= 0.6 - 0.05  # the report's own draw agrees
    assert "Planned to 60 % confidence: a management reserve of" in detail
    assert cf.plan_without is not None and cf.plan_without.confidence is None


def test_the_frontier_point_of_today_is_the_plan_without_a_reserve() -> None:
    """The frontier holds no reserve, so today's point must not be the plan with one (it
    would lie below a smaller budget's point here)."""
    import dataclasses

    from opmodel.model import CostRange
    from tests.optimize.tiny import ini, model

    e = model([ini("a", uplift={"c1": 3}, cost_range=CostRange(low=80, likely=100, high=200)),
               ini("b", uplift={"c2": 1}, cost=40)], budget=[150, 0, 0, 0])
    e = e.model_copy(update={"policy": e.policy.model_copy(update={"confidence": 0.5})})
    d = compute(e, options=dataclasses.replace(FAST, frontier_scales=(0.95, 1.0)))
    cf = d.plan.confidence
    assert cf is not None and cf.required > 0 and d.plan.selected == ("a",)
    assert d.frontier is not None
    today = next(p for p in d.frontier.points if p.scale == 1.0)
    assert today.value == cf.value_without == 28  # a and b, as at 95 % (142.5 ≥ 140)
    values = [p.value for p in d.frontier.points]
    assert values == sorted(values)
