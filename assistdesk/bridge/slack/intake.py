"""Group commit for the ack path: events that arrive together are committed together.

Each event must be in the database before its 200 goes out, and a transaction per event spends most
of its time on what every transaction pays again (a session, BEGIN, COMMIT and its flush to disk,
the NOTIFY that wakes workers, the destination's row). One thread takes whatever events are waiting,
claims them and enqueues all their jobs in one transaction, then releases every waiting request at
once. Alone, an event waits for nothing; under load, the next batch forms while one commits.

A batch that fails (a lost connection) is retried event by event, so that one bad event fails
alone; a request whose event failed gets the error, Bolt answers 500 and Slack redelivers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob

log = logging.getLogger(__name__)
E = TypeVar("E")
Accept = Callable[[UnitOfWork], Sequence[NewJob]]
AcceptMany = Callable[[UnitOfWork, Sequence[E]], Sequence[NewJob]]
MAX_BATCH = 128


@dataclass
class _Item:
    event: Any
    accept: AcceptMany[Any]  # called once for each run of consecutive events that share it
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


class Intake:
    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: deque[_Item] = deque()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    async def submit(self, accept: Accept) -> None:
        """Run `accept` (claims; returns the jobs to enqueue) in a shared transaction; returns once
        it committed."""
        await self.submit_event(accept, _each)

    async def submit_event(self, event: E, accept: AcceptMany[E]) -> None:
        """Like `submit`, with `accept` called once for all such events of the batch (one statement
        for all their claims); returns once `event` committed."""
        loop = asyncio.get_running_loop()
        item = _Item(event, accept, loop, loop.create_future())
        with self._ready:
            self._queue.append(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="slack-intake", daemon=True)
                self._thread.start()
            self._ready.notify()
        await item.future

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if not self._queue:
                    return
                batch = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
            self._commit(batch)

    def _commit(self, batch: list[_Item]) -> None:
        try:
            self._db.run(lambda uow: _accept_all(uow, batch))
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0], exc)
                return
            log.warning("a batch of %d Slack events failed (%s); committing them one by one", len(batch), exc)
            for item in batch:
                self._commit([item])
            return
        for item in batch:
            _settle(item, None)

    async def aclose(self) -> None:
        """Commit what is waiting and stop the thread (a later event starts another)."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()
            thread = self._thread
        if thread is not None:
            await asyncio.to_thread(thread.join, 10)
        with self._ready:
            self._thread = None
            self._closed = False


def _accept_all(uow: UnitOfWork, batch: list[_Item]) -> None:
    jobs: list[NewJob] = []
    for accept, items in itertools.groupby(batch, key=lambda item: item.accept):
        jobs.extend(accept(uow, [item.event for item in items]))
    enqueue(uow, jobs)


def _each(uow: UnitOfWork, accepts: Sequence[Accept]) -> list[NewJob]:
    return [job for accept in accepts for job in accept(uow)]


def _settle(item: _Item, error: Exception | None) -> None:
    def settle() -> None:
        if item.future.done():
            return
        if error is None:
            item.future.set_result(None)
        else:
            item.future.set_exception(error)

    with contextlib.suppress(RuntimeError):  # the request's loop is gone; nobody is waiting
        item.loop.call_soon_threadsafe(settle)
