"""A delivery whose outcome could not be recorded is resumed as a take-over, never as a first try.

The platform may have accepted the message: the next attempt must say it is a retry (`maybe_sent`),
so that handlers look for the message they may already have posted instead of posting it again.
"""

from __future__ import annotations

import threading
import time

from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import Job, NewJob
from assistdesk.outbox.notify import Wakeup
from assistdesk.outbox.policy import WorkerConfig
from assistdesk.outbox.worker import Worker
from assistdesk.outcomes import Delivered, Outcome
from assistdesk.runtime import Runtime
from tests.outbox.harness import running


class RecordingFailsOnce:
    """A channel whose first delivery is accepted but whose outcome fails to commit."""

    def __init__(self) -> None:
        self.attempts: list[Job] = []
        self._lock = threading.Lock()

    async def deliver(self, job: Job) -> Outcome:
        with self._lock:
            self.attempts.append(job)
        return Delivered(reference=f"m{len(self.attempts)}")

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        if outcome.reference == "m1":
            raise RuntimeError("the outcome's transaction failed")


def test_a_delivery_whose_outcome_was_not_recorded_is_retried_as_maybe_sent(runtime: Runtime) -> None:
    handler = RecordingFailsOnce()
    w = Worker(
        db=runtime.db,
        handlers={"probe": handler},
        config=WorkerConfig(lease_seconds=2.0, poll_seconds=0.05, concurrency=4),
        wakeup=Wakeup(),
    )
    with running(w):
        with runtime.db.transaction() as uow:
            enqueue(uow, [NewJob("probe:one", "probe.event", {}, "probe-1")])
        deadline = time.monotonic() + 15
        while len(handler.attempts) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(handler.attempts) >= 2
    first, second = handler.attempts[:2]
    assert not first.is_retry
    assert second.id == first.id
    assert second.maybe_sent, "resumed as a first attempt although the platform may have the message"
