"""response-time commitments: targets, business hours per organization, the clock on each ticket

Revision ID: 0005_sla
Revises: 0004
Create Date: 2026-12-07 01:00:00.000000

Adds nullable columns (and two with server defaults) to `tickets` and `organizations`, four indexes
on `tickets` and the `sla_targets` table. Tickets opened before this migration have no due time
(`sla` reads `none`): their commitment was never measured.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0005_sla"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

INDEXES = (
    ("ix_tickets_sla_next_at", ["sla_next_at"]),
    (
        "ix_tickets_first_response_at_status_first_response_due_at",
        ["first_response_at", "status", "first_response_due_at"],
    ),
    ("ix_tickets_created_at", ["created_at"]),
    (
        "ix_tickets_assignee_id_status_first_response_due_at",
        ["assignee_id", "status", "first_response_due_at"],
    ),
)

# PostgreSQL: the New queue (open, unassigned, by due time) read in order. The planner assumes that
# "unassigned" and "open" are independent and picks 0004's partial index, then sorts every open
# unassigned ticket; a partial index with the due time makes the ordered read the cheap plan.
POSTGRESQL_UNASSIGNED_DUE_INDEX = "ix_tickets_unassigned_status_due_id"


def _when() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.DateTime(timezone=False).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "sla_targets",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("plan", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=4), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_targets")),
        sa.UniqueConstraint("plan", "severity", name=op.f("uq_sla_targets_plan_severity")),
    )
    op.add_column(
        "organizations", sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False)
    )
    op.add_column("organizations", sa.Column("holidays", sa.String(length=8), nullable=True))
    op.add_column("tickets", sa.Column("first_response_due_at", _when(), nullable=True))
    op.add_column("tickets", sa.Column("first_response_at", _when(), nullable=True))
    op.add_column("tickets", sa.Column("sla_plan", sa.String(length=20), nullable=True))
    op.add_column("tickets", sa.Column("sla_stage", sa.SmallInteger(), server_default="0", nullable=False))
    op.add_column("tickets", sa.Column("sla_next_at", _when(), nullable=True))
    for name, columns in INDEXES:
        op.create_index(name, "tickets", columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            POSTGRESQL_UNASSIGNED_DUE_INDEX,
            "tickets",
            ["status", "first_response_due_at", "id"],
            postgresql_where=sa.text("assignee_id IS NULL"),
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(POSTGRESQL_UNASSIGNED_DUE_INDEX, table_name="tickets")
    for name, _columns in INDEXES:
        op.drop_index(name, table_name="tickets")
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): a batch copy of `tickets` on SQLite
    # would drop the full-text triggers 0004 put on it, and search would stop seeing new tickets.
    for column in ("sla_next_at", "sla_stage", "sla_plan", "first_response_at", "first_response_due_at"):
        op.drop_column("tickets", column)
    op.drop_column("organizations", "holidays")
    op.drop_column("organizations", "timezone")
    op.drop_table("sla_targets")
