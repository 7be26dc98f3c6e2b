"""Statements run on the driver's own cursor, compiled once per database.

For the few statements a process runs for every unit of work it does in the background (the delivery
worker's claim, outcome and release): SQLAlchemy's execution path (execution context, parameter
construction, result object) cost more CPU than the round trip of a one-row statement. Here the SQL
is compiled once per dialect from the same Core construct, the parameters go through the columns'
own bind processors and the rows through their result processors, so values read and written are
exactly those SQLAlchemy would give. The statement runs in the caller's transaction (the session's
connection); expanding parameters (`IN` lists) are not supported: use `Connection.execute` for those.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

_CURSOR = "assistdesk_driver_cursor"
T = TypeVar("T")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Positional parameter styles (qmark, format): the names in the order the driver takes them.
    positions: tuple[str, ...] | None
    defaults: dict[str, Any]
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...]


class DriverStatement:
    """One Core statement, run on the DBAPI cursor of a SQLAlchemy connection."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self._statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("expanding parameters are rendered per execution; use Connection.execute")
        processors = compiled._bind_processors
        binds = tuple((name, fn) for name, fn in processors.items() if callable(fn))
        # (key, name, objects, type) per column of the result
        results = tuple(
            entry[3]._cached_result_processor(dialect, None) for entry in compiled._result_columns
        )
        positions = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        # The values of the literals in the statement (`status = 'pending'`), bound like the others.
        defaults = {
            name: bind.effective_value for bind, name in compiled.bind_names.items() if not bind.required
        }
        found = _Compiled(compiled.string, positions, defaults, binds, results)
        self._compiled[dialect.name] = found
        return found

    def bind(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL text and the parameters as the driver takes them (`async_driver` runs them too)."""
        compiled = self._compiled.get(dialect.name) or self._compile(dialect)
        values = {**compiled.defaults, **params}
        for name, process in compiled.binds:
            if name in values:
                values[name] = process(values[name])
        if compiled.positions is not None:
            return compiled.sql, [values[name] for name in compiled.positions]
        return compiled.sql, values

    def convert(self, dialect: Dialect, fetched: list[Any]) -> list[Sequence[Any]]:
        """Rows as fetched from the driver, each value as the column's type gives it."""
        results = (self._compiled.get(dialect.name) or self._compile(dialect)).results
        if not any(results):
            return list(fetched)
        return [
            tuple(
                value if fn is None or value is None else fn(value)
                for fn, value in zip(results, row, strict=True)
            )
            for row in fetched
        ]

    def _run(self, connection: Connection, params: Mapping[str, Any], read: Callable[[Any], T]) -> T:
        """Execute, then `read` the cursor; the driver's errors raised as SQLAlchemy's own."""
        sql, args = self.bind(connection.dialect, params)
        cursor = _cursor(connection)
        try:
            cursor.execute(sql, args)
            return read(cursor)
        except connection.dialect.loaded_dbapi.Error as exc:
            raise _as_sqlalchemy_error(connection, cursor, sql, args, exc) from exc

    def rowcount(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run an UPDATE or DELETE; the rows it matched."""
        return self._run(connection, params, lambda cursor: int(cursor.rowcount))

    def inserted_key(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """Run a one-row INSERT; the key it generated: the value it RETURNs, where it returns one,
        else the cursor's `lastrowid` (MySQL, MariaDB, SQLite's rowid)."""

        def key(cursor: Any) -> Any:
            if cursor.description is not None:
                rows = cursor.fetchall()
                return self.convert(connection.dialect, rows)[0][0] if rows else None
            return cursor.lastrowid

        return self._run(connection, params, key)

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        """Run a statement that returns rows; each row's values as the columns' types give them."""
        return self._run(
            connection, params, lambda cursor: self.convert(connection.dialect, cursor.fetchall())
        )


def _as_sqlalchemy_error(
    connection: Connection, cursor: Any, sql: str, args: Any, exc: Any
) -> StatementError:
    """What SQLAlchemy raises for `exc` had it run the statement: callers that retry a deadlock or a
    lost connection (`uow.Database.run`, `is_retryable`) and the API's error handlers see the same
    error whichever path ran it. A lost connection is invalidated, as SQLAlchemy does, so that the
    pool does not hand it out again; the shared cursor is forgotten with it."""
    pooled = connection.connection
    pooled.info.pop(_CURSOR, None)
    dialect = connection.dialect
    lost = dialect.is_disconnect(exc, pooled.dbapi_connection, cursor)
    if lost:
        connection.invalidate(exc)
    error: StatementError = DBAPIError.instance(
        sql, args, exc, dialect.loaded_dbapi.Error, connection_invalidated=lost, dialect=dialect
    )
    return error


def _cursor(connection: Connection) -> Any:
    """The one cursor of the connection's DBAPI connection that these statements share, made on
    first use (one made and closed per statement cost a tenth of the statement's CPU, as on the
    async driver). Kept in the pool's `info` of that DBAPI connection, which lives and is cleared
    with it; every statement here reads its whole result before the next one runs."""
    pooled = connection.connection
    cursor = pooled.info.get(_CURSOR)
    if (
        cursor is None
        or getattr(cursor, "connection", None) is not pooled.dbapi_connection
        or getattr(cursor, "closed", False)
    ):
        cursor = pooled.info[_CURSOR] = pooled.cursor()
    return cursor
