"""The first-response clock of a ticket, kept as timestamps on the ticket row.

- `schedule` sets the due time from the creation time and the target of the ticket's plan and
  severity (again after a severity or plan change, as long as nobody has answered);
- `record_first_response` stops it at the first public agent reply;
- `scan` makes the two announcements (warning at 80 %, breach) once each: a conditional UPDATE on
  the stored stage decides which worker announces, in the transaction that emits the event, so the
  announcement's outbox rows commit with the stage or not at all.

Nothing is held in memory between calls, so any number of web and worker processes agree and a
restart changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from assistdesk.db.base import table_of
from assistdesk.domain.events import Work
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.sla.enums import SlaState, Stage
from assistdesk.domain.sla.events import FirstResponded, SlaBreached, SlaWarning
from assistdesk.domain.sla.hours import add_business_time
from assistdesk.domain.sla.targets import Target, target_for
from assistdesk.domain.tickets.enums import Status
from assistdesk.domain.tickets.models import Ticket

WARNING_SHARE = 0.8
WORKING = (Status.OPEN.value, Status.IN_PROGRESS.value, Status.WAITING_ON_CUSTOMER.value)


def due_after(
    target: Target, start: datetime, *, timezone: str, country: str | None, share: float = 1.0
) -> datetime:
    """When `share` of `target` has gone by since `start`, in the organization's calendar."""
    seconds = target.seconds * share
    if target.business_hours:
        return add_business_time(start, seconds, timezone=timezone, country=country)
    return start + timedelta(seconds=seconds)


def first_response_due(
    session: Session, *, org: Organization, severity: str, created_at: datetime
) -> datetime | None:
    """The moment a first response is promised for a ticket of `org` with `severity` opened at
    `created_at`, or None when the plan promises none. Pure apart from reading the targets (the
    mail acknowledgement and the help center use it, as `schedule` does)."""
    target = target_for(session, org.plan, severity)
    if target is None:
        return None
    return due_after(target, created_at, timezone=org.timezone or "UTC", country=org.holidays)


def schedule(session: Session, ticket: Ticket, org: Organization) -> None:
    """(Re)compute the due time from the creation time. Does nothing once the ticket is answered:
    the first response is measured against the promise in force when it was made."""
    if ticket.first_response_at is not None:
        return
    target = target_for(session, org.plan, ticket.severity)
    ticket.sla_plan = org.plan
    if target is None:
        ticket.first_response_due_at = None
        ticket.sla_next_at = None
        ticket.sla_stage = Stage.PENDING
        return
    zone, country = org.timezone or "UTC", org.holidays
    due = due_after(target, ticket.created_at, timezone=zone, country=country)
    warn = due_after(target, ticket.created_at, timezone=zone, country=country, share=WARNING_SHARE)
    if due != ticket.first_response_due_at:
        # A new promise is announced afresh: a warning already sent for a shorter one says nothing
        # about this one.
        ticket.sla_stage = Stage.PENDING
    ticket.first_response_due_at = due
    stage = Stage(ticket.sla_stage or 0)
    ticket.sla_next_at = warn if stage is Stage.PENDING else due if stage is Stage.WARNED else None


def reschedule_org(session: Session, org: Organization) -> int:
    """After a plan or calendar change: every unanswered working ticket of `org` gets the new promise."""
    found = session.scalars(
        select(Ticket).where(
            Ticket.organization_id == org.id,
            Ticket.first_response_at.is_(None),
            Ticket.status.in_(WORKING),
        )
    ).all()
    for ticket in found:
        schedule(session, ticket, org)
    session.flush()
    return len(found)


