"""Several workers, slow or throttled destinations, dead workers."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from assistdesk.db.types import utcnow
from assistdesk.outbox.models import OutboxDestination, OutboxJob
from assistdesk.outbox.notify import Wakeup, listen_postgres
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings
from tests.fakes.sink import Answer, Sink
from tests.outbox.harness import add_hook, enqueue_to, running, worker


def _closer(runtime: Runtime):  # type: ignore[no-untyped-def]
    return [runtime.handlers["webhook"].aclose]  # type: ignore[attr-defined]


def test_two_workers_never_share_a_destination_and_deliver_each_job_once(
    runtime: Runtime, sink: Sink
) -> None:
    hooks = {name: add_hook(runtime, sink.url(name)) for name in "abcdefgh"}
    for name in hooks:
        sink.always(name, Answer(delay=0.002))
    w1 = worker(runtime, own_wakeup=True, poll=0.02, owner="w1")
    w2 = worker(runtime, own_wakeup=True, poll=0.02, owner="w2")
    with running(w1, w2, closers=_closer(runtime)):
        for round_ in range(5):
            for hook in hooks.values():
                enqueue_to(runtime, hook, range(round_ * 10, round_ * 10 + 10))
        sink.wait_for(400, timeout=60)
        time.sleep(0.3)  # anything duplicated would arrive now
    assert sink.overlaps == []
    for name in hooks:
        assert [b["n"] for b in sink.bodies(name)] == list(range(50)), name


def test_a_throttled_or_slow_destination_does_not_delay_the_others(runtime: Runtime, sink: Sink) -> None:
    throttled, slow, healthy = (add_hook(runtime, sink.url(n)) for n in ("throttled", "slow", "healthy"))
    sink.always("throttled", Answer(429, {"Retry-After": "30"}))
    sink.always("slow", Answer(delay=4.0))
    with running(worker(runtime), closers=_closer(runtime)):
        enqueue_to(runtime, throttled, range(20))
        enqueue_to(runtime, slow, range(3))
        time.sleep(0.3)
        started = time.monotonic()
        enqueue_to(runtime, healthy, range(20))
        sink.wait_for(20, name="healthy", timeout=10)
        assert time.monotonic() - started < 1.5
    with runtime.db.reading() as session:
        dest = session.get(OutboxDestination, f"webhook:{throttled}")
        assert dest is not None
        assert dest.not_before is not None
        assert dest.not_before > utcnow() + timedelta(seconds=20)
        failures = session.scalars(
            select(OutboxJob.failures).where(OutboxJob.destination == f"webhook:{throttled}")
        ).all()
        assert set(failures) == {0}


def test_pacing_spaces_deliveries_per_destination_not_globally(runtime: Runtime, sink: Sink) -> None:
    a, b = add_hook(runtime, sink.url("a")), add_hook(runtime, sink.url("b"))
    with running(worker(runtime, rate=5.0), closers=_closer(runtime)):
        time.sleep(0.2)
        enqueue_to(runtime, a, range(5))
        enqueue_to(runtime, b, range(5))
        received = sink.wait_for(10, timeout=10)
    for name in ("a", "b"):
        times = [r.at for r in received if r.path == name]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= 0.18, (name, gaps)
    # a and b ran side by side: each paced at 0.2 s, their deliveries fall between each other's
    # (any offset between the two leaves some pair of them less than 0.1 s apart). Paced together,
    # no two of the ten would be closer than 0.2 s. (The span, 0.8 s against 1.8 s, grows with
    # the machine's load; the closest pair does not.)
    merged = sorted(r.at for r in received)
    closest = min(later - earlier for earlier, later in itertools.pairwise(merged))
    assert closest < 0.15, merged


def test_a_backlog_larger_than_the_slots_drains_without_waiting_for_the_idle_poll(
    runtime: Runtime, sink: Sink
) -> None:
    """After an outage: more destinations due than the worker takes at once, and no commit to wake
    it. Each destination finished frees a slot and wakes the scheduler at once; the poll (3 s here)
    is for work that arrives unannounced, not for the backlog's next destinations."""
    hooks = [add_hook(runtime, sink.url(f"h{n}")) for n in range(6)]
    for hook in hooks:
        enqueue_to(runtime, hook, range(1))
    started = time.monotonic()
    with running(worker(runtime, own_wakeup=True, poll=3.0, concurrency=2), closers=_closer(runtime)):
        sink.wait_for(6, timeout=15)
        elapsed = time.monotonic() - started
    assert elapsed < 2.5, elapsed  # three rounds of two; one poll's wait would be 3 s


