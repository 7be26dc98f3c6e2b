"""The few statements whose spelling differs per database."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Executable, Insert, Table, bindparam, insert
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.mapper import Mapper

from assistdesk.db.driver import DriverStatement


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
    driven = _ignoring(table, dialect, tuple(values))
    if driven is not None:
        if dialect in ("postgresql", "sqlite"):
            return 1 if driven.rows(connection, values) else 0
        return driven.rowcount(connection, values)
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


def _typed(table: Table, keys: tuple[str, ...]) -> dict[str, Any]:
    """The VALUES of an INSERT of `keys`, each bound under its own name with its column's type."""
    return {key: bindparam(key, type_=table.c[key].type) for key in keys}


def _driven(table: Table, keys: tuple[str, ...]) -> bool:
    """Whether an INSERT of `keys` can run on the driver's cursor (`db/driver.DriverStatement`):
    no other column has a default computed in Python, which SQLAlchemy's execution would fill in."""
    return all(column.key in keys or column.default is None for column in table.columns)


@cache
def _ignoring(table: Table, dialect: str, keys: tuple[str, ...]) -> DriverStatement | None:
    """`_insert_ignore` of `keys` on the driver's cursor, built once per table, database and keys (a
    mail thread, a mail receipt and an outbox destination ride on every write; through
    `Connection.execute` each cost more CPU than its round trip); None where it cannot run there."""
    if not _driven(table, keys):
        return None
    statement = _insert_ignore(table, dialect)
    assert isinstance(statement, Insert)
    return DriverStatement(statement.values(_typed(table, keys)))


@cache
def _inserting(table: Table, dialect: str, keys: tuple[str, ...]) -> DriverStatement | None:
    """INSERT of `keys` on the driver's cursor, its generated key RETURNed where the database can;
    None where it cannot run there (a key of several columns, or a default computed in Python)."""
    primary = list(table.primary_key.columns)
    if len(primary) != 1 or primary[0].key in keys or not _driven(table, keys):
        return None
    statement = insert(table).values(_typed(table, keys))
    return DriverStatement(statement.returning(primary[0]) if dialect == "postgresql" else statement)


def add_new(session: Session, instance: object) -> None:
    """INSERT a new ORM object now, with its table's statement built once, and attach it to `session`
    as if it had been loaded: later reads in the transaction (the event subscribers') find it in the
    identity map, and a later change to it is flushed as an UPDATE as usual.

    For the rows every REST write adds (a ticket, a comment): the ORM's flush of one new object cost
    more than the statement itself, and so did `Connection.execute`: the INSERT runs on the driver's
    cursor (`_inserting`). Changes still pending in the session are flushed first (the row may refer
    to them). Columns left unset take their column default (or NULL), as in a flush;
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
    connection = session.connection()
    table = mapper.local_table
    assert isinstance(table, Table)
    driven = _inserting(table, connection.dialect.name, tuple(values))
    if driven is not None:
        generated: Any = (driven.inserted_key(connection, values),)
    else:
        generated = connection.execute(_insert(table), values).inserted_primary_key or ()
    for key_column, value in zip(mapper.primary_key, generated, strict=True):
        key = mapper.get_property_by_column(key_column).key
        if state.get(key) is None:
            setattr(instance, key, value)
    make_transient_to_detached(instance)
    session.add(instance)


@cache
def _insert(table: Table) -> Insert:
    return insert(table)
