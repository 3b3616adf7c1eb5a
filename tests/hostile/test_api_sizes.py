"""Hostile sizes on the REST API: numbers too long for Python's int(), quoted text too long
to echo, instants out of range. Each is refused in the one error shape with its field (never
a 500), and quotes at most 80 characters of what was sent."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from opmodel.web import create_app

from ..web.conftest import ACME_PATH, assert_error_shape

LONG = 5000  # digits: over Python's 4,300-digit limit for int(str)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from opmodel import actions
    from opmodel.store import close_stores, init_store, open_store
    from opmodel.store.users import User

    url = f"sqlite:///{tmp_path_factory.mktemp('api-sizes') / 'acme.db'}"
    init_store(url, ACME_PATH)
    _, token = actions.add_user(open_store(url), User("opmodel", "admin"), "ada", "admin", ())
    with TestClient(create_app(url, secret="test", pages=False),
                    raise_server_exceptions=False,
                    headers={"Authorization": f"Bearer {token}"}) as c:
        yield c
    close_stores()


def _short(body: dict[str, Any]) -> None:
    for text in [body["error"]] + [e["message"] for e in body["errors"]]:
        assert len(text) < 300, text[:400]


@pytest.mark.parametrize("at", [
    "r" + "9" * LONG,               # int() raised: 500
    "9" * 40,                       # a revision no store reaches
    "0001-01-01T00:00+01:00",       # before year 1 in UTC: OverflowError, 500
    "9999-12-31T23:00-05:00",       # after year 9999 in UTC
    "x" * 5000,                     # echoed whole
])
def test_at_out_of_range_is_a_located_422(client: Any, at: str) -> None:
    r = client.get("/capabilities", params={"at": at, "limit": 1})
    body = assert_error_shape(r, 422)
    assert body["errors"][0]["field"] == "query.at"
    _short(body)


def test_at_with_leading_zeros_still_names_a_revision(client: Any) -> None:
    r = client.get("/capabilities", params={"at": "r" + "0" * LONG + "1", "limit": 1})
    assert r.status_code == 200, r.text[:300]


@pytest.mark.parametrize("header", [
    '"' + "9" * LONG + '"',         # int() raised: 500
    '"x",' * 5000,                  # echoed whole (20 KB in the message)
    b"\xb2",                        # '²' is a digit to str.isdigit, not to int(): 500
])
def test_if_match_that_is_no_version_is_a_412(client: Any, header: str | bytes) -> None:
    before = client.get("/history", params={"limit": 1}).json()["items"]
    r = client.patch("/assessments/order-capture/storage", json={"current": 2},
                     headers={"If-Match": header})
    body = assert_error_shape(r, 412)
    assert body["errors"][0]["field"] == "header.If-Match"
    _short(body)
    assert client.get("/history", params={"limit": 1}).json()["items"] == before


def test_body_with_a_number_too_long_to_read_says_so(client: Any) -> None:
    r = client.patch("/assessments/order-capture/storage",
                     content=b'{"current": ' + b"9" * LONG + b"}",
                     headers={"If-Match": "*", "Content-Type": "application/json"})
    body = assert_error_shape(r, 400)
    assert body["errors"][0]["field"] == "body"
    assert "4,300 digits" in body["error"]
