"""ticket search: a text index per database, and indexes for the help center's lists

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00.000000

The text index differs per database (assistdesk/domain/tickets/search.py says how each is used):
PostgreSQL a pg_trgm GIN index, SQLite an FTS5 trigram table kept in step by triggers, MySQL/MariaDB
a FULLTEXT index; TiDB, and servers that refuse pg_trgm or lack FTS5's trigram tokenizer, get none
(search then scans). Made in the migration's transaction, so on a large installation the upgrade
holds a write lock on `tickets` while the index builds (about a minute per million tickets on
PostgreSQL).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Spelled out here rather than imported (see 0001); assistdesk.domain.tickets.search uses the same.
POSTGRESQL_INDEX = "ix_tickets_search_trgm"
MYSQL_INDEX = "ix_tickets_search_fulltext"
SQLITE_TABLE = "tickets_fts"  # spelled out in the statements below
SQLITE_TRIGGERS = ("tickets_fts_insert", "tickets_fts_delete", "tickets_fts_update")

POSTGRESQL_UNASSIGNED_INDEX = "ix_tickets_unassigned_status_id"

# "My requests" with a status filter (a reporter's, or an organization's for its admins).
LIST_INDEXES = (
    ("ix_tickets_organization_id_status_id", ["organization_id", "status", "id"]),
    ("ix_tickets_reporter_id_status_id", ["reporter_id", "status", "id"]),
)


def upgrade() -> None:
    for name, columns in LIST_INDEXES:
        op.create_index(name, "tickets", columns, unique=False)
    backend = op.get_bind().dialect.name
    if backend == "postgresql":
        _postgresql_unassigned_index()
        _postgresql_trigram_index()
    elif backend == "sqlite":
        _sqlite_fts()
    else:
        _mysql_fulltext()


def downgrade() -> None:
    backend = op.get_bind().dialect.name
    if backend == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {POSTGRESQL_INDEX}")
        op.execute(f"DROP INDEX IF EXISTS {POSTGRESQL_UNASSIGNED_INDEX}")
    elif backend == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")
    elif _mysql_index_exists():
        op.drop_index(MYSQL_INDEX, table_name="tickets")
    for name, _columns in reversed(LIST_INDEXES):
        op.drop_index(name, table_name="tickets")


def _postgresql_unassigned_index() -> None:
    """The "new and unassigned" queue (status = 'open' AND assignee_id IS NULL, newest first).
    PostgreSQL does not treat IS NULL as an equality when ordering, so (assignee_id, status, id)
    cannot give that queue in id order: it read and sorted every unassigned open ticket (40 ms at
    10,000 of them). SQLite and MySQL/MariaDB do treat it so, and use (assignee_id, status, id)."""
    op.execute(
        f"CREATE INDEX {POSTGRESQL_UNASSIGNED_INDEX} ON tickets (status, id) WHERE assignee_id IS NULL"
    )


def _postgresql_trigram_index() -> None:
    """pg_trgm is a trusted extension since PostgreSQL 13 (a database owner may create it); where it
    is refused, search still works, by scanning."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as exc:
        log.warning("pg_trgm unavailable, ticket search will scan: %s", str(exc).splitlines()[0])
        return
    bind.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    # The planner uses the index only for this exact expression (search.py's _PG_DOCUMENT).
    op.execute(
        f"CREATE INDEX {POSTGRESQL_INDEX} ON tickets USING gin ((title || ' ' || description) gin_trgm_ops)"
    )


def _sqlite_fts() -> None:
    """FTS5's trigram tokenizer arrived in SQLite 3.34 (https://sqlite.org/fts5.html#the_trigram_tokenizer).
    The triggers are those of https://sqlite.org/fts5.html#external_content_tables."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        log.warning(
            "SQLite %s has no FTS5 trigram tokenizer; ticket search will scan", sqlite3.sqlite_version
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE tickets_fts USING fts5("
        "title, description, content='tickets', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN"
        " INSERT INTO tickets_fts(rowid, title, description) VALUES (new.id, new.title, new.description);"
        " END"
    )
    op.execute(
        "CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN"
        " INSERT INTO tickets_fts(tickets_fts, rowid, title, description)"
        " VALUES ('delete', old.id, old.title, old.description);"
        " END"
    )
    op.execute(
        "CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title, description ON tickets BEGIN"
        " INSERT INTO tickets_fts(tickets_fts, rowid, title, description)"
        " VALUES ('delete', old.id, old.title, old.description);"
        " INSERT INTO tickets_fts(rowid, title, description) VALUES (new.id, new.title, new.description);"
        " END"
    )
    op.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")


def _mysql_fulltext() -> None:
    """InnoDB FULLTEXT (MySQL 5.6+, MariaDB 10.0.5+); TiDB has none and searches by scanning."""
    version = str(op.get_bind().exec_driver_sql("SELECT VERSION()").scalar() or "")
    if "tidb" in version.lower():
        log.warning("TiDB has no FULLTEXT index, ticket search will scan")
        return
    op.execute(f"CREATE FULLTEXT INDEX {MYSQL_INDEX} ON tickets (title, description)")


def _mysql_index_exists() -> bool:
    found = op.get_bind().execute(
        sa.text(
            "SELECT 1 FROM information_schema.statistics"
            " WHERE table_schema = DATABASE() AND table_name = 'tickets' AND index_name = :name"
        ),
        {"name": MYSQL_INDEX},
    )
    return found.first() is not None
