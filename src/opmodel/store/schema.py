"""The store's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them;
this module mirrors the head revision for queries.

* ``meta`` — ``revision``: the number of the last committed change set (the model version).
* ``revisions`` — one per change set (one action = one transaction = one revision): when,
  who, which action, why, the request id.
* ``entities`` — one row per entity version: ``kind``, ``key``, ``pos`` (order in its
  table), ``version`` (1, 2, … per entity), ``data`` (JSON), valid from revision
  ``rev_from`` until ``rev_to`` (NULL while current). Time travel selects the rows valid at
  a revision.
* ``changes`` — the change log: per revision, entity and field, the old and new value.
* ``users`` and ``tokens`` — who may act, with which role and units (revision 0002).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

revisions = Table(
    "revisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),  # UTC, ISO 8601 with microseconds and 'Z'
    Column("who", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("why", Text),
    Column("request_id", String(200)),
)

entities = Table(
    "entities", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("key", String(400), nullable=False),
    Column("pos", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("rev_from", Integer, ForeignKey("revisions.id"), nullable=False),
    Column("rev_to", Integer, ForeignKey("revisions.id")),
    Index("ix_entities_key", "kind", "key", "rev_to"),
    Index("ix_entities_order", "kind", "pos"),
)

changes = Table(
    "changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rev", Integer, ForeignKey("revisions.id"), nullable=False, index=True),
    Column("kind", String(64), nullable=False),
    Column("key", String(400), nullable=False),
    Column("field", String(200)),  # None: the whole entity (created or deleted)
    Column("old", Text),  # JSON, None when created
    Column("new", Text),  # JSON, None when deleted
    Index("ix_changes_entity", "kind", "key"),
)

users = Table(
    "users", metadata,
    Column("name", String(200), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("units", Text, nullable=False, default=""),  # ';'-separated unit ids
    Column("password_hash", Text),
    Column("disabled", Integer, nullable=False, default=0),
    Column("created_rev", Integer, ForeignKey("revisions.id")),
)

tokens = Table(
    "tokens", metadata,
    Column("hash", String(64), primary_key=True),  # sha256 hex of the token
    Column("username", String(200), ForeignKey("users.name"), nullable=False),
    Index("ix_tokens_user", "username"),
    Column("label", String(200)),
    Column("created_rev", Integer, ForeignKey("revisions.id")),
)
