"""The one write path: rights (every action × every role), versions, validation, nothing
changed on any refusal."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from opmodel import actions, api
from opmodel.errors import (
    ConflictError,
    InputError,
    ModelError,
    PermissionDenied,
    UnknownIdError,
)
from opmodel.io.survey import export_survey
from opmodel.store import init_store, open_store
from opmodel.store import rows as R
from opmodel.store.users import ROLES, User

ADMIN = User("root-admin", "admin")
ROLE_USERS = {r: User(f"{r}-user", r, ("storage",) if r == "bu-lead" else ())
              for r in ROLES}
_tags = itertools.count()

#: the rights the product promises (docs/store.md); the matrix in actions.py must match
EXPECTED = {
    "set_assessment": {"admin", "architect", "bu-lead"},
    "merge_survey": {"admin", "architect", "bu-lead"},
    "propose_initiative": {"admin", "architect", "portfolio", "bu-lead"},
    "update_initiative": {"admin", "architect", "portfolio", "bu-lead"},
    "decide": {"admin", "portfolio"},
    "record_actuals": {"admin", "portfolio"},
    "set_budget": {"admin", "portfolio"},
    "set_policy": {"admin", "portfolio"},
    "set_entity": {"admin", "architect"},
    "set_settings": {"admin", "architect"},
    "archive_assessments": {"admin", "architect", "portfolio"},
    "add_user": {"admin"},
    "add_token": {"admin"},
    "set_user": {"admin"},
    "disable_user": {"admin"},
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("actions")
    url = f"sqlite:///{root / 'acme.db'}"
    e = api.load(Path(__file__).parents[1] / "examples" / "acme")
    init_store(url, e)
    survey = root / "storage.xlsx"
    export_survey(e, "storage", survey)
    actions.add_user(url, ADMIN, "someone", "viewer")
    actions.add_user(url, ADMIN, "victim", "viewer")
    return {"url": url, "survey": survey}


def _calls(url: str, survey: Path) -> dict[str, Callable[[User], Any]]:
    def tag() -> int:
        return next(_tags)

    new_initiative = {"name": "New work", "owner": "storage", "kind": "grow", "duration": 2,
                      "cost": 100}
    return {
        "set_assessment": lambda u: actions.set_assessment(
            url, u, "market-insight", "storage", {"current": tag() % 3, "target": 4}),
        "merge_survey": lambda u: actions.merge_survey(url, u, survey),
        "propose_initiative": lambda u: actions.propose_initiative(
            url, u, {**new_initiative, "id": f"new-{tag()}"}),
        "update_initiative": lambda u: actions.update_initiative(
            url, u, "eu-data-act", {"name": f"EU Data Act {tag()}"}),
        "decide": lambda u: actions.decide(url, u, _undecided(url), "approve", cycle="2027Q3",
                                           rationale="needed",
                                           fields={"start": "2027Q4", "date": "2027-07-10"}),
        "record_actuals": lambda u: actions.record_actuals(
            url, u, "eu-data-act", "2027Q1", {"spent": tag()}),
        "set_budget": lambda u: actions.set_budget(url, u, "2027Q1", 2000 + tag()),
        "set_policy": lambda u: actions.set_policy(
            url, u, {"carry_over": "none" if tag() % 2 else "fiscal-year"}),
        "set_entity": lambda u: actions.set_entity(
            url, u, "capabilities", "market-insight",
            {**R.dump(api.load(url).capability("market-insight")), "name": f"MI {tag()}"}),
        "set_settings": lambda u: actions.set_settings(
            url, u, {"description": f"Acme {tag()}"}),
        "add_user": lambda u: actions.add_user(url, u, f"new-user-{tag()}", "viewer"),
        "add_token": lambda u: actions.add_token(url, u, "someone", f"t{tag()}"),
        "archive_assessments": lambda u: actions.apply(
            url, u, "archive_assessments", lambda e: e, ["budgets"]),
        "set_user": lambda u: actions.set_user(url, u, "someone",
                                               role=("viewer", "architect")[tag() % 2]),
        "disable_user": lambda u: actions.disable_user(url, u, "victim"),
    }


def _undecided(url: str) -> str:
    """An initiative still only proposed, with no decision on record (approvable)."""
    e = api.load(url)
    decided = {d.initiative for d in getattr(e, "decisions", ())}
    return next(i.id for i in e.initiatives
                if i.id not in decided and getattr(i, "status", "proposed") == "proposed")


def test_the_rights_matrix_is_the_documented_one() -> None:
    assert {a: set(r) for a, r in actions.RIGHTS.items()} == EXPECTED


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_every_action_for_every_role(shared: dict[str, Any], action: str, role: str) -> None:
    url = shared["url"]
    call = _calls(url, shared["survey"])[action]
    st = open_store(url)
    user = ROLE_USERS[role]
    if role in EXPECTED[action]:
        try:
            call(user)
        except InputError as exc:  # the quarterly cycle's kinds, until that model lands
            assert action in ("decide", "record_actuals") and "no" in exc.message
        return
    rev, log = st.revision(), len(st.history())
    with pytest.raises(PermissionDenied) as exc:
        call(user)
    assert exc.value.code == "E-FORBIDDEN" and exc.value.user == user.name
    assert st.revision() == rev and len(st.history()) == log  # nothing changed


@pytest.fixture
def acme_url(tmp_path: Path, acme_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'acme.db'}"
    init_store(url, acme_path)
    return url


LEAD = User("lee", "bu-lead", ("storage",))


@pytest.mark.parametrize("attempt", [
    lambda url: actions.set_assessment(url, LEAD, "market-insight", "servers", {"current": 1}),
    lambda url: actions.propose_initiative(url, LEAD, {
        "id": "x", "name": "X", "owner": "servers", "kind": "run", "duration": 1, "cost": 1}),
    lambda url: actions.update_initiative(url, LEAD, "os-eos-upgrade", {"name": "Mine now"}),
    lambda url: actions.update_initiative(url, LEAD, "eu-data-act", {"owner": "servers"}),
], ids=["assess-other-unit", "propose-for-other-unit", "edit-other-units-initiative",
        "hand-initiative-to-other-unit"])
def test_a_bu_lead_cannot_touch_another_unit(acme_url: str, attempt: Callable[[str], Any]
                                              ) -> None:
    st = open_store(acme_url)
    before, rev, log = api.load(acme_url), st.revision(), len(st.history())
    with pytest.raises(PermissionDenied, match="bu-lead"):
        attempt(acme_url)
    assert st.revision() == rev and len(st.history()) == log
    st._cache.clear()
    assert api.load(acme_url) == before


def test_a_bu_lead_cannot_merge_another_units_survey(acme_url: str, tmp_path: Path) -> None:
    survey = export_survey(api.load(acme_url), "servers", tmp_path / "servers.xlsx")
    rev = open_store(acme_url).revision()
    with pytest.raises(PermissionDenied):
        actions.merge_survey(acme_url, LEAD, survey)
    assert open_store(acme_url).revision() == rev


def test_a_stale_write_is_a_conflict_naming_field_and_both_values(store_url: str,
                                                                  acme_path: Path) -> None:
    init_store(store_url, api.load(acme_path))
    a = actions.set_assessment(store_url, LEAD, "market-insight", "storage",
                               {"current": 1, "target": 4}, version=1)
    assert a.version == 2
    with pytest.raises(ConflictError) as exc:  # another user still holds version 1
        actions.set_assessment(store_url, LEAD, "market-insight", "storage",
                               {"current": 3}, version=1)
    err = exc.value
    assert err.code == "E-STALE" and err.version == 1 and err.current_version == 2
    assert [(c.field, c.yours, c.current) for c in err.conflicts] == [("current", 3, 1.0)]
    assert api.load(store_url).assessment("market-insight", "storage").current == 1


def test_a_stale_write_to_other_fields_names_what_changed(acme_url: str) -> None:
    actions.update_initiative(acme_url, ADMIN, "eu-data-act", {"name": "A"}, version=1)
    with pytest.raises(ConflictError) as exc:
        actions.update_initiative(acme_url, ADMIN, "eu-data-act", {"duration": 3}, version=1)
    assert [c.field for c in exc.value.conflicts] == ["name"]
    assert exc.value.conflicts[0].current == "A"


def test_new_entity_with_version_zero_conflicts_when_it_exists(acme_url: str) -> None:
    with pytest.raises(ConflictError):
        actions.set_assessment(acme_url, ADMIN, "market-insight", "storage",
                               {"current": 1, "target": 2}, version=0)


def test_invalid_values_are_located_by_json_field(acme_url: str) -> None:
    rev = open_store(acme_url).revision()
    with pytest.raises(ModelError) as exc:
        actions.set_assessment(acme_url, ADMIN, "market-insight", "storage",
                               {"current": 9, "pain": "lots"})
    locs = {i.location: i.code for i in exc.value.errors}
    assert locs == {"assessments[market-insight/storage].current": "E-RANGE",
                    "assessments[market-insight/storage].pain": "E-TYPE"}
    assert exc.value.errors[0].path[:2] == ("assessments", "market-insight/storage")
    with pytest.raises(ModelError) as exc:
        actions.update_initiative(acme_url, ADMIN, "eu-data-act", {"depends_on": ["nope"]})
    assert exc.value.errors[0].location == "initiatives[eu-data-act].depends_on[0]"
    assert exc.value.errors[0].code == "E-REF"
    assert open_store(acme_url).revision() == rev


def test_unknown_references_and_entities(acme_url: str) -> None:
    with pytest.raises(ModelError) as exc:
        actions.set_assessment(acme_url, ADMIN, "no-such-cap", "storage",
                               {"current": 1, "target": 2})
    assert exc.value.errors[0].code == "E-REF"
    with pytest.raises(UnknownIdError):
        actions.update_initiative(acme_url, ADMIN, "no-such-initiative", {"name": "x"})
    with pytest.raises(InputError, match="already exists"):
        actions.propose_initiative(acme_url, ADMIN, {
            "id": "eu-data-act", "name": "X", "owner": "storage", "kind": "run",
            "duration": 1, "cost": 1})


def test_sql_looking_text_is_stored_as_text(acme_url: str) -> None:
    evil = "x'); DROP TABLE entities; --"
    actions.set_assessment(acme_url, ADMIN, "market-insight", "storage",
                           {"current": 1, "target": 2, "notes": evil})
    assert api.load(acme_url).assessment("market-insight", "storage").notes == evil


def test_na_and_removing_entities(acme_url: str) -> None:
    actions.set_assessment(acme_url, ADMIN, "market-insight", "storage",
                           {"current": "n/a", "target": "n/a"})
    a = api.load(acme_url).assessment("market-insight", "storage")
    assert a is not None and not a.applicable
    arch = User("arch", "architect")
    stage = api.load(acme_url).stages[0].id
    w = actions.set_entity(acme_url, arch, "capability", "brand-new",
                           {"id": "brand-new", "name": "Brand new", "stage": stage})
    assert w.version == 1 and "brand-new" in api.load(acme_url).ids("capability")
    w = actions.set_entity(acme_url, arch, "capability", "brand-new", None)
    assert w.version is None
    assert "brand-new" not in api.load(acme_url).ids("capability")
    with pytest.raises(ModelError) as exc:  # still named by applications, initiatives, …
        actions.set_entity(acme_url, arch, "capability", "customer-success", None)
    assert exc.value.errors and all(i.code == "E-REF" and "customer-success" in i.message
                                    for i in exc.value.errors)
    assert all(i.location and "][" not in i.location and "[" in i.location
               for i in exc.value.errors)  # placed at the entity that names it


def test_removing_a_referenced_entity_is_refused(acme_url: str) -> None:
    with pytest.raises(ModelError) as exc:
        actions.set_entity(acme_url, ADMIN, "stages", api.load(acme_url).stages[0].id, None)
    assert any(i.code == "E-REF" for i in exc.value.errors)
    stage = api.load(acme_url).stages[0].id
    actions.set_entity(acme_url, ADMIN, "capabilities", "lonely",
                       {"id": "lonely", "name": "Lonely", "stage": stage})
    actions.set_assessment(acme_url, ADMIN, "lonely", "storage", {"current": 1, "target": 2})
    rev = open_store(acme_url).revision()
    with pytest.raises(ModelError) as exc:  # its assessment still names it
        actions.set_entity(acme_url, ADMIN, "capabilities", "lonely", None)
    assert exc.value.errors[0].location == "assessments[lonely/storage].capability"
    assert open_store(acme_url).revision() == rev


def test_budgets_and_policy(acme_url: str) -> None:
    w = actions.set_budget(acme_url, User("pat", "portfolio"), "2027Q1", 1234)
    assert w.key == "2027Q1/enterprise"
    e = api.load(acme_url)
    assert next(b for b in e.budgets if b.period == "2027Q1" and b.pool == "enterprise"
                ).amount == 1234
    with pytest.raises(ModelError):
        actions.set_budget(acme_url, ADMIN, "2027Q9", 1)
    actions.set_policy(acme_url, ADMIN, {"carry_over": "none"})
    assert api.load(acme_url).policy.carry_over == "none"


def test_merge_survey_writes_each_change_in_one_revision(acme_url: str, tmp_path: Path
                                                         ) -> None:
    from openpyxl import load_workbook

    survey = export_survey(api.load(acme_url), "storage", tmp_path / "s.xlsx")
    wb = load_workbook(survey)
    ws = wb["Assessments"]
    header = [c.value for c in ws[1]]
    col = header.index("current") + 1
    changed = []
    for row in range(2, 5):
        ws.cell(row, col).value = 0
        changed.append(ws.cell(row, 1).value)
    wb.save(survey)
    written = actions.merge_survey(acme_url, LEAD, survey, why="Q1 survey")
    assert {w.key.split("/")[0] for w in written} >= set(changed)
    assert len({w.revision for w in written}) == 1
    e = api.load(acme_url)
    assert all(e.assessment(c, "storage").current == 0 for c in changed)
    st = open_store(acme_url)
    st._cache.clear()
    assert st.read().enterprise == e  # the model kept after the merge is the one stored


def test_first_admin_only_on_a_store_without_users(acme_url: str) -> None:
    from opmodel.store.users import authenticate, user_for_token

    _user, token = actions.first_admin(acme_url, "boss", "pw")
    st = open_store(acme_url)
    assert user_for_token(st, token).role == "admin"
    assert authenticate(st, "boss", "pw").name == "boss"
    with pytest.raises(PermissionDenied):
        actions.first_admin(acme_url, "intruder", "pw")


def test_refresh_from_a_folder_writes_only_what_differs(acme_url: str, acme_copy: Path
                                                       ) -> None:
    from opmodel.store import refresh_store

    e = api.load(acme_copy)
    changed = e.model_copy(update={"budgets": e.budgets[1:]})
    opmodel_save(changed, acme_copy)
    rev = refresh_store(acme_url, acme_copy)
    st = open_store(acme_url)
    assert api.load(acme_url) == changed
    log = [c for c in st.history() if c.revision == rev]
    assert [(c.kind, c.field, c.new) for c in log] == [("budgets", None, None)]


def opmodel_save(e: Any, path: Path) -> None:
    import opmodel

    opmodel.save(e, path)


@pytest.mark.parametrize("bad", ["current=3", ["current", 3], {1: 3}])
def test_fields_that_are_not_a_mapping_are_refused(acme_url: str, bad: Any) -> None:
    with pytest.raises(ModelError) as exc:
        actions.set_assessment(acme_url, ADMIN, "market-insight", "storage", bad)
    assert exc.value.errors[0].code == "E-TYPE"


@pytest.mark.parametrize("key", ["", "a\x00b", "x" * 500])
def test_unusable_keys_are_refused_before_the_database(store_url: str, starter_path: Path,
                                                      key: str) -> None:
    init_store(store_url, starter_path)
    rev = open_store(store_url).revision()
    with pytest.raises((InputError, ModelError)):
        actions.update_initiative(store_url, ADMIN, key, {"name": "x"})
    with pytest.raises((InputError, ModelError)):
        actions.set_assessment(store_url, ADMIN, key, "storage", {"current": 1, "target": 2})
    assert open_store(store_url).revision() == rev


def test_unknown_fields_are_named(acme_url: str) -> None:
    with pytest.raises(ModelError) as exc:
        actions.update_initiative(acme_url, ADMIN, "eu-data-act", {"durration": 3})
    err = exc.value.errors[0]
    assert err.code == "E-UNKNOWN" and err.location == "initiatives[eu-data-act].durration"
    assert "duration" in (err.hint or "")


def test_enterprise_settings(acme_url: str) -> None:
    st = open_store(acme_url)
    cur = st.current("enterprise", "enterprise")
    assert cur is not None
    actions.set_entity(acme_url, ADMIN, "enterprise", "enterprise",
                       {**cur.data, "name": "Acme Two"}, version=cur.version)
    assert api.load(acme_url).name == "Acme Two"
    with pytest.raises(ModelError):
        actions.set_entity(acme_url, ADMIN, "enterprise", "enterprise",
                           {**cur.data, "horizon": {"start": "2027Q1", "quarters": 99}})


def test_decisions_and_actuals_go_through_the_cycle_rules(acme_url: str) -> None:
    if "decisions" not in R.list_kinds() or "actuals" not in R.list_kinds():
        pytest.skip("this build has no quarterly-cycle model (decisions, actuals)")
    pat = User("pat", "portfolio")
    target = _undecided(acme_url)
    w = actions.decide(acme_url, pat, target, "approve", cycle="2027Q3", rationale="needed",
                       fields={"start": "2027Q4", "date": "2027-07-10"}, why="Q3 meeting")
    d = api.load(acme_url).decisions[-1]
    assert (d.id, d.initiative, d.by, d.role, d.action) == (w.key, target, "pat", "portfolio",
                                                            "approve")
    rev = open_store(acme_url).revision()
    with pytest.raises(ModelError) as exc:  # approving it again breaks the lifecycle
        actions.decide(acme_url, pat, target, "approve", cycle="2027Q3",
                       fields={"start": "2027Q4", "date": "2027-07-11"})
    assert exc.value.errors[0].location.startswith("decisions[")
    assert open_store(acme_url).revision() == rev
    a = actions.record_actuals(acme_url, pat, target, "2027Q4", {"spent": 100,
                                                                  "percent_complete": 10})
    b = actions.record_actuals(acme_url, pat, target, "2027Q4", {"spent": 120},
                               version=a.version)
    assert b.version == 2
    assert [x.spent for x in api.load(acme_url).actuals if x.initiative == target] == [120]
    with pytest.raises(ConflictError):
        actions.record_actuals(acme_url, pat, target, "2027Q4", {"spent": 130}, version=1)
    with pytest.raises(PermissionDenied):
        actions.decide(acme_url, LEAD, target, "cancel", cycle="2027Q3", rationale="no")


def test_settings_errors_are_placed_on_the_setting(acme_url: str) -> None:
    cur = open_store(acme_url).current("enterprise", "enterprise")
    assert cur is not None
    with pytest.raises(ModelError) as exc:
        actions.set_entity(acme_url, ADMIN, "enterprise", "enterprise",
                           {**cur.data, "horizon": {"start": "2027Q1", "quarters": 99}})
    assert exc.value.errors[0].location == "enterprise.horizon.quarters"
    with pytest.raises(ModelError) as exc:
        actions.set_policy(acme_url, ADMIN, {"carry_over": "sometimes"})
    assert exc.value.errors[0].location == "policy.carry_over"


def test_set_user_changes_role_units_and_password(acme_url: str) -> None:
    from opmodel.store.users import authenticate, get_user

    actions.add_user(acme_url, ADMIN, "lee", "bu-lead", ["storage"], "old")
    u = actions.set_user(acme_url, ADMIN, "lee", units=["storage", "servers"],
                         password="new")
    st = open_store(acme_url)
    assert u == get_user(st, "lee") and u.units == ("storage", "servers")
    assert authenticate(st, "lee", "new").name == "lee"
    u = actions.set_user(acme_url, ADMIN, "lee", role="viewer")
    assert u.units == () and get_user(st, "lee").role == "viewer"  # type: ignore[union-attr]
    log = [(c.field, c.old, c.new) for c in st.history("users:lee")]
    assert ("units", ["storage"], ["storage", "servers"]) in log
    assert ("role", "bu-lead", "viewer") in log and ("password", None, "changed") in log
    with pytest.raises(UnknownIdError):
        actions.set_user(acme_url, ADMIN, "nobody", role="viewer")
    with pytest.raises(UnknownIdError):
        actions.set_user(acme_url, ADMIN, "lee", role="bu-lead", units=["nowhere"])


def test_apply_writes_only_what_the_transform_changed(acme_url: str) -> None:
    e = api.load(acme_url)
    pat = User("pat", "portfolio")

    def cut(m: Any) -> Any:
        return m.model_copy(update={"budgets": tuple(
            b.model_copy(update={"amount": b.amount * 0.9}) if b.period == "2027Q1" else b
            for b in m.budgets if b.period != "2027Q2")})

    written = actions.apply(acme_url, pat, "set_budget", cut, ["budgets"], why="10 % cut")
    changed = {w.key: w.version for w in written}
    assert changed and all(k.startswith(("2027Q1/", "2027Q2/")) for k in changed)
    assert all(v is None for k, v in changed.items() if k.startswith("2027Q2/"))
    assert api.load(acme_url) == cut(e)
    assert len({w.revision for w in written}) == 1

    def breaks(m: Any) -> Any:
        return m.model_copy(update={"budgets": (*m.budgets, m.budgets[0])})  # a duplicate

    rev = open_store(acme_url).revision()
    with pytest.raises(ModelError) as exc:
        actions.apply(acme_url, pat, "set_budget", breaks, ["budgets"])
    assert exc.value.errors[0].code == "E-DUP"
    assert open_store(acme_url).revision() == rev
    with pytest.raises(PermissionDenied):
        actions.apply(acme_url, LEAD, "set_assessment", lambda m: m, ["assessments"])


def test_budget_lines_a_pool_needs_cannot_go(acme_url: str) -> None:
    """Budgets are referenced (an initiative's pool needs budget lines): removing a pool's
    lines is checked against the initiatives, not against the budgets alone."""
    e = api.load(acme_url)
    pool = next(i.pool for i in e.initiatives if i.pool != "enterprise")

    def drop(m: Any) -> Any:
        return m.model_copy(update={"budgets": tuple(b for b in m.budgets if b.pool != pool)})

    with pytest.raises(ModelError) as exc:
        actions.apply(acme_url, ADMIN, "set_budget", drop, ["budgets"])
    assert any(pool in i.message for i in exc.value.errors)


def test_apply_keeps_the_stores_order(acme_url: str) -> None:
    """A transform that adds an entity in the middle: the model in memory after the write
    has the order the store will load (in place, new ones at the end)."""
    e = api.load(acme_url)
    first = e.budgets[0]
    extra = first.model_copy(update={"pool": "brand-new-pool", "amount": 1.0})

    def insert(m: Any) -> Any:
        return m.model_copy(update={"budgets": (m.budgets[0], extra, *m.budgets[1:])})

    actions.apply(acme_url, ADMIN, "set_budget", insert, ["budgets"])
    st = open_store(acme_url)
    kept = st.read().enterprise
    st._cache.clear()
    assert kept == st.read().enterprise
    assert kept.budgets[-1].pool == "brand-new-pool"


def test_a_version_it_never_had_names_only_the_fields_that_differ(acme_url: str) -> None:
    """`set_assessment(…, version=3)` on a store whose assessment is at version 1 (as
    docs/store.md's example once asked) listed every field as a conflict — "capability:
    yours 'order-capture', current 'order-capture'; business_unit: yours 'storage', current
    'storage'; …; target: yours 4, current 4.0" — where only `current` and `notes` differ."""
    with pytest.raises(ConflictError) as exc:
        actions.set_assessment(acme_url, ADMIN, "order-capture", "storage",
                               {"current": 2, "target": 4, "notes": "new CPQ"}, version=3)
    err = exc.value
    assert (err.version, err.current_version) == (3, 1)
    assert [c.field for c in err.conflicts] == ["current", "notes"], err.conflicts
    assert "capability:" not in str(err) and "target:" not in str(err)
