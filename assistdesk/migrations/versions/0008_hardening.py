"""hardening: webhook ids are never reused on SQLite

Revision ID: 0008_hardening
Revises: 0004
Create Date: 2026-12-07 01:00:00.000000

SQLite hands out max(rowid) + 1 for a table without AUTOINCREMENT, so removing the newest webhook
and adding another gave the new one the old id, and replaying an old dead letter (`outbox retry`)
delivered it, signed, to the new subscriber. With AUTOINCREMENT the counter only grows; it starts
above every id still named by a queued or dead delivery. PostgreSQL sequences and MySQL/MariaDB
AUTO_INCREMENT counters (persisted since MySQL 8 and MariaDB 10.2.4) already never go back.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_hardening"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "webhook_subscriptions"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with op.batch_alter_table(TABLE, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass
    highest = bind.execute(
        sa.text(
            "SELECT max(CAST(substr(destination, 9) AS INTEGER)) FROM outbox_jobs "
            "WHERE destination LIKE 'webhook:%'"
        )
    ).scalar()
    stored = bind.execute(sa.text(f"SELECT max(id) FROM {TABLE}")).scalar()  # noqa: S608
    floor = max(int(highest or 0), int(stored or 0))
    if floor:
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": TABLE})
        bind.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
            {"name": TABLE, "seq": floor},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(TABLE, recreate="always", table_kwargs={"sqlite_autoincrement": False}):
        pass
