"""`DriverStatement`s on a psycopg `AsyncConnection` held by the event loop (PostgreSQL only).

A background loop that runs two short transactions per unit of work (the delivery worker: claim;
outcome and release) spent as much CPU handing each one to a thread (`ThreadPoolExecutor.submit`
waking it, the future back to the loop) as on the statements themselves. Here the transaction
runs on the loop: psycopg's async connection waits on its socket like any other coroutine.

The same SQL text (compiled once per dialect from the same Core construct), the same bind and result
processing, the same connection parameters and type adapters as the engine's connections
(`create_connect_args`), and the same transactions (BEGIN … COMMIT). One connection runs one
transaction at a time: callers that must not wait for each other hold a driver each. A connection
that fails is closed and the next transaction opens a new one (a database restart costs the
transaction that was running, as with the pool).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

from assistdesk.db.driver import DriverStatement
from assistdesk.db.uow import RETRYABLE_PG

if TYPE_CHECKING:
    import psycopg


class AsyncTransaction:
    """Statements in one open transaction of an `AsyncDriver`, on the connection's one cursor (a
    cursor made and closed per statement cost a tenth of the statement's CPU)."""

    def __init__(self, cursor: psycopg.AsyncCursor[Any], dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    async def rows(self, statement: DriverStatement, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        sql, args = statement.bind(self._dialect, params)
        await self._cursor.execute(sql, args)
        return statement.convert(self._dialect, await self._cursor.fetchall())

    async def rowcount(self, statement: DriverStatement, params: Mapping[str, Any]) -> int:
        sql, args = statement.bind(self._dialect, params)
        await self._cursor.execute(sql, args)
        return int(self._cursor.rowcount)


class AsyncDriver:
    """One lazily opened async connection to the engine's PostgreSQL database.

    `single` drivers run statements each as its own transaction (`run_one`, autocommit): a
    transaction of one statement without its BEGIN and COMMIT round trips, as PostgreSQL runs
    any statement outside a transaction block. Others run `transaction` blocks."""

    def __init__(self, engine: Engine, *, single: bool = False) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("the async driver is for PostgreSQL (psycopg)")
        self.dialect = engine.dialect
        self._args, self._kwargs = engine.dialect.create_connect_args(engine.url)
        self._single = single
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._tx: AsyncTransaction | None = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> tuple[psycopg.AsyncConnection[Any], AsyncTransaction]:
        import psycopg

        conn, tx = self._conn, self._tx
        if conn is None or tx is None or conn.closed or conn.broken:
            conn = self._conn = await psycopg.AsyncConnection.connect(
                *self._args, autocommit=self._single, **self._kwargs
            )
            tx = self._tx = AsyncTransaction(conn.cursor(), self.dialect)
        return conn, tx

    async def run_one(self, statement: DriverStatement, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        """`statement`'s rows, the statement being a transaction of its own."""
        if not self._single:
            raise RuntimeError("run_one is for a driver made with single=True")
        async with self._lock:
            conn, tx = await self._connection()
            try:
                return await tx.rows(statement, params)
            except BaseException as exc:
                # Lost, or interrupted mid-statement (a cancellation): not to be used again.
                if conn.broken or conn.closed or not isinstance(exc, Exception):
                    await self._drop(conn)
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncTransaction]:
        """One transaction: committed when the block ends, rolled back when it raises. A cancelled
        caller's transaction is rolled back (or its connection dropped): nothing half done commits."""
        if self._single:
            raise RuntimeError("a single-statement driver runs no transaction blocks")
        async with self._lock:
            conn, tx = await self._connection()
            try:
                yield tx
                await conn.commit()
            except BaseException as exc:
                await self._abandon(conn, interrupted=not isinstance(exc, Exception))
                raise

    async def _abandon(self, conn: psycopg.AsyncConnection[Any], *, interrupted: bool) -> None:
        """Roll back; a connection that cannot (lost), or whose statement may still be running
        (a cancellation), is closed, which ends its transaction on the server."""
        if interrupted or conn.broken or conn.closed:
            await self._drop(conn)
            return
        try:
            await conn.rollback()
        except BaseException:  # the caller raises what ended its transaction
            await self._drop(conn)

    async def _drop(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Forget a connection that failed; the next use opens another."""
        if self._conn is conn:
            self._conn, self._tx = None, None
        await conn.close()

    async def aclose(self) -> None:
        conn, self._conn, self._tx = self._conn, None, None
        if conn is not None:
            await conn.close()

    def close_now(self) -> None:
        """`aclose` without awaiting, for a coroutine being closed (GeneratorExit)."""
        conn, self._conn, self._tx = self._conn, None, None
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
