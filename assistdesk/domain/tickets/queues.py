"""The console's read side: a queue page and a ticket's page as plain rows of just the columns they
show, no ORM objects.

A queue page of fifty tickets loaded as ORM objects built five objects per row (the ticket, its
organization, reporter and assignee, and their identity-map bookkeeping) and lazy-loaded feature
states; these reads select the shown columns with the joins in one statement, and return small frozen
values. The filters and orders are those of `service.list_tickets` and `service.list_by_due` (the
same `search.filter_conditions` and `clock.breaching_soon_conditions`), so a queue holds the same
tickets in the same order whichever way it is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.types import utcnow
from assistdesk.domain.orgs.enums import Feature, Plan, RequestStatus
from assistdesk.domain.orgs.feature_states import state_of
from assistdesk.domain.orgs.models import FeatureGrant, FeatureRequest, Organization
from assistdesk.domain.people.models import Agent, Contact
from assistdesk.domain.sla import clock
from assistdesk.domain.tickets import search
from assistdesk.domain.tickets.enums import Status
from assistdesk.domain.tickets.models import Attachment, Comment, Ticket

_TICKETS = table_of(Ticket)
_ORGS = table_of(Organization)
_CONTACTS = table_of(Contact)
_AGENTS = table_of(Agent)
_COMMENTS = table_of(Comment)
_ATTACHMENTS = table_of(Attachment)
_GRANTS = table_of(FeatureGrant)
_REQUESTS = table_of(FeatureRequest)


@dataclass(frozen=True, slots=True)
class TicketLine:
    """One ticket as a queue shows it (and the head of its page)."""

    id: int
    key: str
    title: str
    status: str
    severity: str
    source: str
    organization: str
    reporter: str
    assignee: str
    updated_at: datetime
    created_at: datetime
    first_response_due_at: datetime | None
    first_response_at: datetime | None


@dataclass(frozen=True, slots=True)
class TicketSheet:
    """A ticket's page, but its conversation: the line, and what the side panel shows."""

    line: TicketLine
    description: str
    reporter_email: str
    assignee_email: str
    organization_id: int
    plan: str


@dataclass(frozen=True, slots=True)
class CommentLine:
    id: int
    author_name: str
    author_kind: str
    public: bool
    source: str
    created_at: datetime
    body: str
    deleted: bool
    edited: bool


@dataclass(frozen=True, slots=True)
class AttachmentLine:
    id: int
    comment_id: int
    filename: str
    size: int
    external_url: str | None


_LINE_COLUMNS = (
    _TICKETS.c.id,
    _TICKETS.c.key,
    _TICKETS.c.title,
    _TICKETS.c.status,
    _TICKETS.c.severity,
    _TICKETS.c.source,
    _ORGS.c.name,
    _CONTACTS.c.name,
    _CONTACTS.c.email,
    _AGENTS.c.name,
    _AGENTS.c.email,
    _TICKETS.c.updated_at,
    _TICKETS.c.created_at,
    _TICKETS.c.first_response_due_at,
    _TICKETS.c.first_response_at,
)
_JOINED = (
    _TICKETS.join(_ORGS, _ORGS.c.id == _TICKETS.c.organization_id)
    .join(_CONTACTS, _CONTACTS.c.id == _TICKETS.c.reporter_id)
    .outerjoin(_AGENTS, _AGENTS.c.id == _TICKETS.c.assignee_id)
)


def _line(row: Sequence[Any]) -> TicketLine:
    (id_, key, title, status, severity, source, org, r_name, r_email, a_name, a_email, *times) = row[:15]
    return TicketLine(
        id_,
        key,
        title,
        status,
        severity,
        source,
        org,
        r_name or r_email,  # as Contact.display_name
        (a_name or a_email) if a_email is not None else "",
        times[0],
        times[1],
        times[2],
        times[3],
    )


def _lines(statement: Select[Any], session: Session) -> list[TicketLine]:
    return [_line(row) for row in session.execute(statement)]


def newest(
    session: Session,
    *,
    statuses: Iterable[Status] = (),
    assignee_id: int | None = None,
    unassigned: bool = False,
    before_id: int | None = None,
    limit: int = 50,
) -> list[TicketLine]:
    """`service.list_tickets` without text: newest first, keyset-paged on id."""
    conditions = search.filter_conditions(statuses=statuses, assignee_id=assignee_id, unassigned=unassigned)
    if before_id is not None:
        conditions.append(Ticket.id < before_id)
    statement = select(*_LINE_COLUMNS).select_from(_JOINED).where(*conditions)
    return _lines(statement.order_by(_TICKETS.c.id.desc()).limit(limit), session)


