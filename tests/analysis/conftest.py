"""The tiny hand-computed model: 2 stages, 2 business units, 4 capabilities.

Every expected number in tests/analysis is worked out by hand from this model:

    capability  stage  customer raw→scaled   strategic raw→scaled
    c1          s1     4 → 2/3               2·3 = 6 → 1
    c2          s1     0 → 0                 2·1 + 1·2 = 4 → 2/3
    c3          s2     4+2 = 6 → 1           0 → 0
    c4          s2     0 → 0                 1·3 = 3 → 1/2

    unit weights: b1 = 2, b2 = 1 → bu_weight (1, 1/2);  ω = (0.5, 0.3, 0.2)

    cell    cur tgt pain  gap  w                                   priority = w·gap/5
    c1/b1   1   4   5     3    (1/3 + .3 + .2)·1     = 0.833333    0.5
    c1/b2   2   3   0     1    (1/3 + .3 + 0)·½      = 0.316667    0.063333
    c2/b1   3   3   2     0    (0 + .2 + .08)·1      = 0.28        0
    c2/b2   n/a                (0 + .2 + 0)·½        = 0.1         nan
    c3/b1   2   5   –     3    (.5 + 0 + 0)·1        = 0.5         0.3
    c3/b2   4   2   1     0    (.5 + 0 + .04)·½      = 0.27        0
    c4/b1   missing            (0 + .15 + 0)·1       = 0.15        nan
    c4/b2   0   5   5     5    (0 + .15 + .2)·½      = 0.175       0.175
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from opmodel.model import (
    Application,
    ApplicationFit,
    Assessment,
    BusinessUnit,
    Capability,
    Enterprise,
    Expectation,
    Horizon,
    Objective,
    ObjectiveLink,
    Scoring,
    Segment,
    Stage,
    Weights,
)

OMEGA = {"customer": 0.5, "strategic": 0.3, "pain": 0.2}


def _a(c: str, b: str, cur: float | None, tgt: float | None, pain: float | None = None,
       **kw: Any) -> Assessment:
    if cur is None and tgt is None and kw.pop("na", False):
        return Assessment(capability=c, business_unit=b, applicable=False, **kw)
    return Assessment(capability=c, business_unit=b, current=cur, target=tgt, pain=pain,
                      assessor="tester", date=dt.date(2026, 10, 1), **kw)


def tiny(**overrides: Any) -> Enterprise:
    fields: dict[str, Any] = dict(
        name="Tiny",
        horizon=Horizon(start="2027Q1", quarters=4),
        scoring=Scoring(weights=Weights(**OMEGA)),
        business_units=(BusinessUnit(id="b1", name="Unit one", weight=2),
                        BusinessUnit(id="b2", name="Unit two", weight=1)),
        stages=(Stage(id="s2", name="Stage two", order=2),
                Stage(id="s1", name="Stage one", order=1)),
        capabilities=(Capability(id="c1", name="Cap one", stage="s1"),
                      Capability(id="c2", name="Cap two", stage="s1", parent="c1"),
                      Capability(id="c3", name="Cap three", stage="s2"),
                      Capability(id="c4", name="Cap four", stage="s2")),
        segments=(Segment(id="seg", name="Segment"),),
        expectations=(Expectation(id="x1", segment="seg", statement="Fast", importance=4,
                                  stage="s1", capabilities=("c1", "c3")),
                      Expectation(id="x2", segment="seg", statement="Cheap", importance=2,
                                  stage="s2", capabilities=("c3",))),
        objectives=(Objective(id="o1", name="Grow", weight=2,
                              links=(ObjectiveLink(capability="c1", strength=3),
                                     ObjectiveLink(capability="c2", strength=1))),
                    Objective(id="o2", name="Keep", weight=1,
                              links=(ObjectiveLink(capability="c2", strength=2),
                                     ObjectiveLink(capability="c4", strength=3)))),
        assessments=(_a("c1", "b1", 1, 4, 5, confidence="stated"),
                     _a("c1", "b2", 2, 3, 0, confidence="inferred"),
                     _a("c2", "b1", 3, 3, 2),
                     _a("c2", "b2", None, None, na=True),
                     _a("c3", "b1", 2, 5),
                     _a("c3", "b2", 4, 2, 1),
                     _a("c4", "b2", 0, 5, 5)),
        applications=(
            Application(id="app1", name="App one", business_units=("b1",),
                        capabilities=("c1", "c3"), annual_run_cost=100, functional_fit=4,
                        technical_fit=3),
            Application(id="app2", name="App two", business_units=("b2",),
                        capabilities=("c1",), annual_run_cost=40, functional_fit=2,
                        technical_fit=2),
            Application(id="app3", name="App three", business_units=("b1", "b2"),
                        capabilities=("c4",), annual_run_cost=60, functional_fit=3,
                        technical_fit=1),
            Application(id="app4", name="App four", business_units=("b2",),
                        capabilities=("c3",), annual_run_cost=30, functional_fit=3,
                        technical_fit=4),
        ),
        application_fits=(ApplicationFit(application="app3", business_unit="b2",
                                         functional_fit=1),),
    )
    fields.update(overrides)
    return Enterprise(**fields)


@pytest.fixture
def tiny_model() -> Enterprise:
    return tiny()
