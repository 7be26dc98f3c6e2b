"""chat plans: the private hints already given, one per ticket thread and person

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-07 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Types spelled out here rather than imported from the application (see 0001).
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_hints",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("thread_id", BIG_ID, nullable=False),
        sa.Column("user_id", sa.String(length=191), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["ticket_threads.id"],
            name=op.f("fk_chat_hints_thread_id_ticket_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_hints")),
        sa.UniqueConstraint("thread_id", "user_id", name=op.f("uq_chat_hints_thread_id_user_id")),
    )


def downgrade() -> None:
    op.drop_table("chat_hints")
