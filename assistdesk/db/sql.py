"""The few statements whose spelling differs per database."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Executable, Insert, Table, insert
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.mapper import Mapper


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


def add_new(session: Session, instance: object) -> None:
    """INSERT a new ORM object now, with its table's statement built once, and attach it to `session`
    as if it had been loaded: later reads in the transaction (the event subscribers') find it in the
    identity map, and a later change to it is flushed as an UPDATE as usual.

    For the rows every REST write adds (a ticket, a comment): the ORM's flush of one new object cost
    more than the statement itself. Changes still pending in the session are flushed first (the row
    may refer to them). Columns left unset take their column default (or NULL), as in a flush;
    relationships set on the object are kept as loaded; the autoincremented key is read back.
    """
    session.flush()
    mapper: Mapper[Any] = instance.__class__.__mapper__  # type: ignore[attr-defined]
    state = instance.__dict__
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if attr.key not in state:
            default = column.default
            value = None
            if default is not None:
                value = default.arg(None) if default.is_callable else default.arg
            if value is None and column.primary_key:
                continue
            setattr(instance, attr.key, value)
        values[column.key] = state[attr.key]
    result = session.connection().execute(_insert(mapper.local_table), values)
    for key_column, value in zip(mapper.primary_key, result.inserted_primary_key or (), strict=True):
        key = mapper.get_property_by_column(key_column).key
        if state.get(key) is None:
            setattr(instance, key, value)
    make_transient_to_detached(instance)
    session.add(instance)


@cache
def _insert(table: Table) -> Insert:
    return insert(table)
