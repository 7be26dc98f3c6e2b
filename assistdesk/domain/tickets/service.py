"""Ticket use cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.sql import insert_ignore
from assistdesk.db.types import utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people.models import Agent, Contact
from assistdesk.domain.sla import clock
from assistdesk.domain.sla.enums import SlaState
from assistdesk.domain.text import clean_line, clean_text
from assistdesk.domain.tickets import search
from assistdesk.domain.tickets.enums import AuthorKind, CommentSource, Severity, Status, TicketSource
from assistdesk.domain.tickets.events import (
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    TicketAssigned,
    TicketCreated,
    TicketSeverityChanged,
    TicketStatusChanged,
)
from assistdesk.domain.tickets.models import Attachment, Comment, KeyCounter, Ticket
from assistdesk.domain.tickets.workflow import REOPENED_BY_CUSTOMER, check_transition
from assistdesk.errors import Conflict, Invalid, NotAllowed, NotFound
from assistdesk.mediatypes import clean_media_type

MAX_TITLE = 255
MAX_BODY = 100_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Author:
    """Who wrote something. A chat author matched to a contact is that contact."""

    kind: AuthorKind
    name: str
    email: str | None = None
    contact_id: int | None = None
    agent_id: int | None = None
    chat_identity_id: int | None = None

    @classmethod
    def of_contact(cls, contact: Contact, *, chat_identity_id: int | None = None) -> Author:
        return cls(
            AuthorKind.CONTACT,
            contact.display_name,
            contact.email,
            contact_id=contact.id,
            chat_identity_id=chat_identity_id,
        )

    @classmethod
    def of_agent(cls, agent: Agent) -> Author:
        return cls(AuthorKind.AGENT, agent.display_name, agent.email, agent_id=agent.id)

    @classmethod
    def of_chat(cls, *, chat_identity_id: int, display_name: str) -> Author:
        return cls(AuthorKind.CHAT, display_name or "unknown", None, chat_identity_id=chat_identity_id)

    @property
    def is_customer(self) -> bool:
        return self.kind in (AuthorKind.CONTACT, AuthorKind.CHAT)


def parse_severity(raw: str | None) -> Severity:
    if raw is None or raw == "":
        return Severity.default()
    try:
        return Severity(raw.strip().upper())
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise Invalid(f"unknown severity {raw!r} (choose one of: {choices})", field="severity") from None


def parse_sla_filter(raw: str) -> SlaState:
    """The REST filter's values (INTERFACE.md): `running` or `breached`."""
    value = (raw or "").strip().lower()
    if value not in (SlaState.RUNNING.value, SlaState.BREACHED.value):
        raise Invalid(f"unknown sla filter {raw!r} (choose one of: running, breached)", field="sla")
    return SlaState(value)


def parse_status(raw: str) -> Status:
    try:
        return Status((raw or "").strip().lower())
    except ValueError:
        choices = ", ".join(s.value for s in Status)
        raise Invalid(f"unknown status {raw!r} (choose one of: {choices})", field="status") from None


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


def find_ticket(session: Session, key: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.key == key.strip().upper())).one_or_none()


def get_ticket(session: Session, key: str) -> Ticket:
    ticket = find_ticket(session, key)
    if ticket is None:
        raise NotFound(f"no ticket {key.strip()!r}", field="key")
    return ticket


