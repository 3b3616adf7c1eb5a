from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import opmodel
from opmodel.errors import UnknownIdError
from opmodel.model import Assessment, Initiative


def test_lookups(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    assert e.capability("crm").stage == "sell"
    assert e.business_unit("north").weight == 0.6
    assert e.initiative("crm-upgrade").depends_on == ("cpq",)
    assert e.assessment("quoting", "north").current == 1  # type: ignore[union-attr]
    assert e.assessment("quoting", "nowhere") is None
    assert [s.id for s in e.ordered_stages] == ["attract", "sell", "deliver", "support"]
    assert e.capability_level("quoting") == 2 and e.capability_level("selling") == 1
    assert [c.id for c in e.children("selling")] == ["quoting", "crm"]
    assert e.pools == ("enterprise",)
    assert e.quarters[0] == "2027Q1" and len(e.quarters) == 8


def test_unknown_id_suggests(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    with pytest.raises(UnknownIdError) as info:
        e.capability("qouting")
    assert info.value.hint == "did you mean 'quoting'?"
    assert isinstance(info.value, KeyError)


def test_entities_are_frozen(starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    with pytest.raises(ValidationError):
        e.capabilities[0].name = "changed"  # type: ignore[misc]


def test_initiative_cost_profile() -> None:
    even = Initiative(id="a", name="A", owner="x", kind="run", duration=4, cost=100)
    assert even.profile == (25, 25, 25, 25) and even.total_cost == 100
    shaped = Initiative(id="b", name="B", owner="x", kind="grow", duration=2,
                        cost_profile=(70, 30))
    assert shaped.total_cost == 100
    with pytest.raises(ValidationError, match="cost or a cost_profile"):
        Initiative(id="c", name="C", owner="x", kind="grow", duration=2)


def test_assessment_states() -> None:
    a = Assessment(capability="c", business_unit="b", current=2, target=4.5)
    assert a.assessed and a.gap == 2.5
    na = Assessment(capability="c", business_unit="b", applicable=False)
    assert not na.assessed and na.gap is None
    assert Assessment(capability="c", business_unit="b", current=4, target=3).gap == 0
    with pytest.raises(ValidationError, match="needs both current and target"):
        Assessment(capability="c", business_unit="b", current=2)


def test_summary_counts(starter_path: Path) -> None:
    s = opmodel.load(starter_path).summary()
    assert s["capabilities"] == 7 and s["assessments"] == 14 and s["KPIs"] == 2
