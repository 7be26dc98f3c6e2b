"""A job that arrives while its destination is being delivered to goes out as soon as the destination
is free, without waiting for a poll: giving the destination back notices that something arrived."""

from __future__ import annotations

import time

from assistdesk.runtime import Runtime
from tests.fakes.sink import Answer, Sink
from tests.outbox.harness import add_hook, enqueue_to, running, worker


def test_a_job_enqueued_during_a_delivery_follows_it_without_a_poll(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("a"))
    sink.script("a", Answer(delay=0.6))  # the first delivery is slow; the destination stays leased
    with running(worker(runtime, poll=30.0), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        time.sleep(0.3)  # the worker settles into its 30 s wait
        enqueue_to(runtime, hook, [1])
        time.sleep(0.3)  # job 1 is being delivered
        started = time.monotonic()
        enqueue_to(runtime, hook, [2])
        received = sink.wait_for(2, name="a", timeout=10)
        assert time.monotonic() - started < 3.0
    assert [r.body["n"] for r in received] == [1, 2]


def test_jobs_one_at_a_time_are_each_delivered_once_in_order(runtime: Runtime, sink: Sink) -> None:
    hook = add_hook(runtime, sink.url("b"))
    with running(worker(runtime, poll=30.0), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        time.sleep(0.3)
        for n in range(1, 21):
            enqueue_to(runtime, hook, [n])
            time.sleep(0.02)
        received = sink.wait_for(20, name="b", timeout=10)
        time.sleep(0.3)  # nothing more arrives
        assert len(sink.bodies("b")) == 20
    assert [r.body["n"] for r in received] == list(range(1, 21))
