"""What each delivery outcome writes: the job's new state and the destination's pacing.

Runs inside the recorder's shared transaction; the verdict tells the destination task whether to go
on ("next"), wait ("stop": backoff, Retry-After) or give up the destination ("lost").
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from assistdesk.db.async_driver import Script
from assistdesk.db.uow import UnitOfWork
from assistdesk.metrics import Metrics
from assistdesk.outbox import settle, store
from assistdesk.outbox.handlers import DeliveryHandler
from assistdesk.outbox.jobs import Job
from assistdesk.outbox.policy import RatePolicy, backoff_seconds, retry_after_seconds
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure, RetryAfter

log = logging.getLogger(__name__)


class OutcomeWriter:
    def __init__(
        self, *, rates: RatePolicy, max_failures: int, metrics: Metrics | None, clock: Callable[[], datetime]
    ) -> None:
        self._rates = rates
        self._max_failures = max_failures
        self._metrics = metrics
        self._clock = clock

    def write(
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
                settle.keep_result(session, job, result)
            handler.after_delivery(uow, job, outcome)
            interval = self._rates.interval(channel)
            if interval > 0 and not settle.pace(session, lease, not_before=now + timedelta(seconds=interval)):
                return "lost"
            return "next"
        if isinstance(outcome, RetryAfter):
            wait = retry_after_seconds(outcome.seconds)
            settle.mark_retry(
                session, job, available_at=job.available_at, error=outcome.reason, counts_as_failure=False
            )
            if not settle.pace(
                session, lease, not_before=now + timedelta(seconds=wait), reason=outcome.reason
            ):
                return "lost"
            return "stop"
        if isinstance(outcome, PermanentFailure):
            settle.mark_failed(session, job, error=outcome.reason)
            log.warning("outbox job %s to %s failed permanently: %s", job.id, job.destination, outcome.reason)
            return "next"
        failures = job.failures + 1
        if failures >= self._max_failures:
            settle.mark_failed(session, job, error=f"gave up after {failures} failures: {outcome.reason}")
            return "next"
        delay = backoff_seconds(failures)
        settle.mark_retry(
            session,
            job,
            available_at=now + timedelta(seconds=delay),
            error=outcome.reason,
            counts_as_failure=True,
        )
        return "stop"

    def plain(
        self, *, handler: DeliveryHandler, job: Job, outcome: Outcome
    ) -> Callable[[Script, list[int]], Callable[[], str]] | None:
        """`write` as plain statements (see `recorder.PlainRecord`), when the outcome needs nothing
        else: a delivery with no answer to keep, to an unpaced channel whose handler writes nothing
        after it (`writes_after_delivery`). None otherwise: `write` records it on a session."""
        if not isinstance(outcome, Delivered) or _result(outcome) is not None:
            return None
        if getattr(handler, "writes_after_delivery", True) or self._rates.interval(job.channel) > 0:
            return None

        def write(script: Script, delivered: list[int]) -> Callable[[], str]:
            delivered.append(job.id)  # marked with the others (`async_store.mark_delivered`)
            return _next

        return write

    def counted(self, *, job: Job, outcome: Outcome) -> Callable[[], None] | None:
        """The outcome's metric, to count once its record committed (`Recorder.record`): counted
        while writing, an outcome written twice (a transaction retried after a deadlock, a group
        commit redone one by one) was counted twice. The latency is the acceptance's, taken now."""
        metrics = self._metrics
        if metrics is None:
            return None
        latency = None
        if isinstance(outcome, Delivered):
            verdict, latency = "delivered", (self._clock() - job.created_at).total_seconds()
        elif isinstance(outcome, RetryAfter):
            verdict = "rate_limited"
        elif isinstance(outcome, PermanentFailure) or job.failures + 1 >= self._max_failures:
            verdict = "failed"
        else:
            verdict = "retry"
        return functools.partial(metrics.delivery, job.channel, verdict, latency)


def _result(outcome: Delivered) -> dict[str, Any] | None:
    if outcome.reference is None and not outcome.data:
        return None
    return {"reference": outcome.reference, **outcome.data}


def _next() -> str:
    return "next"
