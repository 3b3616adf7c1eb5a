"""No lost updates: many threads editing the same cells at once, on SQLite and PostgreSQL.
Every accepted write is in the store and in the change log; every refused one is a
conflict naming the field."""

from __future__ import annotations

import threading
from pathlib import Path

import opmodel
from opmodel import actions
from opmodel.errors import ConflictError
from opmodel.store import init_store, open_store
from opmodel.store.users import User

THREADS, ROUNDS = 8, 6


def test_concurrent_writers_lose_nothing(store_url: str, starter_path: Path) -> None:
    e = opmodel.load(starter_path)
    init_store(store_url, e)
    st = open_store(store_url)
    cells = [(a.capability, a.business_unit) for a in e.assessments[:2]]
    accepted: list[tuple[str, int]] = []
    refused: list[ConflictError] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        me = User(f"user-{n}", "admin")
        try:
            for r in range(ROUNDS):
                cap, bu = cells[(n + r) % len(cells)]
                key = f"{cap}/{bu}"
                cur = st.current("assessments", key)
                assert cur is not None
                try:
                    w = actions.set_assessment(st, me, cap, bu, {"notes": f"{n}-{r}"},
                                               version=cur.version)
                except ConflictError as exc:
                    with lock:
                        refused.append(exc)
                    continue
                with lock:
                    accepted.append((key, w.version or 0))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert len(accepted) + len(refused) == THREADS * ROUNDS
    assert accepted  # some writes got through
    assert all(c.conflicts and c.conflicts[0].field == "notes" for c in refused)
    # every accepted write made exactly one new version, and one change record
    for key in {k for k, _ in accepted}:
        versions = sorted(v for k, v in accepted if k == key)
        assert versions == list(range(2, len(versions) + 2))  # no version given out twice
        assert st.current("assessments", key).version == len(versions) + 1  # type: ignore[union-attr]
        log = [c for c in st.history(f"assessments:{key}") if c.action == "set_assessment"]
        assert len(log) == len(versions)
    assert st.revision() == 1 + len(accepted)
