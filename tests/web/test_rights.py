"""The rights walk: every route × every role (and each bu-lead against a unit not theirs).

Each forbidden call is 403 in the error shape and changes nothing (the store's revision
and change log stay as they were); each allowed call is not refused. Unauthenticated calls
are 401 everywhere but /health and the OpenAPI document.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.routing import APIRoute

import opmodel
from opmodel.actions import allowed
from opmodel.store import open_store
from opmodel.store.users import User

from .conftest import ROLES, assert_error_shape

_n = itertools.count()


def _new_initiative(owner: str) -> dict[str, Any]:
    return {"id": f"walk-{next(_n)}", "name": "Walk", "owner": owner, "kind": "grow",
            "duration": 2, "cost": 100}


# (method, route) → list of (path, json body or None, action or None, units)
# action None: a read every role may make.
def samples() -> dict[tuple[str, str], list[tuple[str, Any, str | None, tuple[str, ...]]]]:
    read = [
        "/", "/enterprise", "/policy", "/me", "/heatmap", "/gaps", "/homogeneity", "/apps",
        "/weights", "/stability?draws=10", "/plans", "/history",
    ]
    out: dict[tuple[str, str], list[Any]] = {("GET", p.split("?")[0]): [(p, None, None, ())]
                                             for p in read}
    out[("GET", "/heatmap/cells/{column}/{unit}")] = [
        ("/heatmap/cells/order-to-cash/storage", None, None, ())]
    from opmodel.web.resources import KINDS
    from opmodel.web.writes import OWN

    from .conftest import ACME_PATH

    acme = opmodel.load(ACME_PATH)
    for kind in KINDS:
        items = kind.items(acme)
        key = "/".join(kind.key_of(items[0])) if items else \
            "/".join("no-such" for _ in kind.key)
        route = f"/{kind.path}/" + "/".join("{" + k + "}" for k in kind.key)
        out[("GET", f"/{kind.path}")] = [(f"/{kind.path}?limit=2", None, None, ())]
        out[("GET", route)] = [(f"/{kind.path}/{key}", None, None, ())]
        if kind.entity not in OWN and kind.path != "teams":
            missing = "/".join(f"no-such-{k.replace('_', '-')}" for k in kind.key)
            out[("PUT", route)] = [(f"/{kind.path}/{missing}", {"name": "x"}, "set_entity", ())]
            out[("DELETE", route)] = [(f"/{kind.path}/{missing}", None, "set_entity", ())]
    for m in ("PUT", "PATCH"):
        out[(m, "/assessments/{capability}/{business_unit}")] = [
            ("/assessments/order-capture/storage", {"current": 2}, "set_assessment",
             ("storage",)),
            ("/assessments/order-capture/networking", {"current": 2}, "set_assessment",
             ("networking",))]
    out[("POST", "/initiatives")] = [
        ("/initiatives", "new:storage", "propose_initiative", ("storage",)),
        ("/initiatives", "new:networking", "propose_initiative", ("networking",))]
    out[("PATCH", "/initiatives/{id}")] = [
        ("/initiatives/eu-data-act", {"name": "EU Data Act"}, "update_initiative", ("storage",)),
        ("/initiatives/ebs-sustain", {"name": "EBS"}, "update_initiative", ("networking",))]
    out[("PUT", "/budgets/{period}/{pool}")] = [("/budgets/2027Q1/enterprise", {"amount": 2100},
                                                 "set_budget", ())]
    out[("PATCH", "/policy")] = [("/policy", {"carry_over": "fiscal-year"}, "set_policy", ())]
    out[("PATCH", "/enterprise")] = [("/enterprise", {"description": "Acme, renamed"},
                                      "set_settings", ())]
    out[("POST", "/decisions")] = [("/decisions", {"initiative": "eu-data-act",
                                                   "action": "approve", "cycle": "2027Q1"},
                                    "decide", ())]
    out[("PUT", "/actuals/{initiative}/{quarter}")] = [
        ("/actuals/eu-data-act/2027Q1", {"spent": 10}, "record_actuals", ())]
    out[("GET", "/surveys/{business_unit}")] = [("/surveys/storage", None, None, ())]
    out[("POST", "/surveys")] = [("/surveys", {"not": "a workbook"}, "merge_survey", ())]
    out[("GET", "/users")] = [("/users", None, "add_user", ())]
    out[("GET", "/users/{name}")] = [("/users/vera", None, "add_user", ())]
    out[("POST", "/users")] = [("/users", "new-user", "add_user", ())]
    out[("POST", "/users/{name}/tokens")] = [("/users/vera/tokens", {}, "add_token", ())]
    out[("DELETE", "/users/{name}")] = [("/users/no-such-user", None, "disable_user", ())]
    out[("PATCH", "/users/{name}")] = [("/users/no-such-user", {"role": "viewer"}, "set_user",
                                        ())]
    # reads that would solve: an unknown name answers without solving (rights come first)
    out[("POST", "/plans")] = [("/plans", {"scenario": "no-such-scenario"}, None, ())]
    out[("GET", "/plans/{plan_id}")] = [("/plans/no-such-plan", None, None, ())]
    out[("GET", "/plans/{plan_id}/result")] = [("/plans/no-such-plan/result", None, None, ())]
    out[("GET", "/plans/{plan_id}/explain/{initiative}")] = [
        ("/plans/no-such-plan/explain/eu-data-act", None, None, ())]
    out[("GET", "/explain/{initiative}")] = [("/explain/no-such-initiative", None, None, ())]
    out[("GET", "/diff")] = [("/diff?b=no-such-scenario", None, None, ())]
    return out


OPEN = {("GET", "/health"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect")}  # no login
#: actions whose samples are valid writes: allowed callers must succeed, not only pass
MUST_SUCCEED = {"set_assessment", "propose_initiative", "update_initiative", "set_budget",
                "set_policy", "add_token", "add_user"}


def _state(store: Any) -> tuple[int, Any]:
    """The revision and the newest change-log entry: both move on any write."""
    last = store.history(limit=1)
    return store.revision(), last[-1] if last else None


def test_every_route_every_role(clients: Any, store_url: str) -> None:
    table = samples()
    routes = {(m, r.path) for r in clients.app.routes if isinstance(r, APIRoute)
              for m in r.methods}
    missing = routes - set(table) - OPEN
    assert not missing, f"routes without a rights sample: {sorted(missing)}"
    store = open_store(store_url)
    refused = allowed_calls = 0
    for (method, _route), cases in sorted(table.items()):
        for path, body, action, units in cases:
            for name, (role, my_units) in ROLES.items():
                payload = body
                if isinstance(body, str) and body.startswith("new:"):
                    payload = _new_initiative(body[4:])
                elif body == "new-user":
                    payload = {"name": f"u{next(_n)}", "role": "viewer"}
                before = _state(store)
                r = clients[name].request(method, path, json=payload,
                                          headers={"If-Match": "*"})
                user = User(name, role, my_units)  # type: ignore[arg-type]
                if action is not None and not allowed(user, action, units):
                    body_ = assert_error_shape(r, 403)
                    assert body_["code"] == "E-FORBIDDEN"
                    assert _state(store) == before, (method, path, name)
                    refused += 1
                else:
                    assert r.status_code not in (401, 403), (method, path, name, r.text)
                    assert r.status_code < 500, (method, path, name, r.text)
                    if action in MUST_SUCCEED:  # a valid write, allowed: it goes through
                        assert r.status_code in (200, 201), (method, path, name, r.text)
                    allowed_calls += 1
            # nobody signed in: 401, nothing changed
            before = _state(store)
            r = clients.anonymous.request(method, path, json=body if isinstance(body, dict)
                                          else None)
            assert_error_shape(r, 401)
            assert _state(store) == before
    assert refused > 50 and allowed_calls > 50


def test_bu_lead_cannot_move_an_initiative_to_a_unit_not_theirs(clients: Any,
                                                                 store_url: str) -> None:
    store = open_store(store_url)
    before = _state(store)
    r = clients["stella"].patch("/initiatives/eu-data-act", json={"owner": "networking"},
                                headers={"If-Match": "*"})
    assert_error_shape(r, 403)
    r = clients["stella"].patch("/initiatives/ebs-sustain", json={"owner": "storage"},
                                headers={"If-Match": "*"})
    assert_error_shape(r, 403)
    assert _state(store) == before
    assert clients["stella"].get("/initiatives/eu-data-act").json()["owner"] == "storage"


def test_open_routes_need_no_login(clients: Any) -> None:
    assert clients.anonymous.get("/health").status_code == 200
    assert clients.anonymous.get("/openapi.json").status_code == 200
    assert clients.anonymous.get("/docs").status_code == 200
    assert_error_shape(clients.anonymous.get("/", headers={"Authorization": "Bearer nope"}),
                       401)


def test_admin_changes_a_role_and_it_takes_effect(clients: Any) -> None:
    r = clients["ada"].patch("/users/vera", json={"role": "bu-lead", "units": ["networking"]})
    assert r.status_code == 200, r.text
    assert r.json()["user"] == {"name": "vera", "role": "bu-lead", "units": ["networking"]}
    assert clients["vera"].get("/me").json()["role"] == "bu-lead"
    ok = clients["vera"].patch("/assessments/order-capture/networking", json={"current": 2},
                               headers={"If-Match": "*"})
    assert ok.status_code == 200, ok.text
    assert_error_shape(clients["vera"].patch("/assessments/order-capture/storage",
                                             json={"current": 2}, headers={"If-Match": "*"}),
                       403)


def test_another_way_to_sign_in_plugs_in(clients: Any) -> None:
    """The hook the web app's session cookies use: an authenticator tried after tokens."""
    from opmodel.store.users import get_user
    from opmodel.web.auth import add_authenticator, principal_from_user

    app = clients.app

    def from_header(request: Any) -> Any:
        name = request.headers.get("x-test-user")
        user = name and get_user(app.state.ctx.source.store, name)
        return principal_from_user(user) if user else None

    add_authenticator(app, from_header)
    c = clients.anonymous
    assert c.get("/me", headers={"X-Test-User": "stella"}).json()["role"] == "bu-lead"
    r = c.patch("/assessments/order-capture/networking", json={"current": 2},
                headers={"X-Test-User": "stella", "If-Match": "*"})
    assert_error_shape(r, 403)  # the same rights, whichever way the user signed in
    assert_error_shape(c.get("/me", headers={"X-Test-User": "nobody"}), 401)


