"""Frontier, cost risk and roadmap on tiny models worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opmodel.errors import InputError
from opmodel.generate import generate
from opmodel.model import CostRange
from opmodel.optimize import SolveOptions, optimize
from opmodel.optimize.frontier import frontier
from opmodel.optimize.risk import cost_risk
from opmodel.optimize.roadmap import roadmap

from .tiny import ini, model, q


def test_frontier_on_a_tiny_model() -> None:
    e = model([ini("a", uplift={"c1": 3}), ini("b", uplift={"c2": 2})], budget=[100, 0, 0, 0])
    f = frontier(e, [0.0, 0.5, 1.0, 2.0], processes=2)
    assert [p.value for p in f.points] == pytest.approx([0, 0, 21, 35])
    rows = f.to_rows()
    assert [r["current"] for r in rows] == [False, False, True, False]


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 1000))
def test_frontier_never_decreases(seed: int) -> None:
    e = generate(seed=seed, initiatives=12, quarters=4, capabilities=10, applications=6)
    f = frontier(e, [0.6, 0.8, 1.0, 1.2], SolveOptions(time_limit=10), processes=1)
    values = [p.value for p in f.points if p.value is not None]
    assert values == sorted(values)


def test_cost_risk_is_seeded_and_sane() -> None:
    rng = CostRange(low=80, likely=100, high=200)
    e = model([ini("a", uplift={"c1": 3}, cost_range=rng), ini("b", uplift={"c2": 1})],
              budget=150)
    p = optimize(e)
    r1 = cost_risk(p, draws=5000, seed=7)
    r2 = cost_risk(p, draws=5000, seed=7)
    assert r1.to_dict() == r2.to_dict()
    # a runs alone in quarter 0 (b needs another 100): it overruns 150 when its cost > 150
    # P(triangular(80, 100, 200) > 150) = (200 − 150)² / ((200 − 80)(200 − 100)) = 0.2083
    line = next(x for x in r1.lines if x["line"] == "budget enterprise 2027Q1")
    assert line["planned"] == 100
    assert line["overrun_probability"] == pytest.approx(0.2083, abs=0.02)
    assert line["p80"] >= line["p50"]
    assert 0 <= r1.overrun_any <= 1
    with pytest.raises(InputError):
        cost_risk(p, draws=0)


def test_cost_risk_without_ranges_never_overruns() -> None:
    p = optimize(model([ini("a", uplift={"c1": 3})], budget=100))
    r = cost_risk(p, draws=100)
    assert r.overrun_any == 0 and r.value_at_risk == 0
    assert r.total_p80 == pytest.approx(100)


def test_roadmap_plateaus_and_gantt() -> None:
    e = model([ini("a", uplift={"c1": 2}, duration=2), ini("b", uplift={"c1": 2})],
              budget=[100, 50, 100, 0], gap={"c1": 3})
    p = optimize(e)
    r = roadmap(p)
    # b first (value 2·2 + 3 + 3·4 = 19) beats a first (2 + 3 + 3·4 = 17)
    assert [g["id"] for g in r.gantt] == ["b", "a"]
    assert (r.gantt[1]["start"], r.gantt[1]["finish"]) == (q(1), q(2))
    c1 = [row for row in r.plateau_rows() if row["capability"] == "c1"]
    # b delivers 2 after 2027Q1, a tops the gap of 3 after 2027Q3
    assert [row["level"] for row in c1] == [2, 2, 3, 3]
    assert c1[-1]["gap"] == 0
    assert np.isnan(r.level).sum() == 0
    spend = {(s["quarter"]): s["spend"] for s in r.spend}
    assert spend == {q(0): 100, q(1): 50, q(2): 50, q(3): 0}
