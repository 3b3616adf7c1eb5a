"""folder → store → folder is lossless: a property on generated models."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

import opmodel
from opmodel.io.folder import folder_files, read_folder
from opmodel.store import close_stores, export_store, init_store

from ..conftest import PgServer
from ..strategies import enterprises


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(enterprises())
def test_model_store_folder_round_trip(e: opmodel.Enterprise) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/m.db"
        init_store(url, e)
        assert opmodel.load(url) == e
        export_store(url, Path(tmp) / "out")
        assert read_folder(Path(tmp) / "out").enterprise == e
        files = {p.name: p.read_text(encoding="utf-8") for p in (Path(tmp) / "out").iterdir()}
        assert files == dict(folder_files(e))
        close_stores()


def test_round_trip_on_postgresql(pg_url: str, starter_path: Path, tmp_path: Path) -> None:
    e = opmodel.load(starter_path)
    init_store(pg_url, e)
    export_store(pg_url, tmp_path / "out")
    assert read_folder(tmp_path / "out").enterprise == e


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(e=enterprises())
def test_model_store_round_trip_on_postgresql(pg_server: PgServer,
                                              e: opmodel.Enterprise) -> None:
    url = pg_server.create_database()
    init_store(url, e)
    assert opmodel.load(url) == e
    with tempfile.TemporaryDirectory() as tmp:
        export_store(url, Path(tmp) / "out")
        assert read_folder(Path(tmp) / "out").enterprise == e
    close_stores()
