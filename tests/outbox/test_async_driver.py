"""On PostgreSQL the worker claims and records on the event loop's own connections: they read what
the driver's cursor reads, and they come back when the server drops them (a restart, a proxy)."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
from sqlalchemy import Engine, bindparam, select, text

from assistdesk.db.async_driver import AsyncDriver, Script
from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.types import utcnow
from assistdesk.outbox import settle
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.outbox.models import OutboxJob
from assistdesk.runtime import Runtime
from tests.fakes.sink import Sink
from tests.outbox.harness import add_hook, enqueue_to, running, worker

_jobs = table_of(OutboxJob)
DROP_OTHERS = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.fixture(autouse=True)
def _postgresql_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("the worker runs on the loop's connections on PostgreSQL only")


def test_rows_on_the_loop_are_those_read_on_the_driver_cursor(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        payload = {"text": "héllo ✓", "nested": {"list": [1, 2]}}
        enqueue(uow, [NewJob("probe:a", "probe.event", payload, "key-a")])
    statement = DriverStatement(
        select(_jobs.c.id, _jobs.c.payload, _jobs.c.created_at, _jobs.c.delivered_at).where(
            _jobs.c.destination == bindparam("dest_key")
        )
    )
    with runtime.db.engine.connect() as connection:
        expected = statement.rows(connection, {"dest_key": "probe:a"})

    async def read() -> list[object]:
        driver = AsyncDriver(runtime.db.engine, single=True)
        try:
            return list(await driver.run_one(statement, {"dest_key": "probe:a"}))
        finally:
            await driver.aclose()

    got = asyncio.run(read())
    assert got == expected
    assert got[0][1]["text"] == "héllo ✓"  # type: ignore[index]


def test_deliveries_go_on_after_the_server_drops_every_connection(
    runtime: Runtime, sink: Sink, request: pytest.FixtureRequest
) -> None:
    hook = add_hook(runtime, sink.url("a"))
    closers = [runtime.handlers["webhook"].aclose]  # type: ignore[attr-defined]
    with running(worker(runtime), closers=closers):
        enqueue_to(runtime, hook, [1])
        assert [r.body["n"] for r in sink.wait_for(1, name="a", timeout=10)] == [1]
        with runtime.db.engine.begin() as conn:
            assert conn.execute(DROP_OTHERS).scalar_one() >= 2  # the claim's and the recorder's
        fixture_engine: Engine = request.getfixturevalue("_provisioned")[1]
        for engine in (runtime.db.engine, fixture_engine):
            engine.dispose()  # the pools' connections were dropped too
        time.sleep(0.2)
        enqueue_to(runtime, hook, [2])
        enqueue_to(runtime, hook, [3])
        assert [r.body["n"] for r in sink.wait_for(3, name="a", timeout=15)] == [1, 2, 3]


def test_a_script_commits_all_its_statements_or_none(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        enqueue(
            uow,
            [NewJob("probe:a", "probe.event", {}, "key-a"), NewJob("probe:b", "probe.event", {}, "key-b")],
        )
    with runtime.db.engine.connect() as connection:
        ids = dict(connection.execute(select(_jobs.c.destination, _jobs.c.id)).all())
    delivered = select(_jobs.c.destination, _jobs.c.status, _jobs.c.delivered_at).order_by(
        _jobs.c.destination
    )
    at = utcnow().replace(microsecond=123456)

    async def mark() -> list[int]:
        driver = AsyncDriver(runtime.db.engine)
        try:
            failing = Script()  # the second statement fails: the first is rolled back with it
            failing.add(settle.MARK_ONE_DELIVERED, {"job_id": ids["probe:a"], "now": at})
            failing.add(settle.RELEASE_IDLE, {"dest_key": "probe:a", "token": "t", "seq": "not a number"})
            with pytest.raises(psycopg.errors.InvalidTextRepresentation):
                await driver.run_script(failing)
            script = Script()
            marks = [
                script.add(settle.MARK_ONE_DELIVERED, {"job_id": ids[key], "now": at})
                for key in ("probe:a", "probe:b", "probe:a")
            ]
            await driver.run_script(script)
            return [script.rowcount(n) for n in marks]
        finally:
            await driver.aclose()

    assert asyncio.run(mark()) == [1, 1, 0]  # the third finds the job delivered by the first
    with runtime.db.engine.connect() as connection:
        rows = connection.execute(delivered).all()
    assert rows == [("probe:a", "delivered", at), ("probe:b", "delivered", at)]
