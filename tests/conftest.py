"""Shared fixtures: the bundled models and fresh copies of them to break; a real
PostgreSQL server (``pg_server``, ``pg_url``) and store URLs of both kinds (``store_url``)."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
STARTER = ROOT / "src" / "opmodel" / "starter"
ACME = ROOT / "examples" / "acme"


@pytest.fixture
def starter_path() -> Path:
    return STARTER


@pytest.fixture
def acme_path() -> Path:
    return ACME


@pytest.fixture
def starter_copy(tmp_path: Path) -> Path:
    """A writable copy of the starter model."""
    dst = tmp_path / "model"
    shutil.copytree(STARTER, dst)
    return dst


@pytest.fixture
def acme_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "acme"
    shutil.copytree(ACME, dst)
    return dst


# -- a real PostgreSQL server for the store and web tests -----------------------------------
# `pg_server` (session): initdb + pg_ctl on a temporary folder and a free loopback port,
# stopped at the end. `pg_url` (per test): a fresh, empty database on it, as a URL
# (postgresql://postgres@127.0.0.1:PORT/test_N). `store_url` (per test, parametrized
# "sqlite" / "postgresql"): a fresh store URL of each kind. Without PostgreSQL installed the
# PostgreSQL cases skip locally and fail under CI=true.


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A PostgreSQL server started by the test suite."""

    port: int
    root: Path
    _count: itertools.count  # type: ignore[type-arg]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._count)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres "
                             "dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _runuser() -> str:
    """runuser lives in /usr/sbin, which a minimal PATH (cron, CI runners) may leave out."""
    found = shutil.which("runuser") or next(
        (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None)
    if found is None:
        pytest.fail("runuser (util-linux) is needed to start PostgreSQL as root")
    return found


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user."""
    return [_runuser(), "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (scripts/system-deps.sh installs it)")
        pytest.skip("PostgreSQL is not installed")
    root = Path(tempfile.mkdtemp(prefix="opmodel-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(root)], check=True)
    port = _free_port()
    log = root / "server.log"
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--no-sync", "-N"]),
                       check=True, capture_output=True, timeout=120)
        opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c max_connections=200 -c shared_buffers=64MB")
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts,
                                     "-l", str(log), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, timeout=90)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = log.read_text() if log.exists() else ""
        out = getattr(exc, "stderr", b"") or b""
        message = f"cannot start PostgreSQL: {exc}\n{out.decode(errors='replace')}\n{detail}"
        subprocess.run(["rm", "-rf", str(root)], check=False)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield PgServer(port, root, itertools.count(1))
    finally:
        from opmodel.store import close_stores

        close_stores()
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m",
                                     "immediate", "-w", "stop"]),
                       check=False, capture_output=True, timeout=60)
        subprocess.run(["rm", "-rf", str(root)], check=False)


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty PostgreSQL database (URL) on the suite's server."""
    return pg_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_server").create_database())


# -- headless Chromium (Debian's package) for the browser tests --------------------------------
CHROMIUM = os.environ.get("OPMODEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _browser_missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (CI=true: the browser tests must run)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, through Playwright (a fresh profile per launch), for one
    test module (Playwright's loop is not left running under the rest of the suite); skips
    without them, fails under CI=true."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("playwright is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _browser_missing(f"chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
