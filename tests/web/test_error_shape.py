"""One error shape for every error, checked over every route (STYLE.md §7)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from opmodel.web import create_app

from .conftest import assert_error_shape

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def routes(app: Any) -> list[APIRoute]:
    """The API's routes (not /docs, a page for people, which /openapi.json leaves out)."""
    return [r for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema]


def unknown_path(route: APIRoute) -> str:
    return re.sub(r"\{[^}]+\}", "no-such-thing", route.path)


@pytest.fixture(params=["folder", "store"])
def app_and_client(request: Any) -> Any:
    if request.param == "folder":
        return request.getfixturevalue("folder_app"), request.getfixturevalue("folder_client")
    clients = request.getfixturevalue("clients")
    return clients.app, clients["ada"]


def test_every_route_answers_errors_in_the_shape(app_and_client: Any) -> None:
    folder_app, folder_client = app_and_client
    checked = 0
    paths = {r.path: set() for r in routes(folder_app)}
    for r in routes(folder_app):
        paths[r.path] |= r.methods
    for route in routes(folder_app):
        for method in route.methods:
            if "{" in route.path:  # unknown ids: 404 (or 405/401/403 before the lookup)
                resp = folder_client.request(method, unknown_path(route), json={})
                if resp.status_code >= 400:
                    assert_error_shape(resp)
                    checked += 1
            # a malformed query and a malformed body
            resp = folder_client.request(method, route.path.replace("{", "").replace("}", "")
                                         + "?limit=-5&top=x&by=nowhere",
                                         content=b"{not json", headers={
                                             "content-type": "application/json"})
            if resp.status_code >= 400:
                assert_error_shape(resp)
                checked += 1
    for path, methods in paths.items():
        for method in set(ALL_METHODS) - methods:
            url = path.replace("{", "x").replace("}", "")
            resp = folder_client.request(method, url)
            assert_error_shape(resp)
            checked += 1
    assert checked > 2 * len(paths)


def test_unknown_route_and_method(folder_client: Any) -> None:
    body = assert_error_shape(folder_client.get("/no/such/route"), 404)
    assert body["code"] == "E-NOT-FOUND"
    body = assert_error_shape(folder_client.delete("/heatmap"), 405)
    assert body["code"] == "E-METHOD"


def test_unhandled_exception_has_the_shape(folder_app: Any, folder_client: Any) -> None:
    @folder_app.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("secret internals")

    body = assert_error_shape(folder_client.get("/boom-for-test"), 500)
    assert "secret internals" not in body["error"]


def test_oversize_body_is_413(folder_client: Any, folder_app: Any) -> None:
    limit = folder_app.state.ctx.max_body
    body = assert_error_shape(folder_client.post("/plans", content=b"x" * (limit + 1),
                                                 headers={"content-type": "application/json"}),
                              413)
    assert body["errors"][0]["field"] == "body"

    def chunks() -> Any:  # no Content-Length: counted while streaming
        for _ in range(limit // 65536 + 2):
            yield b"y" * 65536

    assert_error_shape(folder_client.post("/plans", content=chunks(),
                                          headers={"content-type": "application/json"}), 413)


def test_folder_is_read_only_and_takes_no_tokens(folder_client: Any) -> None:
    body = assert_error_shape(folder_client.get("/", headers={"Authorization": "Bearer x"}),
                              401)
    assert body["code"] == "E-AUTH"
    assert_error_shape(folder_client.get("/", headers={"Authorization": "Basic x"}), 401)


def test_openapi_documents_every_route_and_the_error_shape(folder_app: Any,
                                                          folder_client: Any) -> None:
    doc = folder_client.get("/openapi.json").json()
    assert doc["components"]["schemas"]["Error"]["required"] == ["ok", "error", "errors",
                                                                 "status", "code"]
    for route in routes(folder_app):
        ops = doc["paths"][route.path]
        for method in route.methods:
            op = ops[method.lower()]
            assert op["responses"]["4XX"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}
            assert "422" not in op["responses"]


def test_an_unknown_id_in_the_path_is_named(clients: Any) -> None:
    """docs/api.md: each problem names its field, ``path.id`` among them; a GET of an
    unknown entity, plan or initiative named none (a DELETE did)."""
    c = clients["vera"]
    for url, field in (("/capabilities/no-such", "path.id"),
                       ("/assessments/order-capture/no-such",
                        "path.capability/business_unit"),
                       ("/plans/no-such", "path.plan_id"),
                       ("/plans/no-such/result", "path.plan_id"),
                       ("/explain/no-such", "path.initiative")):
        err = assert_error_shape(c.get(url), 404)
        assert err["errors"][0]["field"] == field, (url, err)


@pytest.mark.parametrize("pages", [True, False])
def test_api_docs_page_loads_nothing_from_another_origin(acme_path: Path, pages: bool) -> None:
    """/docs is Swagger UI from the vendored files (FastAPI's default page fetches it and a
    favicon from a CDN: blank offline); every file it names is served here, with or
    without the web app."""
    import re

    with TestClient(create_app(acme_path, pages=pages)) as c:
        r = c.get("/docs")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "//" not in re.sub(r"<!--.*?-->", "", r.text), r.text  # no absolute URL
        files = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert len(files) == 3, files  # the bundle, its style sheet, the icon
        for f in files:
            assert f.startswith("/static/vendor/swagger-ui"), f
            assert c.get(f).status_code == 200, f
        assert "url: '/openapi.json'" in r.text
        assert c.get("/redoc").status_code == 404  # ReDoc would load from a CDN too
        assert c.get("/docs/oauth2-redirect").status_code == 200
