"""A delivery queued for a webhook that has been removed is never sent: at once when the webhook was
removed in the delivering process, within a second when it was removed in another one (the worker
keeps every webhook's target in a process cache)."""

from __future__ import annotations

import time

from sqlalchemy import select

from assistdesk.db.cache import MAX_AGE_SECONDS
from assistdesk.domain.webhooks import service as webhooks
from assistdesk.outbox.models import JobStatus, OutboxJob
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings
from tests.fakes.sink import Sink
from tests.outbox.harness import add_hook, enqueue_to, running, worker


def last_job(runtime: Runtime) -> OutboxJob:
    with runtime.db.reading() as session:
        return session.scalars(select(OutboxJob).order_by(OutboxJob.id.desc()).limit(1)).one()


def wait_for_failure(runtime: Runtime, timeout: float = 15.0) -> OutboxJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = last_job(runtime)
        if job.status != JobStatus.PENDING.value:
            return job
        time.sleep(0.02)
    raise AssertionError("the job was never settled")


def test_a_webhook_removed_here_gets_nothing_at_once(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    with running(worker(runtime), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        enqueue_to(runtime, hook, [1])
        sink.wait_for(1, name="a")  # the worker knows the webhook's target now
        with runtime.db.transaction() as uow:
            webhooks.remove_webhook(uow, webhook_id=hook)
        enqueue_to(runtime, hook, [2])
        job = wait_for_failure(runtime)
    assert [b["n"] for b in sink.bodies("a")] == [1]
    assert job.status == JobStatus.FAILED.value
    assert job.last_error == f"webhook #{hook} was removed or deactivated"


def test_a_webhook_removed_elsewhere_gets_nothing_a_second_later(
    settings: Settings, runtime: Runtime, sink: Sink
) -> None:
    elsewhere = build_runtime(settings, run_migrations=False)
    try:
        kept = add_hook(runtime, sink.url("kept"))
        hook = add_hook(runtime, sink.url("a"))
        with running(worker(runtime), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
            enqueue_to(runtime, hook, [1])
            sink.wait_for(1, name="a")
            with elsewhere.db.transaction() as uow:
                webhooks.remove_webhook(uow, webhook_id=hook)
            time.sleep(MAX_AGE_SECONDS)
            enqueue_to(elsewhere, kept, [2])
            sink.wait_for(1, name="kept")  # the other webhook is still served
            enqueue_to(elsewhere, hook, [3])
            job = wait_for_failure(elsewhere)
    finally:
        elsewhere.db.dispose()
    assert [b["n"] for b in sink.bodies("a")] == [1]
    assert job.status == JobStatus.FAILED.value
    assert job.last_error == f"webhook #{hook} was removed or deactivated"
