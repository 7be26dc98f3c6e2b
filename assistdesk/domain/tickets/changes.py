"""Workflow changes to a ticket: status, severity, assignee."""

from __future__ import annotations

from assistdesk.db.types import utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.people.models import Agent
from assistdesk.domain.sla import clock
from assistdesk.domain.tickets.authors import Author
from assistdesk.domain.tickets.enums import Status
from assistdesk.domain.tickets.events import TicketAssigned, TicketSeverityChanged, TicketStatusChanged
from assistdesk.domain.tickets.models import Ticket
from assistdesk.domain.tickets.parsing import parse_severity, parse_status
from assistdesk.domain.tickets.workflow import check_transition
from assistdesk.errors import Conflict, Invalid, NotAllowed


def _touch(ticket: Ticket) -> None:
    ticket.updated_at = utcnow()


def change_status(
    work: Work, *, ticket: Ticket, status: str | Status, actor: Author, origin: str | None = None
) -> bool:
    """Returns whether anything changed."""
    target = status if isinstance(status, Status) else parse_status(status)
    current = Status(ticket.status)
    check_transition(ticket.key, current, target)
    if target is current:
        return False
    if actor.is_customer and target not in (Status.RESOLVED, Status.OPEN):
        raise NotAllowed("customers can only mark a request resolved or reopen it", field="status")
    apply_status(work, ticket, current, target, actor, origin)
    return True


def apply_status(
    work: Work, ticket: Ticket, current: Status, target: Status, actor: Author, origin: str | None
) -> None:
    now = utcnow()
    ticket.status = target.value
    if target is Status.RESOLVED:
        ticket.resolved_at = now
    elif target is Status.CLOSED:
        ticket.closed_at = now
    else:
        ticket.resolved_at = None
    if target in (Status.RESOLVED, Status.CLOSED):
        ticket.sla_next_at = None  # a settled ticket is not announced; its state still reads from due
    elif current in (Status.RESOLVED, Status.CLOSED):
        clock.schedule(work.session, ticket, ticket.organization)
    _touch(ticket)
    work.session.flush()
    work.emit(
        TicketStatusChanged(
            ticket_id=ticket.id,
            origin=origin,
            old_status=current.value,
            new_status=target.value,
            actor_kind=actor.kind.value,
            actor_name=actor.name,
        )
    )


def change_severity(work: Work, *, ticket: Ticket, severity: str, origin: str | None = None) -> bool:
    chosen = parse_severity(severity)
    if Status(ticket.status) is Status.CLOSED:
        raise Conflict(f"{ticket.key} is closed", field="severity")
    if chosen.value == ticket.severity:
        return False
    old = ticket.severity
    ticket.severity = chosen.value
    clock.schedule(work.session, ticket, ticket.organization)
    _touch(ticket)
    work.session.flush()
    work.emit(
        TicketSeverityChanged(ticket_id=ticket.id, origin=origin, old_severity=old, new_severity=chosen.value)
    )
    return True


def assign(work: Work, *, ticket: Ticket, agent: Agent | None, origin: str | None = None) -> bool:
    new_id = agent.id if agent is not None else None
    if new_id == ticket.assignee_id:
        return False
    if Status(ticket.status) is Status.CLOSED:
        raise Conflict(f"{ticket.key} is closed", field="assignee_email")
    if agent is not None and not agent.active:
        raise Invalid(f"{agent.email} is deactivated", field="assignee_email")
    ticket.assignee_id = new_id
    ticket.assignee = agent
    _touch(ticket)
    work.session.flush()
    work.emit(TicketAssigned(ticket_id=ticket.id, origin=origin, assignee_id=new_id))
    return True
