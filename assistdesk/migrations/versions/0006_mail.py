"""mail: messages seen and sent, ticket mail threads, held mail, bouncing addresses

Revision ID: 0006_mail
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
BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")

revision: str = "0006_mail"
down_revision: str | Sequence[str] | None = "0005_sla"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=191), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column("ticket_id", BIG_ID, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_mail_messages_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_messages_message_id")),
    )
    op.create_index(op.f("ix_mail_messages_ticket_id"), "mail_messages", ["ticket_id"])
    op.create_index(op.f("ix_mail_messages_sender_created_at"), "mail_messages", ["sender", "created_at"])
    op.create_table(
        "mail_threads",
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column("root_message_id", sa.String(length=191), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("follow", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_mail_threads_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_mail_threads")),
    )
    op.create_table(
        "mail_held",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=191), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw", BLOB, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_held")),
        sa.UniqueConstraint("message_id", name=op.f("uq_mail_held_message_id")),
    )
    op.create_index(op.f("ix_mail_held_created_at"), "mail_held", ["created_at"])
    op.create_table(
        "mail_bounces",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("bounced_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_mail_bounces")),
    )


def downgrade() -> None:
    op.drop_table("mail_bounces")
    op.drop_index(op.f("ix_mail_held_created_at"), table_name="mail_held")
    op.drop_table("mail_held")
    op.drop_table("mail_threads")
    op.drop_index(op.f("ix_mail_messages_sender_created_at"), table_name="mail_messages")
    op.drop_index(op.f("ix_mail_messages_ticket_id"), table_name="mail_messages")
    op.drop_table("mail_messages")
