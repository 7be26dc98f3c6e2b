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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    Select,
    bindparam,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.types import UTCDateTime, utcnow
from assistdesk.domain.links.models import TicketThread
from assistdesk.domain.orgs import feature_clauses
from assistdesk.domain.orgs.enums import Feature, Plan
from assistdesk.domain.orgs.feature_states import state_of
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people.models import Agent, Contact
from assistdesk.domain.sla import clock
from assistdesk.domain.tickets.enums import Status
from assistdesk.domain.tickets.models import Attachment, Comment, Ticket

_TICKETS = table_of(Ticket)
_ORGS = table_of(Organization)
_CONTACTS = table_of(Contact)
_AGENTS = table_of(Agent)
_COMMENTS = table_of(Comment)
_ATTACHMENTS = table_of(Attachment)
_THREADS = table_of(TicketThread)


def _run(session: Session, statement: Executable, params: dict[str, Any]) -> CursorResult[*tuple[Any, ...]]:
    """`statement` on the session's connection: these reads return plain rows, and the ORM's
    execution layer (`Session.execute`: compile state, loader options, result wrapping) cost a
    console page more than the statements themselves."""
    return session.connection().execute(statement, params)


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
    features: dict[str, str]  # each chat feature's state (`Organization.feature_state`'s rule)


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
_LINES: Select[Any] = select(*_LINE_COLUMNS).select_from(_JOINED)


@dataclass(frozen=True)
class QueueFilter:
    """Which tickets a queue holds: `search.filter_conditions`' filters, `mine` meaning assigned to
    the agent looking."""

    statuses: tuple[Status, ...] = ()
    mine: bool = False
    unassigned: bool = False


# A queue's statement depends on its shape (which filters, which order), never on the values: those
# are bound parameters. Each shape is built once per process, so a page pays neither for building
# the statement nor for its cache key.
_BUILT: dict[tuple[Any, ...], Select[Any]] = {}
_NOW = bindparam("now", type_=UTCDateTime)
_HORIZON = bindparam("horizon", type_=UTCDateTime)


def _conditions(queue: QueueFilter) -> list[ColumnElement[bool]]:
    """`search.filter_conditions` on the Core table, the agent as a bound parameter."""
    t = _TICKETS.c
    statuses = sorted({s.value for s in queue.statuses})
    found: list[ColumnElement[bool]] = []
    if len(statuses) == 1:
        found.append(t.status == statuses[0])
    elif statuses:
        # One bound value each, not an expanding IN: the statuses are constants of the queue's
        # shape, and an expanding IN is rewritten into SQL again on every execution.
        found.append(t.status.in_([literal(s) for s in statuses]))
    if queue.mine:
        found.append(t.assignee_id == bindparam("agent_id"))
    if queue.unassigned:
        found.append(t.assignee_id.is_(None))
    return found


_LINE_WIDTH = len(_LINE_COLUMNS)


def _line(row: Sequence[Any]) -> TicketLine:
    (id_, key, title, status, severity, source, org, r_name, r_email, a_name, a_email, *times) = row[
        :_LINE_WIDTH
    ]
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


@dataclass(frozen=True)
class Counts:
    """The queues counted (a queue page's tabs), each capped at `cap + 1`, and with `breaching_within`
    the tickets breaching soon as `BREACHING`."""

    queues: tuple[tuple[str, QueueFilter], ...]
    cap: int
    breaching_within: timedelta | None = None


@dataclass(frozen=True, slots=True)
class QueuePage:
    """A page of a queue, and the counts asked for with it (empty when none were)."""

    lines: list[TicketLine]
    counts: dict[str, int]


def _page(
    session: Session,
    statement: Select[Any],
    params: dict[str, Any],
    counts: Counts | None,
    agent_id: int,
) -> QueuePage:
    """The lines of `statement`, with `counts` as more columns of the same statement: the tabs'
    counts are uncorrelated scalar subqueries, computed once however many rows the page has (one
    statement and one trip to the database, not two). An empty page has no row to carry them; it
    asks for them on their own."""
    if counts is None:
        return QueuePage([_line(row) for row in _run(session, statement, params)], {})
    shape = ("page", statement, counts)
    combined = _BUILT.get(shape)
    if combined is None:
        combined = _BUILT[shape] = statement.add_columns(*_count_columns(counts))
    if counts.breaching_within is not None and "now" not in params:
        params.update(_window(counts.breaching_within))
    rows = _run(session, combined, params).all()
    if not rows:
        return QueuePage([], count_queues(session, counts, agent_id=agent_id))
    names = [name for name, _ in counts.queues] + ([BREACHING] if counts.breaching_within else [])
    found = rows[0][_LINE_WIDTH : _LINE_WIDTH + len(names)]
    return QueuePage([_line(row) for row in rows], {n: int(c) for n, c in zip(names, found, strict=True)})


