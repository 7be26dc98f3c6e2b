"""A transaction the database aborts (a deadlock, a serialization failure, a dropped connection) is
run again; what the worker reports about its deliveries counts each one once, after it committed."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from assistdesk.db.types import utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox.claimer import Claimer
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import Job, NewJob
from assistdesk.outbox.notify import Wakeup
from assistdesk.outbox.policy import WorkerConfig
from assistdesk.outbox.worker import Worker
from assistdesk.outcomes import Delivered, Outcome
from assistdesk.runtime import Runtime
from tests.deadlocks import deadlock_once
from tests.outbox.harness import running

DROP_OTHERS = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def test_the_idle_poll_is_run_again_when_the_server_dropped_its_connection(
    runtime: Runtime, backend: str, request: pytest.FixtureRequest
) -> None:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL polls on the loop's own connection; elsewhere the pool reconnects")
    with runtime.db.transaction() as uow:
        enqueue(uow, [NewJob("probe:one", "probe.event", {}, "probe-1")])
    config = WorkerConfig(poll_seconds=0.05)

    async def poll_twice() -> tuple[object, object]:
        claimer = Claimer(
            db=runtime.db,
            channels=["probe"],
            config=config,
            owner="test",
            clock=utcnow,
            in_thread=asyncio.to_thread,
        )
        try:
            first = await claimer.next_due()
            with runtime.db.engine.begin() as conn:  # a restart, a proxy closing idle connections
                assert conn.execute(DROP_OTHERS).scalar_one() >= 1
            fixture_engine: Engine = request.getfixturevalue("_provisioned")[1]
            for engine in (runtime.db.engine, fixture_engine):
                engine.dispose()
            return first, await claimer.next_due()
        finally:
            await claimer.aclose()

    first, second = asyncio.run(poll_twice())
    assert first is not None
    assert second == first


class Accepting:
    """A channel that accepts everything; `keeps` decides whether its outcome needs a session (an
    answer to keep) or is plain (on PostgreSQL, recorded on the loop's own connection)."""

    def __init__(self, *, keeps: bool) -> None:
        self.writes_after_delivery = keeps
        self.attempts: list[Job] = []
        self._lock = threading.Lock()

    async def deliver(self, job: Job) -> Outcome:
        with self._lock:
            self.attempts.append(job)
        return Delivered(reference="m1") if self.writes_after_delivery else Delivered()

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        return None


@pytest.fixture
def first_mark_fails(runtime: Runtime, backend: str) -> Iterator[None]:
    """The first UPDATE marking a job delivered fails as a deadlock does; the retry succeeds."""
    with deadlock_once(
        runtime.db.engine, backend, table="outbox_jobs", on="UPDATE", when="NEW.status = 'delivered'"
    ):
        yield


@pytest.mark.parametrize("keeps", [False, True], ids=["plain-outcome", "outcome-on-a-session"])
@pytest.mark.usefixtures("first_mark_fails")
def test_a_delivery_is_counted_once_when_its_outcome_was_written_twice(runtime: Runtime, keeps: bool) -> None:
    handler = Accepting(keeps=keeps)
    w = Worker(
        db=runtime.db,
        handlers={"probe": handler},
        config=WorkerConfig(poll_seconds=0.05),
        wakeup=Wakeup(),
        metrics=runtime.metrics,
    )
    with running(w):
        with runtime.db.transaction() as uow:
            enqueue(uow, [NewJob("probe:one", "probe.event", {}, "probe-1")])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _delivered(runtime) == 0:
            time.sleep(0.02)
        time.sleep(0.3)  # a second count would come with the retry, milliseconds later
    assert len(handler.attempts) == 1
    with runtime.db.engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM outbox_jobs")).scalar_one()
    assert status == "delivered"
    assert _delivered(runtime) == 1


def _delivered(runtime: Runtime) -> float:
    value = runtime.metrics.registry.get_sample_value(
        "assistdesk_deliveries_total", {"channel": "probe", "outcome": "delivered"}
    )
    return value or 0.0
