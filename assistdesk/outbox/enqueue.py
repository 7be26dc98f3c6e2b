"""Enqueueing, always inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, case, insert, text, update
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.sql import insert_ignore
from assistdesk.db.types import UTCDateTime, utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox.jobs import NewJob, channel_of
from assistdesk.outbox.models import JobStatus, OutboxDestination, OutboxJob

NOTIFY_CHANNEL = "assistdesk_outbox"
ENQUEUED_FLAG = "outbox.enqueued"
_NOTIFIED_FLAG = "outbox.notified"

_jobs = table_of(OutboxJob)
_destinations = table_of(OutboxDestination)


def enqueue(uow: UnitOfWork, jobs: Sequence[NewJob]) -> None:
    """Add jobs to the caller's transaction. They exist if and only if it commits."""
    if not jobs:
        return
    session = uow.session
    now = utcnow()
    # Lock destinations first, in a fixed order: concurrent transactions to one destination then
    # insert (and number) their jobs in commit order, and two transactions never deadlock.
    for key in sorted({job.destination for job in jobs}):
        touch_destination(session, key, now)
    session.execute(
        insert(_jobs),
        [
            {
                "destination": job.destination,
                "kind": job.kind,
                "payload": job.payload,
                "idempotency_key": job.idempotency_key,
                "status": JobStatus.PENDING.value,
                "available_at": now,
                "created_at": now,
            }
            for job in jobs
        ],
    )
    uow.flags.add(ENQUEUED_FLAG)
    if uow.backend == "postgresql" and _NOTIFIED_FLAG not in uow.flags:
        # Delivered at commit, to every worker process LISTENing. Once per transaction: NOTIFY
        # serialises committing transactions on a global lock.
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
        uow.flags.add(_NOTIFIED_FLAG)


def touch_destination(session: Session, key: str, now: datetime) -> None:
    """Make the destination due (unless already scheduled) and record that something arrived."""
    at = bindparam("now", now, type_=UTCDateTime())
    stmt = (
        update(_destinations)
        .where(_destinations.c.key == key)
        .values(
            enqueue_seq=_destinations.c.enqueue_seq + 1,
            next_run_at=case(
                (
                    _destinations.c.next_run_at.is_(None),
                    case((_destinations.c.not_before > at, _destinations.c.not_before), else_=at),
                ),
                else_=_destinations.c.next_run_at,
            ),
        )
    )
    if session.execute(stmt).rowcount:  # type: ignore[attr-defined]
        return
    insert_ignore(
        session,
        _destinations,
        {"key": key, "channel": channel_of(key), "enqueue_seq": 0, "next_run_at": None},
    )
    session.execute(stmt)
