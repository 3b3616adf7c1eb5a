"""Users, roles and API tokens; the change log indexed by entity.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("units", sa.Text, nullable=False, server_default=""),
        sa.Column("password_hash", sa.Text),
        sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_rev", sa.Integer, sa.ForeignKey("revisions.id")),
    )
    op.create_table(
        "tokens",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(200), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("created_rev", sa.Integer, sa.ForeignKey("revisions.id")),
    )
    op.create_index("ix_tokens_user", "tokens", ["username"])
    op.create_index("ix_changes_entity", "changes", ["kind", "key"])


def downgrade() -> None:
    op.drop_index("ix_changes_entity", "changes")
    op.drop_table("tokens")
    op.drop_table("users")