def newest(
    session: Session,
    queue: QueueFilter,
    *,
    agent_id: int,
    before_id: int | None = None,
    limit: int = 50,
    counts: Counts | None = None,
) -> QueuePage:
    """`service.list_tickets` without text: newest first, keyset-paged on id."""
    shape = ("newest", queue, before_id is not None, limit)
    statement = _BUILT.get(shape)
    if statement is None:
        conditions = _conditions(queue)
        if before_id is not None:
            conditions.append(_TICKETS.c.id < bindparam("before_id"))
        ordered = _LINES.where(*conditions).order_by(_TICKETS.c.id.desc()).limit(limit)
        statement = _BUILT[shape] = ordered
    return _page(session, statement, {"agent_id": agent_id, "before_id": before_id}, counts, agent_id)


def by_due(
    session: Session,
    queue: QueueFilter,
    *,
    agent_id: int,
    breaching_within: timedelta | None = None,
    offset: int = 0,
    limit: int = 50,
    counts: Counts | None = None,
) -> QueuePage:
    """`service.list_by_due`: soonest first-response due time first, tickets without one last."""
    dialect = session.get_bind().dialect.name
    shape = ("due", dialect, queue, limit)
    statement = _BUILT.get(shape)
    if statement is None:
        due = _TICKETS.c.first_response_due_at
        # PostgreSQL sorts NULLs last in ascending order, as wanted; the others put them first.
        nulls_last = () if dialect == "postgresql" else (due.is_(None),)
        ordered = _LINES.where(*_conditions(queue)).order_by(*nulls_last, due, _TICKETS.c.id)
        statement = _BUILT[shape] = ordered.offset(bindparam("offset")).limit(limit)
    params: dict[str, Any] = {"agent_id": agent_id, "offset": offset}
    windows = (breaching_within, counts.breaching_within if counts else None)
    if None not in windows and windows[0] != windows[1]:
        raise ValueError("the page and its counts share one window (one `now`, one `horizon`)")
    if breaching_within is not None:
        statement = _breaching(statement)
        params.update(_window(breaching_within))
    return _page(session, statement, params, counts, agent_id)


def _breaching(statement: Select[Any]) -> Select[Any]:
    """`statement` kept to the tickets breaching soon (`_window` gives its bounds)."""
    key = ("breaching", statement)
    found = _BUILT.get(key)
    if found is None:
        window = clock.breaching_between(_NOW, _HORIZON)
        found = _BUILT[key] = statement.where(*window)
    return found


def _window(within: timedelta) -> dict[str, datetime]:
    now = utcnow()
    return {"now": now, "horizon": now + within}


BREACHING = "breaching"


def _count_columns(counts: Counts) -> list[ColumnElement[Any]]:
    """Each queue's count capped at `cap + 1`, and with `breaching_within` the tickets breaching
    soon as `BREACHING` (`service.count_breaching`), as labelled scalar subqueries."""
    wheres = {name: _conditions(queue) for name, queue in counts.queues}
    if counts.breaching_within is not None:
        wheres[BREACHING] = list(clock.breaching_between(_NOW, _HORIZON))
    columns: list[ColumnElement[Any]] = []
    for name, conditions in wheres.items():
        capped = select(_TICKETS.c.id).where(*conditions).limit(counts.cap + 1).subquery()
        columns.append(select(func.count()).select_from(capped).scalar_subquery().label(name))
    return columns


def count_queues(session: Session, counts: Counts, *, agent_id: int) -> dict[str, int]:
    """`service.count_many` for these queues, and with `breaching_within` `service.count_breaching`
    as `BREACHING`: each count capped at `cap + 1`, all in one statement (a page of a queue reads
    them with its lines: `newest`, `by_due`)."""
    shape = ("counts", counts)
    statement = _BUILT.get(shape)
    if statement is None:
        statement = _BUILT[shape] = select(*_count_columns(counts))
    params: dict[str, Any] = {"agent_id": agent_id}
    if counts.breaching_within is not None:
        params.update(_window(counts.breaching_within))
    row = _run(session, statement, params).one()
    return {name: int(count) for name, count in row._mapping.items()}


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


_SHEET = _LINES.add_columns(_TICKETS.c.description, _TICKETS.c.organization_id, _ORGS.c.plan).where(
    _TICKETS.c.key == bindparam("key")
)
_SHEET_COLUMNS = 18


