"""Opening a ticket."""

from __future__ import annotations

from assistdesk.db.base import table_of
from assistdesk.db.numbers import take_number
from assistdesk.db.sql import add_new
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
    now = utcnow()
    # Last, after every check: a create refused above does not spend a number (see db/numbers).
    number = take_number(session, table_of(KeyCounter), prefix)
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
    ticket.assignee = None
    clock.schedule(session, ticket, org)
    add_new(session, ticket)
    work.emit(TicketCreated(ticket_id=ticket.id, origin=origin))
    return ticket
