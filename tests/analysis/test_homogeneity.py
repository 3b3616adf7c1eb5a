"""Homogeneity and consolidation candidates, hand-computed on the tiny model (conftest).

    c1: assessed by b1, b2; app1 (b1, fit 4+3 = 7, 100/2 caps = 50), app2 (b2, 2+2 = 4, 40)
        → keep app1, retire app2, savings 40; homogeneity 1 − (2−1)/(2−1) = 0; spread |1−2| = 1
    c2: assessed by b1 only (b2 n/a); no application → homogeneity 1, b1 without application
    c3: b1, b2; app1 (b1, fit 7, 50), app4 (b2, fit 3+4 = 7, 30): tie on fit → cheaper app4
        kept, app1 retired, savings 50; spread |2−4| = 2
    c4: assessed by b2 only (b1 missing); app3 serves b1 and b2, counted in b2 with b2's own
        fit (functional 1 override, technical 1) = 2
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opmodel import load
from opmodel.analysis import homogeneity
from opmodel.analysis.homogeneity import homogeneity_index
from opmodel.model import Application, Assessment, Enterprise, Usage

from ..strategies import enterprises
from .conftest import tiny


def test_capabilities(tiny_model: Enterprise) -> None:
    h = homogeneity(tiny_model)
    c1, c2, c3, c4 = h.capabilities
    assert c1.business_units == ("b1", "b2") and c1.distinct == 2
    assert c1.keep is not None and c1.keep.application == "app1" and c1.keep.fit == 7
    assert [a.application for a in c1.retire] == ["app2"]
    assert c1.savings == 40 and c1.duplicated_cost == 40
    assert c1.homogeneity == 0 and c1.spread == 1
    assert c2.business_units == ("b1",) and c2.distinct == 0 and c2.homogeneity == 1
    assert c2.without_application == ("b1",) and c2.keep is None
    assert c3.keep is not None and c3.keep.application == "app4"
    assert [(a.application, a.cost) for a in c3.retire] == [("app1", 50)]
    assert c3.spread == 2
    assert c4.business_units == ("b2",)
    assert [(a.application, a.business_units, a.fit, a.functional_fit) for a in
            c4.applications] == [("app3", ("b2",), 2.0, 1.0)]
    assert c4.homogeneity == 1 and c4.duplicated_cost == 0


def test_candidates_ranked_by_savings(tiny_model: Enterprise) -> None:
    h = homogeneity(tiny_model)
    assert [(c.rank, c.capability, c.keep.application, c.savings) for c in h.candidates] == [
        (1, "c3", "app4", 50), (2, "c1", "app1", 40)]
    assert h.total_savings == 90
    assert [c.capability for c in h.top_candidates(1)] == ["c3"]


def test_stages(tiny_model: Enterprise) -> None:
    s1, s2 = homogeneity(tiny_model).stages
    assert (s1.stage, s1.capabilities, s1.business_units, s1.distinct) == ("s1", 2, 2, 2)
    assert s1.homogeneity == pytest.approx(0.5) and s1.spread == 1
    assert (s1.duplicated_cost, s1.candidates) == (40, 1)
    assert (s2.stage, s2.distinct, s2.duplicated_cost, s2.candidates) == ("s2", 3, 50, 1)
    assert s2.homogeneity == pytest.approx(0.5) and s2.spread == 2


def test_homogeneity_index() -> None:
    d = np.array([1, 3, 5, 9, 0, 1, 2, 0])
    u = np.array([5, 5, 5, 5, 3, 1, 1, 0])
    np.testing.assert_array_equal(homogeneity_index(d, u),
                                  [1, 0.5, 0, 0, 1, 1, 0, np.nan])


def test_retired_applications_are_left_out() -> None:
    apps = tiny().applications
    e = tiny(applications=(apps[0], apps[1].model_copy(update={"lifecycle": "retired"}),
                           *apps[2:]))
    c1 = homogeneity(e).capability("c1")
    assert c1.distinct == 1 and c1.savings == 0 and c1.homogeneity == 1


def test_tie_on_fit_and_cost_goes_to_the_id() -> None:
    def app(i: str, bu: str) -> Application:
        return Application(id=i, name=i.upper(), business_units=(bu,), capabilities=("c1",),
                           annual_run_cost=10, functional_fit=3, technical_fit=3)

    e = tiny(applications=(app("zeta", "b1"), app("alpha", "b2")), application_fits=())
    c1 = homogeneity(e).capability("c1")
    assert c1.keep is not None and c1.keep.application == "alpha"


def test_an_application_serving_several_units_is_one_application() -> None:
    shared = Application(id="one", name="One", business_units=("b1", "b2"),
                         capabilities=("c1",), annual_run_cost=10, functional_fit=3,
                         technical_fit=3)
    c1 = homogeneity(tiny(applications=(shared,), application_fits=())).capability("c1")
    assert c1.distinct == 1 and c1.homogeneity == 1
    assert c1.applications[0].business_units == ("b1", "b2")


def test_frames(tiny_model: Enterprise) -> None:
    h = homogeneity(tiny_model)
    df = h.to_frame()
    assert list(df.capability) == ["c1", "c2", "c3", "c4"]
    assert df.set_index("capability").loc["c3", "keep"] == "app4"
    assert df.set_index("capability").loc["c2", "without_application"] == "b1"
    cand = h.to_frame("candidates")
    assert list(cand["rank"]) == [1, 2] and list(cand.retire) == ["app1", "app2"]
    assert list(h.to_frame("stage").stage) == ["s1", "s2"]
    d = h.to_dict()
    assert d["total_savings"] == 90 and d["candidates"][0]["keep"]["application"] == "app4"


def test_starter(starter_path) -> None:
    h = homogeneity(load(starter_path))
    # CRM North (3+3) and CRM South (2+2) both serve crm and selling; CRM South's 90 is
    # apportioned 45/45 over its two capabilities
    assert [(c.capability, c.keep.application, c.savings) for c in h.candidates] == [
        ("crm", "crm-n", 45), ("selling", "crm-n", 45)]


# -- parents: represented by their sub-capabilities ---------------------------------------
def _leaf_apps() -> tuple[Application, ...]:
    """Applications that name only leaves: c2 (child of c1), c3 and c4."""
    return (
        Application(id="leaf-a", name="Leaf A", business_units=("b1",), capabilities=("c2",),
                    annual_run_cost=10, functional_fit=3, technical_fit=3),
        Application(id="leaf-b", name="Leaf B", business_units=("b2",), capabilities=("c2",),
                    annual_run_cost=20, functional_fit=2, technical_fit=2),
        *tiny().applications[2:],
    )


def test_parent_no_application_names_is_left_to_its_children() -> None:
    h = homogeneity(tiny(applications=_leaf_apps()))
    assert [c.capability for c in h.capabilities] == ["c2", "c3", "c4"]
    assert list(h.to_frame().capability) == ["c2", "c3", "c4"]
    assert [c["capability"] for c in h.to_dict()["capabilities"]] == ["c2", "c3", "c4"]
    c1 = h.capability("c1")  # still there when asked for by id
    assert c1.represented_by_children and c1.homogeneity is None and c1.distinct == 0
    # a unit has an application for c1 when one serves any sub-capability there: leaf-b
    # serves c2 in b2 (where c2 itself is n/a)
    assert c1.without_application == ()
    s1 = h.stages[0]
    assert s1.capabilities == 1 and s1.homogeneity == 1  # c2 only, not an empty c1 (=1 too)
    assert "c1" not in {c.capability for c in h.candidates}


def _assess(c: str, b: str) -> Assessment:
    return Assessment(capability=c, business_unit=b, current=1, target=3)


def test_stage_mean_is_not_inflated_by_empty_parents() -> None:
    # c2 assessed in both units, served by two applications → homogeneity 0; the empty
    # parent c1 would add a 1 and make the stage look half homogeneous
    rows = (*(a for a in tiny().assessments if a.capability != "c2"), _assess("c2", "b1"),
            _assess("c2", "b2"))
    h = homogeneity(tiny(applications=_leaf_apps(), assessments=rows))
    assert h.capability("c2").homogeneity == 0
    assert h.stages[0].homogeneity == 0 and h.stages[0].capabilities == 1


def test_parent_named_directly_keeps_its_row_and_counts_sub_capabilities() -> None:
    # app1 names c1 in b1; only leaf-b (on c2) runs in b2: b2 has an application for c1
    apps = (tiny().applications[0], _leaf_apps()[1])
    c1 = homogeneity(tiny(applications=apps, application_fits=())).capability("c1")
    assert c1.without_application == ()
    assert [a.application for a in c1.applications] == ["app1"]  # its own listings only
    assert not c1.represented_by_children


def test_acme_parents_are_not_units_without_application(acme_path) -> None:
    e = load(acme_path)
    h = homogeneity(e)
    parents = {c.parent for c in e.capabilities if c.parent}
    listed = {c.capability for c in h.capabilities}
    assert "sales-mgmt" not in listed and not listed & parents  # acme names only leaves
    assert h.capability("sales-mgmt").without_application == ()
    assert all(h.stages[k].capabilities == sum(
        c.stage == st.id for c in e.capabilities if c.id not in parents)
        for k, st in enumerate(e.ordered_stages))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sets(st.sampled_from(["c1", "c2", "c3", "c4"]), min_size=1),
                          st.sets(st.sampled_from(["b1", "b2"]), min_size=1),
                          st.integers(1, 4), st.integers(1, 4),
                          st.integers(0, 100)), min_size=1, max_size=6))
def test_savings_never_count_an_application_twice(apps) -> None:
    """Parent and child both named (the starter's CRMs name `selling` and `crm`): each
    application's run cost is apportioned over what it names, so all candidates together
    never save more of it than it costs."""
    e = tiny(applications=tuple(
        Application(id=f"a{k}", name=f"A{k}", capabilities=tuple(sorted(c)),
                    business_units=tuple(sorted(b)), functional_fit=f, technical_fit=t,
                    annual_run_cost=cost) for k, (c, b, f, t, cost) in enumerate(apps)),
        application_fits=())
    h = homogeneity(e)
    saved: dict[str, float] = {}
    for cand in h.candidates:
        for a in cand.retire:
            saved[a.application] = saved.get(a.application, 0.0) + a.cost
    costs = {a.id: a.annual_run_cost for a in e.applications}
    assert all(v <= costs[k] + 1e-9 for k, v in saved.items())
    assert h.total_savings == pytest.approx(sum(saved.values()))
    assert h.n_candidates == len(h.candidates)


def test_n_candidates_is_cheap(acme_path) -> None:
    h = homogeneity(load(acme_path))
    n = h.n_candidates
    assert "candidates" not in vars(h)  # no Candidate object was built
    assert n == len(h.candidates) > 0


def test_an_application_not_assessed_is_never_kept_over_one_known_to_fit() -> None:
    """c1: app2 (b2) has no fit now; app1 (fit 7) is kept even when app2 is cheaper, and
    app2's fit stays None (never 0); with both unassessed the cheaper is kept."""
    apps = tiny().applications
    app2 = apps[1].model_copy(update={"functional_fit": None, "technical_fit": None,
                                      "annual_run_cost": 1})
    h = homogeneity(tiny(applications=(apps[0], app2, *apps[2:])))
    c1 = h.capability("c1")
    assert c1.keep is not None and c1.keep.application == "app1"
    (retired,) = c1.retire
    assert (retired.application, retired.fit, retired.functional_fit) == ("app2", None, None)
    assert c1.savings == 1
    d = h.to_dict()
    assert d["capabilities"][0]["applications"][1]["fit"] is None
    app1 = apps[0].model_copy(update={"functional_fit": None, "technical_fit": None})
    h = homogeneity(tiny(applications=(app1, app2, *apps[2:])))
    assert h.capability("c1").keep.application == "app2"  # both unknown: the cheaper


# -- the usage table -------------------------------------------------------------------------
def test_without_usage_everything_is_inferred(tiny_model: Enterprise) -> None:
    h = homogeneity(tiny_model)
    assert h.source == "inferred" and "inferred" in h.source_note
    assert {c.source for c in h.capabilities} == {"inferred"}
    assert set(h.to_frame()["source"]) == {"inferred"}


def test_usage_decides_where_it_names_a_capability(tiny_model: Enterprise) -> None:
    """c1 from usage: b2 has app2 installed but does not use it (share 0), so c1 has one
    application (app1 in b1): homogeneity 1, nothing duplicated, b2 without application.
    c3 stays inferred: app1 (b1) and app4 (b2), the same candidate as without usage."""
    e = tiny(usage=(Usage(application="app1", business_unit="b1", capability="c1"),
                    Usage(application="app2", business_unit="b2", capability="c1",
                          share=0)))
    h = homogeneity(e)
    c1 = h.capability("c1")
    assert c1.source == "usage" and h.capability("c3").source == "inferred"
    assert [a.application for a in c1.applications] == ["app1"]
    assert c1.homogeneity == 1 and c1.duplicated_cost == 0
    assert c1.without_application == ("b2",)
    assert [(c.capability, c.savings) for c in h.candidates] == [("c3", 50)]
    assert h.source == "mixed"
    assert h.source_note == ("who uses what: from the usage table for 1 capability, inferred "
                             "from each application's units × capabilities for 2 others")
    assert h.to_dict()["source"] == "mixed"


def test_usage_naming_every_served_capability(tiny_model: Enterprise) -> None:
    rows = (("app1", "b1", "c1"), ("app2", "b2", "c1"), ("app1", "b1", "c3"),
            ("app3", "b2", "c4"))  # app4 (b2, c3) is not used
    e = tiny(usage=tuple(Usage(application=a, business_unit=b, capability=c)
                         for a, b, c in rows))
    h = homogeneity(e)
    assert h.source == "usage" and h.source_note == "who uses what: from the usage table"
    assert [(c.capability, c.savings) for c in h.candidates] == [("c1", 40)]
    assert h.capability("c3").without_application == ("b2",)  # app4 listed, not used
    assert [a.application for a in h.capability("c3").applications] == ["app1"]


@settings(max_examples=25, deadline=None)
@given(enterprises())
def test_usage_equal_to_the_inference_changes_nothing(e: Enterprise) -> None:
    """A usage table listing every (application, unit, capability) the applications' own
    lists imply gives the same homogeneity as no usage table at all."""
    full = tuple(Usage(application=a.id, business_unit=b, capability=c)
                 for a in e.applications for b in a.business_units for c in a.capabilities)
    plain = homogeneity(e.model_copy(update={"usage": ()}))
    used = homogeneity(e.model_copy(update={"usage": full}))
    assert plain.to_frame().drop(columns="source").equals(used.to_frame().drop(columns="source"))
    assert plain.to_frame("stage").equals(used.to_frame("stage"))
    assert plain.total_savings == used.total_savings
    named = {u.capability for u in full}
    assert [c.source for c in used.capabilities] == [
        "usage" if c.capability in named else "inferred" for c in used.capabilities]
