"""Fixtures for the REST API tests: in-process clients over real model sources."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import jsonschema

from opmodel.web import create_app
from opmodel.web.app import ERROR_SCHEMA

ACME_PATH = Path(__file__).resolve().parents[2] / "examples" / "acme"
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
    jsonschema.validate(body, ERROR_SCHEMA)  # as /openapi.json documents it
    return body  # type: ignore[no-any-return]


@pytest.fixture
def folder_app(acme_path: Path) -> Any:
    return create_app(acme_path)


@pytest.fixture
def folder_client(folder_app: Any) -> Any:
    with TestClient(folder_app, raise_server_exceptions=False) as c:
        yield c


# -- a store with one user per role ------------------------------------------------------------
ROLES = {  # user name → (role, units)
    "ada": ("admin", ()),
    "archie": ("architect", ()),
    "pat": ("portfolio", ()),
    "stella": ("bu-lead", ("storage",)),
    "nick": ("bu-lead", ("networking",)),
    "vera": ("viewer", ()),
}


def make_store(url: str, folder: Path) -> dict[str, str]:
    """Fill the store at ``url`` from ``folder`` and add the users of :data:`ROLES`;
    returns user name → API token."""
    from opmodel import actions
    from opmodel.store import init_store, open_store
    from opmodel.store.users import User

    init_store(url, folder)
    st = open_store(url)
    system = User("opmodel", "admin")
    tokens = {}
    for name, (role, units) in ROLES.items():
        _, tokens[name] = actions.add_user(st, system, name, role, units, password="pw-" + name)
    return tokens


@pytest.fixture(scope="module")
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A store of Acme with the users of :data:`ROLES`, one per test module (the page
    tests share it within their module); a module may define its own."""
    from opmodel.store import close_stores

    d = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    u = f"sqlite:///{d / 'acme.db'}"
    make_store(u, ACME_PATH)
    yield u
    close_stores()


@pytest.fixture(scope="module")
def app(url: str) -> Any:
    """The web app (API and pages) over :func:`url`'s store."""
    return create_app(url, secret="test")


class Clients:
    """A TestClient per user: ``clients["stella"].get(...)``."""

    def __init__(self, app: Any, tokens: dict[str, str]) -> None:
        self.app = app
        self.tokens = tokens
        self.anonymous = TestClient(app, raise_server_exceptions=False)
        self._by = {n: TestClient(app, raise_server_exceptions=False,
                                  headers={"Authorization": f"Bearer {t}"})
                    for n, t in tokens.items()}

    def __getitem__(self, name: str) -> Any:
        return self._by[name]


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'acme.db'}"


@pytest.fixture(scope="session")
def acme_store_template(tmp_path_factory: Any) -> tuple[Path, dict[str, str]]:
    """A SQLite store of Acme with the users of :data:`ROLES`, made once per session;
    each test gets a copy of the file (the same users and tokens)."""
    from opmodel.store import close_stores, open_store

    path = tmp_path_factory.mktemp("template") / "acme.db"
    url = f"sqlite:///{path}"
    tokens = make_store(url, ACME_PATH)
    with open_store(url).engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_stores()
    return path, tokens


@pytest.fixture
def store_app(store_url: str, acme_store_template: tuple[Path, dict[str, str]]) -> Any:
    import shutil

    template, tokens = acme_store_template
    shutil.copyfile(template, store_url.removeprefix("sqlite:///"))
    app = create_app(store_url)
    app.state.test_tokens = tokens
    return app


@pytest.fixture
def clients(store_app: Any) -> Any:
    c = Clients(store_app, store_app.state.test_tokens)
    yield c
    from opmodel.store import close_stores

    close_stores()
