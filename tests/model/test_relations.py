"""Exclusions checked from both sides, through chains of dependencies (model/relations.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import opmodel
from opmodel.errors import Issue

from ..strategies import enterprises
from .test_validate import edit, find, issues_of, line_of


def conflicts(e: opmodel.Enterprise) -> list[Issue]:
    return [i for i in opmodel.validate(e) if i.code == "E-CONFLICT"]


def with_initiatives(e: opmodel.Enterprise, **changes: dict) -> opmodel.Enterprise:
    inits = tuple(it.model_copy(update=changes.get(it.id.replace("-", "_"), {}))
                  for it in e.initiatives)
    return e.model_copy(update={"initiatives": inits})


# The starter: crm-upgrade depends on cpq; patching is mandatory; service-desk is free.
# Each case: (changes to the starter's initiatives, the exclusion as (a, b), words expected)
EXCLUSION_CASES = {
    "depends directly": ({}, ("cpq", "crm-upgrade"), "'crm-upgrade'"),
    "depends through another": (
        {"service_desk": {"depends_on": ("crm-upgrade",)}}, ("cpq", "service-desk"),
        "'service-desk' depends on 'cpq' (through 'crm-upgrade')"),
    "a third depends on both": (
        {"patching": {"mandatory": False, "depends_on": ("service-desk", "crm-upgrade")}},
        ("service-desk", "crm-upgrade"),
        "'patching' depends on both"),
    "both must be funded": (
        {"patching": {"depends_on": ("crm-upgrade",)}, "service_desk": {"mandatory": True}},
        ("service-desk", "cpq"),
        "'cpq' is needed by mandatory 'patching'"),
    "both mandatory": ({"service_desk": {"mandatory": True}}, ("service-desk", "patching"),
                       "mandatory initiatives"),
}


@pytest.mark.parametrize("side", ["first", "second", "both"])
@pytest.mark.parametrize("case", list(EXCLUSION_CASES))
def test_an_exclusion_conflicts_whichever_side_names_it(starter_path: Path, case: str,
                                                        side: str) -> None:
    changes, (a, b), words = EXCLUSION_CASES[case]
    e = with_initiatives(opmodel.load(starter_path), **changes)
    assert conflicts(e) == []  # the starter with the changes but no exclusion is fine
    named = {"first": [(a, b)], "second": [(b, a)], "both": [(a, b), (b, a)]}[side]
    for owner, other in named:
        key = owner.replace("-", "_")
        excl = {**changes.get(key, {}), "excludes": (other,)}
        changes = {**changes, key: excl}
    found = conflicts(with_initiatives(opmodel.load(starter_path), **changes))
    assert len(found) == 1, [str(i) for i in found]  # one exclusion, one problem
    assert words in found[0].message
    ids = [it.id for it in e.initiatives]
    pos = min(ids.index(owner) for owner, _ in named)  # listed twice: at the first listing
    assert found[0].path == ("initiatives", pos, "excludes", 0)


def test_exclusion_of_a_dependent_is_located_at_the_exclusion(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "    retires: [quote-tool-s]", "    retires: [quote-tool-s]\n"
         "    excludes: [crm-upgrade]")
    issue = find(issues_of(starter_copy), "E-CONFLICT")
    assert issue.message == ("'crm-upgrade' depends on 'cpq' but they exclude each other: "
                             "'crm-upgrade' can never be funded")
    assert issue.location == line_of(f, "excludes: [crm-upgrade]", "crm-upgrade")
    assert issue.hint == "drop the exclusion or the dependency"


def test_depending_on_and_excluding_the_same_item(starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "    depends_on: [cpq]", "    depends_on: [cpq]\n    excludes: [cpq]")
    issue = find(issues_of(starter_copy), "E-CONFLICT")
    assert issue.message == "initiative 'crm-upgrade' both depends on and excludes 'cpq'"
    assert issue.location == line_of(f, "excludes: [cpq]", "cpq")


def test_mandatory_work_depending_on_forbidden_work_through_another(
        starter_copy: Path) -> None:
    f = starter_copy / "initiatives.yaml"
    edit(f, "    mandatory: true", "    mandatory: true\n    depends_on: [crm-upgrade]")
    edit(f, "    retires: [quote-tool-s]", "    retires: [quote-tool-s]\n    forbidden: true")
    issue = find(issues_of(starter_copy), "E-CONFLICT")
    assert issue.message == ("mandatory initiative 'patching' depends on forbidden "
                             "initiative 'cpq' (through 'crm-upgrade')")
    assert issue.location == line_of(f, "depends_on: [crm-upgrade]", "crm-upgrade")


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_which_side_lists_an_exclusion_never_matters(data: st.DataObject) -> None:
    """Random models with random dependencies, mandatory work and one exclusion: listing
    the exclusion on one side, the other, or both finds the same number of conflicts."""
    e = data.draw(enterprises())
    if len(e.initiatives) < 2:
        return
    ids = [it.id for it in e.initiatives]
    a, b = data.draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))

    def listed(*owners: tuple[str, str]) -> opmodel.Enterprise:
        inits = tuple(it.model_copy(update={"excludes": tuple(
            x for o, x in owners if o == it.id)}) for it in e.initiatives)
        return e.model_copy(update={"initiatives": inits})

    counts = {len(conflicts(listed(*owners))) for owners in
              ([(a, b)], [(b, a)], [(a, b), (b, a)])}
    assert len(counts) == 1
