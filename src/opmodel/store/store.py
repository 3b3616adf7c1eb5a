"""A model in a database: SQLite (one file) or PostgreSQL.

:func:`open_store` gives the :class:`Store` of a URL (one per URL and process, migrated to
the head revision on first use). Reading selects the rows valid at a revision — the current
one, or the one in force at a given instant (time travel) — and assembles them into an
:class:`~opmodel.model.Enterprise` exactly as the folder reader does. Writing happens only
in :meth:`Store.transaction` (used by :mod:`opmodel.actions`): one transaction per change
set, serialized by a lock on the revision counter, so revisions are numbered in commit
order, every entity version is kept and every change is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, and_, create_engine, event, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from ..errors import InputError, Issue, ModelError
from ..io.folder import LoadResult
from ..io.safefile import excerpt
from ..model import Enterprise
from ..model import validate as validate_model
from . import rows as R
from .locate import _KeyPlacer, json_location, resolve_kind
from .schema import changes, entities, meta, revisions
from .transaction import Current, Transaction
from .urls import (
    DB_SUFFIXES,
    URL_RE,
    display_url,
    instant_text,
    is_url,
    normalize_url,
    now_text,
)

__all__ = [
    "DB_SUFFIXES",
    "URL_RE",
    "Change",
    "Current",
    "Snapshot",
    "Store",
    "Transaction",
    "close_stores",
    "display_url",
    "instant_text",
    "is_url",
    "json_location",
    "normalize_url",
    "now_text",
    "open_store",
    "resolve_kind",
]


@dataclass(frozen=True)
class Change:
    """One entry of the change log."""

    revision: int
    at: str
    who: str
    action: str
    why: str | None
    request_id: str | None
    kind: str
    key: str
    field: str | None
    old: Any
    new: Any

    @property
    def entity(self) -> str:
        return f"{self.kind}:{self.key}"

    def as_dict(self) -> dict[str, Any]:
        return {"revision": self.revision, "at": self.at, "who": self.who,
                "action": self.action, "why": self.why, "request_id": self.request_id,
                "entity": self.entity, "field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Snapshot:
    """A model read from the store: the load result and the revision it stands at."""

    result: LoadResult
    revision: int

    @property
    def enterprise(self) -> Enterprise:
        return self.result.enterprise


def _migrations_dir() -> Path:
    return Path(str(resources.files("opmodel.store") / "migrations"))


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")  # an acknowledged commit is on disk
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    """The model stored at one database URL. Use :func:`open_store` to get one."""

    def __init__(self, url: str, *, upgrade: bool = True, create: bool = True) -> None:
        self.url = normalize_url(url)
        self.dialect = self.url.split(":", 1)[0].split("+", 1)[0]
        try:
            if self.dialect == "sqlite":
                path = make_url(self.url).database
                if path and path != ":memory:":
                    parent = Path(path).expanduser().resolve().parent
                    if not parent.is_dir():
                        raise InputError(f"{display_url(url)}: the folder {parent} does not "
                                         "exist")
                    if not create and not Path(path).expanduser().exists():
                        raise InputError(f"{display_url(url)}: no such database file",
                                         hint="start a store with `opmodel store init URL "
                                              "--from FOLDER`")
                self.engine = create_engine(self.url, connect_args={"timeout": 30,
                                            "check_same_thread": False})
                _sqlite_setup(self.engine)
            else:
                self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=10,
                                            max_overflow=40)
        except (ArgumentError, ImportError) as exc:
            raise InputError(f"cannot open {display_url(url)}: {exc}") from None
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._cache: OrderedDict[int, Snapshot] = OrderedDict()
        if upgrade:
            self.migrate()

    def __repr__(self) -> str:
        return f"Store({display_url(self.url)!r})"

    # -- connections ------------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction with one consistent snapshot."""
        try:
            with self.engine.connect() as conn:
                if self.dialect == "postgresql":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise InputError(f"cannot read {display_url(self.url)}: "
                             f"{str(exc.orig).strip().splitlines()[0]}") from None

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction holding the store's write lock (see :meth:`transaction`)."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    # -- migrations ---------------------------------------------------------------------------
    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (Alembic; run on first use of a store)."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(_migrations_dir()))
        script = ScriptDirectory.from_config(cfg)
        target = script.get_current_head() if revision == "head" else revision
        try:
            with self.engine.connect() as probe:
                current = MigrationContext.configure(probe).get_current_revision()
                probe.rollback()
            if current == target:
                return
            with self.writing() as conn:
                if self.dialect == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(772011)")
                if MigrationContext.configure(conn).get_current_revision() == target:
                    return
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        except OperationalError as exc:
            raise InputError(f"cannot open {display_url(self.url)}: "
                             f"{str(exc.orig).strip().splitlines()[0]}") from None

    def schema_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    # -- reading ------------------------------------------------------------------------------
    def revision(self, conn: Connection | None = None) -> int:
        """The model version: the number of the last committed change set (0 = empty)."""
        if conn is None:
            with self.reading() as c:
                return self.revision(c)
        value = conn.execute(select(meta.c.value).where(meta.c.key == "revision")).scalar()
        return int(value or 0)

    def revision_at(self, at: str | int | dt.datetime, conn: Connection | None = None) -> int:
        """The revision in force at an instant (``2027-03-31T17:00``, UTC) or named
        directly (``r42`` or 42)."""
        if isinstance(at, int) or (isinstance(at, str) and re.fullmatch(r"r?\d+", at.strip())):
            digits = str(at).strip().lstrip("r").lstrip("0") or "0"
            if len(digits) > 18:  # beyond any store (and int() refuses over 4,300 digits)
                raise InputError(f"revision {excerpt(digits, 24)} does not exist (the store is "
                                 f"at {self.revision(conn)})")
            n = int(digits)
            head = self.revision(conn)
            if n > head:
                raise InputError(f"revision {n} does not exist (the store is at {head})")
            return n
        when = instant_text(at)
        if conn is None:
            with self.reading() as c:
                return self.revision_at(at, c)
        found = conn.execute(select(func.max(revisions.c.id)).where(revisions.c.at <= when))
        return int(found.scalar() or 0)

    @staticmethod
    def _valid_at(rev: int | None) -> Any:
        if rev is None:
            return entities.c.rev_to.is_(None)
        return and_(entities.c.rev_from <= rev,
                    or_(entities.c.rev_to.is_(None), entities.c.rev_to > rev))

    def snapshot(self, at: str | int | dt.datetime | None = None) -> Snapshot:
        """The model as it stands (``at=None``) or stood at an instant or revision.

        Snapshots are cached per revision, so reads after the first are fast.
        Raises :class:`ModelError` when the store holds no model (or an invalid one).
        """
        with self.reading() as conn:
            head = self.revision(conn)
            rev = head if at is None else self.revision_at(at, conn)
            hit = self._cached(rev)
            if hit is not None:
                return hit
            if rev == 0:
                raise ModelError([Issue("E-EMPTY", "the store holds no model yet"
                                        if at is None else f"the store held no model at {at}",
                                        hint="run `opmodel store init URL --from FOLDER`"
                                        if at is None else "see `opmodel history URL` for "
                                        "when it was stored")],
                                 source=display_url(self.url))
        with self._load_lock:  # one load at a time: concurrent readers wait for its result
            hit = self._cached(rev)
            if hit is not None:
                return hit
            with self.reading() as conn:
                snap = self._caught_up(conn, rev)
                if snap is None:
                    q = (select(entities.c.kind, entities.c.data)
                         .where(self._valid_at(None if rev == self.revision(conn) else rev),
                                entities.c.kind != R.FILES)
                         .order_by(entities.c.kind, entities.c.pos))
                    found = conn.execute(q).all()
                    snap = Snapshot(self._assemble(found), rev)
            with self._lock:
                self._cache[rev] = snap
                while len(self._cache) > 4:
                    self._cache.popitem(last=False)
        return snap

    def _cached(self, rev: int) -> Snapshot | None:
        with self._lock:
            hit = self._cache.get(rev)
            if hit is not None:
                self._cache.move_to_end(rev)
            return hit

    def _caught_up(self, conn: Connection, rev: int, limit: int = 5000) -> Snapshot | None:
        """The model at ``rev`` made from the newest older snapshot in the cache by applying
        the entity rows changed since (another process wrote them), or None when there is
        no such snapshot or too much changed (then the caller loads everything)."""
        with self._lock:
            older = [r for r in self._cache if r < rev]
            if not older:
                return None
            snap = self._cache[max(older)]
        base = snap.revision
        q = (select(entities.c.kind, entities.c.key, entities.c.data, entities.c.rev_from,
                    entities.c.rev_to, entities.c.version)
             .where(or_(and_(entities.c.rev_from > base, entities.c.rev_from <= rev),
                        and_(entities.c.rev_to > base, entities.c.rev_to <= rev)),
                    entities.c.kind != R.FILES)
             .order_by(entities.c.pos).limit(limit + 1))
        found = conn.execute(q).all()
        if len(found) > limit:
            return None
        final: dict[tuple[str, str], str | None] = {}
        created: set[tuple[str, str]] = set()
        for r in found:
            valid = r.rev_from <= rev and (r.rev_to is None or r.rev_to > rev)
            if valid:
                final[(r.kind, r.key)] = r.data
                if r.version == 1:
                    created.add((r.kind, r.key))
            else:
                final.setdefault((r.kind, r.key), None)
        if any(kind not in R.list_kinds() for kind, _ in final):
            return None  # the settings or the policy changed: load everything
        e = snap.enterprise
        update: dict[str, tuple[Any, ...]] = {}
        try:
            for kind in dict.fromkeys(k for k, _ in final):
                items: list[Any] = list(getattr(e, kind))
                index = {R.key_of(kind, it, n): n for n, it in enumerate(items)}
                cls = R.item_model(kind)
                gone: set[int] = set()
                for (k, key), data in final.items():
                    if k != kind:
                        continue
                    pos = index.get(key)
                    if pos is not None and (k, key) in created:
                        return None  # removed and made anew: it moved to the end; reload
                    if data is None:
                        if pos is not None:
                            gone.add(pos)
                    elif pos is None:
                        items.append(cls.model_validate_json(data))
                    else:
                        items[pos] = cls.model_validate_json(data)
                update[kind] = tuple(it for n, it in enumerate(items) if n not in gone)
        except ValidationError:
            return None
        return Snapshot(_Derived(e.model_copy(update=update), self.url), rev)

    def read(self, at: str | int | dt.datetime | None = None) -> LoadResult:
        """Like :func:`opmodel.api.read` for a folder: the validated model with warnings."""
        return self.snapshot(at).result

    def _assemble(self, found: list[Any]) -> LoadResult:
        pairs = [(k, d) for k, d in found]
        try:
            e = Enterprise.model_validate_json(R.document(pairs))
            issues = validate_model(e)
        except ValidationError:
            from ..io.assemble import assemble

            e2, issues = assemble(R.raw(pairs))
            e = e2  # type: ignore[assignment]
        keyed = _KeyPlacer(pairs)
        placed = [keyed.place(i) for i in issues]
        if e is None or any(i.severity == "error" for i in placed):
            raise ModelError(placed, source=display_url(self.url))
        return LoadResult(e, [i for i in placed if i.severity == "warning"])

    def files(self, at: str | int | dt.datetime | None = None) -> dict[str, str]:
        """The model folder's side files kept in the store (``scenarios.yaml``): name → text."""
        with self.reading() as conn:
            rev = None if at is None else self.revision_at(at, conn)
            q = select(entities.c.key, entities.c.data).where(
                entities.c.kind == R.FILES, self._valid_at(rev)).order_by(entities.c.pos)
            return {k: json.loads(d)["text"] for k, d in conn.execute(q)}

    def current(self, kind: str, key: str, conn: Connection | None = None) -> Current | None:
        """The stored entity ``kind:key`` as it stands, or None."""
        if text_problem(key) is not None:  # no key holds it (and PostgreSQL refuses it)
            return None
        if conn is None:
            with self.reading() as c:
                return self.current(kind, key, c)
        row = conn.execute(
            select(entities.c.data, entities.c.version, entities.c.pos)
            .where(entities.c.kind == kind, entities.c.key == key,
                   entities.c.rev_to.is_(None))).first()
        if row is None:
            return None
        return Current(kind, key, json.loads(row.data), row.version, row.pos)

    def version_data(self, kind: str, key: str, version: int,
                     conn: Connection) -> dict[str, Any] | None:
        row = conn.execute(select(entities.c.data).where(
            entities.c.kind == kind, entities.c.key == key,
            entities.c.version == version)).first()
        return None if row is None else json.loads(row.data)

    def versions(self, kind: str, at: str | int | None = None) -> dict[str, int]:
        """key → version of every entity of ``kind`` (as it stands, or stood at ``at``)."""
        with self.reading() as conn:
            rev = None if at is None else self.revision_at(at, conn)
            q = select(entities.c.key, entities.c.version).where(
                entities.c.kind == kind, self._valid_at(rev))
            return {k: v for k, v in conn.execute(q)}

    def history(self, entity: str | None = None, *, limit: int | None = None,
                since: int | None = None, who: str | None = None,
                action: str | None = None, until: int | None = None) -> list[Change]:
        """The change log, oldest first; ``entity`` as ``kind:key`` (``initiatives:crm``,
        also the singular ``initiative:crm``) or a whole kind (``assessments``); only the
        changes made by ``who``, by ``action``, after revision ``since`` and up to revision
        ``until`` when given (``limit`` counts the changes that match: the newest)."""
        if any(text_problem(t) is not None for t in (entity, who, action)):
            if entity:
                resolve_kind(entity.partition(":")[0])  # an unknown kind is still an error
            return []  # nothing on record holds such text (and PostgreSQL refuses it)
        if since is not None and since >= 2**62:  # past any revision; no integer overflow
            return []
        if limit is not None and limit >= 2**62:
            limit = None
        q = (select(changes.c.rev, revisions.c.at, revisions.c.who, revisions.c.action,
                    revisions.c.why, revisions.c.request_id, changes.c.kind, changes.c.key,
                    changes.c.field, changes.c.old, changes.c.new)
             .join(revisions, revisions.c.id == changes.c.rev)
             .order_by(changes.c.id))
        if entity:
            kind, _, key = entity.partition(":")
            kind = resolve_kind(kind)
            q = q.where(changes.c.kind == kind)
            if key:
                q = q.where(changes.c.key == key)
        if since is not None:
            q = q.where(changes.c.rev > since)
        if until is not None:
            q = q.where(changes.c.rev <= until)
        if who:
            q = q.where(revisions.c.who == who)
        if action:
            q = q.where(revisions.c.action == action)
        if limit is not None:
            q = q.order_by(None).order_by(changes.c.id.desc()).limit(limit)
        with self.reading() as conn:
            found = conn.execute(q).all()
        if limit is not None:
            found.reverse()
        return [Change(r.rev, r.at, r.who, r.action, r.why, r.request_id, r.kind, r.key,
                       r.field, _loads(r.old), _loads(r.new)) for r in found]

    # -- writing ------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, who: str, action: str, why: str | None = None,
                    request_id: str | None = None) -> Iterator[Transaction]:
        """One change set: everything written inside is one revision, committed at the end
        (or not at all on any error). Writers are serialized on the revision counter."""
        for what, text in (("the user name", who), ("why", why), ("the request id", request_id)):
            problem = text_problem(text)
            if problem is not None:
                raise InputError(f"{what} {problem}", hint="nothing was changed")
        try:
            with self.writing() as conn:
                q = select(meta.c.value).where(meta.c.key == "revision")
                if self.dialect == "postgresql":
                    q = q.with_for_update()
                head = int(conn.execute(q).scalar() or 0)
                tx = Transaction(self, conn, head + 1, head)
                conn.execute(revisions.insert().values(
                    id=tx.revision, at=now_text(), who=who, action=action,
                    why=why, request_id=request_id))
                yield tx
                conn.execute(meta.update().where(meta.c.key == "revision")
                             .values(value=str(tx.revision)))
        except OperationalError as exc:
            raise InputError(f"cannot write {display_url(self.url)}: "
                             f"{str(exc.orig).strip().splitlines()[0]}",
                             hint="nothing was changed; try again") from None
        with self._lock:  # committed: the model at the new revision, without a reload
            if tx.after is not None:
                self._cache[tx.revision] = Snapshot(_Derived(tx.after, self.url), tx.revision)
            elif not tx.written and tx.base in self._cache:  # users only: the same model
                self._cache[tx.revision] = Snapshot(self._cache[tx.base].result, tx.revision)
            while len(self._cache) > 4:
                self._cache.popitem(last=False)

    def model_at_head(self, tx: Transaction) -> Enterprise:
        """The model as it stands inside a write transaction (from the cache when it is
        at the transaction's base revision)."""
        with self._lock:
            hit = self._cache.get(tx.base)
        if hit is not None:
            return hit.enterprise
        caught = self._caught_up(tx.conn, tx.base)
        if caught is not None:
            with self._lock:
                self._cache[tx.base] = caught
            return caught.enterprise
        found = tx.conn.execute(
            select(entities.c.kind, entities.c.data).where(entities.c.rev_to.is_(None),
                                                           entities.c.kind != R.FILES)
            .order_by(entities.c.kind, entities.c.pos)).all()
        if not found:
            raise ModelError([Issue("E-EMPTY", "the store holds no model yet",
                                    hint="run `opmodel store init URL --from FOLDER`")],
                             source=display_url(self.url))
        snap = Snapshot(self._assemble(found), tx.base)
        with self._lock:
            self._cache[tx.base] = snap
        return snap.enterprise

    def dispose(self) -> None:
        self.engine.dispose()


