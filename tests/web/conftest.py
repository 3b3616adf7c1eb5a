"""Fixtures for the REST API tests: in-process clients over real model sources."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from opmodel.web import create_app

SHAPE_KEYS = {"ok", "error", "errors", "status", "code"}


def assert_error_shape(r: Any, status: int | None = None) -> dict[str, Any]:
    """``r`` is an error answer in the one shape (STYLE.md §7); returns its body."""
    assert r.status_code >= 400, (r.status_code, r.text[:300])
    if status is not None:
        assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert set(body) == SHAPE_KEYS, body
    assert body["ok"] is False
    assert body["status"] == r.status_code
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["code"], str) and body["code"].startswith("E-"), body
    assert isinstance(body["errors"], list) and body["errors"], body
    for e in body["errors"]:
        assert isinstance(e, dict) and isinstance(e.get("code"), str), e
        assert isinstance(e.get("message"), str) and e["message"], e
    return body  # type: ignore[no-any-return]


@pytest.fixture
def folder_app(acme_path: Path) -> Any:
    return create_app(acme_path)


@pytest.fixture
def folder_client(folder_app: Any) -> Any:
    with TestClient(folder_app, raise_server_exceptions=False) as c:
        yield c