# Each chat feature's grant and pending request, as two columns of the sheet's own row: the side
# panel's feature states cost no statement of their own.
_FEATURE_COLUMNS = [
    column
    for f in Feature
    for column in (
        feature_clauses.granted(_TICKETS.c.organization_id, f),
        feature_clauses.pending(_TICKETS.c.organization_id, f),
    )
]


def sheet(
    session: Session, key: str, *, also: tuple[ColumnElement[Any], ...] = ()
) -> tuple[TicketSheet, tuple[Any, ...]] | None:
    """The ticket `key` (any case, spaces around ignored, as `service.find_ticket`), with its
    organization's feature states, and the values of the columns `also` (the page's own questions
    about this ticket, such as whether mail to its reporter bounces) read in the same statement.
    `also` must be the same objects on every call (module constants): each shape is built once."""
    shape = ("sheet", also)
    statement = _BUILT.get(shape)
    if statement is None:
        statement = _BUILT[shape] = _SHEET.add_columns(*_FEATURE_COLUMNS, *also)
    row = _run(session, statement, {"key": key.strip().upper()}).one_or_none()
    if row is None:
        return None
    plan = row[17]
    facts = iter(row[_SHEET_COLUMNS : _SHEET_COLUMNS + len(_FEATURE_COLUMNS)])
    features = {
        f.value: state_of(f, Plan(plan), granted=bool(next(facts)), pending=bool(next(facts))).value
        for f in Feature
    }
    found = TicketSheet(_line(row), row[15], row[8], row[10] or "", row[16], plan, features)
    return found, tuple(row[_SHEET_COLUMNS + len(_FEATURE_COLUMNS) :])


_C = _COMMENTS.c
_A = _ATTACHMENTS.c
# Comments with their attachments in one statement: a comment's row repeats once per attachment.
_CONVERSATION = (
    select(
        _C.id,
        _C.author_name,
        _C.author_kind,
        _C.public,
        _C.source,
        _C.created_at,
        _C.body,
        _C.deleted_at,
        _C.edited_at,
        _A.id,
        _A.filename,
        _A.size,
        _A.external_url,
    )
    .select_from(_COMMENTS.outerjoin(_ATTACHMENTS, _A.comment_id == _C.id))
    .where(_C.ticket_id == bindparam("ticket_id"))
    .order_by(_C.id, _A.id)
)
_PUBLIC_CONVERSATION = _CONVERSATION.where(_C.public.is_(True))


def conversation(
    session: Session, ticket_id: int, *, public_only: bool
) -> tuple[list[CommentLine], list[AttachmentLine]]:
    """A ticket's comments in order (`service.comments_of`) and the attachments of those comments."""
    statement = _PUBLIC_CONVERSATION if public_only else _CONVERSATION
    comments: list[CommentLine] = []
    attachments: list[AttachmentLine] = []
    for row in _run(session, statement, {"ticket_id": ticket_id}):
        id_, name, kind, public, source, created, body, deleted, edited, file_id, *file = row
        if not comments or comments[-1].id != id_:
            comments.append(
                CommentLine(
                    id_, name, kind, public, source, created, body, deleted is not None, edited is not None
                )
            )
        if file_id is not None:
            attachments.append(AttachmentLine(file_id, id_, file[0], file[1], file[2]))
    return comments, attachments


_ACTIVE_AGENTS = (
    select(_AGENTS.c.email, _AGENTS.c.name).where(_AGENTS.c.active.is_(True)).order_by(_AGENTS.c.email)
)


def active_agents(session: Session) -> list[tuple[str, str]]:
    """(email, name as shown) of the agents one can assign, by email (`people.list_agents`' order)."""
    return [(email, name or email) for email, name in _run(session, _ACTIVE_AGENTS, {})]


@dataclass(frozen=True, slots=True)
class ThreadLine:
    """A chat thread of a ticket, as its page links to it."""

    platform: str
    workspace: str
    channel: str
    thread_root: str | None


_TICKET_THREADS = (
    select(_THREADS.c.platform, _THREADS.c.workspace, _THREADS.c.channel, _THREADS.c.thread_root)
    .where(_THREADS.c.ticket_id == bindparam("ticket_id"))
    .order_by(_THREADS.c.id)
)


def chat_threads(session: Session, ticket_id: int) -> list[ThreadLine]:
    """The ticket's chat threads in the order they were opened (`links.threads_of`), as plain rows."""
    return [ThreadLine(*row) for row in _run(session, _TICKET_THREADS, {"ticket_id": ticket_id})]
