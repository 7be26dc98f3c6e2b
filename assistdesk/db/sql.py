"""The few statements whose spelling differs per database."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Executable, Table
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Table, values: dict[str, Any]) -> int:
    """`insert_ignore_on` the session's connection."""
    return insert_ignore_on(session.connection(), table, values)


def insert_ignore_on(connection: Connection, table: Table, values: dict[str, Any]) -> int:
    """INSERT that does nothing when a unique key already exists; returns rows inserted (0 or 1).

    Portable alternative to catching IntegrityError, which would abort a PostgreSQL transaction.
    A concurrent inserter of the same key waits for the first transaction and then inserts nothing,
    which is what makes this usable as a claim.
    """
    dialect = connection.dialect.name
    result = connection.execute(_insert_ignore(table, dialect), values)
    if dialect in ("postgresql", "sqlite"):
        # RETURNING yields a row only when the insert happened; the row count is not reliable
        # for ON CONFLICT DO NOTHING under every driver (psycopg 3 reports -1).
        return 1 if result.first() is not None else 0
    return int(getattr(result, "rowcount", 0) or 0)


@cache
def _insert_ignore(table: Table, dialect: str) -> Executable:
    """Built once per table and database, the values bound at execution: a mail receipt, a mail
    thread and an outbox destination ride on every write, and building the statement (and its
    cache key) each time cost more than running it. Immutable values, not state."""
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        key = next(iter(table.primary_key.columns))
        return insert(table).on_conflict_do_nothing().returning(key)
    if dialect in ("mysql", "mariadb"):
        return mysql.insert(table).prefix_with("IGNORE")
    raise NotImplementedError(dialect)  # pragma: no cover