def test_the_last_admin_cannot_be_demoted_or_disabled(clients: Any, store_url: str) -> None:
    """Was allowed: the only admin made themselves a viewer, and nobody could manage users
    any more (through the API or the web app)."""
    store = open_store(store_url)
    before = store.revision()
    err = assert_error_shape(clients["ada"].patch("/users/ada", json={"role": "viewer"}), 422)
    assert err["errors"][0]["field"] == "body.role"
    assert "only admin" in err["error"]
    # the same refusal, the same status (disabling was a 400 without a field)
    err = assert_error_shape(clients["ada"].delete("/users/ada"), 422)
    assert err["errors"][0]["field"] == "path.name" and "only admin" in err["error"]
    assert store.revision() == before
    assert clients["ada"].get("/me").json()["role"] == "admin"
    # with a second admin, the first may step down
    assert clients["ada"].patch("/users/archie", json={"role": "admin"}).status_code == 200
    assert clients["ada"].patch("/users/ada", json={"role": "viewer"}).status_code == 200
    assert clients["archie"].get("/users").status_code == 200


@pytest.mark.parametrize("body,field", [
    ({"name": "Bad Name!", "role": "viewer"}, "body.name"),
    ({"name": "<script>", "role": "viewer"}, "body.name"),
    ({"name": "a" * 201, "role": "viewer"}, "body.name"),
    ({"name": "lead", "role": "bu-lead"}, "body.units"),
    ({"name": "boss", "role": "admin", "units": ["storage"]}, "body.units"),
], ids=["space-and-bang", "markup", "too-long", "bu-lead-without-units", "admin-with-units"])
def test_a_user_that_cannot_be_made_is_refused_at_its_field(clients: Any, store_url: str,
                                                           body: dict[str, Any],
                                                           field: str) -> None:
    """User names are what the hint says (letters, digits, '.', '-', '_', '@'): "Bad Name!"
    was accepted; and each refusal names its field (was a 400 without one)."""
    store = open_store(store_url)
    before = store.revision()
    err = assert_error_shape(clients["ada"].post("/users", json=body), 422)
    assert [e.get("field") for e in err["errors"]] == [field]
    assert store.revision() == before


