"""Two runtimes (as two processes would be) on one database, each caching the SLA targets every create
reads: a target changed in one applies there to the next ticket, and in the other a second later."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from assistdesk.db.cache import MAX_AGE_SECONDS
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.sla.targets import set_target
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import TicketSource
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings


@pytest.fixture
def two(settings: Settings) -> Iterator[tuple[Runtime, Runtime]]:
    runtimes = [build_runtime(settings, run_migrations=False) for _ in range(2)]
    try:
        yield runtimes[0], runtimes[1]
    finally:
        for rt in runtimes:
            rt.db.dispose()


def seed(uow: UnitOfWork) -> None:
    org = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
    people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")


def promised_within(runtime: Runtime) -> timedelta | None:
    """Opens an S1 ticket in `runtime`; how long its first response is promised in."""

    def open_one(uow: UnitOfWork) -> timedelta | None:
        ticket = tickets.create_ticket(
            uow,
            org=orgs.get_org(uow.session, "Acme"),
            reporter=people.get_contact(uow.session, "ann@acme.example"),
            title="Checkout is down",
            severity="S1",
            source=TicketSource.API,
            prefix="SUP",
        )
        due = ticket.first_response_due_at
        return None if due is None else due - ticket.created_at

    return runtime.db.run(open_one)


def test_a_changed_target_applies_here_at_once_and_everywhere_within_a_second(
    two: tuple[Runtime, Runtime],
) -> None:
    first, second = two
    first.db.run(seed)
    # The plan page's default for premium S1, now in both processes' caches.
    assert promised_within(first) == promised_within(second) == timedelta(minutes=30)

    first.db.run(lambda uow: set_target(uow.session, plan="premium", severity="S1", duration="10m"))
    changed_at = time.monotonic()
    assert promised_within(first) == timedelta(minutes=10)

    time.sleep(max(0.0, changed_at + MAX_AGE_SECONDS - time.monotonic()))
    assert promised_within(second) == timedelta(minutes=10)

    first.db.run(lambda uow: set_target(uow.session, plan="premium", severity="S1", duration="none"))
    assert promised_within(first) is None
