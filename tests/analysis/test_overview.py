"""The model at a glance (``opmodel show``), computed from the model's own tables."""

from __future__ import annotations

from pathlib import Path

import opmodel
from opmodel.analysis.overview import overview


def test_overview_adds_up(acme_path: Path) -> None:
    e = opmodel.load(acme_path)
    o = overview(e)
    assert [s.stage for s in o.stages] == [s.id for s in e.ordered_stages]
    assert sum(s.capabilities for s in o.stages) == len(e.capabilities)
    gaps = [a.gap for a in e.assessments if a.gap is not None]
    assert sum(s.assessed for s in o.stages) == len(gaps)
    weighted = sum(s.mean_gap * s.assessed for s in o.stages if s.mean_gap is not None)
    assert abs(weighted - sum(gaps)) < 1e-9
    assert sum(b.assessed for b in o.business_units) == sum(a.assessed for a in e.assessments)
    assert sum(k.initiatives for k in o.portfolio) == len(e.initiatives)
    assert abs(o.demand - sum(k.total_cost for k in o.portfolio)) < 1e-6
    assert o.budget == sum(b.amount for b in e.budgets) and o.counts == e.summary()
    d = o.to_dict()
    assert d["stages"][0]["stage"] == o.stages[0].stage and d["horizon"]["quarters"] == 8