def test_an_empty_password_is_refused_and_never_signs_in(clients: Any) -> None:
    """``PATCH /users/vera {"password": ""}`` set an empty password, and then anyone could
    sign in as vera with an empty password field."""
    from opmodel.store.users import authenticate

    err = assert_error_shape(clients["ada"].patch("/users/vera", json={"password": ""}), 422)
    assert err["errors"][0]["field"] == "body.password"
    st = open_store(clients.app.state.ctx.source.url)
    with pytest.raises(opmodel.errors.AuthenticationError):
        authenticate(st, "vera", "")
    assert authenticate(st, "vera", "pw-vera").name == "vera"


def test_the_users_are_paginated_as_every_list(clients: Any) -> None:
    c = clients["ada"]
    first = c.get("/users?limit=2").json()
    assert first["total"] == len(ROLES) and len(first["items"]) == 2
    names, page = [], first
    while True:
        names += [u["name"] for u in page["items"]]
        if page["next"] is None:
            break
        page = c.get(page["next"]).json()
    assert sorted(names) == sorted(ROLES)
    assert_error_shape(c.get("/users?limit=0"), 422)


def test_a_new_users_location_answers_the_user(clients: Any) -> None:
    """POST /users answered Location: /users, the list; the user is at /users/{name}."""
    r = clients["ada"].post("/users", json={"name": "lou", "role": "viewer"})
    assert r.status_code == 201, r.text
    got = clients["ada"].get(r.headers["location"])
    assert got.status_code == 200 and got.json() == r.json()["user"]
    assert_error_shape(clients["vera"].get(r.headers["location"]), 403)  # admin only
    err = assert_error_shape(clients["ada"].get("/users/nobody"), 404)
    assert err["errors"][0]["field"] == "path.name"
