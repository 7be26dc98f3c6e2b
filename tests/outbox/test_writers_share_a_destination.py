"""Transactions that enqueue to one destination do not wait for each other (PostgreSQL), and a
worker giving the destination back never strands a job a writer in flight is about to commit.

Every ticket of one reporter shares a mail destination and every ticket event each webhook's: a
writer holding that row until its COMMIT capped ticket creation at one commit (one WAL flush) at a
time for the whole desk."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, text

from assistdesk.db.types import utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox import settle, store
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.outbox.models import JobStatus, OutboxDestination, OutboxJob
from assistdesk.runtime import Runtime

DESTINATION = "webhook:42"


def _job(n: int) -> NewJob:
    return NewJob(DESTINATION, "webhook.event", {"n": n}, f"share-test-{n}")


def _in_thread(work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # reported by the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _pending(runtime: Runtime) -> list[int]:
    with runtime.db.reading() as session:
        rows = session.scalars(
            select(OutboxJob.payload).where(
                OutboxJob.destination == DESTINATION, OutboxJob.status == JobStatus.PENDING.value
            )
        ).all()
    return sorted(int(p["n"]) for p in rows)


def _due_at(runtime: Runtime) -> datetime | None:
    with runtime.db.reading() as session:
        dest = session.get(OutboxDestination, DESTINATION)
        assert dest is not None
        return dest.next_run_at


@pytest.fixture
def postgres_runtime(runtime: Runtime) -> Runtime:
    if runtime.db.backend != "postgresql":
        pytest.skip("shared destination locks are PostgreSQL's; elsewhere writers take turns")
    return runtime


def test_a_writer_to_a_destination_does_not_wait_for_another_to_commit(postgres_runtime: Runtime) -> None:
    runtime = postgres_runtime
    runtime.db.run(lambda uow: enqueue(uow, [_job(0)]))  # the destination exists and is due
    with runtime.db.transaction() as first:
        enqueue(first, [_job(1)])
        first.prepare_commit()  # its job written, the destination held, not committed yet
        second, outcome = _in_thread(lambda: runtime.db.run(lambda uow: enqueue(uow, [_job(2)])))
        second.join(timeout=5)
        assert not second.is_alive(), "the second writer waited for the first to commit"
        assert "error" not in outcome, outcome
        assert _pending(runtime) == [0, 2]  # the first's job is not visible before its commit
    assert _pending(runtime) == [0, 1, 2]


def test_releasing_waits_for_a_writer_in_flight_and_keeps_the_destination_due(
    postgres_runtime: Runtime,
) -> None:
    runtime = postgres_runtime
    runtime.db.run(lambda uow: enqueue(uow, [_job(0)]))

    def claim(uow: UnitOfWork) -> list[store.Lease]:
        return store.claim(
            uow.session.connection(),
            store.Claims.of(["webhook"]),
            backend=uow.backend,
            owner="w1",
            now=utcnow(),
            lease_seconds=30,
            limit=1,
            batch=10,
        )

    (lease,) = runtime.db.run(claim)
    assert [job.payload["n"] for job in lease.jobs or []] == [0]

    with runtime.db.transaction() as writer:
        enqueue(writer, [_job(1)])
        writer.prepare_commit()

        def deliver_and_release(uow: UnitOfWork) -> bool:
            uow.session.execute(text("SET LOCAL lock_timeout = '20s'"))
            settle.mark_delivered(uow.session, [job.id for job in lease.jobs or []], now=utcnow())
            return settle.release_idle(uow.session, lease)

        releaser, outcome = _in_thread(lambda: runtime.db.run(deliver_and_release))
        releaser.join(timeout=1.0)
        assert releaser.is_alive(), "the release did not wait for the writer in flight"
    releaser.join(timeout=20)
    assert outcome == {"value": False}  # it saw the new job and kept the destination
    assert _pending(runtime) == [1]
    assert _due_at(runtime) is not None
