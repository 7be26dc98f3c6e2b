"""A ticket's own page as plain rows: its sheet (the line and the side panel's facts), its
conversation with attachments, the agents one can assign it to, and its chat threads. The console's
queues are in `queues`, which this shares its ticket line and statement cache with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from assistdesk.db.base import table_of
from assistdesk.domain.links.models import TicketThread
from assistdesk.domain.orgs import feature_clauses
from assistdesk.domain.orgs.enums import Feature, Plan
from assistdesk.domain.orgs.feature_states import state_of
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people.models import Agent
from assistdesk.domain.tickets.models import Attachment, Comment, Ticket
from assistdesk.domain.tickets.queues import BUILT, LINES, TicketLine, line_of, run_plain

_TICKETS = table_of(Ticket)
_ORGS = table_of(Organization)
_AGENTS = table_of(Agent)
_COMMENTS = table_of(Comment)
_ATTACHMENTS = table_of(Attachment)
_THREADS = table_of(TicketThread)


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


_SHEET = LINES.add_columns(_TICKETS.c.description, _TICKETS.c.organization_id, _ORGS.c.plan).where(
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
    statement = BUILT.get(shape)
    if statement is None:
        statement = BUILT[shape] = _SHEET.add_columns(*_FEATURE_COLUMNS, *also)
    row = run_plain(session, statement, {"key": key.strip().upper()}).one_or_none()
    if row is None:
        return None
    plan = row[17]
    facts = iter(row[_SHEET_COLUMNS : _SHEET_COLUMNS + len(_FEATURE_COLUMNS)])
    features = {
        f.value: state_of(f, Plan(plan), granted=bool(next(facts)), pending=bool(next(facts))).value
        for f in Feature
    }
    found = TicketSheet(line_of(row), row[15], row[8], row[10] or "", row[16], plan, features)
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
    for row in run_plain(session, statement, {"ticket_id": ticket_id}):
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
    return [(email, name or email) for email, name in run_plain(session, _ACTIVE_AGENTS, {})]


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
    return [ThreadLine(*row) for row in run_plain(session, _TICKET_THREADS, {"ticket_id": ticket_id})]
