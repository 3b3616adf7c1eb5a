"""Reading the model over HTTP: entities with pagination and ETags, analysis as the CLI."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from opmodel import api
from opmodel.cli import app as cli_app

from .conftest import assert_error_shape


def test_list_pages_through_every_item(folder_client: Any, acme_path: Any) -> None:
    e = api.load(acme_path)
    seen: list[str] = []
    url: str | None = "/capabilities?limit=7"
    while url:
        r = folder_client.get(url)
        assert r.status_code == 200
        body = r.json()
        assert body["ok"] is True and body["total"] == len(e.capabilities)
        seen += [c["id"] for c in body["items"]]
        url = body["next"]
    assert seen == [c.id for c in e.capabilities]


def test_filters_and_keys(folder_client: Any, acme_path: Any) -> None:
    e = api.load(acme_path)
    r = folder_client.get("/assessments", params={"business_unit": "storage", "limit": 1000})
    want = [a for a in e.assessments if a.business_unit == "storage"]
    assert r.json()["total"] == len(want)
    a = want[0]
    r = folder_client.get(f"/assessments/{a.capability}/{a.business_unit}")
    assert r.status_code == 200
    assert r.json() == a.model_dump(mode="json")
    assert r.headers["etag"].startswith('"')
    again = folder_client.get(f"/assessments/{a.capability}/{a.business_unit}",
                              headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_unknown_item_is_404_with_a_hint(folder_client: Any) -> None:
    body = assert_error_shape(folder_client.get("/capabilities/order-captur"), 404)
    assert "order-capture" in body["errors"][0]["hint"]


def test_unknown_filter_and_bad_paging_are_refused(folder_client: Any) -> None:
    body = assert_error_shape(folder_client.get("/initiatives?colour=red"), 400)
    assert body["errors"][0]["field"] == "query.colour"
    body = assert_error_shape(folder_client.get("/initiatives?limit=0"), 422)
    assert body["errors"][0]["field"] == "query.limit"


def _cli_json(*args: str) -> Any:
    r = CliRunner().invoke(cli_app, [*args, "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["schema"].startswith("opmodel.") and doc["version"] >= 1
    return doc  # the REST API answers the same document, head included (docs/output.md)


def test_heatmap_and_gaps_are_the_cli_json(folder_client: Any, acme_path: Any) -> None:
    hm = folder_client.get("/heatmap", params={"by": "capability", "layer": "gap"}).json()
    assert hm == _cli_json("heatmap", str(acme_path), "--by", "capability", "--layer", "gap")
    gaps = folder_client.get("/gaps", params={"top": 5}).json()
    assert gaps == _cli_json("gaps", str(acme_path), "--top", "5")
    cell = folder_client.get("/heatmap/cells/order-to-cash/storage").json()
    assert cell == _cli_json("heatmap", str(acme_path), "--explain", "order-to-cash/storage")


def test_analysis_is_cached_per_model_version(folder_app: Any, acme_copy: Any) -> None:
    from fastapi.testclient import TestClient

    from opmodel.web import create_app

    app = create_app(acme_copy)
    c = TestClient(app)
    ctx = app.state.ctx
    first = c.get("/homogeneity")
    misses = ctx.cache.misses
    assert c.get("/homogeneity").content == first.content
    assert ctx.cache.misses == misses  # answered from the cache
    # a new model version computes again, and answers for the new model
    text = (acme_copy / "assessments.csv").read_text()
    (acme_copy / "assessments.csv").write_text(text.replace(",storage,", ",storage,", 1))
    import os

    st = (acme_copy / "assessments.csv").stat()
    os.utime(acme_copy / "assessments.csv", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    c.get("/homogeneity")
    assert ctx.cache.misses == misses + 1


def test_json_is_strict(folder_client: Any) -> None:
    for url in ("/heatmap", "/homogeneity", "/apps", "/weights", "/gaps?top=500"):
        r = folder_client.get(url)
        assert r.status_code == 200, url
        json.loads(r.text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


def test_time_travel_with_at(clients: Any) -> None:
    c = clients["ada"]
    url = "/assessments/order-capture/storage"
    before = c.get(url).json()
    rev = c.get("/").json()["version"]
    heat = c.get("/heatmap").content
    r = c.patch(url, json={"current": 4, "target": 4}, headers={"If-Match": "*"})
    assert r.status_code == 200
    assert c.get("/heatmap").content != heat
    assert c.get("/heatmap", params={"at": f"r{rev}"}).content == heat
    assert c.get(url, params={"at": f"r{rev}"}).json() == before
    old = c.get("/assessments", params={"at": f"r{rev}", "capability": "order-capture",
                                        "business_unit": "storage"}).json()
    assert old["items"] == [before]
    assert_error_shape(c.get("/heatmap", params={"at": "r999999"}), 422)
    assert_error_shape(c.get("/heatmap", params={"at": "yesterday-ish"}), 422)


def test_time_travel_needs_a_store(folder_client: Any) -> None:
    body = assert_error_shape(folder_client.get("/heatmap", params={"at": "r1"}), 400)
    assert body["errors"][0]["field"] == "query.at"


def test_a_password_in_the_url_is_never_shown(tmp_path: Any) -> None:
    from opmodel.web.resources import _display
    from opmodel.web.source import StoreSource

    shown = _display(StoreSource("postgresql://ann:s3cret@db.example:5432/acme"))
    assert "s3cret" not in shown and "ann" in shown


def test_the_index_names_only_real_routes(folder_app: Any, folder_client: Any) -> None:
    paths = {getattr(r, "path", None) for r in folder_app.routes}
    listed = folder_client.get("/").json()["resources"]
    assert listed and all(p in paths for p in listed), set(listed) - paths


def test_the_heatmap_query_as_the_docs_write_it(folder_client: Any) -> None:
    """docs/api.md writes ``GET /heatmap?by=stage&layer=priority&rollup=max&level=&stage=``;
    the empty level was a 422 (not a whole number), the empty stage "no stage ''"."""
    r = folder_client.get("/heatmap?by=stage&layer=priority&rollup=max&level=&stage=")
    assert r.status_code == 200, r.text[:300]
    assert r.json() == folder_client.get("/heatmap").json()
    assert folder_client.get("/heatmap?by=capability&level=").status_code == 200
    assert folder_client.get("/heatmap?level=0").status_code == 422


def test_head_answers_what_get_would_without_the_body(folder_client: Any) -> None:
    """`curl -I` and uptime checks sent HEAD and got 405 (FastAPI routes answer only the
    methods they name); the OpenAPI document gains no HEAD operations."""
    c = folder_client
    for url in ("/health", "/capabilities?limit=2", "/capabilities/order-capture",
                "/ui/login", "/static/vendor/htmx.min.js", "/docs", "/no-such-thing"):
        get, head = c.get(url), c.head(url)
        assert head.status_code == get.status_code, url
        assert head.content == b"" and get.content, url
        for h in ("content-type", "content-length", "etag"):
            assert head.headers.get(h) == get.headers.get(h), (url, h)
    assert not any("head" in ops for ops in c.get("/openapi.json").json()["paths"].values())


def test_an_unknown_id_in_a_query_or_path_of_the_analysis_names_its_field(
        folder_client: Any) -> None:
    """/heatmap?stage=nope and /heatmap/cells/nope/storage were 404s without a field."""
    c = folder_client
    for url, field in (("/heatmap?stage=nope", "query.stage"),
                       ("/heatmap/cells/nope/storage", "path.column"),
                       ("/heatmap/cells/order-to-cash/nope", "path.unit")):
        err = assert_error_shape(c.get(url), 404)
        assert err["errors"][0]["field"] == field, err


def test_a_bad_at_is_said_as_the_api_names_it(clients: Any) -> None:
    """The store's message named the command's flag: "at: --at 'x' is not a date and time"."""
    err = assert_error_shape(clients["vera"].get("/capabilities?at=yesterday-ish"), 422)
    entry = err["errors"][0]
    assert entry["field"] == "query.at" and "--at" not in err["error"] + entry["message"]
    assert entry["message"] == ("at: 'yesterday-ish' is not a date and time like "
                                "2027-03-31T17:00") and "r42" in entry["hint"]
