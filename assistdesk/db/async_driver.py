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

from assistdesk.db.driver import DriverStatement

if TYPE_CHECKING:
    import psycopg

# Serialization failure, deadlock, lock not available: the transaction may be run again.
_RETRYABLE = {"40001", "40P01", "55P03"}


class AsyncTransaction:
    """Statements in one open transaction of an `AsyncDriver`."""

    def __init__(self, conn: psycopg.AsyncConnection[Any], driver: AsyncDriver) -> None:
        self._conn = conn
        self._driver = driver

    async def rows(self, statement: DriverStatement, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        dialect = self._driver.dialect
        sql, args = statement.bind(dialect, params)
        cursor = self._conn.cursor()
        try:
            await cursor.execute(sql, args)
            fetched = await cursor.fetchall()
        finally:
            await cursor.close()
        return statement.convert(dialect, fetched)

    async def rowcount(self, statement: DriverStatement, params: Mapping[str, Any]) -> int:
        sql, args = statement.bind(self._driver.dialect, params)
        cursor = self._conn.cursor()
        try:
            await cursor.execute(sql, args)
            return int(cursor.rowcount)
        finally:
            await cursor.close()


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
        self._lock = asyncio.Lock()

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        import psycopg

        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            conn = self._conn = await psycopg.AsyncConnection.connect(
                *self._args, autocommit=self._single, **self._kwargs
            )
        return conn

    async def run_one(self, statement: DriverStatement, params: Mapping[str, Any]) -> list[Sequence[Any]]:
        """`statement`'s rows, the statement being a transaction of its own."""
        if not self._single:
            raise RuntimeError("run_one is for a driver made with single=True")
        async with self._lock:
            conn = await self._connection()
            try:
                return await AsyncTransaction(conn, self).rows(statement, params)
            except BaseException:
                if conn.broken or conn.closed:
                    await self._drop(conn)
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncTransaction]:
        """One transaction: committed when the block ends, rolled back when it raises. A cancelled
        caller's transaction is rolled back (or its connection dropped): nothing half done commits."""
        if self._single:
            raise RuntimeError("a single-statement driver runs no transaction blocks")
        async with self._lock:
            conn = await self._connection()
            try:
                yield AsyncTransaction(conn, self)
                await conn.commit()
            except BaseException:
                await self._abandon(conn)
                raise

    async def _abandon(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Roll back; a connection that cannot (lost, or interrupted mid-statement) is closed."""
        import psycopg

        try:
            if conn.broken or conn.closed:
                raise psycopg.OperationalError("connection lost")
            await asyncio.shield(conn.rollback())
        except BaseException:
            await self._drop(conn)

    async def _drop(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Forget a connection that failed; the next use opens another."""
        if self._conn is conn:
            self._conn = None
        await conn.close()

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()


def is_retryable(exc: BaseException) -> bool:
    """A transaction the server aborted to resolve a conflict, or whose connection was lost (no
    state: the network; 57P01–57P03: the server shutting down or restarting)."""
    import psycopg

    if not isinstance(exc, psycopg.Error):
        return False
    code = exc.sqlstate
    if code is None:
        return isinstance(exc, psycopg.OperationalError)
    return code in _RETRYABLE or code.startswith("57P")
