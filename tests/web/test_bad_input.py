"""Bad input on every write route is refused with the field named, and nothing is written:
wrong types, unknown ids, out-of-range scores, oversize bodies, stale versions.
SQL-looking strings are data: stored and answered back as they were sent."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from opmodel.store import open_store

from .conftest import assert_error_shape

ANY = {"If-Match": "*"}
NEW = {"id": "new-one", "name": "New", "owner": "storage", "kind": "grow", "duration": 2,
       "cost": 100}

# (method, path, body, headers, status, field)
CASES = [
    # assessments
    ("PUT", "/assessments/order-capture/storage", {"current": "high"}, ANY, 422, "body.current"),
    ("PATCH", "/assessments/order-capture/storage", {"current": 7}, ANY, 422, "body.current"),
    ("PATCH", "/assessments/order-capture/storage", {"pain": -1}, ANY, 422, "body.pain"),
    ("PATCH", "/assessments/order-capture/storage", {"target": True}, ANY, 422, "body.target"),
    ("PATCH", "/assessments/order-capture/storage", {"colour": 1}, ANY, 422, "body.colour"),
    ("PATCH", "/assessments/order-capture/storage", [1, 2], ANY, 422, "body"),
    ("PATCH", "/assessments/order-capture/storage", {"current": 2, "why": 5}, ANY, 422,
     "body.why"),
    ("PUT", "/assessments/no-such-cap/storage", {"current": 1, "target": 2}, ANY, 422,
     "path.capability"),
    ("PUT", "/capabilities/Caf%C3%A9", {"name": "X", "stage": "sell"}, {}, 422, "path.id"),
    ("PUT", "/budgets/2027Q1/Bad%20Pool", {"amount": 5}, {}, 422, "path.pool"),
    ("PATCH", "/assessments/order-capture/storage", {"current": 2}, {"If-Match": '"x"'}, 412,
     "header.If-Match"),
    ("PATCH", "/assessments/order-capture/storage", {"current": 2}, {}, 428, "header.If-Match"),
    # time travel is read-only (a write with ?at= was made to the model as it stands)
    ("PATCH", "/assessments/order-capture/storage?at=r1", {"current": 2}, ANY, 400,
     "query.at"),
    ("POST", "/decisions?at=r1", {"initiative": "eu-data-act", "action": "approve",
                                  "cycle": "2027Q3"}, {}, 400, "query.at"),
    # initiatives
    ("POST", "/initiatives", {**NEW, "cost": "lots"}, {}, 422, "body.cost"),
    ("POST", "/initiatives", {**NEW, "duration": 0}, {}, 422, "body.duration"),
    ("POST", "/initiatives", {**NEW, "owner": "nowhere"}, {}, 422, "body.owner"),
    ("POST", "/initiatives", {**NEW, "effects": [{"capability": "crm", "uplift": 9}]}, {}, 422,
     "body.effects.0.uplift"),
    ("POST", "/initiatives", {**NEW, "id": "eu-data-act"}, {}, 409, "body.id"),
    ("POST", "/initiatives", {**NEW, "id": "Bad Id"}, {}, 422, "body.id"),
    ("POST", "/initiatives", "just text", {}, 422, "body"),
    ("PATCH", "/initiatives/eu-data-act", {"duration": "two"}, ANY, 422, "body.duration"),
    ("PATCH", "/initiatives/eu-data-act", {"architecture_fit": 3}, ANY, 422,
     "body.architecture_fit"),
    ("PATCH", "/initiatives/eu-data-act", {"depends_on": ["no-such"]}, ANY, 422,
     "body.depends_on.0"),
    ("PATCH", "/initiatives/no-such-initiative", {"name": "x"}, ANY, 404, "path.id"),
    # budgets, policy
    ("PUT", "/budgets/2027Q1/enterprise", {"amount": "much"}, ANY, 422, "body.amount"),
    ("PUT", "/budgets/2027Q1/enterprise", {"amount": -5}, ANY, 422, "body.amount"),
    ("PUT", "/budgets/2027Q1/enterprise", {}, ANY, 422, "body.amount"),
    ("PUT", "/budgets/2027Q1/enterprise", {"amount": 5, "colour": 1}, ANY, 422, "body.colour"),
    ("PUT", "/budgets/2027Q9/enterprise", {"amount": 5}, {}, 422, "path.period"),
    ("PATCH", "/policy", {"carry_over": "sometimes"}, ANY, 422, "body.carry_over"),
    ("PATCH", "/enterprise", {"fiscal_year_start": 5}, ANY, 422, "body.fiscal_year_start"),
    # decisions, actuals
    ("POST", "/decisions", {"action": "approve", "cycle": "2027Q1"}, {}, 422,
     "body.initiative"),
    ("POST", "/decisions", {"initiative": 5, "action": "approve", "cycle": "2027Q1"}, {}, 422,
     "body.initiative"),
    # the architecture
    ("PUT", "/capabilities/new-cap", {"name": "X", "stage": "no-such-stage"}, {}, 422,
     "body.stage"),
    ("PUT", "/capabilities/new-cap", {"name": "X", "stage": "sell", "parent": 5}, {}, 422,
     "body.parent"),
    ("PUT", "/business-units/storage", {"name": "S", "weight": -1}, ANY, 422, "body.weight"),
    ("DELETE", "/capabilities/no-such-cap", None, ANY, 404, "path.id"),
    # users
    ("POST", "/users", {"name": "zed", "role": "boss"}, {}, 422, "body.role"),
    ("POST", "/users", {"name": "zed", "role": "bu-lead", "units": ["nowhere"]}, {}, 422,
     "body.units"),
    ("POST", "/users", {"name": "zed", "role": "viewer", "units": "storage"}, {}, 422,
     "body.units"),
    ("POST", "/users", {"role": "viewer"}, {}, 422, "body.name"),
    ("POST", "/users/no-such-user/tokens", {}, {}, 404, "path.name"),
    ("DELETE", "/users/no-such-user", None, {}, 404, "path.name"),
    ("POST", "/surveys", {"a": "json object"}, {}, 422, "body"),
    ("PATCH", "/users/stella", {"role": "boss"}, {}, 422, "body.role"),
    ("PATCH", "/users/stella", {"units": ["nowhere"]}, {}, 422, "body.units"),
    ("PATCH", "/users/stella", {"units": "storage"}, {}, 422, "body.units"),
    ("PATCH", "/users/stella", {"colour": 1}, {}, 422, "body.colour"),
    ("PATCH", "/users/no-such-user", {"role": "viewer"}, {}, 404, "path.name"),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: Any) -> Any:
    """One store for the refused cases (each checks that it changed nothing)."""
    from opmodel.store import close_stores
    from opmodel.web import create_app

    from .conftest import ACME_PATH, Clients, make_store

    url = f"sqlite:///{tmp_path_factory.mktemp('bad') / 'acme.db'}"
    tokens = make_store(url, ACME_PATH)
    yield Clients(create_app(url), tokens), url
    close_stores()


def _architecture_cases() -> list[tuple[Any, ...]]:
    """For every kind written with set_entity: an unknown field, a wrong type, an unknown
    id to remove."""
    from opmodel.web.resources import KINDS
    from opmodel.web.writes import OWN

    out = []
    for kind in KINDS:
        if kind.entity in OWN or kind.path == "teams":
            continue
        new = "/".join(f"new-{k.replace('_', '-')}" for k in kind.key)
        out.append(("PUT", f"/{kind.path}/{new}", {"colour": 1}, {}, 422, "body.colour"))
        out.append(("PUT", f"/{kind.path}/{new}", {"name": True}, {}, 422, "body.name")
                   if kind.key == ("id",) else
                   ("PUT", f"/{kind.path}/{new}", {"functional_fit": False}, {}, 422,
                    "body.functional_fit"))
        out.append(("DELETE", f"/{kind.path}/{new}", None, ANY, 404,
                    f"path.{kind.key[-1]}"))
    return out


CASES += _architecture_cases()


def _state(store: Any) -> tuple[int, Any]:
    last = store.history(limit=1)
    return store.revision(), last[-1] if last else None


@pytest.mark.parametrize("method,path,body,headers,status,field", CASES,
                         ids=[f"{c[0]} {c[1]} {c[5]}" for c in CASES])
def test_refused_with_the_field_named(shared: Any, method: str, path: str, body: Any,
                                      headers: dict[str, str], status: int,
                                      field: str) -> None:
    clients, store_url = shared
    store = open_store(store_url)
    before = _state(store)
    r = clients["ada"].request(method, path, json=body, headers=headers)
    err = assert_error_shape(r, status)
    fields = [e.get("field") for e in err["errors"]]
    assert field in fields, err
    assert _state(store) == before


def test_every_write_route_has_a_bad_input_case(store_app: Any) -> None:
    import re

    covered = {(m, p) for m, p, *_ in CASES}
    for route in store_app.routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods - {"GET"}:
            if route.path == "/plans" or route.path.startswith("/actuals"):
                continue  # /plans: test_plans; actuals: below
            pattern = re.sub(r"\{[^}]+\}", "[^/]+", route.path) + "$"
            assert any(m == method and re.match(pattern, p) for m, p in covered), \
                (method, route.path)


def test_actuals_refused_with_the_field_named(clients: Any, store_url: str) -> None:
    store = open_store(store_url)
    before = _state(store)
    r = clients["ada"].put("/actuals/no-such-initiative/2027Q1", json={"spent": 1})
    body = assert_error_shape(r)
    assert r.status_code in (400, 404, 422)
    if r.status_code == 404:
        assert body["errors"][0]["field"] == "path.initiative"
    assert _state(store) == before


def test_oversize_body_is_refused_and_nothing_written(clients: Any, store_url: str) -> None:
    store = open_store(store_url)
    before = _state(store)
    big = {"notes": "x" * (clients.app.state.ctx.max_body + 10)}
    r = clients["ada"].patch("/assessments/order-capture/storage", json=big, headers=ANY)
    assert assert_error_shape(r, 413)["errors"][0]["field"] == "body"
    assert _state(store) == before


SQLISH = ["'; DROP TABLE entities; --", "1 OR 1=1", "\" OR \"\"=\"", "x'); DELETE FROM changes;--",
          "Robert'); DROP TABLE users;--"]


def test_sql_looking_strings_are_stored_as_data(clients: Any, store_url: str) -> None:
    c = clients["stella"]
    for text in SQLISH:
        r = c.patch("/assessments/order-capture/storage", json={"notes": text, "why": text},
                    headers=ANY)
        assert r.status_code == 200, r.text
        got = c.get("/assessments/order-capture/storage").json()
        assert got["notes"] == text
    # nothing was dropped: the model, the log and the users are all there
    assert c.get("/capabilities?limit=1").json()["total"] == 55
    log = c.get("/history?entity=assessments:order-capture/storage").json()["items"]
    assert [x["why"] for x in log[:len(SQLISH)]] == list(reversed(SQLISH))
    assert clients["ada"].get("/users").json()["total"] >= 6
    # and in ids, they are refused as ids, not run
    r = clients["ada"].put("/capabilities/x';drop", json={"name": "x", "stage": "sell"})
    assert_error_shape(r, 422)
    r = clients["ada"].get("/capabilities?stage=' OR 1=1 --")
    assert r.status_code == 200 and r.json()["total"] == 0


def test_stale_version_is_409_with_both_values(clients: Any, store_url: str) -> None:
    a, b = clients["stella"], clients["archie"]
    url = "/assessments/order-capture/storage"
    tag = a.get(url).headers["etag"]
    r1 = a.patch(url, json={"current": 2}, headers={"If-Match": tag})
    assert r1.status_code == 200
    assert r1.headers["etag"] != tag
    store = open_store(store_url)
    before = _state(store)
    r2 = b.patch(url, json={"current": 3}, headers={"If-Match": tag})
    err = assert_error_shape(r2, 409)
    conflict = err["errors"][0]
    assert conflict["field"] == "body.current"
    assert conflict["yours"] == 3 and conflict["current"] == 2
    assert _state(store) == before
    assert a.get(url).json()["current"] == 2
    # with the new version it goes through
    r3 = b.patch(url, json={"current": 3}, headers={"If-Match": r1.headers["etag"]})
    assert r3.status_code == 200 and r3.json()["version"] == r1.json()["version"] + 1
    # the version may come in the body too
    r4 = b.patch(url, json={"current": 4, "version": r1.json()["version"]})
    assert_error_shape(r4, 409)


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("raw,field", [
    (b'{"current": 2, "why": "\\ud800"}', "body.why"),
    (b'{"current": 2, "why": "a\\u0000b"}', "body.why"),
    (b'{"notes": "x\\udc00y"}', "body.notes"),
    (b'{"current": 2, "\\ud800": 1}', "body.\\ud800"),
], ids=["why-lone-surrogate", "why-nul", "notes-lone-surrogate", "key-lone-surrogate"])
def test_text_no_database_can_hold_is_refused_at_its_field(clients: Any, store_url: str,
                                                          raw: bytes, field: str) -> None:
    """JSON may spell a lone UTF-16 surrogate; it is not text (a 500 from the database
    write, or from the error answer echoing it). A NUL in the reason was stored on SQLite
    and a 500 on PostgreSQL. Now: 422 at the field, nothing written."""
    store = open_store(store_url)
    before = _state(store)
    r = clients["ada"].patch("/assessments/order-capture/storage", content=raw,
                             headers={**ANY, **JSON})
    err = assert_error_shape(r, 422)
    assert field in [e.get("field") for e in err["errors"]], err
    assert _state(store) == before
    # a stale write of such text is refused the same way (was a 500: the 409 answer echoed
    # the text and could not be encoded)
    r = clients["ada"].patch("/assessments/order-capture/storage", content=raw,
                             headers={"If-Match": '"0"', **JSON})
    assert_error_shape(r)
    r = clients["ada"].post("/users", content=b'{"name": "sam", "role": "viewer", '
                                              b'"password": "\\ud800"}', headers=JSON)
    assert assert_error_shape(r, 422)["errors"][0]["field"] == "body.password"
    assert _state(store) == before


def test_an_error_answer_echoing_a_lone_surrogate_is_still_json(clients: Any) -> None:
    r = clients["ada"].post("/plans", content=b'{"scenario": "\\ud800"}', headers=JSON)
    err = assert_error_shape(r, 422)
    assert err["errors"][0]["field"] == "body.scenario"


def test_history_refuses_a_filter_it_does_not_know(clients: Any) -> None:
    """``?user=`` was ignored: the whole log came back as if filtered."""
    c = clients["ada"]
    ok = clients["stella"].patch("/assessments/order-capture/storage", json={"current": 2},
                                 headers=ANY)
    assert ok.status_code == 200
    err = assert_error_shape(c.get("/history?user=stella"), 400)
    assert err["errors"][0]["field"] == "query.user"
    mine = c.get("/history?who=stella").json()["items"]
    assert mine and {x["who"] for x in mine} == {"stella"}
    added = c.get("/history?action=add_user&limit=1000").json()["items"]
    assert {x["action"] for x in added} == {"add_user"} and len(added) == 6


def test_number_filters_compare_numbers(clients: Any) -> None:
    """``?current=2`` found nothing (the items say 2.0); ``?current=abc`` found nothing
    instead of saying why."""
    c = clients["ada"]
    two = c.get("/assessments?current=2&limit=1000").json()
    assert two["total"] > 0 and {a["current"] for a in two["items"]} == {2.0}
    assert c.get("/assessments?current=2.0&limit=1").json()["total"] == two["total"]
    # a value of the wrong type: 422, as ?limit=abc (was 400)
    err = assert_error_shape(c.get("/assessments?current=abc"), 422)
    assert err["errors"][0]["field"] == "query.current"
    assert assert_error_shape(c.get("/assessments?limit=abc"), 422)["code"] == "E-INVALID"


@pytest.mark.parametrize("query", ["offset=9999999999999999999", "since=99999999999999999999"])
def test_a_number_too_large_for_the_database_is_refused_at_its_field(clients: Any,
                                                                    query: str) -> None:
    """Was a 500: the history passes them to the database, whose integers overflow."""
    err = assert_error_shape(clients["vera"].get(f"/history?{query}"), 422)
    assert err["errors"][0]["field"] == "query." + query.split("=")[0]


@pytest.mark.parametrize("how", ["header", "body"])
def test_a_version_past_any_the_entity_had_is_stale_not_a_500(clients: Any, store_url: str,
                                                              how: str) -> None:
    store = open_store(store_url)
    before = _state(store)
    big = 99999999999999999999
    r = clients["ada"].patch("/assessments/order-capture/storage",
                             json={"current": 2, **({"version": big} if how == "body" else {})},
                             headers={"If-Match": f'"{big}"'} if how == "header" else {})
    assert_error_shape(r, 409)
    assert _state(store) == before


@pytest.mark.parametrize("seed", ["-1", "99999999999999999999999999"])
def test_a_random_seed_out_of_range_is_refused_at_its_field(clients: Any, seed: str) -> None:
    """``/stability?seed=-1`` was a 500 (numpy refuses negative seeds)."""
    err = assert_error_shape(clients["vera"].get(f"/stability?seed={seed}&draws=10"), 422)
    assert err["errors"][0]["field"] == "query.seed"


def test_json_nested_too_deep_is_refused_at_the_body(clients: Any, store_url: str) -> None:
    store = open_store(store_url)
    before = _state(store)
    deep = b'{"notes": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    r = clients["ada"].patch("/assessments/order-capture/storage", content=deep,
                             headers={**ANY, **JSON})
    assert assert_error_shape(r, 400)["errors"][0]["field"] == "body"
    assert _state(store) == before


def test_why_in_a_header_keeps_its_accents(clients: Any) -> None:
    """X-Why sent as UTF-8 (what curl and browsers send) was stored read as Latin-1:
    "BegrÃ¼ndung" in the history of who decided what and why."""
    c = clients["stella"]
    url = "/assessments/order-capture/storage"
    for why, raw in (("Begründung: Kundenwunsch — 顧客", "Begründung: Kundenwunsch — 顧客"
                      .encode()), ("café", "café".encode("latin-1"))):  # true Latin-1 too
        r = c.patch(url, json={"notes": why}, headers={**ANY, "X-Why": raw})
        assert r.status_code == 200, r.text
        log = c.get(f"/history?entity=assessments:{url.split('/', 2)[2]}").json()["items"]
        assert log[0]["why"] == why, log[0]


@pytest.mark.parametrize("method,path", [
    ("GET", "/heatmap?layr=gap"), ("GET", "/gaps?tpo=5"), ("GET", "/homogeneity?limt=5"),
    ("GET", "/apps?by_unit=true"), ("GET", "/weights?x=1"), ("GET", "/stability?draw=5"),
    ("GET", "/heatmap/cells/order-to-cash/storage?lyer=gap"), ("GET", "/enterprise?x=1"),
    ("GET", "/capabilities/order-capture?x=1"), ("GET", "/users?limits=5"), ("GET", "/me?x=1"),
    ("GET", "/plans?x=1"), ("GET", "/surveys/storage?x=1"),
    ("PATCH", "/assessments/order-capture/storage?verison=3"),
])
def test_a_query_parameter_a_route_does_not_take_is_refused(clients: Any, method: str,
                                                           path: str) -> None:
    """/heatmap?layr=gap answered the priority layer as if asked for, /gaps?tpo=5 the top
    20: a parameter not taken was ignored where the lists and the history refuse it (400 at
    its field, with what the route takes)."""
    r = clients["ada"].request(method, path, json={"current": 2} if method != "GET" else None,
                               headers=ANY if method != "GET" else {})
    err = assert_error_shape(r, 400)
    name = path.split("?")[1].split("=")[0]
    assert err["errors"][0]["field"] == f"query.{name}" and err["code"] == "E-UNKNOWN"
    assert "hint" in err["errors"][0]
    # the parameters it takes, and ?at= (time travel), still work
    if method == "GET":
        ok = clients["ada"].get(path.split("?")[0], params={"at": "r1"})
        assert ok.status_code == 200, ok.text[:300]


@pytest.mark.parametrize("method,path,raw,field,message", [
    ("GET", "/capabilities?limit=abc", None, "query.limit", "limit: 'abc' is not a whole number"),
    ("GET", "/stability?spread=2", None, "query.spread", "spread: 2 must be at most 1"),
    ("GET", "/capabilities?limit=0", None, "query.limit", "limit: 0 must be at least 1"),
    ("POST", "/surveys?force=maybe", None, "query.force",
     "force: 'maybe' is not true or false"),
    ("POST", "/plans", b'{"time_limit": 0}', "body.time_limit", "time_limit: 0 must be above 0"),
    ("POST", "/plans", b'{"confidnce": 0.5}', "body.confidnce", "unknown key 'confidnce'"),
    ("POST", "/initiatives", b'{"id": "x",}', "body",
     "not JSON: Expecting property name enclosed in double quotes (at character 12)"),
    ("POST", "/initiatives", b"", "body", "no body: send a JSON object"),
])
def test_request_validation_is_said_in_our_words(clients: Any, method: str, path: str,
                                                 raw: bytes | None, field: str,
                                                 message: str) -> None:
    """FastAPI's own validation answered pydantic's words ("Input should be a valid integer,
    unable to parse string as an integer", "JSON decode error" at ``body.11``, the
    character's position; an unknown key's hint listed the model's enterprise fields)."""
    r = clients["ada"].request(method, path, content=raw,
                               headers=JSON if raw is not None else {})
    err = assert_error_shape(r, 422)
    entry = next(e for e in err["errors"] if e["field"] == field)
    assert entry["message"] == message, err
    if "confidnce" in message:
        assert entry["hint"] == "did you mean 'confidence'?"
