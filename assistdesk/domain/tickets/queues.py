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
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people.models import Agent, Contact
from assistdesk.domain.sla import clock
from assistdesk.domain.tickets.enums import Status
from assistdesk.domain.tickets.models import Ticket

_TICKETS = table_of(Ticket)
_ORGS = table_of(Organization)
_CONTACTS = table_of(Contact)
_AGENTS = table_of(Agent)


def run_plain(
    session: Session, statement: Executable, params: dict[str, Any]
) -> CursorResult[*tuple[Any, ...]]:
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
LINES: Select[Any] = select(*_LINE_COLUMNS).select_from(_JOINED)


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
BUILT: dict[tuple[Any, ...], Select[Any]] = {}
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


def line_of(row: Sequence[Any]) -> TicketLine:
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
        return QueuePage([line_of(row) for row in run_plain(session, statement, params)], {})
    shape = ("page", statement, counts)
    combined = BUILT.get(shape)
    if combined is None:
        combined = BUILT[shape] = statement.add_columns(*_count_columns(counts))
    if counts.breaching_within is not None and "now" not in params:
        params.update(_window(counts.breaching_within))
    rows = run_plain(session, combined, params).all()
    if not rows:
        return QueuePage([], count_queues(session, counts, agent_id=agent_id))
    names = [name for name, _ in counts.queues] + ([BREACHING] if counts.breaching_within else [])
    found = rows[0][_LINE_WIDTH : _LINE_WIDTH + len(names)]
    return QueuePage([line_of(row) for row in rows], {n: int(c) for n, c in zip(names, found, strict=True)})


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
    statement = BUILT.get(shape)
    if statement is None:
        conditions = _conditions(queue)
        if before_id is not None:
            conditions.append(_TICKETS.c.id < bindparam("before_id"))
        ordered = LINES.where(*conditions).order_by(_TICKETS.c.id.desc()).limit(limit)
        statement = BUILT[shape] = ordered
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
    statement = BUILT.get(shape)
    if statement is None:
        due = _TICKETS.c.first_response_due_at
        # PostgreSQL sorts NULLs last in ascending order, as wanted; the others put them first.
        nulls_last = () if dialect == "postgresql" else (due.is_(None),)
        ordered = LINES.where(*_conditions(queue)).order_by(*nulls_last, due, _TICKETS.c.id)
        statement = BUILT[shape] = ordered.offset(bindparam("offset")).limit(limit)
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
    found = BUILT.get(key)
    if found is None:
        window = clock.breaching_between(_NOW, _HORIZON)
        found = BUILT[key] = statement.where(*window)
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
    statement = BUILT.get(shape)
    if statement is None:
        statement = BUILT[shape] = select(*_count_columns(counts))
    params: dict[str, Any] = {"agent_id": agent_id}
    if counts.breaching_within is not None:
        params.update(_window(counts.breaching_within))
    row = run_plain(session, statement, params).one()
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
