"""A short, bounded load test on loopback: concurrent clients edit assessments and
initiatives through a real uvicorn server, on SQLite and on PostgreSQL; 0 lost updates and
every refused write a 409 in the error shape. (The 50 clients × 60 s run: bench/api_load.py.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import opmodel
from opmodel.store import open_store
from opmodel.web import create_app

from . import loadgen
from .conftest import make_store


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'load.db'}"
    return str(request.getfixturevalue("pg_server").create_database())


def test_concurrent_edits_lose_nothing(any_store: str, acme_path: Path) -> None:
    tokens = make_store(any_store, acme_path)
    store = open_store(any_store)
    first = store.revision()
    app = create_app(any_store)
    users = [(n, tokens[n]) for n in ("ada", "archie")]
    with loadgen.serve_in_thread(app) as base:
        result = loadgen.run(base, users, loadgen.targets(opmodel.load(acme_path), 4, 2),
                             clients=8, seconds=3.0)
    problems = loadgen.verify(store, result, first)
    assert not problems, problems[:10]
    assert len(result.accepted) > 10
    assert result.conflicts > 0  # the clients did collide, and were refused, not overwritten
