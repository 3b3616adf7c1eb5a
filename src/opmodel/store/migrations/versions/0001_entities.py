"""The model as versioned entity rows, change sets and the change log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("why", sa.Text),
        sa.Column("request_id", sa.String(200)),
    )
    op.create_table(
        "entities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("pos", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("rev_from", sa.Integer, sa.ForeignKey("revisions.id"), nullable=False),
        sa.Column("rev_to", sa.Integer, sa.ForeignKey("revisions.id")),
    )
    op.create_index("ix_entities_key", "entities", ["kind", "key", "rev_to"])
    op.create_index("ix_entities_order", "entities", ["kind", "pos"])
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("rev", sa.Integer, sa.ForeignKey("revisions.id"), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("field", sa.String(200)),
        sa.Column("old", sa.Text),
        sa.Column("new", sa.Text),
    )
    op.create_index("ix_changes_rev", "changes", ["rev"])
    op.execute("INSERT INTO meta (key, value) VALUES ('revision', '0')")


def downgrade() -> None:
    op.drop_table("changes")
    op.drop_table("entities")
    op.drop_table("revisions")
    op.drop_table("meta")
