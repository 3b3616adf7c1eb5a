"""kill -9 of a writer in the middle of a stream of writes loses nothing acknowledged and
leaves nothing half-written: every change set is one transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

import opmodel
from opmodel.store import init_store, open_store
from opmodel.store.schema import changes, entities, revisions

WRITER = """
import sys
import opmodel
from opmodel import actions
from opmodel.store.users import User

url = sys.argv[1]
cells = opmodel.load(url).assessments
me = User("writer", "admin")
for k in range(1_000_000):
    a = cells[k % len(cells)]
    w = actions.set_assessment(url, me, a.capability, a.business_unit, {"notes": f"w{k}"},
                               why="fault test")
    print(k, w.revision, flush=True)
"""


def test_kill_9_during_writes_loses_nothing_acknowledged(store_url: str, acme_path: Path
                                                         ) -> None:
    init_store(store_url, opmodel.load(acme_path))
    env = {**os.environ, "PYTHONPATH": str(Path(opmodel.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, store_url], env=env,
                            stdout=subprocess.PIPE, text=True)
    acked: list[tuple[int, int]] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            k, rev = map(int, line.split())
            acked.append((k, rev))
            if len(acked) >= 40:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert len(acked) == 40
    st = open_store(store_url)
    st._cache.clear()
    head = st.revision()
    assert head >= acked[-1][1]  # at most one more (committed, not yet acknowledged)
    assert head <= acked[-1][1] + 1
    log = {c.revision: c for c in st.history() if c.action == "set_assessment"}
    for k, rev in acked:
        assert log[rev].field == "notes" and log[rev].new == f"w{k}"
    with st.reading() as conn:
        n_changes = conn.execute(select(func.count()).select_from(changes)
                                 .where(changes.c.rev > 1)).scalar_one()
        n_versions = conn.execute(select(func.count()).select_from(entities)
                                  .where(entities.c.rev_from > 1)).scalar_one()
        n_revs = conn.execute(select(func.count()).select_from(revisions)
                              .where(revisions.c.id > 1)).scalar_one()
        open_rows = conn.execute(
            select(entities.c.kind, entities.c.key, func.count())
            .where(entities.c.rev_to.is_(None))
            .group_by(entities.c.kind, entities.c.key).having(func.count() > 1)).all()
    assert n_changes == n_versions == n_revs == head - 1  # one write, one row, one record
    assert open_rows == []  # never two current versions of one entity
    assert len(opmodel.load(store_url).assessments) == len(opmodel.load(acme_path).assessments)