def get_ticket_by_id(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket #{ticket_id}")
    return ticket


def list_tickets(
    session: Session,
    *,
    organization_id: int | None = None,
    statuses: Iterable[Status] = (),
    reporter_id: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    text: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
    sla: SlaState | None = None,
) -> Sequence[Ticket]:
    """Newest first, keyset-paged on id: the cost of a page does not grow with its depth.

    `text` searches titles, descriptions and keys (see `search`); `unassigned` keeps tickets nobody
    is assigned to.
    """
    filters = search.filter_conditions(
        organization_id=organization_id,
        statuses=statuses,
        reporter_id=reporter_id,
        assignee_id=assignee_id,
        unassigned=unassigned,
    )
    if sla is not None:
        filters.append(clock.state_condition(sla, utcnow()))
    words = search.words_of(text)
    if words:
        return search.newest_matching(session, filters=filters, words=words, before_id=before_id, limit=limit)
    if before_id is not None:
        filters.append(Ticket.id < before_id)
    return session.scalars(select(Ticket).where(*filters).order_by(Ticket.id.desc()).limit(limit)).all()


def list_by_due(
    session: Session,
    *,
    statuses: Iterable[Status] = (),
    assignee_id: int | None = None,
    unassigned: bool = False,
    breaching_within: timedelta | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Sequence[Ticket]:
    """Soonest first-response due time first, tickets without one last; offset-paged (these are
    working queues, not the archive).

    The New queue reads the index (assignee_id, status, first_response_due_at) in order; with
    `breaching_within`, only unanswered working tickets due within that time, an index range on
    (first_response_at, status, first_response_due_at) bounded on both sides."""
    filters = search.filter_conditions(statuses=statuses, assignee_id=assignee_id, unassigned=unassigned)
    due = Ticket.first_response_due_at
    if breaching_within is not None:
        filters.extend(clock.breaching_soon_conditions(utcnow(), breaching_within))
    # PostgreSQL sorts NULLs last in ascending order, as wanted; the others put them first.
    nulls_last = () if session.get_bind().dialect.name == "postgresql" else (due.is_(None),)
    stmt = select(Ticket).where(*filters).order_by(*nulls_last, due, Ticket.id).offset(offset).limit(limit)
    return session.scalars(stmt).all()


def count_breaching(session: Session, *, within: timedelta, cap: int = 1000) -> int:
    capped = select(Ticket.id).where(*clock.breaching_soon_conditions(utcnow(), within)).limit(cap + 1)
    return int(session.execute(select(func.count()).select_from(capped.subquery())).scalar_one())


def count_tickets(
    session: Session,
    *,
    organization_id: int | None = None,
    statuses: Iterable[Status] = (),
    reporter_id: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    text: str | None = None,
    cap: int = 1000,
) -> int:
    """How many tickets match, counted up to `cap + 1` and no further: a page shows "1000+" rather
    than pay for an exact count of a large organization on every view.

    Without `text` it reads at most `cap + 1` index entries (under 1 ms at 1,000,000 tickets). With
    `text` it is a search without the paging shortcuts (up to 0.1 s there, 0.8 s for a word too short
    for a trigram), so pages show search results without a count."""
    conditions = search.filter_conditions(
        organization_id=organization_id,
        statuses=statuses,
        reporter_id=reporter_id,
        assignee_id=assignee_id,
        unassigned=unassigned,
    )
    conditions.extend(search.text_conditions(session, search.words_of(text)))
    capped = select(Ticket.id).where(*conditions).limit(cap + 1)
    return int(session.execute(select(func.count()).select_from(capped.subquery())).scalar_one())


def count_many(
    session: Session, filters: Mapping[str, Mapping[str, Any]], *, cap: int = 1000
) -> dict[str, int]:
    """Several capped counts (each as `count_tickets` without text) in one statement: the console's
    queue tabs cost one round trip, not four."""
    columns = []
    for name, given in filters.items():
        conditions = search.filter_conditions(**given)
        capped = select(Ticket.id).where(*conditions).limit(cap + 1).subquery()
        columns.append(select(func.count()).select_from(capped).scalar_subquery().label(name))
    row = session.execute(select(*columns)).one()
    return {name: int(row._mapping[name]) for name in filters}


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
    _apply_status(work, ticket, current, target, actor, origin)
    return True


def _apply_status(
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


def add_comment(
    work: Work,
    *,
    ticket: Ticket,
    author: Author,
    body: str,
    public: bool,
    source: CommentSource,
    origin: str | None = None,
    allow_empty: bool = False,
) -> Comment:
    text = clean_text(body, field="body", max_length=MAX_BODY, required=not allow_empty)
    status = Status(ticket.status)
    if status is Status.CLOSED:
        raise Conflict(f"{ticket.key} is closed; open a new request instead", field="body")
    if author.is_customer and not public:
        raise NotAllowed("customers cannot write internal notes", field="public")
    now = utcnow()
    comment = Comment(
        ticket_id=ticket.id,
        body=text,
        public=public,
        source=source.value,
        author_kind=author.kind.value,
        author_contact_id=author.contact_id,
        author_agent_id=author.agent_id,
        author_chat_id=author.chat_identity_id,
        author_name=author.name[:200],
        author_email=author.email,
        created_at=now,
    )
    work.session.add(comment)
    ticket.updated_at = now
    work.session.flush()
    if public and author.kind is AuthorKind.AGENT:
        # The first public reply by an agent, from any surface, stops the response clock.
        clock.record_first_response(work, ticket=ticket, at=now, origin=origin)
    work.emit(
        CommentAdded(
            ticket_id=ticket.id,
            origin=origin,
            comment_id=comment.id,
            public=public,
            author_kind=author.kind.value,
        )
    )
    if author.is_customer and status in REOPENED_BY_CUSTOMER:
        _apply_status(work, ticket, status, Status.OPEN, author, origin)
    return comment


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment #{comment_id}")
    return comment


def edit_comment(work: Work, *, comment: Comment, body: str, origin: str | None = None) -> bool:
    text = clean_text(body, field="body", max_length=MAX_BODY, required=True)
    if comment.deleted_at is not None or text == comment.body:
        return False
    comment.body = text
    comment.edited_at = utcnow()
    work.session.flush()
    work.emit(
        CommentEdited(
            ticket_id=comment.ticket_id, origin=origin, comment_id=comment.id, public=comment.public
        )
    )
    return True


def delete_comment(work: Work, *, comment: Comment, origin: str | None = None) -> bool:
    """Marks the comment deleted; its row stays so the history shows that something was removed."""
    if comment.deleted_at is not None:
        return False
    comment.deleted_at = utcnow()
    work.session.flush()
    work.emit(
        CommentDeleted(
            ticket_id=comment.ticket_id, origin=origin, comment_id=comment.id, public=comment.public
        )
    )
    return True


def comments_of(session: Session, ticket: Ticket, *, public_only: bool) -> Sequence[Comment]:
    stmt = select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.id)
    if public_only:
        stmt = stmt.where(Comment.public.is_(True))
    return session.scalars(stmt).all()


def add_attachment(
    work: Work,
    *,
    comment: Comment,
    filename: str,
    content_type: str | None,
    content: bytes | None = None,
    external_url: str | None = None,
) -> Attachment:
    name = clean_line(filename, field="filename", max_length=255)
    if content is None and not external_url:
        raise Invalid("an attachment needs content or a link", field="attachment")
    if content is not None and len(content) > MAX_ATTACHMENT_BYTES:
        raise Invalid(f"{name} is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB", field="attachment")
    attachment = Attachment(
        ticket_id=comment.ticket_id,
        comment_id=comment.id,
        filename=name,
        content_type=clean_media_type(content_type),
        size=len(content) if content is not None else 0,
        content=content,
        external_url=external_url,
    )
    work.session.add(attachment)
    comment.attachments.append(attachment)
    work.session.flush()
    return attachment
