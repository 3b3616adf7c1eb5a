"""TIME quadrants (fit ≥ 3 is high on the 1–4 scale), per application and per unit."""

from __future__ import annotations

import pytest

from opmodel.analysis import time_classification
from opmodel.analysis.time_model import quadrant
from opmodel.model import Enterprise

from .conftest import tiny


@pytest.mark.parametrize(("f", "t", "q"), [
    (4, 4, "invest"), (3, 3, "invest"), (3, 2, "migrate"), (4, 1, "migrate"),
    (2, 3, "tolerate"), (1, 4, "tolerate"), (2, 2, "eliminate"), (1, 1, "eliminate"),
])
def test_quadrant(f: int, t: int, q: str) -> None:
    assert quadrant(f, t) == q


def test_applications(tiny_model: Enterprise) -> None:
    r = time_classification(tiny_model)
    assert [(a.application, a.quadrant, a.varies) for a in r.applications] == [
        ("app1", "invest", False), ("app2", "eliminate", False), ("app3", "migrate", True),
        ("app4", "invest", False)]
    assert r.counts() == {"invest": 2, "migrate": 1, "tolerate": 0, "eliminate": 1,
                          "not assessed": 0}
    assert r.cost() == {"invest": 130, "migrate": 60, "tolerate": 0, "eliminate": 40,
                        "not assessed": 0}
    assert r.not_assessed == 0


def test_by_unit_uses_the_units_own_fit(tiny_model: Enterprise) -> None:
    r = time_classification(tiny_model)
    app3 = [(u.business_unit, u.functional_fit, u.technical_fit, u.quadrant, u.override)
            for u in r.by_unit if u.application == "app3"]
    assert app3 == [("b1", 3, 1, "migrate", False), ("b2", 1, 1, "eliminate", True)]


def test_retired_left_out_unless_asked() -> None:
    apps = tiny().applications
    e = tiny(applications=(apps[0].model_copy(update={"lifecycle": "retired"}), *apps[1:]))
    assert "app1" not in [a.application for a in time_classification(e).applications]
    assert "app1" not in [u.application for u in time_classification(e).by_unit]
    assert "app1" in [a.application for a in
                      time_classification(e, include_retired=True).applications]


def test_frames(tiny_model: Enterprise) -> None:
    r = time_classification(tiny_model)
    assert list(r.to_frame().quadrant) == ["invest", "eliminate", "migrate", "invest"]
    assert len(r.to_frame("unit")) == 5
    assert r.to_dict()["high_fit_threshold"] == 3


# -- applications whose fit is not assessed ------------------------------------------------
@pytest.mark.parametrize(("f", "t"), [(None, None), (None, 4), (4, None)])
def test_quadrant_not_assessed(f: int | None, t: int | None) -> None:
    assert quadrant(f, t) == "not assessed"


def _unassessed(**fit: int) -> Enterprise:
    """app2 (fit 2/2, eliminate) with its fit left out, except what ``fit`` gives."""
    apps = tiny().applications
    app2 = apps[1].model_copy(update={"functional_fit": None, "technical_fit": None, **fit})
    return tiny(applications=(apps[0], app2, *apps[2:]))


def test_not_assessed_is_its_own_class_never_a_low_fit() -> None:
    r = time_classification(_unassessed())
    app2 = next(a for a in r.applications if a.application == "app2")
    assert (app2.quadrant, app2.functional_fit, app2.technical_fit) == (
        "not assessed", None, None)
    assert r.counts() == {"invest": 2, "migrate": 1, "tolerate": 0, "eliminate": 0,
                          "not assessed": 1}
    assert r.cost()["not assessed"] == 40 and r.cost()["eliminate"] == 0
    assert r.not_assessed == 1
    d = r.to_dict()
    assert d["counts"]["not assessed"] == 1
    assert next(a for a in d["applications"] if a["application"] == "app2")[
        "functional_fit"] is None
    (unit,) = [u for u in r.by_unit if u.application == "app2"]
    assert unit.quadrant == "not assessed"


def test_half_a_fit_is_not_assessed() -> None:
    r = time_classification(_unassessed(functional_fit=4))
    app2 = next(a for a in r.applications if a.application == "app2")
    assert (app2.quadrant, app2.functional_fit, app2.technical_fit) == ("not assessed", 4, None)


def test_a_units_own_fit_assesses_it_there() -> None:
    from opmodel.model import ApplicationFit

    e = _unassessed()
    e = e.model_copy(update={"application_fits": (*e.application_fits, ApplicationFit(
        application="app2", business_unit="b2", functional_fit=4, technical_fit=4))})
    r = time_classification(e)
    assert next(a for a in r.applications if a.application == "app2").quadrant == \
        "not assessed"
    (unit,) = [u for u in r.by_unit if u.application == "app2"]
    assert (unit.quadrant, unit.override) == ("invest", True)
    assert next(a for a in r.applications if a.application == "app2").varies
