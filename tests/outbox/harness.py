"""Run the real delivery worker beside a synchronous test, and feed it jobs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager

from assistdesk.domain.webhooks import service as webhooks
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.outbox.notify import Wakeup
from assistdesk.outbox.policy import RatePolicy, WorkerConfig
from assistdesk.outbox.worker import Worker
from assistdesk.runtime import Runtime
from tests.fakes.loopback import LoopThread

WEBHOOK_SECRET = "whsec-test"


@contextmanager
def running(*workers: Worker, closers: Sequence[Callable[[], Awaitable[None]]] = ()) -> Iterator[None]:
    thread = LoopThread("worker")
    stop = thread.call(_make_event())
    futures = [thread.submit(w.run(stop)) for w in workers]
    try:
        yield
    finally:
        thread.soon(stop.set)
        for future in futures:
            future.result(30)
        for close in closers:
            thread.call(close())
        thread.close()


async def _make_event() -> asyncio.Event:
    return asyncio.Event()


def worker(
    runtime: Runtime,
    *,
    own_wakeup: bool = False,
    poll: float = 0.1,
    max_failures: int = 12,
    lease: float = 30.0,
    rate: float = 0.0,
    owner: str | None = None,
    concurrency: int = 16,
) -> Worker:
    config = WorkerConfig(
        lease_seconds=lease,
        max_failures=max_failures,
        concurrency=concurrency,
        poll_seconds=poll,
        rates=RatePolicy(default=rate),
    )
    return Worker(
        db=runtime.db,
        handlers=runtime.handlers,
        config=config,
        wakeup=Wakeup() if own_wakeup else runtime.wakeup,
        metrics=runtime.metrics,
        owner=owner,
    )


def add_hook(runtime: Runtime, url: str) -> int:
    with runtime.db.transaction() as uow:
        hook = webhooks.add_webhook(uow, url=url, secret_ciphertext=runtime.secrets.encrypt(WEBHOOK_SECRET))
        return hook.id


def enqueue_to(runtime: Runtime, hook_id: int, numbers: range | list[int]) -> None:
    with runtime.db.transaction() as uow:
        enqueue(
            uow,
            [
                NewJob(
                    destination=f"webhook:{hook_id}",
                    kind="webhook.event",
                    payload={"webhook_id": hook_id, "event": "test.event", "body": {"n": n}},
                    idempotency_key=uuid.uuid4().hex,
                )
                for n in numbers
            ],
        )
