"""Outgoing webhooks reach public addresses only, unless ASSISTDESK_WEBHOOK_ALLOW_PRIVATE=true:
loopback, link-local (cloud metadata), private ranges, numeric and IPv6 spellings of them and DNS
names resolving there are refused at send time, and credentials in a URL never show in errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from aiohttp import web
from sqlalchemy import select

from assistdesk.outbox.models import JobStatus, OutboxJob
from assistdesk.runtime import Runtime, build_runtime
from tests.conftest import make_settings
from tests.fakes.loopback import LoopThread
from tests.fakes.sink import Sink
from tests.outbox.harness import add_hook, enqueue_to, running, worker


@pytest.fixture
def guarded(db_url: str) -> Iterator[Runtime]:
    """A runtime with the default: private destinations refused."""
    rt = build_runtime(make_settings(db_url, webhook_allow_private=False), run_migrations=False)
    yield rt
    rt.db.dispose()


def settled(runtime: Runtime, count: int, timeout: float = 20.0) -> list[OutboxJob]:
    deadline = time.monotonic() + timeout
    while True:
        with runtime.db.reading() as session:
            jobs = list(session.scalars(select(OutboxJob).order_by(OutboxJob.id)))
        if len(jobs) == count and all(j.status != JobStatus.PENDING.value for j in jobs):
            return jobs
        assert time.monotonic() < deadline, [(j.status, j.last_error) for j in jobs]
        time.sleep(0.05)


def test_private_destinations_are_refused_by_default(guarded: Runtime, sink: Sink) -> None:
    port = sink.port
    urls = [
        f"http://127.0.0.1:{port}/a",
        f"http://localhost:{port}/a",  # a name that resolves to loopback
        f"http://0x7f000001:{port}/a",  # 127.0.0.1 spelled as one number
        f"http://[::ffff:127.0.0.1]:{port}/a",
        f"http://[::1]:{port}/a",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1:9/",
        f"http://admin:hunter2@127.0.0.1:{port}/a",
    ]
    hooks = [add_hook(guarded, url) for url in urls]
    with running(worker(guarded, max_failures=1), closers=[guarded.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        for hook in hooks:
            enqueue_to(guarded, hook, [1])
        jobs = settled(guarded, len(urls))
    assert sink.received == []
    assert [j.status for j in jobs] == [JobStatus.FAILED.value] * len(urls)
    for job in jobs:
        assert job.last_error is not None
        assert "refused" in job.last_error, job.last_error
        assert "hunter2" not in job.last_error and "admin" not in job.last_error
    assert jobs[-1].last_error.startswith(f"http://***@127.0.0.1:{port}/a: refused")


def test_the_operator_may_allow_private_destinations(runtime: Runtime, sink: Sink) -> None:
    """The test settings set ASSISTDESK_WEBHOOK_ALLOW_PRIVATE=true (the sinks live on loopback)."""
    hook = add_hook(runtime, f"http://localhost:{sink.port}/a")
    with running(worker(runtime), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        enqueue_to(runtime, hook, [1])
        assert [r.body for r in sink.wait_for(1, name="a")] == [{"n": 1}]


class Endless:
    """A receiver that answers 200 and then streams its body forever."""

    def __init__(self) -> None:
        self._thread = LoopThread("endless")
        self.port = self._thread.call(self._start())

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_post("/{name}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            while True:
                await response.write(chunk)
                await asyncio.sleep(0.001)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    def close(self) -> None:
        self._thread.call(self._runner.shutdown(), timeout=10)
        self._thread.call(self._runner.cleanup(), timeout=10)
        self._thread.close()


def test_an_endless_answer_is_not_read_to_its_end(runtime: Runtime) -> None:
    endless = Endless()
    try:
        hook = add_hook(runtime, f"http://127.0.0.1:{endless.port}/a")
        started = time.monotonic()
        with running(worker(runtime), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
            enqueue_to(runtime, hook, [1])
            [job] = settled(runtime, 1, timeout=30)
        assert (job.status, job.attempts) == (JobStatus.DELIVERED.value, 1)
        assert time.monotonic() - started < 8  # not the 10 s timeout, nor memory filled with the body
    finally:
        endless.close()
