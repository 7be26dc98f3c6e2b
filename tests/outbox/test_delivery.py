"""The worker delivers committed jobs at least once, in order, and records every failure."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from assistdesk.outbox import admin
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.outbox.models import JobStatus, OutboxJob
from assistdesk.platforms.webhook.client import SIGNATURE_HEADER, encode, verify
from assistdesk.runtime import Runtime
from tests.fakes.sink import Answer, Sink
from tests.outbox.harness import WEBHOOK_SECRET, add_hook, enqueue_to, running, worker


def jobs(runtime: Runtime) -> list[OutboxJob]:
    with runtime.db.reading() as session:
        return list(session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def wait_until(predicate, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def test_jobs_exist_only_if_their_transaction_commits(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))

    def fail_after_enqueueing() -> None:
        with runtime.db.transaction() as uow:
            enqueue(uow, [NewJob(f"webhook:{hook}", "webhook.event", {"webhook_id": hook}, "k1")])
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        fail_after_enqueueing()
    assert jobs(runtime) == []
    with runtime.db.reading() as session:
        assert admin.stats(session).pending == 0


def test_deliveries_arrive_in_order_and_signed(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    with running(worker(runtime), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        enqueue_to(runtime, hook, range(30))
        received = sink.wait_for(30, name="a")
    assert [r.body["n"] for r in received] == list(range(30))
    first = received[0]
    assert verify(WEBHOOK_SECRET, first.headers[SIGNATURE_HEADER], encode(first.body))
    assert not verify("wrong-secret", first.headers[SIGNATURE_HEADER], encode(first.body))
    assert all(j.status == JobStatus.DELIVERED.value and j.attempts == 1 for j in jobs(runtime))


def test_server_errors_are_retried_with_backoff(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    sink.script("a", Answer(500), Answer(503))
    started = time.monotonic()
    with running(worker(runtime), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        enqueue_to(runtime, hook, [1, 2])
        sink.wait_for(2, name="a")
    elapsed = time.monotonic() - started
    assert [b["n"] for b in sink.bodies("a")] == [1, 2]  # order kept through the retries
    first = jobs(runtime)[0]
    assert (first.status, first.attempts, first.failures) == ("delivered", 3, 2)
    assert elapsed >= 0.5 + 1.0 * 0.5  # backoff 1 s then 2 s, each with jitter in [0.5, 1.0]


def test_rate_limits_honour_retry_after_and_spare_the_error_budget(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    sink.script("a", *[Answer(429, {"Retry-After": "1"})] * 3)
    started = time.monotonic()
    with running(worker(runtime, max_failures=2), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        enqueue_to(runtime, hook, [7])
        sink.wait_for(1, name="a")
    assert time.monotonic() - started >= 2.9
    job = jobs(runtime)[0]
    assert (job.status, job.attempts, job.failures) == ("delivered", 4, 0)


def test_permanent_failures_are_dead_letters_that_can_be_replayed(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    sink.script("a", Answer(410))
    with running(worker(runtime), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        enqueue_to(runtime, hook, [1, 2, 3])
        sink.wait_for(2, name="a")
        dead = jobs(runtime)[0]
        assert dead.status == "failed"
        assert "HTTP 410" in (dead.last_error or "")
        with runtime.db.reading() as session:
            assert [j.id for j in admin.list_jobs(session, status=JobStatus.FAILED)] == [dead.id]
        with runtime.db.transaction() as uow:
            admin.retry(uow, job_id=dead.id)
        sink.wait_for(3, name="a")
    assert [b["n"] for b in sink.bodies("a")] == [2, 3, 1]
    assert {j.status for j in jobs(runtime)} == {"delivered"}


def test_a_job_is_given_up_after_its_error_budget(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    sink.always("a", Answer(500))
    with running(worker(runtime, max_failures=2), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        enqueue_to(runtime, hook, [1])
        wait_until(lambda: jobs(runtime)[0].status == "failed")
    job = jobs(runtime)[0]
    assert job.failures == 2
    assert "gave up after 2 failures" in (job.last_error or "")
    with runtime.db.reading() as session:
        stats = admin.stats(session)
    assert (stats.pending, stats.failed) == (0, 1)


def test_a_commit_wakes_the_worker_without_waiting_for_a_poll(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    with running(worker(runtime, poll=30.0), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        time.sleep(0.3)  # let the worker settle into its 30 s wait
        started = time.monotonic()
        enqueue_to(runtime, hook, [1])
        sink.wait_for(1, name="a", timeout=5)
        assert time.monotonic() - started < 1.0
