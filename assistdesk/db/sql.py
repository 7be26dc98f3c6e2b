"""The few statements whose spelling differs per database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, table: Table, values: dict[str, Any]) -> int:
    """INSERT that does nothing when a unique key already exists; returns rows inserted.

    Portable alternative to catching IntegrityError, which would abort a PostgreSQL transaction.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect in ("mysql", "mariadb"):
        stmt = mysql.insert(table).values(**values).prefix_with("IGNORE")
    else:  # pragma: no cover
        raise NotImplementedError(dialect)
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
