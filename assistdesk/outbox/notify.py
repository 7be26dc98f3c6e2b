"""Waking the worker the moment a job commits, instead of at its next poll.

In-process: the unit of work's commit hook calls `Wakeup.wake()` from whatever thread committed.
Across processes on PostgreSQL: the enqueueing transaction NOTIFYs and workers LISTEN. MySQL and
SQLite have no such channel; other processes fall back to a short poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncGenerator
from typing import Any

from sqlalchemy.engine import URL

from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox.enqueue import ENQUEUED_FLAG, NOTIFY_CHANNEL

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.002


class Wakeup:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._loop_thread: int | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()
        self._loop_thread = threading.get_ident()

    def unbind(self) -> None:
        self._loop = None
        self._event = None

    def wake(self) -> None:
        loop, event = self._loop, self._event
        if loop is None or event is None or event.is_set():
            return
        if threading.get_ident() == self._loop_thread:
            event.set()
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(event.set)

    def commit_hook(self, uow: UnitOfWork) -> None:
        if ENQUEUED_FLAG in uow.flags:
            self.wake()

    def clear(self) -> None:
        if self._event is not None:
            self._event.clear()

    async def wait(self, at_most: float) -> bool:
        """Until woken or `at_most` seconds passed; True when woken.

        A woken caller lingers `COALESCE_SECONDS` so that the wake-ups of one commit (its commit
        hook and its NOTIFY) and of a burst of commits lead to one look at the database, not one
        each. Wake-ups during the lingering are absorbed: the look comes after them."""
        if self._event is None:
            await asyncio.sleep(at_most)
            return False
        try:
            await asyncio.wait_for(self._event.wait(), at_most)
        except TimeoutError:
            return False
        await asyncio.sleep(COALESCE_SECONDS)
        return True


async def _end_reading(reading: asyncio.Future[Any] | None, gen: AsyncGenerator[Any, None]) -> None:
    """Stop the pending read of the next notification, and the generator, before the connection
    closes: the read holds the connection's lock, so closing under it waited forever, and a
    cancelled worker then never finished stopping (its loop closed with the tasks pending)."""
    if reading is not None:
        reading.cancel()
        await asyncio.wait({reading}, timeout=2.0)  # never raises the read's own cancellation
    with contextlib.suppress(Exception):
        await gen.aclose()


def libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen_postgres(url: URL, wakeup: Wakeup, stop: asyncio.Event) -> None:
    """LISTEN for enqueue notifications until `stop`; reconnects after failures (polling covers
    the gap)."""
    import psycopg

    conninfo = libpq_url(url)
    while not stop.is_set():
        try:
            conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
            async with conn:
                await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                wakeup.wake()  # anything committed while we were not listening
                gen = conn.notifies()
                stopper = asyncio.ensure_future(stop.wait())
                nxt: asyncio.Future[Any] | None = None
                try:
                    while not stop.is_set():
                        nxt = asyncio.ensure_future(anext(gen))
                        done, _ = await asyncio.wait({nxt, stopper}, return_when=asyncio.FIRST_COMPLETED)
                        if nxt in done:
                            nxt.result()
                            wakeup.wake()
                            nxt = None
                finally:
                    stopper.cancel()
                    await _end_reading(nxt, gen)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("outbox LISTEN connection failed (%s); polling until it is back", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 2.0)
