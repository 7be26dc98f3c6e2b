"""Ticket numbers (and any other named counter) taken in a transaction of their own.

Taken inside the ticket's transaction, the counter row stayed locked until that transaction
committed, so every create in every process waited for the one before it (~110 creates/s at most on
PostgreSQL). Here the number is taken by one autocommitted statement on a connection of a small side
pool (PostgreSQL: `UPDATE … RETURNING`; MySQL: `UPDATE … SET value = LAST_INSERT_ID(value + 1)`, whose
value the server returns with the statement's result), so the row lock lasts one statement and one
round trip. The price: a create that fails after taking its number leaves a gap (the number is never
given again) — except when `Database.run` retries it after a deadlock or a lock timeout: the retry
takes again the numbers its rolled-back attempts took (`Held`), so contention leaves no gap.
SQLite allows one writer at a time anyway, so there the number is taken inside the transaction, as
before, and stays dense.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, create_engine, func, select, update
from sqlalchemy.orm import Session

from assistdesk.db.driver import DriverStatement
from assistdesk.db.sql import insert_ignore_on

_SIDE_POOL = "assistdesk_numbers"
_HELD = "assistdesk_numbers_held"
_USED = "assistdesk_numbers_used"


class Held:
    """Numbers the attempts of one `Database.run` took from the side pool, per counter.

    A retried attempt takes them again, in the same order, before any new one. Never a number
    given twice: the attempt that took it rolled back (a deadlock or lock timeout is raised before
    COMMIT), and were a COMMIT ever to succeed unseen, the ticket key's unique index would refuse
    the second use rather than store it."""

    def __init__(self) -> None:
        self._taken: dict[tuple[str, str], list[int]] = {}

    def again(self, session: Session, counter: tuple[str, str]) -> int | None:
        """The next number an earlier attempt took for `counter`, if this attempt has not used it."""
        used: dict[tuple[str, str], int] = session.info.setdefault(_USED, {})
        index = used.get(counter, 0)
        taken = self._taken.get(counter, [])
        if index >= len(taken):
            return None
        used[counter] = index + 1
        return taken[index]

    def keep(self, session: Session, counter: tuple[str, str], number: int) -> None:
        self._taken.setdefault(counter, []).append(number)
        used: dict[tuple[str, str], int] = session.info.setdefault(_USED, {})
        used[counter] = used.get(counter, 0) + 1


class NumberSource:
    """Opens its side pool on first use: most processes (CLI commands, workers) never take one."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._side: Engine | None = None
        self._lock = threading.Lock()
        self._statements: dict[str, _Statements] = {}

    def statements(self, table: Table) -> _Statements:
        found = self._statements.get(table.name)
        if found is None:
            found = self._statements.setdefault(table.name, _Statements(table))
        return found

    def _side_engine(self) -> Engine:
        with self._lock:
            if self._side is None:
                kwargs: dict[str, Any] = {
                    "pool_size": 4,
                    "max_overflow": 16,
                    "pool_recycle": 1800,
                    "isolation_level": "AUTOCOMMIT",
                }
                if self._engine.dialect.name == "postgresql":
                    # No WAL flush of its own: the ticket's COMMIT, later in the same WAL, flushes
                    # the counter's too. A crash can lose only a counter update no committed ticket
                    # used, so no key is ever given twice.
                    kwargs["connect_args"] = {"options": "-c synchronous_commit=off"}
                self._side = create_engine(self._engine.url, **kwargs)
            return self._side

    def take(self, session: Session, table: Table, name: str) -> int:
        statements = self.statements(table)
        if self._engine.dialect.name == "sqlite":
            return _bump(session.connection(), statements, name)  # rolled back with its transaction
        held: Held | None = session.info.get(_HELD)
        counter = (table.name, name)
        again = held.again(session, counter) if held is not None else None
        if again is not None:
            return again
        with self._side_engine().connect() as connection:
            number = _bump_alone(connection, statements, name)
        if held is not None:
            held.keep(session, counter, number)
        return number

    def dispose(self) -> None:
        if self._side is not None:
            self._side.dispose()


def attach(session: Session, source: NumberSource, held: Held | None = None) -> None:
    session.info[_SIDE_POOL] = source
    if held is not None:
        session.info[_HELD] = held


def take_number(session: Session, table: Table, name: str) -> int:
    """The next value of counter `name` in `table` (columns `name`, `value`); never given twice."""
    source: NumberSource | None = session.info.get(_SIDE_POOL)
    if source is None:
        return _bump(session.connection(), _Statements(table), name)
    return source.take(session, table, name)


class _Statements:
    """The counter's statements for one table, built once per process (building them cost more
    than running them)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.bump = update(table).where(table.c.name == bindparam("counter")).values(value=table.c.value + 1)
        self.bump_returning = self.bump.returning(table.c.value)
        # Every create on PostgreSQL: on the driver's cursor (see db/driver.py).
        self.bump_driven = DriverStatement(self.bump_returning)
        self.read = select(table.c.value).where(table.c.name == bindparam("counter"))
        self.bump_remembered = (
            update(table)
            .where(table.c.name == bindparam("counter"))
            .values(value=func.last_insert_id(table.c.value + 1))
        )


def _bump_alone(connection: Connection, statements: _Statements, name: str) -> int:
    """On an autocommit connection: each statement is its own transaction."""
    given = {"counter": name}
    for _ in range(2):
        if connection.dialect.name == "postgresql":
            rows = statements.bump_driven.rows(connection, given)
            value = rows[0][0] if rows else None
        else:
            result = connection.execute(statements.bump_remembered, given)
            value = result.lastrowid if result.rowcount else None
        if value is not None:
            return int(value)
        insert_ignore_on(connection, statements.table, {"name": name, "value": 0})
    raise RuntimeError(f"counter {name!r} could not be created")  # pragma: no cover


def _bump(connection: Connection, statements: _Statements, name: str) -> int:
    given = {"counter": name}
    if connection.dialect.name in ("postgresql", "sqlite"):
        value = connection.execute(statements.bump_returning, given).scalar_one_or_none()
        if value is None:
            insert_ignore_on(connection, statements.table, {"name": name, "value": 0})
            value = connection.execute(statements.bump_returning, given).scalar_one()
        return int(value)
    if connection.execute(statements.bump, given).rowcount == 0:
        insert_ignore_on(connection, statements.table, {"name": name, "value": 0})
        connection.execute(statements.bump, given)
    return int(connection.execute(statements.read, given).scalar_one())
