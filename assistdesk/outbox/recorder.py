"""Group commit for delivery outcomes.

One transaction per delivered job caps a worker at what the database commits per second. Destination
tasks instead hand their outcome to the recorder and wait; the recorder writes every outcome that
arrived while its previous commit was in flight in one transaction. A destination still records job k
before it attempts job k+1, so the window in which a crash causes a repeat delivery does not grow.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from assistdesk.db.async_driver import AsyncDriver, Script
from assistdesk.db.types import utcnow
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.outbox import async_store, settle

log = logging.getLogger(__name__)

Record = Callable[[UnitOfWork, list[int]], str]
# The same record as plain statements on the loop's connection (`async_store`), when it needs no
# session: a delivery to a channel that writes nothing after it, a release. It adds its statements
# to the batch's script and returns how to tell its verdict once the script ran.
PlainRecord = Callable[[Script, list[int]], Callable[[], str]]


@dataclass
class _Pending:
    sort_key: str
    record: Record
    future: asyncio.Future[str]
    late: bool = False
    plain: PlainRecord | None = None
    committed: Callable[[], None] | None = None


class Recorder:
    """Batches run in a thread on a session; on PostgreSQL, a batch whose records all have a plain
    form runs on the event loop instead (`driver`)."""

    def __init__(
        self,
        db: Database,
        in_thread: Callable[[Callable[[], Any]], Awaitable[Any]],
        driver: AsyncDriver | None = None,
    ) -> None:
        self._db = db
        self._driver = driver
        self._in_thread = in_thread
        self._queue: list[_Pending] = []
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for pending in self._queue:
            if not pending.future.done():
                pending.future.set_exception(RuntimeError("worker stopped"))

    async def record(
        self,
        sort_key: str,
        record: Record,
        *,
        late: bool = False,
        plain: PlainRecord | None = None,
        committed: Callable[[], None] | None = None,
    ) -> str:
        """Run `record` (or `plain`, see the class) in a shared transaction; returns its verdict
        once committed.

        `late` records run after the delivered jobs are marked (a release that checks nothing is
        pending); records submitted together commit together or, after a failure, in order.
        `committed` runs once the record committed: a record may run more than once (a retried
        transaction), its commit happens once."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(sort_key, record, future, late, plain, committed))
        self._arrived.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            batch, self._queue = self._queue, []
            if batch:
                await self._commit(batch)

    async def _commit(self, batch: list[_Pending]) -> None:
        # A fixed order of destination rows keeps concurrent transactions from deadlocking.
        batch.sort(key=lambda p: p.sort_key)

        def together(uow: UnitOfWork) -> list[str]:
            delivered: list[int] = []
            verdicts = {id(p): p.record(uow, delivered) for p in batch if not p.late}
            settle.mark_delivered(uow.session, delivered, now=utcnow())
            verdicts.update((id(p), p.record(uow, delivered)) for p in batch if p.late)
            return [verdicts[id(p)] for p in batch]

        try:
            if self._driver is not None and all(p.plain is not None for p in batch):
                script, verdicts_of = _plainly(batch)
                await async_store.run(self._driver, script)
                verdicts = [verdict() for verdict in verdicts_of]
            else:
                verdicts = await self._in_thread(lambda: self._db.run(together))
        except Exception:
            if len(batch) == 1:
                log.exception("recording a delivery outcome failed")
                batch[0].future.set_exception(RuntimeError("recording the outcome failed"))
                return
            # One bad record must not fail the others: record them one by one.
            for pending in batch:
                await self._commit([pending])
            return
        for pending, verdict in zip(batch, verdicts, strict=True):
            if pending.committed is not None:
                pending.committed()
            if not pending.future.done():
                pending.future.set_result(verdict)


def _plainly(batch: list[_Pending]) -> tuple[Script, list[Callable[[], str]]]:
    """`Recorder._commit`'s transaction with every record in its plain form, as one script; each
    record's verdict, to read once the script ran."""
    script = Script()
    delivered: list[int] = []
    verdicts: dict[int, Callable[[], str]] = {}
    for pending in batch:
        if not pending.late:
            assert pending.plain is not None
            verdicts[id(pending)] = pending.plain(script, delivered)
    async_store.mark_delivered(script, delivered, now=utcnow())
    for pending in batch:
        if pending.late:
            assert pending.plain is not None
            verdicts[id(pending)] = pending.plain(script, delivered)
    return script, [verdicts[id(p)] for p in batch]
