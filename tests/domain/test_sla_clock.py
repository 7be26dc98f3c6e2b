"""The first-response clock on real databases: due times on creation and after changes, what stops it,
and the scan's announcements, once each, also with several scanners at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from assistdesk.bridge.sla import SlaBridge
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.sla import clock
from assistdesk.domain.sla.enums import SlaState
from assistdesk.domain.sla.targets import list_targets, set_target
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, TicketSource
from assistdesk.domain.tickets.models import Ticket
from assistdesk.domain.tickets.service import Author
from assistdesk.errors import Invalid
from assistdesk.outbox.models import OutboxJob
from assistdesk.runtime import Runtime


def seed(uow: UnitOfWork, plan: str = "premium") -> None:
    org = orgs.create_org(uow, name="Acme", plan=plan, domains=["acme.example"])
    people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")
    people.add_agent(uow, email="ada@vendor.example", name="Ada", admin=True)
    people.add_agent(uow, email="eve@vendor.example", name="Eve")


def new_ticket(uow: UnitOfWork, severity: str = "S1") -> Ticket:
    return tickets.create_ticket(
        uow,
        org=orgs.get_org(uow.session, "Acme"),
        reporter=people.get_contact(uow.session, "ann@acme.example"),
        title="Checkout is down",
        severity=severity,
        source=TicketSource.API,
        prefix="SUP",
    )


def sla(runtime: Runtime) -> SlaBridge:
    assert runtime.sla is not None
    return runtime.sla


def jobs(runtime: Runtime, kind: str) -> list[OutboxJob]:
    with runtime.db.reading() as session:
        return list(session.scalars(select(OutboxJob).where(OutboxJob.kind == kind).order_by(OutboxJob.id)))


def test_the_due_time_follows_the_plan_page_and_its_changes(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        ticket = new_ticket(uow, "S1")
        created = ticket.created_at
        assert ticket.first_response_due_at == created + timedelta(minutes=30)
        assert clock.sla_state(ticket, created) is SlaState.RUNNING
        tickets.change_severity(uow, ticket=ticket, severity="S2")
        assert ticket.first_response_due_at == created + timedelta(hours=1)
        orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan="enterprise")
        assert ticket.first_response_due_at == created + timedelta(hours=2)
        orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan="basic")
        assert ticket.first_response_due_at is None
        assert clock.sla_state(ticket, created) is SlaState.NONE


def test_only_a_public_agent_reply_stops_the_clock(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        ticket = new_ticket(uow)
        ann = people.get_contact(uow.session, "ann@acme.example")
        eve = Author.of_agent(people.get_agent(uow.session, "eve@vendor.example"))
        tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_contact(ann),
            body="any news?",
            public=True,
            source=CommentSource.PORTAL,
        )
        tickets.add_comment(
            uow, ticket=ticket, author=eve, body="looking", public=False, source=CommentSource.CONSOLE
        )
        assert ticket.first_response_at is None
        reply = tickets.add_comment(
            uow, ticket=ticket, author=eve, body="Fixed a node", public=True, source=CommentSource.SLACK
        )
        assert ticket.first_response_at == reply.created_at
        assert ticket.sla_next_at is None
        assert clock.sla_state(ticket, reply.created_at + timedelta(days=1)) is SlaState.MET
        # Once answered, a severity change does not move the promise that was kept.
        due = ticket.first_response_due_at
        tickets.change_severity(uow, ticket=ticket, severity="S4")
        assert ticket.first_response_due_at == due


def test_warning_then_breach_each_announced_once_to_the_admins_while_unassigned(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        created = new_ticket(uow).created_at
    bridge = sla(runtime)
    assert bridge.scan(created + timedelta(minutes=23)) == []
    assert len(bridge.scan(created + timedelta(minutes=24, seconds=1))) == 1
    assert bridge.scan(created + timedelta(minutes=25)) == []
    assert len(bridge.scan(created + timedelta(minutes=30, seconds=1))) == 1
    assert bridge.scan(created + timedelta(hours=5)) == []
    mails = jobs(runtime, "mail.sla")
    assert [m.payload["to"] for m in mails] == ["ada@vendor.example", "ada@vendor.example"]
    with runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, "SUP-1")
        assert ticket.sla_next_at is None
        assert clock.sla_state(ticket, created + timedelta(hours=5)) is SlaState.BREACHED


def test_an_answer_before_eighty_percent_sends_nothing(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        ticket = new_ticket(uow)
        created = ticket.created_at
        eve = Author.of_agent(people.get_agent(uow.session, "eve@vendor.example"))
        tickets.add_comment(
            uow, ticket=ticket, author=eve, body="On it", public=True, source=CommentSource.API
        )
    assert sla(runtime).scan(created + timedelta(hours=2)) == []
    assert jobs(runtime, "mail.sla") == []


def test_the_assignee_is_told_rather_than_the_admins(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        ticket = new_ticket(uow)
        created = ticket.created_at
        tickets.assign(uow, ticket=ticket, agent=people.get_agent(uow.session, "eve@vendor.example"))
    sla(runtime).scan(created + timedelta(hours=1))
    assert [m.payload["to"] for m in jobs(runtime, "mail.sla")] == ["eve@vendor.example"]


def test_several_scanners_at_once_announce_each_ticket_and_stage_once(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        made = [new_ticket(uow) for _ in range(12)]
        ids, created = [t.id for t in made], made[-1].created_at
    bridge = sla(runtime)
    announced: list[int] = []
    lock = threading.Lock()

    def scan(at: timedelta) -> None:
        for _ in range(3):
            found = runtime.db.run(lambda uow: clock.scan(uow, now=created + at))
            with lock:
                announced.extend(found)

    for at in (timedelta(minutes=25), timedelta(minutes=31)):
        threads = [threading.Thread(target=scan, args=(at,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(announced) == sorted(ids * 2)
    assert len(jobs(runtime, "mail.sla")) == 24
    assert bridge.scan(created + timedelta(hours=1)) == []


def test_targets_can_be_overridden_and_bad_input_changes_nothing(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        set_target(uow.session, plan="premium", severity="s1", duration="45m")
        set_target(uow.session, plan="developer", severity="S2", duration="none")
        set_target(uow.session, plan="basic", severity="S4", duration="2d", business_hours=True)
    for plan, severity, duration in (("gold", "S1", "4h"), ("premium", "S7", "4h"), ("premium", "S1", "0m")):
        with pytest.raises(Invalid), runtime.db.transaction() as uow:
            set_target(uow.session, plan=plan, severity=severity, duration=duration)
    with runtime.db.reading() as session:
        cells = {(r.plan.value, r.severity.value): r.target for r in list_targets(session)}
    assert cells[("premium", "S1")] is not None and cells[("premium", "S1")].seconds == 2700
    assert cells[("developer", "S2")] is None
    assert cells[("basic", "S4")] is not None and cells[("basic", "S4")].business_hours
    assert cells[("enterprise", "S3")] is not None and cells[("enterprise", "S3")].seconds == 8 * 3600
    assert cells[("basic", "S1")] is None


def test_a_calendar_change_moves_running_business_hours_promises(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        ticket = new_ticket(uow, "S3")  # premium S3: 4 business hours
        before = ticket.first_response_due_at
        org = orgs.get_org(uow.session, "Acme")
        orgs.set_timezone(uow, org=org, timezone="Pacific/Kiritimati", holidays="KI")
        assert (org.timezone, org.holidays) == ("Pacific/Kiritimati", "KI")
        assert ticket.first_response_due_at is not None and ticket.first_response_due_at != before
        with pytest.raises(Invalid):
            orgs.set_timezone(uow, org=org, timezone="Mars/Base")


def test_a_settled_ticket_is_not_announced_and_a_reopened_one_is_again(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        seed(uow)
        ticket = new_ticket(uow)
        created = ticket.created_at
        ada = Author.of_agent(people.get_agent(uow.session, "ada@vendor.example"))
        tickets.change_status(uow, ticket=ticket, status="resolved", actor=ada)
        assert ticket.sla_next_at is None
    assert sla(runtime).scan(created + timedelta(hours=1)) == []
    with runtime.db.transaction() as uow:
        ticket = tickets.get_ticket(uow.session, "SUP-1")
        tickets.change_status(uow, ticket=ticket, status="open", actor=ada)
        assert ticket.sla_next_at is not None
    assert len(sla(runtime).scan(created + timedelta(hours=1))) == 1  # straight to the breach