def by_due(
    session: Session,
    *,
    statuses: Iterable[Status] = (),
    assignee_id: int | None = None,
    unassigned: bool = False,
    breaching_within: timedelta | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[TicketLine]:
    """`service.list_by_due`: soonest first-response due time first, tickets without one last."""
    conditions = search.filter_conditions(statuses=statuses, assignee_id=assignee_id, unassigned=unassigned)
    if breaching_within is not None:
        conditions.extend(clock.breaching_soon_conditions(utcnow(), breaching_within))
    due = _TICKETS.c.first_response_due_at
    # PostgreSQL sorts NULLs last in ascending order, as wanted; the others put them first.
    nulls_last = () if session.get_bind().dialect.name == "postgresql" else (due.is_(None),)
    statement = select(*_LINE_COLUMNS).select_from(_JOINED).where(*conditions)
    ordered = statement.order_by(*nulls_last, due, _TICKETS.c.id).offset(offset).limit(limit)
    return _lines(ordered, session)


def lines_of(tickets: Sequence[Ticket]) -> list[TicketLine]:
    """Tickets already loaded (a search's results) as lines."""
    return [
        TicketLine(
            t.id,
            t.key,
            t.title,
            t.status,
            t.severity,
            t.source,
            t.organization.name,
            t.reporter.display_name,
            t.assignee.display_name if t.assignee else "",
            t.updated_at,
            t.created_at,
            t.first_response_due_at,
            t.first_response_at,
        )
        for t in tickets
    ]


def sheet(session: Session, key: str) -> TicketSheet | None:
    """The ticket `key` (any case, spaces around ignored, as `service.find_ticket`)."""
    statement = (
        select(
            *_LINE_COLUMNS,
            _TICKETS.c.description,
            _TICKETS.c.organization_id,
            _ORGS.c.plan,
        )
        .select_from(_JOINED)
        .where(_TICKETS.c.key == key.strip().upper())
    )
    row = session.execute(statement).one_or_none()
    if row is None:
        return None
    line = _line(row)
    return TicketSheet(line, row[15], row[8], row[10] or "", row[16], row[17])


def feature_states(session: Session, *, organization_id: int, plan: str) -> dict[str, str]:
    """Each chat feature's state for the organization (`Organization.feature_state`'s rule)."""
    granted = set(
        session.scalars(
            select(_GRANTS.c.feature).where(
                _GRANTS.c.organization_id == organization_id, _GRANTS.c.enabled.is_(True)
            )
        )
    )
    pending = set(
        session.scalars(
            select(_REQUESTS.c.feature).where(
                _REQUESTS.c.organization_id == organization_id,
                _REQUESTS.c.status == RequestStatus.PENDING.value,
            )
        )
    )
    chosen = Plan(plan)
    return {
        f.value: state_of(f, chosen, granted=f.value in granted, pending=f.value in pending).value
        for f in Feature
    }


def conversation(
    session: Session, ticket_id: int, *, public_only: bool
) -> tuple[list[CommentLine], list[AttachmentLine]]:
    """A ticket's comments in order (`service.comments_of`) and their attachments, in two statements."""
    c = _COMMENTS.c
    statement = (
        select(
            c.id,
            c.author_name,
            c.author_kind,
            c.public,
            c.source,
            c.created_at,
            c.body,
            c.deleted_at,
            c.edited_at,
        )
        .where(c.ticket_id == ticket_id)
        .order_by(c.id)
    )
    if public_only:
        statement = statement.where(c.public.is_(True))
    comments = [
        CommentLine(id_, name, kind, public, source, created, body, deleted is not None, edited is not None)
        for id_, name, kind, public, source, created, body, deleted, edited in session.execute(statement)
    ]
    if not comments:
        return comments, []
    a = _ATTACHMENTS.c
    files = select(a.id, a.comment_id, a.filename, a.size, a.external_url).where(
        a.ticket_id == ticket_id, a.comment_id.in_([comment.id for comment in comments])
    )
    attachments = [AttachmentLine(*row) for row in session.execute(files.order_by(a.id))]
    return comments, attachments


def active_agents(session: Session) -> list[tuple[str, str]]:
    """(email, name as shown) of the agents one can assign, by email (`people.list_agents`' order)."""
    statement = (
        select(_AGENTS.c.email, _AGENTS.c.name).where(_AGENTS.c.active.is_(True)).order_by(_AGENTS.c.email)
    )
    return [(email, name or email) for email, name in session.execute(statement)]