def test_a_dead_workers_lease_expires_and_its_jobs_are_delivered(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    enqueue_to(runtime, hook, range(3))
    key = f"webhook:{hook}"
    with runtime.db.transaction() as uow:
        uow.session.execute(
            update(OutboxDestination)
            .where(OutboxDestination.key == key)
            .values(lease_owner="ghost/dead", lease_until=utcnow() + timedelta(seconds=1.5))
        )
    started = time.monotonic()
    with running(worker(runtime, poll=0.1), closers=_closer(runtime)):
        sink.wait_for(3, name="a", timeout=10)
    elapsed = time.monotonic() - started
    assert 1.3 <= elapsed < 1.5 + 2.0
    assert [b["n"] for b in sink.bodies("a")] == [0, 1, 2]


def test_postgres_notify_wakes_a_worker_in_another_process(
    settings: Settings, backend: str, sink: Sink
) -> None:
    if backend != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    worker_side = build_runtime(settings, run_migrations=False)
    web_side = build_runtime(settings, run_migrations=False)  # shares no in-process wake-up
    try:
        hook = add_hook(web_side, sink.url("a"))
        with running(worker(worker_side, poll=30.0), closers=_closer(worker_side)):
            time.sleep(0.5)
            started = time.monotonic()
            enqueue_to(web_side, hook, [1])
            sink.wait_for(1, name="a", timeout=5)
            assert time.monotonic() - started < 1.0
    finally:
        worker_side.db.dispose()
        web_side.db.dispose()


def test_a_cancelled_postgres_listener_stops_at_once(runtime: Runtime, backend: str) -> None:
    """A worker stopping cancels its LISTEN task while it waits for a notification; the task must
    end (closing its connection) rather than hang on the connection its pending read holds."""
    if backend != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")

    async def listen_then_cancel() -> bool:
        wakeup = Wakeup()
        wakeup.bind(asyncio.get_running_loop())
        task = asyncio.create_task(listen_postgres(runtime.db.engine.url, wakeup, asyncio.Event()))
        await asyncio.sleep(1.0)  # connected and waiting for a notification
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        return task in done

    assert asyncio.run(listen_then_cancel())


def test_one_commit_wakes_a_listening_worker_once(runtime: Runtime, backend: str) -> None:
    """In-process commit hook and NOTIFY both announce one commit: only one of them may wake the
    worker, or it runs a second scheduling round (a claim that finds nothing) per job."""
    if backend != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    hook = add_hook(runtime, "http://127.0.0.1:9/unused")

    class Counting(Wakeup):
        wakes = 0

        def wake(self) -> None:
            Counting.wakes += 1
            super().wake()

    async def commit_while_listening() -> int:
        wakeup = Counting()
        wakeup.bind(asyncio.get_running_loop())
        runtime.db.add_commit_hook(wakeup.commit_hook)
        stop = asyncio.Event()
        task = asyncio.create_task(listen_postgres(runtime.db.engine.url, wakeup, stop))
        await asyncio.sleep(1.0)  # connected, listening, its first wake-up done
        before = Counting.wakes
        await asyncio.to_thread(enqueue_to, runtime, hook, [1])
        await asyncio.sleep(0.5)  # the notification arrived
        stop.set()
        await task
        return Counting.wakes - before

    assert asyncio.run(commit_while_listening()) == 1
