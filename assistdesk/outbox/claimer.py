"""The scheduler's two statements: the claim and the idle poll, on the loop or in a thread.

On PostgreSQL both run on an async connection of the worker's own (`async_store`): each is one
statement, run as its own transaction, with no hand-off to a thread. Elsewhere they run in the
worker's threads on a plain connection: a claim raises no domain events and needs no session (whose
set-up and commit cost about as much CPU as the claim's statement).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError

from assistdesk.db.async_driver import AsyncDriver
from assistdesk.db.engine import READ_ONLY
from assistdesk.db.uow import Database, is_retryable, retry_pause
from assistdesk.outbox import async_store, store
from assistdesk.outbox.policy import WorkerConfig

_CLAIM_ATTEMPTS = 3


class Claimer:
    def __init__(
        self,
        *,
        db: Database,
        channels: list[str],
        config: WorkerConfig,
        owner: str,
        clock: Callable[[], datetime],
        in_thread: Callable[[Callable[[], Any]], Awaitable[Any]],
    ) -> None:
        self._db = db
        self._claims = store.Claims.of(channels)
        self._config = config
        self._owner = owner
        self._clock = clock
        self._in_thread = in_thread
        # On SQLite a read-only connection begins without taking the write lock (db/engine.py).
        self._reader = db.engine.execution_options(**{READ_ONLY: True})
        self._driver = AsyncDriver(db.engine, single=True) if db.backend == "postgresql" else None

    async def claim(self, free: int) -> list[store.Lease]:
        """Lease up to `free` due destinations with their first jobs (`store.claim`)."""
        if self._driver is None:
            leases: list[store.Lease] = await self._in_thread(lambda: self._claim(free))
            return leases
        return await async_store.claim(
            self._driver,
            self._claims,
            owner=self._owner,
            now=self._clock(),
            lease_seconds=self._config.lease_seconds,
            limit=free,
            batch=self._config.batch_size,
        )

    async def next_due(self) -> datetime | None:
        """The idle poll (`store.next_due`)."""
        if self._driver is None:
            due: datetime | None = await self._in_thread(self._next_due)
            return due
        return await async_store.next_due(self._driver, self._claims, now=self._clock())

    def close_now(self) -> None:
        """Close the claim's connection (see `AsyncDriver.close_now`)."""
        if self._driver is not None:
            self._driver.close_now()

    async def aclose(self) -> None:
        if self._driver is not None:
            await self._driver.aclose()

    def _claim(self, free: int) -> list[store.Lease]:
        """The claim in a transaction of its own, retried after a deadlock and a short random pause,
        as `Database.run` is."""
        for attempt in range(1, _CLAIM_ATTEMPTS + 1):
            try:
                with self._db.engine.begin() as connection:
                    return store.claim(
                        connection,
                        self._claims,
                        backend=self._db.backend,
                        owner=self._owner,
                        now=self._clock(),
                        lease_seconds=self._config.lease_seconds,
                        limit=free,
                        batch=self._config.batch_size,
                    )
            except DBAPIError as exc:
                if attempt == _CLAIM_ATTEMPTS or not is_retryable(exc):
                    raise
                retry_pause(attempt)
        raise AssertionError("unreachable")

    def _next_due(self) -> datetime | None:
        """One statement on a read-only connection (no session)."""
        with self._reader.connect() as connection:
            return store.next_due(connection, self._claims, now=self._clock())
