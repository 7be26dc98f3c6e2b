"""Ticket keys under concurrent creates from several processes, each with its own engine: unique,
and a number a failed create took is never given to another ticket (on SQLite, where one writer runs
at a time, the failed create's number returns with its rollback and keys stay dense)."""

from __future__ import annotations

import contextlib
import multiprocessing

from assistdesk.db.engine import build_engine
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import TicketSource
from assistdesk.runtime import Runtime

PROCESSES = 3
CREATES = 24
FAIL_EVERY = 6


class _Refused(Exception):
    """Raised after a ticket was created, so that its transaction rolls back."""


def _create_many(url: str, start: multiprocessing.synchronize.Event) -> tuple[list[str], list[str]]:
    """In a child process: its own engine; every FAIL_EVERY-th create is rolled back after taking a key."""
    db = Database(build_engine(url, pool_size=2))
    created: list[str] = []
    failed: list[str] = []
    start.wait(30)
    try:
        for n in range(CREATES):

            def create(uow: UnitOfWork, n: int = n) -> str:
                ticket = tickets.create_ticket(
                    uow,
                    org=orgs.get_org(uow.session, "Acme"),
                    reporter=people.get_contact(uow.session, "ann@acme.example"),
                    title=f"ticket {n}",
                    source=TicketSource.API,
                    prefix="SUP",
                )
                if n % FAIL_EVERY == FAIL_EVERY - 1:
                    failed.append(ticket.key)
                    raise _Refused
                return ticket.key

            with contextlib.suppress(_Refused):
                created.append(db.run(create))
    finally:
        db.dispose()
    return created, failed


def test_concurrent_creates_from_several_processes_never_share_or_reuse_a_key(runtime: Runtime) -> None:
    def seed(uow: UnitOfWork) -> None:
        org = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")

    runtime.db.run(seed)
    url = runtime.settings.database_url
    context = multiprocessing.get_context("spawn")
    start = context.Manager().Event()
    with context.Pool(PROCESSES) as pool:
        pending = [pool.apply_async(_create_many, (url, start)) for _ in range(PROCESSES)]
        start.set()
        results = [p.get(120) for p in pending]

    created = [key for done, _ in results for key in done]
    failed = [key for _, refused in results for key in refused]
    assert len(created) == PROCESSES * (CREATES - CREATES // FAIL_EVERY)
    assert len(set(created)) == len(created)
    with runtime.db.reading() as session:
        stored = {t.key for t in tickets.list_tickets(session, limit=1000)}
    assert stored == set(created)
    if runtime.db.backend == "sqlite":
        assert sorted(int(k.split("-")[1]) for k in created) == list(range(1, len(created) + 1))
    else:
        assert not set(failed) & stored  # the numbers failed creates took were not given again
        numbers = sorted(int(k.split("-")[1]) for k in created + failed)
        assert numbers == list(range(1, len(numbers) + 1))
