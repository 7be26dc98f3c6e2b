"""The delivery worker.

A scheduler leases due destinations and starts one task per destination; each task delivers that
destination's jobs in order until it runs out, must wait (backoff, pacing, Retry-After) or loses its
lease, then gives the destination back with its next run time. Destinations are independent, so a
channel answering 429 or timing out delays nobody else.

Guarantees and how they are kept:
- at least once: a job is marked delivered only after the destination accepted it;
- never two workers on one destination: leases are claimed by compare-and-set, renewed before each
  attempt while more than one delivery timeout remains, and an attempt never outlives its lease;
- a killed worker loses nothing: its lease expires and another worker (or its restart) resumes;
- 429 does not consume the error budget: only failures count towards `max_failures`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from assistdesk.db.async_driver import AsyncDriver, Script, close_now
from assistdesk.db.threads import Threads
from assistdesk.db.types import utcnow
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.metrics import Metrics
from assistdesk.outbox import async_store, settle, store
from assistdesk.outbox.claimer import Claimer
from assistdesk.outbox.handlers import DeliveryHandler
from assistdesk.outbox.jobs import Job
from assistdesk.outbox.notify import Wakeup, listen_postgres
from assistdesk.outbox.outcomes import OutcomeWriter
from assistdesk.outbox.policy import Periodic, WorkerConfig
from assistdesk.outbox.recorder import Recorder
from assistdesk.outbox.slots import Slots
from assistdesk.outcomes import Delivered, Outcome, TransientFailure

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)
T = TypeVar("T")

_LEASE_MARGIN_SECONDS = 2.0
# How a destination task ended.
_LOST = "lost"
_RELEASED = "released"
_RELEASE = "release"
_THREADS = 16


def default_owner() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        *,
        db: Database,
        handlers: Mapping[str, DeliveryHandler],
        config: WorkerConfig,
        wakeup: Wakeup | None = None,
        metrics: Metrics | None = None,
        owner: str | None = None,
        periodic: tuple[Periodic, ...] = (),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._handlers = dict(handlers)
        self._config = config
        self._wakeup = wakeup or Wakeup()
        self._slots = Slots(config.concurrency, self._wakeup.wake)
        self._metrics = metrics
        self._owner = owner or default_owner()
        self._periodic = periodic
        self._clock = clock
        self._stopping = False
        self._threads = Threads(_THREADS, "outbox")
        self._claimer = Claimer(
            db=db,
            channels=self.channels,
            config=config,
            owner=self._owner,
            clock=clock,
            in_thread=self._in_thread,
        )
        self._recorder: Recorder | None = None
        # PostgreSQL: records that need no session commit on the loop (`async_store`).
        self._recording = AsyncDriver(db.engine) if db.backend == "postgresql" else None
        self._listening: set[psycopg.AsyncConnection[Any]] = set()  # the LISTEN connection
        self._outcomes = OutcomeWriter(
            rates=config.rates, max_failures=config.max_failures, metrics=metrics, clock=clock
        )

    @property
    def channels(self) -> list[str]:
        return sorted(self._handlers)

    async def _in_thread(self, fn: Callable[[], T]) -> T:
        """`fn` (blocking database work) on the worker's own threads."""
        return await self._threads.run(fn)

    # Scheduler ------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        if not self._handlers:
            log.info("delivery worker has no channels to deliver; idle")
            await stop.wait()
            return
        loop = asyncio.get_running_loop()
        self._wakeup.bind(loop)
        self._recorder = Recorder(self._db, self._in_thread, self._recording)
        self._recorder.start()
        helpers = [asyncio.create_task(self._run_periodic(p, stop)) for p in self._periodic]
        if self._db.backend == "postgresql":
            listen = listen_postgres(self._db.engine.url, self._wakeup, stop, open_now=self._listening)
            helpers.append(asyncio.create_task(listen))
        stopper = asyncio.create_task(self._forward_stop(stop))
        tasks: set[asyncio.Task[bool]] = set()
        log.info("delivery worker %s started for %s", self._owner, ", ".join(self.channels))
        look = True  # something may have become due while no worker ran
        try:
            while not stop.is_set():
                self._wakeup.clear()
                timeout = await self._schedule(tasks, look=look)
                look = await self._wakeup.wait(timeout)
        except GeneratorExit:
            # The loop was closed under us without cancelling us: nothing may be awaited now.
            # Cancel what runs; the leases expire and another worker resumes the destinations.
            self._stopping = True
            for task in (*tasks, *helpers, stopper):
                with contextlib.suppress(RuntimeError):  # the loop is closed already
                    task.cancel()
            self._close_now()
            self._wakeup.unbind()
            raise
        except BaseException:
            await self._stop(tasks, [*helpers, stopper])
            raise
        await self._stop(tasks, [*helpers, stopper])

    async def _stop(self, tasks: set[asyncio.Task[bool]], helpers: list[asyncio.Task[None]]) -> None:
        """Let destination tasks finish their attempt (bounded), then stop everything (the
        connections close even when this is interrupted: a second cancellation, GeneratorExit)."""
        self._stopping = True
        try:
            if tasks:
                await asyncio.wait(tasks, timeout=self._config.delivery_timeout + 5)
            for task in (*tasks, *helpers):
                task.cancel()
            for task in (*tasks, *helpers):
                # Not BaseException: a GeneratorExit (the loop closing this coroutine while it stops)
                # must go through, or the coroutine would await again and Python reports it ignored.
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await task
            assert self._recorder is not None
            await self._recorder.stop()
        finally:
            self._close_now()
            self._threads.shutdown()
            self._wakeup.unbind()
        log.info("delivery worker %s stopped", self._owner)

    def _close_now(self) -> None:
        """Close the worker's own connections (PostgreSQL) without awaiting: a coroutine being closed
        may not await, and left to the garbage collector the sessions stay open on the server."""
        for driver in (self._claimer, self._recording):
            if driver is not None:
                driver.close_now()
        for conn in list(self._listening):
            close_now(conn)

    async def _schedule(self, tasks: set[asyncio.Task[bool]], *, look: bool) -> float:
        """One scheduling round; returns how long to wait for a wake-up before the next.

        Woken (a commit, a destination given back with work left), it claims at once. On a timeout
        it first asks, in one statement, whether anything is due: that is the whole idle poll."""
        timeout = self._config.poll_seconds
        free = self._slots.free(len(tasks))
        if free <= 0:
            return timeout  # a task ending or settling wakes the scheduler (outbox/slots.py)
        try:
            if not look:
                due = await self._claimer.next_due()
                now = self._clock()
                if due is None or due > now:
                    return timeout if due is None else min(timeout, (due - now).total_seconds())
            leases = await self._claimer.claim(free)
        except Exception:
            log.exception("claiming outbox destinations failed")
            return timeout
        for lease in leases:
            task = asyncio.create_task(self._drain(lease))
            tasks.add(task)
            task.add_done_callback(self._task_done(tasks))
        self._slots.claimed(free, len(leases))
        return timeout

    async def _forward_stop(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._stopping = True
        self._wakeup.wake()

    def _task_done(self, tasks: set[asyncio.Task[bool]]) -> Callable[[asyncio.Task[bool]], None]:
        def done(task: asyncio.Task[bool]) -> None:
            more = self._slots.task_ended()
            tasks.discard(task)
            if task.cancelled():
                return
            if task.exception() is not None:
                log.error("outbox destination task failed", exc_info=task.exception())
                self._wakeup.wake()
            elif more or task.result():
                self._wakeup.wake()

        return done

    async def _run_periodic(self, periodic: Periodic, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), periodic.every_seconds)
            if stop.is_set():
                return
            try:
                await self._in_thread(periodic.run)
            except Exception:
                log.exception("periodic task %s failed", periodic.name)

    # One destination ------------------------------------------------------------------------------

    async def _drain(self, lease: store.Lease) -> bool:
        """Deliver the destination's due jobs, then give it back; True when the scheduler should
        look again (given back by `settle.release`: work may be left). Not given back after an error
        or a cancellation: the idle poll sees the lease expire."""
        try:
            ending = await self._deliver_due(lease)
        except Exception:
            # A job may have been accepted whose outcome is not recorded (its transaction failed).
            # Released now, the destination's next owner would send it again as a first attempt;
            # kept until the lease expires, it is taken over and its first jobs go as `maybe_sent`.
            # The same holds when cancelled (the worker stops): the lease is not given back.
            log.exception(
                "delivering to outbox destination %s failed; it is resumed when its lease expires", lease.key
            )
            return False
        if ending == _RELEASE:
            try:
                await self._in_thread(lambda: settle.release(self._db.run, lease))
            except Exception:
                # The lease expires by itself; the destination is resumed then.
                log.exception("releasing outbox destination %s failed", lease.key)
        return ending == _RELEASE

    async def _deliver_due(self, lease: store.Lease) -> str:
        """Deliver until there is nothing due; returns how it ended: _LOST, _RELEASED (given back
        together with the last outcome) or _RELEASE (give it back now).

        On an unpaced channel (webhooks, mail) a delivered job's record is committed while the next
        job goes out: one destination is then not capped at one commit per job. Everything else
        (a failure, a paced channel, the next read of pending jobs, the end) waits for the records
        in flight first, so order and verdicts hold; a crash repeats at most the jobs in flight.
        When the jobs read were all there were, the last one's outcome and the release commit in
        one transaction (`settle.release_idle`), which checks that nothing arrived meanwhile."""
        handler = self._handlers[lease.key.split(":", 1)[0]]
        in_flight: list[asyncio.Future[str]] = []
        assert self._recorder is not None
        recorder = self._recorder

        async def settle() -> bool:
            verdicts = await asyncio.gather(*in_flight)
            in_flight.clear()
            return _LOST in verdicts

        jobs, complete = self._first_jobs(lease)
        try:
            while not self._stopping:
                if jobs is None:
                    if in_flight and await settle():
                        return _LOST
                    jobs = await self._in_thread(self._pending(lease))
                    complete = len(jobs) < self._config.batch_size
                if not jobs:
                    return _RELEASE
                for n, job in enumerate(jobs):
                    if self._stopping:
                        return _RELEASE
                    now = self._clock()
                    if job.available_at > now:
                        return _RELEASE
                    if lease.not_before is not None and lease.not_before > now:
                        return _RELEASE
                    if (
                        lease.until - now
                    ).total_seconds() < self._config.delivery_timeout + _LEASE_MARGIN_SECONDS:
                        if in_flight and await settle():
                            return _LOST
                        renewed = await self._in_thread(self._renew(lease))
                        if not renewed:
                            log.warning("lost the lease on %s; another worker resumes it", lease.key)
                            return _LOST
                    outcome = await self._attempt(handler, job)
                    record = functools.partial(
                        self._outcomes.write, lease=lease, handler=handler, job=job, outcome=outcome
                    )
                    plain = self._outcomes.plain(handler=handler, job=job, outcome=outcome)
                    counted = self._outcomes.counted(job=job, outcome=outcome)
                    recording = functools.partial(
                        recorder.record, lease.key, record, plain=plain, committed=counted
                    )
                    if complete and n == len(jobs) - 1:
                        # Tasks run in the order created: the outcome is queued before the release.
                        in_flight.append(asyncio.ensure_future(recording()))
                        release = functools.partial(self._release_idle, lease=lease)
                        release_plainly = functools.partial(self._release_idle_plainly, lease=lease)
                        releasing = asyncio.ensure_future(
                            recorder.record(lease.key, release, late=True, plain=release_plainly)
                        )
                        with self._slots.settling():
                            released = await releasing
                            if await settle():
                                return _LOST
                        return _RELEASED if released == _RELEASED else _RELEASE
                    if isinstance(outcome, Delivered) and self._config.rates.interval(job.channel) <= 0:
                        in_flight.append(asyncio.ensure_future(recording()))
                        continue
                    if in_flight and await settle():
                        return _LOST
                    verdict = await recording()
                    if verdict == _LOST:
                        return _LOST
                    if verdict == "stop":
                        return _RELEASE
                jobs = None
            return _RELEASE
        finally:
            if in_flight:
                results = await asyncio.gather(*in_flight, return_exceptions=True)
                if _LOST in results:
                    log.warning("lost the lease on %s while recording; another worker resumes it", lease.key)
                failed = [r for r in results if isinstance(r, BaseException)]
                if failed:
                    # Not given back: see `_drain`.
                    raise RuntimeError(f"recording an outcome for {lease.key} failed") from failed[0]

    def _first_jobs(self, lease: store.Lease) -> tuple[list[Job] | None, bool]:
        """The jobs read when the destination was claimed (None: read them now)."""
        jobs, lease.jobs = lease.jobs, None
        if jobs is not None:
            jobs = self._maybe_sent(lease, jobs)
        return jobs, lease.complete

    def _maybe_sent(self, lease: store.Lease, jobs: list[Job]) -> list[Job]:
        if lease.taken_over:
            # The dead owner had at most two jobs in flight (one sending, one recording).
            lease.taken_over = False
            jobs = [replace(job, maybe_sent=True) if n < 2 else job for n, job in enumerate(jobs)]
        return jobs

    def _pending(self, lease: store.Lease) -> Callable[[], list[Job]]:
        def read() -> list[Job]:
            with self._db.reading() as session:
                jobs = store.pending_jobs(session, destination=lease.key, limit=self._config.batch_size)
            return self._maybe_sent(lease, jobs)

        return read

    def _release_idle(self, uow: UnitOfWork, delivered: list[int], *, lease: store.Lease) -> str:
        return _RELEASED if settle.release_idle(uow.session, lease) else _RELEASE

    def _release_idle_plainly(self, script: Script, _: list[int], *, lease: store.Lease) -> Callable[[], str]:
        released = async_store.release_idle(script, lease)
        return lambda: _RELEASED if released() else _RELEASE

    def _renew(self, lease: store.Lease) -> Callable[[], bool]:
        def renew() -> bool:
            return self._db.run(
                lambda uow: settle.renew(
                    uow.session, lease, now=self._clock(), lease_seconds=self._config.lease_seconds
                )
            )

        return renew

    async def _attempt(self, handler: DeliveryHandler, job: Job) -> Outcome:
        try:
            async with asyncio.timeout(self._config.delivery_timeout):
                return await handler.deliver(job)
        except TimeoutError:
            return TransientFailure(f"timed out after {self._config.delivery_timeout:.0f} s")
        except Exception as exc:
            log.exception("delivery of outbox job %s raised", job.id)
            return TransientFailure(f"{type(exc).__name__}: {exc}")
