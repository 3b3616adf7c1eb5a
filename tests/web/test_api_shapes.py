"""One output contract for the command line and the REST API (docs/output.md, docs/api.md):
every result the API shares with a command is the same document — the same ``schema`` and
``version`` head, the same fields — and validates against the published schema in its
closed form (a field written but not described fails, as one described but missing does).
Errors have one shape, published as docs/schemas/api-error.json."""

from __future__ import annotations

import json
import time
import warnings
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from opmodel.cli import app as cli_app
from opmodel.outputs import OUTPUTS, json_schema

from .conftest import assert_error_shape

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi import Request
    from fastapi.testclient import TestClient

FAST = {"time_limit": 3, "gap": 0.05, "seed": 0}
"""The shape is under test, not the optimum."""


def client_of(app: Any, url: str, user: str) -> Any:
    from opmodel import actions
    from opmodel.store.users import User

    token = actions.add_token(url, User("opmodel", "admin"), user)
    return TestClient(app, raise_server_exceptions=False,
                      headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def api(app: Any, url: str) -> Any:
    """A viewer's client of the module's store app (a viewer reads and plans)."""
    with client_of(app, url, "vera") as c:
        yield c


def check(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """``doc`` is the document of output ``name``: head and closed schema."""
    assert doc["schema"] == f"opmodel.{name}", doc.get("schema")
    assert doc["version"] == OUTPUTS[name].version_
    jsonschema.validate(doc, json_schema(name, closed=True))
    return doc


def cli(*args: str) -> dict[str, Any]:
    r = CliRunner().invoke(cli_app, [*args, "--format", "json"], env={"COLUMNS": "120"})
    assert r.exit_code == 0, r.output[-2000:]
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def paths(x: Any, at: str = "") -> set[str]:
    """Every key path of a document, list items merged (``rows[].rank``); the keys of
    id-keyed maps (per quarter, per initiative, per scenario) stand for any key."""
    out = {at}
    if isinstance(x, dict):
        for k, v in x.items():
            key = "*" if at.rsplit(".", 1)[-1] in MAPS else k
            out |= paths(v, f"{at}.{key}")
    elif isinstance(x, list):
        for v in x:
            out |= paths(v, f"{at}[]")
    return out


MAPS = {"per_quarter", "baselines", "statuses", "fixed", "omega", "counts", "cost",
        "omega_range", "terms", "model"}


# the analysis the API shares with a command: (route, query, the command's arguments)
ANALYSIS = {
    "gaps": ("/gaps", {"top": 5}, ["gaps", "-n", "5"]),
    "heatmap": ("/heatmap", {"by": "capability", "layer": "gap"},
                ["heatmap", "--by", "capability", "--layer", "gap"]),
    "heatmap-cell": ("/heatmap/cells/order-to-cash/storage", {},
                     ["heatmap", "--explain", "order-to-cash/storage"]),
    "homogeneity": ("/homogeneity", {}, ["homogeneity"]),
    "apps": ("/apps", {}, ["apps"]),
    "weights": ("/weights", {}, ["weights"]),
    "stability": ("/stability", {"draws": 50}, ["stability", "--draws", "50"]),
}


PAGE_KEYS = ("ok", "total", "limit", "offset", "next")


def read_pages(api: Any, route: str, limit: int) -> dict[str, Any]:
    """A paged document (/homogeneity, /apps) read page by page following ``next``, its
    row lists joined: each page is the document (page fields aside), and so is the whole."""
    from opmodel.web.analysis import PAGED

    name = route.strip("/")
    whole: dict[str, Any] | None = None
    url: str | None = f"{route}?limit={limit}"
    pages = 0
    while url:
        r = api.get(url)
        assert r.status_code == 200, r.text[:500]
        page = r.json()
        assert page["ok"] is True and page["limit"] == limit, page
        assert all(len(page[k]) <= limit for k in PAGED[name])
        url = page["next"]
        doc = check({k: v for k, v in page.items() if k not in PAGE_KEYS}, name)
        if whole is None:
            whole = doc
        else:
            for k in PAGED[name]:
                whole[k] += doc[k]
        pages += 1
        total = page["total"]
    assert whole is not None and pages == max(1, -(-total // limit))
    assert total == max(len(whole[k]) for k in PAGED[name])
    return whole


@pytest.mark.parametrize("name", sorted(ANALYSIS))
def test_analysis_answers_are_the_cli_documents(api: Any, url: str, name: str) -> None:
    route, query, args = ANALYSIS[name]
    doc = check(cli(args[0], url, *args[1:]), name)  # the same model: the same
    if name in ("homogeneity", "apps"):  # paged as every list: the pages make the document
        assert read_pages(api, route, 7) == doc
        assert read_pages(api, route, 1000) == doc
        return
    r = api.get(route, params=query)
    assert r.status_code == 200, r.text[:500]
    assert check(r.json(), name) == doc


@pytest.mark.parametrize("route", ["/homogeneity", "/apps"])
def test_paged_documents_take_the_list_parameters(api: Any, route: str) -> None:
    """They answered everything at once, whatever was asked; now ?limit=&offset= as every
    list (limit 1–1000, default 100), refused the same way out of range."""
    first = api.get(route).json()
    assert (first["limit"], first["offset"]) == (100, 0)
    spec = api.get("/openapi.json").json()["paths"][route]["get"]["responses"]["200"]
    jsonschema.validate(first, spec["content"]["application/json"]["schema"])  # as documented
    last = api.get(route, params={"offset": first["total"] - 1, "limit": 5}).json()
    assert last["next"] is None and last["offset"] == first["total"] - 1
    from opmodel.web.analysis import PAGED

    assert all(len(last[k]) <= 1 for k in PAGED[route.strip("/")])
    assert len(first[PAGED[route.strip("/")][0]]) == min(100, first["total"]) or \
        len(first[PAGED[route.strip("/")][1]]) == min(100, first["total"])
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}):
        err = assert_error_shape(api.get(route, params=bad), 422)
        assert err["errors"][0]["field"] == f"query.{next(iter(bad))}"


def wait(client: Any, url: str, timeout: float = 120) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        body = client.get(url, params={"wait": 5}).json()
        if body["status"] in ("done", "failed"):
            return body  # type: ignore[no-any-return]
    raise AssertionError(f"{url} did not finish")


@pytest.fixture(scope="module")
def plan_job(api: Any) -> dict[str, Any]:
    r = api.post("/plans", json={**FAST, "draws": 200})
    assert r.status_code == 202, r.text
    job = wait(api, r.headers["location"])
    assert job["status"] == "done", job
    return job


def test_the_plan_is_the_cli_plan_document(api: Any, url: str,
                                           plan_job: dict[str, Any]) -> None:
    rest = check(api.get(plan_job["result"]).json(), "plan")
    doc = check(cli("plan", url, "-t", "3", "--gap", "0.05", "--draws", "200"), "plan")
    assert paths(rest) == paths(doc)
    # the same model and the same plan id, however it was asked for
    assert (rest["plan_id"], rest["inputs_sha256"]) == (doc["plan_id"], doc["inputs_sha256"])
    assert rest["risk"] is not None and rest["within_budget"]["draws"] == 200


def test_a_re_plan_as_of_a_quarter_is_the_cli_re_plan(api: Any, url: str) -> None:
    """``POST /plans`` with ``as_of`` answers what ``opmodel plan --as-of`` prints: the same
    id (model and quarter), the same shape, and the cycle's changes against the record."""
    r = api.post("/plans", json={**FAST, "draws": 0, "as_of": "2027Q3"})
    assert r.status_code == 202, r.text
    job = wait(api, r.headers["location"])
    assert job["status"] == "done", job
    rest = check(api.get(job["result"]).json(), "plan")
    doc = check(cli("plan", url, "-t", "3", "--gap", "0.05", "--draws", "0",
                    "--as-of", "2027Q3"), "plan")
    assert paths(rest) == paths(doc) and "cycle" in rest
    assert rest["plan_id"] == doc["plan_id"] and rest["plan_id"].startswith("plan-2027q3-")
    assert rest["cycle"]["as_of"] == "2027Q3"
    # the decisions bind alike, and nothing is scheduled before the quarter re-planned from
    assert rest["cycle"]["fixed"] == doc["cycle"]["fixed"] != {}
    assert rest["cycle"]["sunk"] == doc["cycle"]["sunk"] > 0
    starts = [s["start"] for s in rest["schedule"] if s.get("start")]
    assert starts and min(starts) == "2027Q3", starts
    body = api.post("/plans", json={"as_of": "2027Q5"})
    assert body.status_code == 422 and body.json()["errors"][0]["field"] == "body.as_of"


def test_explain_and_diff_are_their_documents(api: Any, url: str,
                                              plan_job: dict[str, Any]) -> None:
    funded = next(x for x in api.get(plan_job["result"]).json()["explanations"]
                  if x["funded"])
    of_job = check(api.get(f"{plan_job['url']}/explain/{funded['id']}").json(), "explain")
    assert of_job["id"] == funded["id"] and of_job["funded"] is True
    r = api.get("/explain/dr-refresh", params={"replan": "false", "time_limit": 3})
    assert r.status_code == 200, r.text[:500]
    rest = check(r.json(), "explain")
    doc = check(cli("explain", url, "dr-refresh", "--no-replan", "-t", "3", "--gap", "0.05"),
                "explain")
    # details hold what backs the reason (closed schema above), which may differ by solve
    assert {p for p in paths(rest) if not p.startswith(".details.")} == \
        {p for p in paths(doc) if not p.startswith(".details.")}
    r = api.get("/diff", params={"a": "base", "b": "lean", "time_limit": 3})
    assert r.status_code == 200, r.text[:500]
    d = check(r.json(), "diff")
    assert (d["a"], d["b"]) == ("base", "lean")


def test_a_page_plan_is_answered_as_the_plan_document(app: Any, api: Any,
                                                      plan_job: dict[str, Any]) -> None:
    """A plan the web pages started (its job keeps the plan, not the document) is the same
    document through /plans/{id}/result, and explains through /plans/{id}/explain."""
    from opmodel.web.pages.plan import plan_view

    ctx = app.state.ctx
    snap = ctx.models.current()
    plan = next(v for _, v in ctx.plans.items() if hasattr(v, "selected"))
    job = ctx.jobs.submit("plan", {"seed": 0}, snap.version, "vera",
                          lambda j: (b"", plan_view(plan, snap.enterprise)),
                          lambda exc: {})
    job.wait(30)
    doc = check(api.get(f"/plans/{job.id}/result").json(), "plan")
    assert doc["objective"] == pytest.approx(plan.objective)
    first = doc["explanations"][0]["id"]
    check(api.get(f"/plans/{job.id}/explain/{first}").json(), "explain")


def test_history_items_are_the_cli_changes(api: Any, url: str) -> None:
    r = api.get("/history", params={"limit": 5})
    assert r.status_code == 200, r.text[:500]
    items = r.json()["items"]
    assert items
    s = json_schema("history", closed=True)
    change = {"$defs": s["$defs"], "$ref": "#/$defs/HistoryChange"}
    for item in items:
        jsonschema.validate(item, change)
    # the same changes: the API newest first, the command line in the order they happened
    assert items == cli("history", url, "-n", "5")["changes"][::-1]


# the routes answering a command's document, beyond ANALYSIS; each is exercised above
PLANNING = {"/plans/{plan_id}/result": "plan", "/plans/{plan_id}/explain/{initiative}":
            "explain", "/explain/{initiative}": "explain", "/diff": "diff"}


def test_openapi_names_the_result_schemas(api: Any) -> None:
    """Every route that answers a command's document says so in /openapi.json, with the
    published schema; and every such route is one this module checks."""
    doc = api.get("/openapi.json").json()
    named = {}
    for route, ops in doc["paths"].items():
        answer = ops.get("get", {}).get("responses", {}).get("200", {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        parts = schema.get("allOf", [schema])  # a paged document: the page, the document
        schema = next((p for p in parts if "schema" in p.get("properties", {})), {})
        const = schema.get("properties", {}).get("schema", {}).get("const")
        if const is not None:
            named[route] = const.removeprefix("opmodel.")
            assert schema["properties"].keys() == json_schema(named[route])[
                "properties"].keys(), route
            page = [p for p in parts if p is not schema]
            assert (route in ("/homogeneity", "/apps")) == bool(page), route
            for p in page:
                assert p["required"] == list(PAGE_KEYS), route
    checked = {r: n for n, (r, _, _) in ANALYSIS.items()} | PLANNING
    checked["/heatmap/cells/{column}/{unit}"] = checked.pop(
        "/heatmap/cells/order-to-cash/storage")
    assert named == checked


@pytest.mark.parametrize("status", [404, 405, 409, 412, 422, 500])
def test_every_error_is_the_published_shape(app: Any, url: str, api: Any,
                                            plan_job: dict[str, Any], status: int) -> None:
    """404, 405, 409, 412, FastAPI's own 422 and a 500 answer the one shape, which is
    docs/schemas/api-error.json (the same schema /openapi.json names)."""
    if status == 404:
        r = api.get("/capabilities/no-such-capability")
    elif status == 405:
        r = api.delete("/gaps")
    elif status == 409:
        job = app.state.ctx.jobs.get(plan_job["id"])
        job_status, job.status = job.status, "running"
        try:
            r = api.get(f"/plans/{job.id}/explain/dr-refresh")
        finally:
            job.status = job_status
    elif status == 412:
        with client_of(app, url, "archie") as architect:
            r = architect.patch("/assessments/order-capture/storage", json={"current": 3},
                                headers={"If-Match": '"not-a-version"'})
    elif status == 422:
        r = api.get("/gaps", params={"top": "many"})  # FastAPI's own query validation
    else:
        def broken(request: Request) -> Any:
            raise RuntimeError("a bug")

        app.add_api_route("/test-broken", broken)
        r = api.get("/test-broken")
    body = assert_error_shape(r, status)
    jsonschema.validate(body, json_schema("api-error", closed=True))
    if status == 422:
        assert body["errors"][0]["field"] == "query.top"


def test_the_pages_answer_their_own_errors_as_the_error_page(app: Any) -> None:
    """Under /ui an unknown page, a wrong method or a malformed query is the web app's
    error page (HTML), never FastAPI's default ``{"detail": …}``; the API keeps its shape."""
    c = TestClient(app, raise_server_exceptions=False)
    for method, path, status in (("GET", "/ui/no-such-page", 404),
                                 ("DELETE", "/ui/login", 405)):
        r = c.request(method, path)
        assert r.status_code == status, (path, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), (path, r.text[:200])
        assert "detail" not in r.text[:200]
    assert_error_shape(c.get("/no-such-route"), 404)