class _Derived(LoadResult):
    """The load result of a model derived in memory by a write: its warnings are worked
    out when first asked for (a large model's full check is not paid on every write)."""

    def __init__(self, enterprise: Enterprise, url: str) -> None:
        self.enterprise = enterprise
        self._url = url
        self._warnings: list[Issue] | None = None

    @property  # type: ignore[override]
    def warnings(self) -> list[Issue]:
        if self._warnings is None:
            e = self.enterprise
            found = [i for i in validate_model(e) if i.severity == "warning"]
            placer = _KeyPlacer([])
            if found:
                placer._keys = {k: [R.key_of(k, it, n) for n, it in enumerate(getattr(e, k))]
                                for k in {str(i.path[0]) for i in found if i.path}
                                if k in R.list_kinds()}
            self._warnings = [placer.place(i) for i in found]
        return self._warnings


def text_problem(text: str | None) -> str | None:
    """Why ``text`` cannot be stored as it is — a NUL character (PostgreSQL's text refuses
    it) or a lone UTF-16 surrogate (not text at all: UTF-8 cannot carry it; JSON can spell
    one, ``"\\ud800"``) — or None when it can."""
    if text is None:
        return None
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"is not valid text: a lone surrogate ({exc.object[exc.start]!r}) at " \
               f"character {exc.start + 1}"
    return None


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str, *, create: bool = False) -> Store:
    """The :class:`Store` at ``url`` (one per URL and process; migrated on first use).

    A SQLite file that does not exist is an error unless ``create`` (reading a model never
    leaves an empty database behind)."""
    key = normalize_url(url)
    with _STORES_LOCK:
        found = _STORES.get(key)
        if found is None:
            try:
                found = _STORES[key] = Store(key, create=create)
            except SQLAlchemyError as exc:
                raise InputError(f"cannot open {display_url(url)}: {exc}") from None
        return found


def close_stores() -> None:
    """Dispose of every open store's connections (tests, forks)."""
    with _STORES_LOCK:
        for s in _STORES.values():
            s.dispose()
        _STORES.clear()
