"""Writing inside :meth:`Store.transaction`: entity versions and the change log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from ..model import Enterprise
from . import rows as R
from .schema import changes, entities


@dataclass(frozen=True)
class Current:
    """One stored entity as it stands: its JSON data, version and position."""

    kind: str
    key: str
    data: dict[str, Any]
    version: int
    pos: int


class Transaction:
    """Writing inside :meth:`Store.transaction`: put and delete entities, log each change."""

    def __init__(self, store: Any, conn: Connection, revision: int, base: int) -> None:
        self.store = store
        self.conn = conn
        self.revision = revision
        self.base = base
        self.written: list[tuple[str, str, int | None]] = []  # kind, key, new version
        self.after: Enterprise | None = None  # the model after this change set, if known

    def current(self, kind: str, key: str) -> Current | None:
        return self.store.current(kind, key, self.conn)

    def put(self, kind: str, key: str, data: dict[str, Any], *,
            before: Current | None = None, pos: int | None = None) -> int:
        """Store ``data`` as the new version of ``kind:key`` (created when absent) and log
        each changed field; returns the new version (unchanged data writes nothing)."""
        if before is None:
            before = self.current(kind, key)
        if before is not None and before.data == data:
            self.written.append((kind, key, before.version))
            return before.version
        if before is not None:
            self._close(kind, key)
            version, pos = before.version + 1, before.pos if pos is None else pos
        else:
            version = 1
            if pos is None:
                top = self.conn.execute(select(func.max(entities.c.pos))
                                        .where(entities.c.kind == kind)).scalar()
                pos = 0 if top is None else int(top) + 1
        self.conn.execute(entities.insert().values(
            kind=kind, key=key, pos=pos, version=version, data=R.dumps(data),
            rev_from=self.revision, rev_to=None))
        self._log(kind, key, None if before is None else before.data, data)
        self.written.append((kind, key, version))
        return version

    def delete(self, kind: str, key: str, before: Current) -> None:
        self._close(kind, key)
        self._log(kind, key, before.data, None)
        self.written.append((kind, key, None))

    def _close(self, kind: str, key: str) -> None:
        self.conn.execute(entities.update().where(
            entities.c.kind == kind, entities.c.key == key, entities.c.rev_to.is_(None))
            .values(rev_to=self.revision))

    def _log(self, kind: str, key: str, old: dict[str, Any] | None,
             new: dict[str, Any] | None) -> None:
        if old is None or new is None:
            self.conn.execute(changes.insert().values(
                rev=self.revision, kind=kind, key=key, field=None,
                old=None if old is None else R.dumps(old),
                new=None if new is None else R.dumps(new)))
            return
        rows = []
        for f in list(dict.fromkeys([*old, *new])):
            if old.get(f) != new.get(f):
                rows.append({"rev": self.revision, "kind": kind, "key": key, "field": f,
                             "old": None if f not in old else R.dumps(old[f]),
                             "new": None if f not in new else R.dumps(new[f])})
        if rows:
            self.conn.execute(changes.insert(), rows)

    def bulk_create(self, found: list[R.Row]) -> None:
        """Insert many new entities at once (``store init``), one 'created' record each."""
        chunk = 5000
        for k in range(0, len(found), chunk):
            part = found[k:k + chunk]
            self.conn.execute(entities.insert(), [
                {"kind": r.kind, "key": r.key, "pos": r.pos, "version": 1, "data": r.data,
                 "rev_from": self.revision, "rev_to": None} for r in part])
            self.conn.execute(changes.insert(), [
                {"rev": self.revision, "kind": r.kind, "key": r.key, "field": None,
                 "old": None, "new": r.data} for r in part])
