"""Tickets: keys, workflow, comments, reopening."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import Agent
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, TicketSource
from assistdesk.domain.tickets.events import CommentAdded, TicketCreated, TicketStatusChanged
from assistdesk.domain.tickets.service import Author
from assistdesk.errors import Conflict, Invalid, NotAllowed
from assistdesk.runtime import Runtime


def seed(uow: UnitOfWork) -> tuple[object, object, object]:
    org = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
    contact = people.add_contact(uow, email="Ann@Acme.example", org=org, name="Ann")
    agent = people.add_agent(uow, email="eve@vendor.example", name="Eve")
    return org, contact, agent


def new_ticket(uow: UnitOfWork, title: str = "Login fails") -> tickets.Ticket:  # type: ignore[name-defined]
    org = orgs.get_org(uow.session, "Acme")
    contact = people.get_contact(uow.session, "ann@acme.example")
    return tickets.create_ticket(
        uow,
        org=org,
        reporter=contact,
        title=title,
        description="after SSO",
        source=TicketSource.API,
        prefix="SUP",
    )


def test_keys_are_dense_and_never_reused(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        first = new_ticket(uow)
        second = new_ticket(uow, "Second")
        assert (first.key, second.key) == ("SUP-1", "SUP-2")
        assert first.status == "open"
        assert first.severity == "S3"
        assert [type(e) for e in uow.take_events() if isinstance(e, TicketCreated)] == [
            TicketCreated,
            TicketCreated,
        ]
    with runtime.db.transaction() as uow:
        assert new_ticket(uow).key == "SUP-3"


def test_concurrent_creations_get_distinct_keys(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
    keys: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            for _ in range(5):
                keys.append(runtime.db.run(lambda uow: new_ticket(uow).key))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(keys, key=lambda k: int(k.split("-")[1])) == [f"SUP-{n}" for n in range(1, 21)]


def test_a_create_retried_after_a_lock_conflict_keeps_its_number(runtime: Runtime) -> None:
    """The number is taken outside the ticket's transaction (PostgreSQL, MySQL); a retry after a
    deadlock or lock timeout takes the same one again, so contention leaves no gap in the keys."""
    if runtime.db.backend == "sqlite":
        pytest.skip("SQLite takes the number inside the transaction: it rolls back with it")
    with runtime.db.transaction() as uow:
        seed(uow)
    attempts: list[int] = []
    locked = select(Agent).where(Agent.email == "eve@vendor.example")
    with runtime.db.engine.connect() as blocker, blocker.begin():
        blocker.execute(locked.with_for_update())  # another transaction holds this row

        def create(uow: UnitOfWork) -> str:
            attempts.append(1)
            ticket = new_ticket(uow)
            if len(attempts) == 1:  # the first attempt meets the lock: a retryable refusal
                uow.session.execute(locked.with_for_update(nowait=True))
            return ticket.key

        first = runtime.db.run(create)
    second = runtime.db.run(lambda uow: new_ticket(uow).key)
    assert len(attempts) == 2
    assert (first, second) == ("SUP-1", "SUP-2")


def test_bad_titles_and_severities_are_refused(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        org, contact, _ = seed(uow)
    with runtime.db.transaction() as uow:
        org = orgs.get_org(uow.session, "Acme")
        contact = people.get_contact(uow.session, "ann@acme.example")
        with pytest.raises(Invalid, match="title must not be empty"):
            tickets.create_ticket(
                uow, org=org, reporter=contact, title="  ", source=TicketSource.API, prefix="SUP"
            )
        with pytest.raises(Invalid, match="unknown severity 'S9'"):
            tickets.create_ticket(
                uow,
                org=org,
                reporter=contact,
                title="x",
                severity="S9",
                source=TicketSource.API,
                prefix="SUP",
            )
        with pytest.raises(Invalid, match="longer than 255"):
            tickets.create_ticket(
                uow, org=org, reporter=contact, title="x" * 256, source=TicketSource.API, prefix="SUP"
            )


def test_workflow_allows_the_documented_moves_and_closed_is_final(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        _, _, agent = seed(uow)
        ticket = new_ticket(uow)
        by_agent = Author.of_agent(agent)  # type: ignore[arg-type]
        with pytest.raises(Conflict, match="cannot go from open to closed"):
            tickets.change_status(uow, ticket=ticket, status="closed", actor=by_agent)
        for status in ("in_progress", "waiting_on_customer", "resolved", "closed"):
            assert tickets.change_status(uow, ticket=ticket, status=status, actor=by_agent)
        assert ticket.closed_at is not None
        with pytest.raises(Conflict, match="closed tickets cannot change"):
            tickets.change_status(uow, ticket=ticket, status="open", actor=by_agent)
        with pytest.raises(Conflict, match="is closed"):
            tickets.add_comment(
                uow, ticket=ticket, author=by_agent, body="hi", public=True, source=CommentSource.API
            )
        with pytest.raises(Invalid, match="unknown status 'done'"):
            tickets.change_status(uow, ticket=ticket, status="done", actor=by_agent)


def test_a_customer_reply_reopens_a_waiting_or_resolved_ticket(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        _, contact, agent = seed(uow)
        ticket = new_ticket(uow)
        tickets.change_status(uow, ticket=ticket, status="waiting_on_customer", actor=Author.of_agent(agent))  # type: ignore[arg-type]
        uow.take_events()
        tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_contact(contact),
            body="still broken",
            public=True,
            source=CommentSource.PORTAL,  # type: ignore[arg-type]
        )
        assert ticket.status == "open"
        events = uow.take_events()
        assert [type(e) for e in events] == [CommentAdded, TicketStatusChanged]
        assert events[1].old_status == "waiting_on_customer"  # type: ignore[attr-defined]

        tickets.change_status(uow, ticket=ticket, status="resolved", actor=Author.of_agent(agent))  # type: ignore[arg-type]
        tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_chat(chat_identity_id=None, display_name="jamie"),  # type: ignore[arg-type]
            body="no, it's back",
            public=True,
            source=CommentSource.SLACK,
        )
        assert ticket.status == "open"
        # an agent's reply does not reopen
        tickets.change_status(uow, ticket=ticket, status="resolved", actor=Author.of_agent(agent))  # type: ignore[arg-type]
        tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_agent(agent),
            body="ok",
            public=True,
            source=CommentSource.API,
        )  # type: ignore[arg-type]
        assert ticket.status == "resolved"


def test_customers_cannot_write_internal_notes_or_move_tickets_freely(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        _, contact, _ = seed(uow)
        ticket = new_ticket(uow)
        customer = Author.of_contact(contact)  # type: ignore[arg-type]
        with pytest.raises(NotAllowed, match="internal notes"):
            tickets.add_comment(
                uow, ticket=ticket, author=customer, body="psst", public=False, source=CommentSource.PORTAL
            )
        with pytest.raises(NotAllowed, match="only mark a request resolved"):
            tickets.change_status(uow, ticket=ticket, status="in_progress", actor=customer)
        assert tickets.change_status(uow, ticket=ticket, status="resolved", actor=customer)


def test_edit_and_delete_keep_the_history(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        _, contact, _ = seed(uow)
        ticket = new_ticket(uow)
        comment = tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_contact(contact),
            body="frist",
            public=True,
            source=CommentSource.SLACK,  # type: ignore[arg-type]
        )
        assert tickets.edit_comment(uow, comment=comment, body="first")
        assert not tickets.edit_comment(uow, comment=comment, body="first")
        assert tickets.delete_comment(uow, comment=comment)
        assert not tickets.delete_comment(uow, comment=comment)
        assert comment.body == "first"
        assert comment.edited_at is not None
        assert comment.deleted_at is not None


def test_reporters_must_belong_to_the_organization_or_its_domain(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        org, _, _ = seed(uow)
        other = orgs.create_org(uow, name="Globex", plan="premium", domains=["globex.example"])
        people.add_contact(uow, email="gil@globex.example", org=other)
        assert people.resolve_reporter(uow, org=org, email="ANN@acme.example").email == "ann@acme.example"
        created = people.resolve_reporter(uow, org=org, email="new.person@acme.example")
        assert created.organization_id == org.id  # type: ignore[attr-defined]
        with pytest.raises(Invalid, match="not a contact of Acme"):
            people.resolve_reporter(uow, org=org, email="gil@globex.example")
        with pytest.raises(Invalid, match="not a contact of Acme"):
            people.resolve_reporter(uow, org=org, email="stranger@gmail.example")
        with pytest.raises(Invalid, match="not a valid email"):
            people.resolve_reporter(uow, org=org, email="not-an-email")
