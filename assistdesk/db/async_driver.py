"""`DriverStatement`s on a psycopg `AsyncConnection` held by the event loop (PostgreSQL only).

A background loop that runs two short transactions per unit of work (the delivery worker: claim;
outcome and release) spent as much CPU handing each one to a thread (`ThreadPoolExecutor.submit`
waking it, the future back to the loop) as on the statements themselves. Here the transaction
runs on the loop: psycopg's async connection waits on its socket like any other coroutine.

The same SQL text (compiled once per dialect from the same Core construct), the same bind and result
processing, the same connection parameters and type adapters as the engine's connections
(`create_connect_args`), and the same transactions (BEGIN … COMMIT, sent as one `Script`). One
connection runs one transaction at a time: callers that must not wait for each other hold a driver
each. A connection
that fails is closed and the next transaction opens a new one (a database restart costs the
transaction that was running, as with the pool).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from assistdesk.db.driver import DriverStatement
from assistdesk.db.uow import RETRYABLE_PG

if TYPE_CHECKING:
    import psycopg


class Script:
    """The statements of one transaction, sent together (`AsyncDriver.run_script`); each one's row
    count once it ran."""

    def __init__(self) -> None:
        self._statements: list[tuple[DriverStatement, Mapping[str, Any]]] = []
        self._counts: list[int] = []

    def add(self, statement: DriverStatement, params: Mapping[str, Any]) -> int:
        """Append a statement; returns its index, for `rowcount` after the run."""
        self._statements.append((statement, params))
        return len(self._statements) - 1

    def rowcount(self, index: int) -> int:
        return self._counts[index]


class AsyncDriver:
    """One lazily opened async connection to the engine's PostgreSQL database, in autocommit.

    `single` drivers run statements each as its own transaction (`run_one`): a transaction of one
    statement without its BEGIN and COMMIT round trips, as PostgreSQL runs any statement outside a
    transaction block. Others run `Script`s: a transaction's statements in one round trip."""

    def __init__(self, engine: Engine, *, single: bool = False) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("the async driver is for PostgreSQL (psycopg)")
        self.dialect = engine.dialect
        self._args, self._kwargs = engine.dialect.create_connect_args(engine.url)
        self._single = single
        self._conn: psycopg.AsyncConnection[Any] | None = None
        # The connection's one cursor (a cursor made and closed per statement cost a tenth of the
        # statement's CPU): server-side binding for single statements, client-side for scripts.
        self._cursor: psycopg.AsyncCursor[Any] | None = None
        self._scripts: psycopg.AsyncClientCursor[Any] | None = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> tuple[psycopg.AsyncConnection[Any], psycopg.AsyncCursor[Any]]:
        import psycopg

        conn, cursor = self._conn, self._cursor
        if conn is None or cursor is None or conn.closed or conn.broken:
            conn = self._conn = await psycopg.AsyncConnection.connect(
                *self._args, autocommit=True, **self._kwargs
            )
            cursor = self._cursor = conn.cursor()
            self._scripts = psycopg.AsyncClientCursor(conn)
        return conn, cursor

    async def run_one(self, statement: DriverStatement, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        """`statement`'s rows, the statement being a transaction of its own."""
        if not self._single:
            raise RuntimeError("run_one is for a driver made with single=True")
        async with self._lock:
            conn, cursor = await self._connection()
            try:
                sql, args = statement.bind(self.dialect, params)
                await cursor.execute(sql, args)
                return statement.convert(self.dialect, await cursor.fetchall())
            except BaseException as exc:
                # Lost, or interrupted mid-statement (a cancellation): not to be used again.
                if conn.broken or conn.closed or not isinstance(exc, Exception):
                    await self._drop(conn)
                raise

    async def run_script(self, script: Script) -> None:
        """`script` as one transaction, committed, in one round trip: `BEGIN; …; COMMIT` sent as one
        query with its values quoted by psycopg (client-side binding). Sent one by one with their
        BEGIN and COMMIT, the release's five round trips cost the worker about three times the CPU
        (psycopg's per-query work and the loop's waits). Each statement still runs alone, with its
        own snapshot, in order: the release's `FOR UPDATE` wait is over before the release reads.
        A failed statement ends the script, whose transaction is rolled back; a cancelled caller's
        connection is dropped: nothing half done commits."""
        if self._single:
            raise RuntimeError("a single-statement driver runs no scripts")
        async with self._lock:
            conn, _ = await self._connection()
            cursor = self._scripts
            assert cursor is not None
            try:
                parts = [
                    cursor.mogrify(*statement.bind(self.dialect, params))
                    for statement, params in script._statements
                ]
                await cursor.execute(";".join(["BEGIN", *parts, "COMMIT"]))
                counts = [cursor.rowcount]
                while cursor.nextset():
                    counts.append(cursor.rowcount)
            except BaseException as exc:
                await self._abandon(conn, interrupted=not isinstance(exc, Exception))
                raise
        script._counts = counts[1:-1]

    async def _abandon(self, conn: psycopg.AsyncConnection[Any], *, interrupted: bool) -> None:
        """Roll back; a connection that cannot (lost), or whose statement may still be running
        (a cancellation), is closed, which ends its transaction on the server."""
        if interrupted or conn.broken or conn.closed:
            await self._drop(conn)
            return
        try:
            await conn.rollback()  # the script's transaction, aborted by the failed statement
        except BaseException:  # the caller raises what ended its transaction
            await self._drop(conn)

    async def _drop(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Forget a connection that failed; the next use opens another."""
        if self._conn is conn:
            self._conn, self._cursor, self._scripts = None, None, None
        await conn.close()

    async def aclose(self) -> None:
        conn, self._conn, self._cursor, self._scripts = self._conn, None, None, None
        if conn is not None:
            await conn.close()

    def close_now(self) -> None:
        """`aclose` without awaiting, for a coroutine being closed (GeneratorExit)."""
        conn, self._conn, self._cursor, self._scripts = self._conn, None, None, None
        if conn is not None:
            close_now(conn)


def close_now(conn: psycopg.AsyncConnection[Any]) -> None:
    """Close `conn` at once, from code that may not await (a coroutine being closed: GeneratorExit).
    Left to the garbage collector, the server would keep the session (and any lock its transaction
    holds) until the connection object happened to be collected. libpq's `finish` is all that
    closing does; what it interrupts ends on the server with the session."""
    if not conn.closed:
        conn.pgconn.finish()


def is_retryable(exc: BaseException) -> bool:
    """A transaction the server aborted to resolve a conflict, or whose connection was lost (no
    state: the network; 57P01–57P03: the server shutting down or restarting)."""
    import psycopg

    if not isinstance(exc, psycopg.Error):
        return False
    code = exc.sqlstate
    if code is None:
        return isinstance(exc, psycopg.OperationalError)
    return code in RETRYABLE_PG or code.startswith("57P")
