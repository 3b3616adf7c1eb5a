"""Migrations run on first use; upgrading a populated store from the first revision loses
nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

import opmodel
from opmodel import actions
from opmodel.store import rows as R
from opmodel.store.schema import changes, entities, revisions
from opmodel.store.store import Store, close_stores, open_store
from opmodel.store.users import User, authenticate


def _counts(st: Store) -> tuple[int, int, int]:
    with st.reading() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (entities, changes, revisions))  # type: ignore[return-value]


def test_first_use_migrates_to_head(store_url: str) -> None:
    st = open_store(store_url, create=True)
    assert st.schema_revision() == "0002"
    assert st.revision() == 0


def test_upgrade_from_the_first_revision_loses_nothing(store_url: str, acme_path: Path
                                                       ) -> None:
    e = opmodel.load(acme_path)
    old = Store(store_url, upgrade=False)
    old.migrate("0001")
    assert old.schema_revision() == "0001"
    with old.transaction("ann", "init", "from 0001") as tx:  # what 0001's opmodel wrote
        tx.bulk_create(list(R.to_rows(e)))
    with old.transaction("ann", "set_assessment") as tx:
        a = e.assessments[0]
        key = f"{a.capability}/{a.business_unit}"
        cur = tx.current("assessments", key)
        assert cur is not None
        tx.put("assessments", key, {**cur.data, "current": 0.0}, before=cur)
    before = _counts(old)
    old.dispose()
    close_stores()

    st = open_store(store_url)  # first use by this version: migrates to head
    assert st.schema_revision() == "0002"
    assert _counts(st) == before
    assert st.revision() == 2
    assert opmodel.load(store_url, at="r1") == e
    assert opmodel.load(store_url).assessment(a.capability, a.business_unit).current == 0
    assert [c.field for c in st.history(f"assessments:{key}")] == [None, "current"]
    # what 0002 adds works on the upgraded store
    actions.add_user(store_url, User("root", "admin"), "ann", "architect", password="pw")
    assert authenticate(st, "ann", "pw").role == "architect"
