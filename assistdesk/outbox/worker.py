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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from assistdesk.db.types import utcnow
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.metrics import Metrics
from assistdesk.outbox import store
from assistdesk.outbox.handlers import DeliveryHandler
from assistdesk.outbox.jobs import Job
from assistdesk.outbox.notify import Wakeup, listen_postgres
from assistdesk.outbox.policy import RatePolicy, backoff_seconds, retry_after_seconds
from assistdesk.outbox.recorder import Recorder
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure, RetryAfter, TransientFailure

log = logging.getLogger(__name__)
T = TypeVar("T")

_LEASE_MARGIN_SECONDS = 2.0


@dataclass(frozen=True)
class WorkerConfig:
    lease_seconds: float = 30.0
    max_failures: int = 12
    concurrency: int = 32
    poll_seconds: float = 0.5
    batch_size: int = 100
    rates: RatePolicy = field(default_factory=RatePolicy)

    @property
    def delivery_timeout(self) -> float:
        return max(1.0, self.lease_seconds / 3)


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float
    run: Callable[[], object]


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
        self._metrics = metrics
        self._owner = owner or default_owner()
        self._periodic = periodic
        self._clock = clock
        self._stopping = False
        self._limiter = anyio.CapacityLimiter(16)
        self._recorder: Recorder | None = None

    @property
    def channels(self) -> list[str]:
        return sorted(self._handlers)

    async def _in_thread(self, fn: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(fn, limiter=self._limiter)

    # Scheduler ------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        if not self._handlers:
            log.info("delivery worker has no channels to deliver; idle")
            await stop.wait()
            return
        loop = asyncio.get_running_loop()
        self._wakeup.bind(loop)
        self._recorder = Recorder(self._db, self._in_thread)
        self._recorder.start()
        helpers = [asyncio.create_task(self._run_periodic(p, stop)) for p in self._periodic]
        if self._db.backend == "postgresql":
            helpers.append(asyncio.create_task(listen_postgres(self._db.engine.url, self._wakeup, stop)))
        stopper = asyncio.create_task(self._forward_stop(stop))
        tasks: set[asyncio.Task[None]] = set()
        log.info("delivery worker %s started for %s", self._owner, ", ".join(self.channels))
        try:
            while not stop.is_set():
                self._wakeup.clear()
                free = self._config.concurrency - len(tasks)
                leases: list[store.Lease] = []
                due: datetime | None = None
                try:
                    leases, due = await self._in_thread(functools.partial(self._db.run, self._claimer(free)))
                except Exception:
                    log.exception("claiming outbox destinations failed")
                for lease in leases:
                    task = asyncio.create_task(self._drain(lease))
                    tasks.add(task)
                    task.add_done_callback(self._task_done(tasks))
                if leases and len(leases) < free:
                    continue  # something was due; look again at once in case more became due
                timeout = self._config.poll_seconds
                if due is not None:
                    timeout = min(timeout, max(0.0, (due - self._clock()).total_seconds()))
                if len(tasks) >= self._config.concurrency:
                    timeout = self._config.poll_seconds
                await self._wakeup.wait(timeout)
        finally:
            self._stopping = True
            if tasks:
                await asyncio.wait(tasks, timeout=self._config.delivery_timeout + 5)
            for task in (*tasks, *helpers, stopper):
                task.cancel()
            for task in (*tasks, *helpers, stopper):
                with contextlib.suppress(BaseException):
                    await task
            await self._recorder.stop()
            self._wakeup.unbind()
            log.info("delivery worker %s stopped", self._owner)

    async def _forward_stop(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._stopping = True
        self._wakeup.wake()

    def _task_done(self, tasks: set[asyncio.Task[None]]) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.error("outbox destination task failed", exc_info=task.exception())
            self._wakeup.wake()

        return done

    def _claimer(self, free: int) -> Callable[[UnitOfWork], tuple[list[store.Lease], datetime | None]]:
        return functools.partial(self._claim, free=free)

    def _claim(self, uow: UnitOfWork, *, free: int) -> tuple[list[store.Lease], datetime | None]:
        now = self._clock()
        leases: list[store.Lease] = []
        if free > 0:
            leases = store.claim(
                uow,
                owner=self._owner,
                channels=self.channels,
                now=now,
                lease_seconds=self._config.lease_seconds,
                limit=free,
            )
        if leases:
            return leases, None
        return leases, store.next_due(uow.session, channels=self.channels, now=now)

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

    async def _drain(self, lease: store.Lease) -> None:
        lost = False
        try:
            lost = await self._deliver_due(lease)
        finally:
            if not lost:
                try:
                    await self._in_thread(lambda: store.release(self._db.run, lease))
                except Exception:
                    # The lease expires by itself; the destination is resumed then.
                    log.exception("releasing outbox destination %s failed", lease.key)

    async def _deliver_due(self, lease: store.Lease) -> bool:
        """Deliver until there is nothing due; returns True when the lease was lost.

        On an unpaced channel (webhooks, mail) a delivered job's record is committed while the next
        job goes out: one destination is then not capped at one commit per job. Everything else
        (a failure, a paced channel, the next read of pending jobs, the end) waits for the records
        in flight first, so order and verdicts hold; a crash repeats at most the jobs in flight."""
        handler = self._handlers[lease.key.split(":", 1)[0]]
        in_flight: list[asyncio.Future[str]] = []

        async def settle() -> bool:
            verdicts = await asyncio.gather(*in_flight)
            in_flight.clear()
            return "lost" in verdicts

        try:
            while not self._stopping:
                if in_flight and await settle():
                    return True
                jobs = await self._in_thread(self._pending(lease))
                if not jobs:
                    return False
                for job in jobs:
                    if self._stopping:
                        return False
                    now = self._clock()
                    if job.available_at > now:
                        return False
                    if lease.not_before is not None and lease.not_before > now:
                        return False
                    if (
                        lease.until - now
                    ).total_seconds() < self._config.delivery_timeout + _LEASE_MARGIN_SECONDS:
                        if in_flight and await settle():
                            return True
                        renewed = await self._in_thread(self._renew(lease))
                        if not renewed:
                            log.warning("lost the lease on %s; another worker resumes it", lease.key)
                            return True
                    outcome = await self._attempt(handler, job)
                    record = functools.partial(
                        self._record, lease=lease, handler=handler, job=job, outcome=outcome
                    )
                    assert self._recorder is not None
                    if isinstance(outcome, Delivered) and self._config.rates.interval(job.channel) <= 0:
                        in_flight.append(asyncio.ensure_future(self._recorder.record(lease.key, record)))
                        continue
                    if in_flight and await settle():
                        return True
                    verdict = await self._recorder.record(lease.key, record)
                    if verdict == "lost":
                        return True
                    if verdict == "stop":
                        return False
            return False
        finally:
            if in_flight:
                results = await asyncio.gather(*in_flight, return_exceptions=True)
                if "lost" in results:
                    log.warning("lost the lease on %s while recording; another worker resumes it", lease.key)

    def _pending(self, lease: store.Lease) -> Callable[[], list[Job]]:
        def read() -> list[Job]:
            with self._db.reading() as session:
                jobs = store.pending_jobs(session, destination=lease.key, limit=self._config.batch_size)
            if lease.taken_over:
                # The dead owner had at most two jobs in flight (one sending, one recording).
                lease.taken_over = False
                jobs = [replace(job, maybe_sent=True) if n < 2 else job for n, job in enumerate(jobs)]
            return jobs

        return read

    def _renew(self, lease: store.Lease) -> Callable[[], bool]:
        def renew() -> bool:
            return self._db.run(
                lambda uow: store.renew(
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

    def _record(
        self,
        uow: UnitOfWork,
        delivered: list[int],
        *,
        lease: store.Lease,
        handler: DeliveryHandler,
        job: Job,
        outcome: Outcome,
    ) -> str:
        """Store the outcome; returns "next" (go on), "stop" (destination must wait) or "lost".

        Delivered jobs are appended to `delivered`, which the recorder marks in one statement before
        its commit."""
        session = uow.session
        now = self._clock()
        channel = job.channel
        if isinstance(outcome, Delivered):
            delivered.append(job.id)
            result = _result(outcome)
            if result is not None:
                store.keep_result(session, job, result)
            handler.after_delivery(uow, job, outcome)
            self._count(channel, "delivered", (now - job.created_at).total_seconds())
            interval = self._config.rates.interval(channel)
            if interval > 0 and not store.pace(session, lease, not_before=now + timedelta(seconds=interval)):
                return "lost"
            return "next"
        if isinstance(outcome, RetryAfter):
            wait = retry_after_seconds(outcome.seconds)
            store.mark_retry(
                session, job, available_at=job.available_at, error=outcome.reason, counts_as_failure=False
            )
            self._count(channel, "rate_limited")
            if not store.pace(
                session, lease, not_before=now + timedelta(seconds=wait), reason=outcome.reason
            ):
                return "lost"
            return "stop"
        if isinstance(outcome, PermanentFailure):
            store.mark_failed(session, job, error=outcome.reason)
            self._count(channel, "failed")
            log.warning("outbox job %s to %s failed permanently: %s", job.id, job.destination, outcome.reason)
            return "next"
        failures = job.failures + 1
        if failures >= self._config.max_failures:
            store.mark_failed(session, job, error=f"gave up after {failures} failures: {outcome.reason}")
            self._count(channel, "failed")
            return "next"
        delay = backoff_seconds(failures)
        store.mark_retry(
            session,
            job,
            available_at=now + timedelta(seconds=delay),
            error=outcome.reason,
            counts_as_failure=True,
        )
        self._count(channel, "retry")
        return "stop"

    def _count(self, channel: str, outcome: str, latency: float | None = None) -> None:
        if self._metrics is not None:
            self._metrics.delivery(channel, outcome, latency)


def _result(outcome: Delivered) -> dict[str, Any] | None:
    if outcome.reference is None and not outcome.data:
        return None
    return {"reference": outcome.reference, **outcome.data}
