"""The worker's statements on the driver's cursor read and write what SQLAlchemy would."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, select, update

from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.types import utcnow
from assistdesk.outbox import store
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.outbox.models import OutboxDestination, OutboxJob
from assistdesk.runtime import Runtime

_jobs = table_of(OutboxJob)
_dest = table_of(OutboxDestination)


def _enqueue(runtime: Runtime, destination: str, n: int) -> None:
    with runtime.db.transaction() as uow:
        payload = {"n": n, "text": "héllo ✓", "nested": {"list": [1, 2]}}
        enqueue(uow, [NewJob(destination, "probe.event", payload, f"key-{destination}-{n}")])


def test_rows_are_those_sqlalchemy_reads(runtime: Runtime) -> None:
    for n in range(3):
        _enqueue(runtime, "probe:a", n)
    statement = (
        select(_jobs.c.id, _jobs.c.payload, _jobs.c.created_at, _jobs.c.delivered_at)
        .where(_jobs.c.destination == bindparam("dest_key"), _jobs.c.status == "pending")
        .order_by(_jobs.c.id)
    )
    with runtime.db.engine.connect() as connection:
        expected = [tuple(row) for row in connection.execute(statement, {"dest_key": "probe:a"})]
        got = [tuple(row) for row in DriverStatement(statement).rows(connection, {"dest_key": "probe:a"})]
    assert got == expected
    assert [row[1]["n"] for row in got] == [0, 1, 2]
    assert got[0][1]["text"] == "héllo ✓"
    assert got[0][2].tzinfo is not None  # aware UTC, as the column type gives it
    assert got[0][3] is None


def test_rowcount_counts_matched_rows_even_when_unchanged(runtime: Runtime) -> None:
    _enqueue(runtime, "probe:b", 1)
    when = utcnow() + timedelta(minutes=5)
    touch = DriverStatement(
        update(_dest).where(_dest.c.key == bindparam("dest_key")).values(not_before=bindparam("when"))
    )
    with runtime.db.engine.begin() as connection:
        assert touch.rowcount(connection, {"dest_key": "probe:b", "when": when}) == 1
        # MySQL reports changed rows unless asked for matched ones: a compare-and-set must see 1.
        assert touch.rowcount(connection, {"dest_key": "probe:b", "when": when}) == 1
        assert touch.rowcount(connection, {"dest_key": "probe:none", "when": when}) == 0
    with runtime.db.reading() as session:
        stored = session.get(OutboxDestination, "probe:b")
        assert stored is not None and stored.not_before == when


def test_the_claim_reads_the_leased_destinations_jobs(runtime: Runtime) -> None:
    for n in range(3):
        _enqueue(runtime, "probe:c", n)
    _enqueue(runtime, "probe:d", 9)
    claims = store.Claims.of(["probe"])
    with runtime.db.engine.begin() as connection:
        leases = store.claim(
            connection,
            claims,
            backend=runtime.db.backend,
            owner="test",
            now=utcnow() + timedelta(seconds=1),
            lease_seconds=30,
            limit=10,
            batch=2,
        )
    by_key = {lease.key: lease for lease in leases}
    assert set(by_key) == {"probe:c", "probe:d"}
    c, d = by_key["probe:c"], by_key["probe:d"]
    assert c.jobs is not None and d.jobs is not None
    assert [job.payload["n"] for job in c.jobs][:2] == [0, 1]
    assert [job.payload["n"] for job in d.jobs] == [9]
    assert not d.taken_over
    assert all(job.created_at.tzinfo is not None for job in c.jobs)
    with runtime.db.engine.connect() as connection:
        due = store.next_due(connection, claims, now=utcnow())
    assert due is not None and due.tzinfo is not None  # the leases' expiry


def test_one_transaction_writes_all_its_jobs_in_order(runtime: Runtime) -> None:
    """More jobs than one INSERT takes elsewhere (64), to two destinations: every one is written,
    as it was given, and their ids follow the order they were enqueued in."""
    jobs = [
        NewJob(f"probe:{'ef'[n % 2]}", "probe.event", {"n": n, "text": "héllo ✓"}, f"key-many-{n}")
        for n in range(150)
    ]
    with runtime.db.transaction() as uow:
        enqueue(uow, jobs)
    statement = (
        select(_jobs.c.destination, _jobs.c.payload, _jobs.c.idempotency_key, _jobs.c.status)
        .where(_jobs.c.idempotency_key.like("key-many-%"))
        .order_by(_jobs.c.id)
    )
    with runtime.db.engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(statement)]
    assert rows == [(job.destination, job.payload, job.idempotency_key, "pending") for job in jobs]
