"""Opening a ticket."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.sql import insert_ignore
from assistdesk.db.types import utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people.models import Contact
from assistdesk.domain.sla import clock
from assistdesk.domain.text import clean_line, clean_text
from assistdesk.domain.tickets.enums import Status, TicketSource
from assistdesk.domain.tickets.events import TicketCreated
from assistdesk.domain.tickets.models import KeyCounter, Ticket
from assistdesk.domain.tickets.parsing import MAX_BODY, MAX_TITLE, parse_severity
from assistdesk.errors import Invalid


def _next_number(session: Session, prefix: str) -> int:
    """Take the next number; the row lock taken by the UPDATE serialises concurrent takers."""
    table = table_of(KeyCounter)
    bump = update(table).where(table.c.name == prefix).values(value=table.c.value + 1)
    if session.get_bind().dialect.name in ("postgresql", "sqlite"):
        value = session.execute(bump.returning(table.c.value)).scalar_one_or_none()
        if value is None:
            insert_ignore(session, table, {"name": prefix, "value": 0})
            value = session.execute(bump.returning(table.c.value)).scalar_one()
        return int(value)
    if session.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        insert_ignore(session, table, {"name": prefix, "value": 0})
        session.execute(bump)
    return int(session.execute(select(table.c.value).where(table.c.name == prefix)).scalar_one())


def create_ticket(
    work: Work,
    *,
    org: Organization,
    reporter: Contact,
    title: str,
    description: str = "",
    severity: str | None = None,
    source: TicketSource,
    prefix: str,
    origin: str | None = None,
) -> Ticket:
    if reporter.organization_id != org.id:
        raise Invalid(f"{reporter.email} is not a contact of {org.name}", field="reporter_email")
    clean_title = clean_line(title, field="title", max_length=MAX_TITLE)
    clean_description = clean_text(description, field="description", max_length=MAX_BODY)
    chosen = parse_severity(severity)
    session = work.session
    number = _next_number(session, prefix)
    now = utcnow()
    ticket = Ticket(
        key=f"{prefix}-{number}",
        organization_id=org.id,
        reporter_id=reporter.id,
        title=clean_title,
        description=clean_description,
        status=Status.OPEN.value,
        severity=chosen.value,
        source=source.value,
        created_at=now,
        updated_at=now,
    )
    ticket.organization = org
    ticket.reporter = reporter
    clock.schedule(session, ticket, org)
    session.add(ticket)
    session.flush()
    work.emit(TicketCreated(ticket_id=ticket.id, origin=origin))
    return ticket
