"""Shared fixtures: the bundled models and fresh copies of them to break; a real
PostgreSQL server (``pg_server``, ``pg_url``) and store URLs of both kinds (``store_url``);
and how the suite spreads over processes with pytest-xdist (``make test`` runs
``pytest -n auto --dist loadfile``; plain ``pytest`` still runs it in one process)."""

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


# Every command the tests start runs in its own process, whether or not the developer has a
# warm command server running (docs/daemon.md): the start-up probes count the modules a
# command loads, and the crash tests kill a command mid-write. tests/test_daemon.py starts
# servers of its own and lifts this for its commands.
os.environ["OPMODEL_NO_DAEMON"] = "1"


# -- pytest-xdist: workers ---------------------------------------------------------------------
# Every session fixture (the PostgreSQL server, the demo run, the web store template) is made
# once per worker, in the worker's own temporary folder (tmp_path_factory gives each worker its
# own basetemp), on its own free port; nothing is shared between workers but the sources.
#
# The terminal size: GNU readline (imported by pytest's pdb support) puts COLUMNS=80 and
# LINES=24 into the C environment of the controller, which its workers inherit; the CLI's
# console takes its width from COLUMNS when it is first imported, so the tables of a worker
# would fold at 80 columns where a plain run folds at the width each test asks for. A worker
# gets the controller's own COLUMNS and LINES (none, unless the user set them).
_TERMINAL = ("COLUMNS", "LINES")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """(controller, xdist) Tell each worker the terminal variables of this process."""
    node.workerinput["opmodel_terminal"] = {k: os.environ.get(k) for k in _TERMINAL}


def pytest_configure(config: pytest.Config) -> None:
    given = getattr(config, "workerinput", {}).get("opmodel_terminal")
    if given is not None:  # an xdist worker
        for k, v in given.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# Scheduling (``--dist loadfile``): one test file stays on one worker (its module fixtures --
# a browser, a store, a server -- are made once), the files that read the one shared demo run
# go to one worker together (the demo takes half a minute: it runs once), and the longest
# work units are handed out first, so that no worker is left with a long file at the end
# while the other waits. The order below only changes which worker runs what, and when;
# every test runs, whatever is (or is not) in these lists.
GROUPS = {  # a work unit of several files → its files (paths from the root)
    "demo": ("tests/cli/test_report_cli.py", "tests/report/test_report_files.py",
             "tests/report/test_report_phone.py", "tests/report/test_report_browser.py"),
}
LONGEST_FIRST = (  # measured with --durations (docs/testing.md), longest first
    "demo", "tests/crash/test_crash.py", "tests/web/test_plans.py",
    "tests/web/test_pages_browser.py", "tests/hostile/test_hostile.py",
    "tests/optimize/test_warm.py", "tests/cli/test_output_contract.py", "tests/test_docs.py",
    "tests/web/test_faults.py", "tests/test_actions.py", "tests/web/test_pages_planning.py",
    "tests/concurrency/test_survey_merge.py", "tests/store/test_store.py",
    "tests/test_daemon.py", "tests/test_startup.py", "tests/io/test_xlsx.py",
    "tests/cycle/test_cycle_crash.py",
)


def work_unit(nodeid: str) -> str:
    """The work unit of a test under ``--dist loadfile``: its file, or its group."""
    path = nodeid.split("::", 1)[0]
    return next((g for g, paths in GROUPS.items() if path in paths), path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """(controller, xdist) ``--dist loadfile`` with :data:`GROUPS` and :data:`LONGEST_FIRST`."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    if not all(callable(getattr(LoadFileScheduling, m, None))
               for m in ("_split_scope", "_assign_work_unit")):
        return None  # a later xdist without these private hooks: its own loadfile order
    rank = {u: i for i, u in enumerate(LONGEST_FIRST)}

    class Scheduling(LoadFileScheduling):  # type: ignore[misc]
        _ordered = False

        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            if not self._ordered and hasattr(self.workqueue, "move_to_end"):
                self._ordered = True  # the queue is complete at the first assignment
                for unit in sorted(self.workqueue, key=lambda u: rank.get(u, len(rank))):
                    self.workqueue.move_to_end(unit)
            super()._assign_work_unit(node)

    return Scheduling(config, log)


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
    log = root / "server.log"
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--no-sync", "-N"]),
                       check=True, capture_output=True, timeout=120)
        for attempt in range(3):  # another process (an xdist worker) may take the free port
            port = _free_port()
            opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                    "-c max_connections=200 -c shared_buffers=64MB")
            try:
                subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o",
                                             opts, "-l", str(log), "-w", "-t", "60", "start"]),
                               check=True, capture_output=True, timeout=90)
                break
            except subprocess.CalledProcessError:
                taken = log.exists() and "could not bind" in log.read_text(errors="replace")
                if attempt == 2 or not taken:
                    raise
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
