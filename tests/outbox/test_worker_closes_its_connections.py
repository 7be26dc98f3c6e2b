"""A stopped worker leaves no connection open on the server, however it was stopped: cancelled (a
task group shutting down), cancelled again while it stops, or closed by the loop without a
cancellation (a loop thread ending)."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import Engine, text

from assistdesk.runtime import Runtime
from tests.fakes.sink import Sink
from tests.outbox.harness import add_hook, enqueue_to, worker

OTHERS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.fixture(autouse=True)
def _postgresql_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("elsewhere the worker holds no connection of its own (the pool's are shared)")


def _connections(runtime: Runtime, request: pytest.FixtureRequest) -> int:
    """Connections to the test database other than the one counting, the pools' put aside."""
    fixture_engine: Engine = request.getfixturevalue("_provisioned")[1]
    for engine in (runtime.db.engine, fixture_engine):
        engine.dispose()
    deadline = time.monotonic() + 2  # a closed connection's backend ends a moment later
    while True:
        with runtime.db.engine.connect() as conn:
            count = int(conn.execute(OTHERS).scalar_one())
        runtime.db.engine.dispose()
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["cancelled", "cancelled-while-stopping", "closed"])
def test_a_stopped_worker_leaves_no_connection_open(
    runtime: Runtime, sink: Sink, request: pytest.FixtureRequest, how: str
) -> None:
    hook = add_hook(runtime, sink.url("a"))
    w = worker(runtime, own_wakeup=True)
    loop = asyncio.new_event_loop()
    try:
        stop = asyncio.Event()
        running = w.run(stop)
        task = loop.create_task(running)
        loop.run_until_complete(asyncio.sleep(0.3))  # LISTEN connected, first rounds done
        enqueue_to(runtime, hook, [1])
        deadline = time.monotonic() + 10
        while not sink.bodies("a") and time.monotonic() < deadline:
            loop.run_until_complete(asyncio.sleep(0.02))
        loop.run_until_complete(asyncio.sleep(0.2))  # its outcome recorded
        assert [b["n"] for b in sink.bodies("a")] == [1]
        if how.startswith("cancelled"):
            task.cancel()
            if how == "cancelled-while-stopping":  # a shutdown's timeout, a second Ctrl-C
                loop.run_until_complete(asyncio.sleep(0))
                task.cancel()
            loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        else:
            running.close()  # GeneratorExit: nothing may be awaited any more
        assert _connections(runtime, request) == 0
    finally:
        loop.run_until_complete(runtime.handlers["webhook"].aclose())  # type: ignore[attr-defined]
        loop.close()
