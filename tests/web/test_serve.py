"""`opmodel serve`: a folder gets a local SQLite store beside it, with a first admin login
printed once; a URL is served as it is."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from opmodel import actions
from opmodel.cli import app as cli_app
from opmodel.store import close_stores, open_store
from opmodel.store.users import User, user_for_token
from opmodel.web.local import local_store, store_path


@pytest.fixture(autouse=True)
def _close() -> Any:
    yield
    close_stores()


def _touch_folder(folder: Path) -> None:
    later = time.time() + 5
    os.utime(folder / "budgets.csv", (later, later))


def test_local_store_is_made_once_with_a_first_login(acme_copy: Path) -> None:
    first = local_store(acme_copy)
    assert first.created and first.login is not None
    assert first.path == store_path(acme_copy) and first.path.parent == acme_copy.parent
    st = open_store(first.url)
    assert user_for_token(st, first.login.token).role == "admin"
    again = local_store(acme_copy)
    assert not again.created and again.login is None and not again.refreshed


def test_folder_changes_refresh_an_unedited_store(acme_copy: Path) -> None:
    made = local_store(acme_copy)
    text = (acme_copy / "budgets.csv").read_text()
    (acme_copy / "budgets.csv").write_text(text.replace("2100", "2200", 1))
    _touch_folder(acme_copy)
    again = local_store(acme_copy)
    assert again.refreshed and again.notice is None
    st = open_store(made.url)
    assert st.read().enterprise.budgets[0].amount == 2200
    assert user_for_token(st, made.login.token) is not None  # users survive a refresh


def test_an_edited_store_is_kept_with_a_notice(acme_copy: Path) -> None:
    made = local_store(acme_copy)
    actions.set_assessment(made.url, User("admin", "admin"), "order-capture", "storage",
                           {"notes": "edited in the store"})
    _touch_folder(acme_copy)
    again = local_store(acme_copy)
    assert not again.refreshed and again.notice and "store export" in again.notice
    e = open_store(made.url).read().enterprise
    assert e.assessment("order-capture", "storage").notes == "edited in the store"


def test_serve_command(acme_copy: Path, monkeypatch: Any) -> None:
    import uvicorn

    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append((app, kw)))
    r = CliRunner().invoke(cli_app, ["serve", str(acme_copy), "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert "first admin login" in r.output and "API token" in r.output
    assert started[0][1] == {"host": "127.0.0.1", "port": 8123, "log_level": "info"}
    r = CliRunner().invoke(cli_app, ["serve", str(acme_copy)])
    assert r.exit_code == 0 and "first admin login" not in r.output  # printed once
    r = CliRunner().invoke(cli_app, ["serve", str(acme_copy / "nope")])
    assert r.exit_code == 1 and "not a model folder" in r.output
    r = CliRunner().invoke(cli_app, ["serve", str(acme_copy), "--port", "0"])
    assert r.exit_code == 1


def test_readme_serve_line_serves_the_store(tmp_path: Path, acme_path: Path) -> None:
    """The `opmodel serve` line of the README's "Working as a team", run on the store that
    section makes: the API answers the admin's token."""
    import shlex

    import httpx

    from opmodel.store import init_store

    from .loadgen import free_port

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("## Working as a team", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = [ln.split("  #", 1)[0].strip() for ln in block.splitlines()
             if ln.strip().startswith("opmodel serve")]
    assert lines, "the README's team section has no `opmodel serve` line"
    argv = shlex.split(lines[0])
    url = argv[2].replace("sqlite:///", f"sqlite:///{tmp_path}/")
    init_store(url, acme_path)
    _, token = actions.first_admin(url, "ann")
    close_stores()
    port = free_port()
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "opmodel", "serve", url, *argv[3:],
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/me",
                              headers={"Authorization": f"Bearer {token}"}, timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < end and proc.poll() is None
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["role"] == "admin"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_user_changes_are_not_edits_of_the_model(acme_copy: Path) -> None:
    """A role changed on the Admin page counted as an edit: the folder's next change (a
    git pull) was no longer taken, with a notice about edits the model never had."""
    made = local_store(acme_copy)
    admin = User("admin", "admin")
    actions.add_user(made.url, admin, "lee", "viewer")
    actions.set_user(made.url, admin, "lee", role="bu-lead", units=["storage"])
    text = (acme_copy / "budgets.csv").read_text()
    (acme_copy / "budgets.csv").write_text(text.replace("2100", "2200", 1))
    _touch_folder(acme_copy)
    again = local_store(acme_copy)
    assert again.refreshed and again.notice is None
    assert open_store(made.url).read().enterprise.budgets[0].amount == 2200


def test_a_store_written_back_to_its_folder_serves_without_a_notice(acme_copy: Path) -> None:
    """After `opmodel store export URL FOLDER` (the documented way back to git), every
    serve said the store had edits of its own and asked for that very export."""
    from opmodel.store import export_store

    made = local_store(acme_copy)
    actions.set_assessment(made.url, User("admin", "admin"), "order-capture", "storage",
                           {"notes": "edited in the store"})
    export_store(made.url, acme_copy)
    _touch_folder(acme_copy)
    again = local_store(acme_copy)
    assert not again.refreshed and again.notice is None
    assert not local_store(acme_copy).notice


def test_serving_a_url_with_no_store_says_so_at_once(tmp_path: Path, monkeypatch: Any) -> None:
    """A mistyped URL started a server (and made nothing) whose every request then failed."""
    import uvicorn

    from opmodel.store import open_store as open_

    def served(*args: Any, **kw: Any) -> None:
        raise AssertionError("the server was started")

    monkeypatch.setattr(uvicorn, "run", served)

    missing = f"sqlite:///{tmp_path / 'acm.db'}"
    r = CliRunner().invoke(cli_app, ["serve", missing, "--port", "45999"])
    assert r.exit_code != 0 and "no such database file" in r.output, r.output
    assert "serving sqlite" not in r.output and not (tmp_path / "acm.db").exists()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    open_(empty, create=True)
    r = CliRunner().invoke(cli_app, ["serve", empty, "--port", "45999"])
    assert r.exit_code != 0 and "holds no model" in r.output, r.output