def record_first_response(work: Work, *, ticket: Ticket, at: datetime, origin: str | None = None) -> bool:
    """Stops the clock; returns whether this reply was the first response."""
    if ticket.first_response_at is not None:
        return False
    ticket.first_response_at = at
    ticket.sla_next_at = None
    work.session.flush()
    if ticket.first_response_due_at is not None:
        work.emit(
            FirstResponded(
                ticket_id=ticket.id,
                origin=origin,
                plan=ticket.sla_plan or "",
                severity=ticket.severity,
                seconds=(at - ticket.created_at).total_seconds(),
                met=at <= ticket.first_response_due_at,
                breach_announced=ticket.sla_stage == Stage.BREACHED,
            )
        )
    return True


class SlaTimes(Protocol):
    """What the state needs: a ticket, or a plain row of the console's reads."""

    @property
    def first_response_due_at(self) -> datetime | None: ...

    @property
    def first_response_at(self) -> datetime | None: ...


def sla_state(ticket: SlaTimes, now: datetime) -> SlaState:
    due = ticket.first_response_due_at
    if due is None:
        return SlaState.NONE
    if ticket.first_response_at is not None:
        return SlaState.MET if ticket.first_response_at <= due else SlaState.BREACHED
    return SlaState.RUNNING if now <= due else SlaState.BREACHED


def state_condition(state: SlaState, now: datetime) -> ColumnElement[bool]:
    """`sla_state(ticket, now) == state` as SQL, for the REST filter."""
    due, answered = Ticket.first_response_due_at, Ticket.first_response_at
    if state is SlaState.NONE:
        return due.is_(None)
    if state is SlaState.RUNNING:
        return and_(answered.is_(None), due > now)
    if state is SlaState.MET:
        return and_(answered.is_not(None), answered <= due)
    return and_(
        due.is_not(None),
        or_(and_(answered.is_(None), due <= now), and_(answered.is_not(None), answered > due)),
    )


def scan(work: Work, *, now: datetime, limit: int = 200) -> list[int]:
    """Announce what fell due: an indexed range read of `sla_next_at` (empty for answered, breached
    and target-less tickets), then one conditional UPDATE per ticket. Returns the ids announced by
    this caller; a ticket another worker announced first is skipped (its UPDATE matches no row)."""
    session = work.session
    rows = session.execute(
        select(Ticket.id, Ticket.sla_stage, Ticket.first_response_due_at, Ticket.severity, Ticket.sla_plan)
        .where(Ticket.sla_next_at <= now)
        .order_by(Ticket.sla_next_at)
        .limit(limit)
    ).all()
    table = table_of(Ticket)
    announced = []
    for ticket_id, stage, due, severity, plan in rows:
        if due is None:
            continue
        breach = now >= due
        new_stage = Stage.BREACHED if breach else Stage.WARNED
        if Stage(stage) >= new_stage:
            continue
        changed = session.execute(
            update(table)
            .where(table.c.id == ticket_id, table.c.sla_stage == stage, table.c.first_response_at.is_(None))
            .values(sla_stage=int(new_stage), sla_next_at=None if breach else due)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        event_type = SlaBreached if breach else SlaWarning
        work.emit(
            event_type(
                ticket_id=ticket_id,
                due_at=due.astimezone(UTC).isoformat(),
                plan=plan or "",
                severity=severity,
            )
        )
        announced.append(ticket_id)
    return announced


def breaching_soon_conditions(now: datetime, within: timedelta) -> Sequence[ColumnElement[bool]]:
    """Unanswered working tickets not yet breached whose due time falls within `within` (the
    console's Breaching soon). Bounded on both sides, so the index range holds only tickets due in
    that window: neither the settled history nor an old overdue backlog is read."""
    return breaching_between(now, now + within)


def breaching_between(
    now: datetime | ColumnElement[datetime], horizon: datetime | ColumnElement[datetime]
) -> Sequence[ColumnElement[bool]]:
    """`breaching_soon_conditions` with the window's ends given: bound parameters, for a statement
    built once (the statuses one bound value each: an expanding IN is rewritten on every run)."""
    return (
        Ticket.first_response_at.is_(None),
        Ticket.status.in_([literal(status) for status in WORKING]),
        Ticket.first_response_due_at > now,
        Ticket.first_response_due_at <= horizon,
    )
