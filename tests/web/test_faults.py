"""kill -9 of a real server process (uvicorn, `opmodel serve URL`) while clients write:
nothing acknowledged is lost, nothing is half-written, and the server starts again on the
same database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

import opmodel
from opmodel.store import close_stores, open_store
from opmodel.store.schema import changes, entities, revisions

from .conftest import make_store
from .loadgen import free_port


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(opmodel.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "opmodel", "serve", url, "--port",
                             str(port), "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start")


def _writer(base: str, token: str, cells: list[str], name: str, acked: list[Any],
            stop: threading.Event) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=10) as c:
        k = 0
        while not stop.is_set():
            url = cells[k % len(cells)]
            try:
                r = c.patch(url, json={"notes": f"{name}-{k}", "why": "fault test"},
                            headers={"If-Match": "*"})
            except httpx.HTTPError:
                return  # the server is gone
            if r.status_code == 200:
                d = r.json()
                acked.append((d["key"], f"{name}-{k}", d["revision"]))
            k += 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_kill_9_of_the_server_loses_nothing_acknowledged(backend: str, tmp_path: Path,
                                                          acme_path: Path,
                                                          request: Any) -> None:
    url = f"sqlite:///{tmp_path / 'faults.db'}" if backend == "sqlite" else \
        str(request.getfixturevalue("pg_server").create_database())
    tokens = make_store(url, acme_path)
    close_stores()  # the server process is the only writer from here on
    port = free_port()
    proc = _start(url, port)
    base = f"http://127.0.0.1:{port}"
    cells = [f"/assessments/{a.capability}/{a.business_unit}"
             for a in opmodel.load(acme_path).assessments[:10]]
    acked: list[Any] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_writer, args=(base, tokens["ada"], cells[n::4],
                                                      f"w{n}", acked, stop))
               for n in range(4)]
    for t in threads:
        t.start()
    try:
        end = time.monotonic() + 60
        while len(acked) < 30 and time.monotonic() < end:
            time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert len(acked) >= 30
    st = open_store(url)
    # every acknowledged write is in the change log at its revision
    log = {(c.revision, c.key): c for c in st.history(since=min(r for _, _, r in acked) - 1)
           if c.action == "set_assessment"}
    for key, value, rev in acked:
        assert log[(rev, key)].new == value, (key, value, rev)
    # nothing half-written: every revision has its changes, one current row per entity,
    # and the model loads and validates
    with st.reading() as conn:
        head = st.revision(conn)
        n_rev = conn.execute(select(func.count()).select_from(revisions)
                             .where(revisions.c.id > 0)).scalar()
        empty = conn.execute(select(revisions.c.id).where(
            ~revisions.c.id.in_(select(changes.c.rev)), revisions.c.id > 0)).all()
        dupes = conn.execute(select(entities.c.kind, entities.c.key).where(
            entities.c.rev_to.is_(None)).group_by(entities.c.kind, entities.c.key)
            .having(func.count() > 1)).all()
    assert head == n_rev and not empty and not dupes
    assert head >= max(r for _, _, r in acked)
    opmodel.api.read(url)
    close_stores()
    # the server starts again on the same database and takes writes
    proc = _start(url, port)
    try:
        c = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens['ada']}"})
        last = max(acked, key=lambda a: a[2])
        got = c.get(f"/assessments/{last[0]}").json()
        assert got["notes"].startswith("w")
        r = c.patch(f"/assessments/{last[0]}", json={"notes": "after restart"},
                    headers={"If-Match": "*"})
        assert r.status_code == 200 and r.json()["revision"] > head
    finally:
        proc.terminate()
        proc.wait(timeout=30)
