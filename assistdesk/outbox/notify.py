"""Waking the worker the moment a job commits, instead of at its next poll.

In-process: the unit of work's commit hook calls `Wakeup.wake()` from whatever thread committed.
Across processes on PostgreSQL: the enqueueing transaction NOTIFYs and workers LISTEN. MySQL and
SQLite have no such channel; other processes fall back to a short poll.

While a worker LISTENs, every commit that enqueued reaches it as a notification, its own process's
commits included: the commit hook then stays quiet, so one commit is one wake-up and one scheduling
round (two wake-ups a few milliseconds apart, under load, made two rounds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import URL

from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox.enqueue import ENQUEUED_FLAG, NOTIFY_CHANNEL

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)


class Wakeup:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._loop_thread: int | None = None
        self._listening = False

    def listening(self, on: bool) -> None:
        """Whether a LISTEN connection delivers this process's enqueues (see the module's doc)."""
        self._listening = on

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
        if ENQUEUED_FLAG in uow.flags and not self._listening:
            self.wake()

    def clear(self) -> None:
        if self._event is not None:
            self._event.clear()

    async def wait(self, at_most: float) -> bool:
        """Until woken or `at_most` seconds passed; True when woken.

        A woken caller lets the loop run once more, absorbing the wake-ups already queued, and
        does not linger: a fixed 2 ms (to merge a commit's hook with its NOTIFY, which no longer
        both wake a listening worker) was added to every delivery's latency. A burst still leads to
        few looks at the database: wake-ups arriving while a round claims are one wake-up."""
        if self._event is None:
            await asyncio.sleep(at_most)
            return False
        try:
            await asyncio.wait_for(self._event.wait(), at_most)
        except TimeoutError:
            return False
        await asyncio.sleep(0)
        return True


def libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen_postgres(
    url: URL,
    wakeup: Wakeup,
    stop: asyncio.Event,
    *,
    open_now: set[psycopg.AsyncConnection[Any]] | None = None,
) -> None:
    """LISTEN for enqueue notifications until `stop`; reconnects after failures (polling covers
    the gap). The connection is in `open_now` while open: a worker closed without a cancellation
    closes it from there (`async_driver.close_now`)."""
    import psycopg

    conninfo = libpq_url(url)
    held: set[psycopg.AsyncConnection[Any]] = set() if open_now is None else open_now
    while not stop.is_set():
        try:
            conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
            held.add(conn)
            try:
                async with conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    await _notified(conn, wakeup, stop)
            finally:
                held.discard(conn)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("outbox LISTEN connection failed (%s); polling until it is back", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 2.0)


async def _notified(conn: psycopg.AsyncConnection[Any], wakeup: Wakeup, stop: asyncio.Event) -> None:
    """Wake the worker at each notification until `stop`; raises when the connection is lost.

    The event loop watches the connection's socket itself and drains it with libpq's own calls
    (`consume_input`, `notifies`) when it becomes readable. psycopg's `notifies()` generator cost a
    reader registration, a future and a lock per notification: about as much CPU as the delivery
    the notification announces. Nothing else uses this connection after its LISTEN."""
    import psycopg

    loop = asyncio.get_running_loop()
    lost: asyncio.Future[Any] = loop.create_future()
    pgconn, fd = conn.pgconn, conn.fileno()

    def readable() -> None:
        try:
            pgconn.consume_input()
            woken = False
            while pgconn.notifies() is not None:
                woken = True
        except psycopg.Error as exc:  # the server or the network dropped us
            loop.remove_reader(fd)
            if not lost.done():
                lost.set_exception(exc)
            return
        if woken:
            wakeup.wake()

    loop.add_reader(fd, readable)
    stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    wakeup.listening(True)
    try:
        wakeup.wake()  # anything committed while we were not listening
        await asyncio.wait({lost, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        wakeup.listening(False)
        stopping.cancel()
        loop.remove_reader(fd)
    if lost.done():
        lost.result()
