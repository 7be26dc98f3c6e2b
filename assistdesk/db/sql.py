"""The few statements whose spelling differs per database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
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
    if dialect in ("postgresql", "sqlite"):
        # RETURNING yields a row only when the insert happened; the row count is not reliable
        # for ON CONFLICT DO NOTHING under every driver (psycopg 3 reports -1).
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        key = next(iter(table.primary_key.columns))
        stmt = insert(table).values(**values).on_conflict_do_nothing().returning(key)
        return 1 if connection.execute(stmt).first() is not None else 0
    if dialect in ("mysql", "mariadb"):
        result = connection.execute(mysql.insert(table).values(**values).prefix_with("IGNORE"))
        return int(getattr(result, "rowcount", 0) or 0)
    raise NotImplementedError(dialect)  # pragma: no cover
