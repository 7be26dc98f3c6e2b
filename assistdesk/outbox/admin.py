"""What operators do with the outbox: look, replay, measure, prune."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.types import utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.errors import Conflict, NotFound
from assistdesk.outbox.enqueue import ENQUEUED_FLAG, touch_destination
from assistdesk.outbox.models import JobStatus, OutboxJob

_jobs = table_of(OutboxJob)


def list_jobs(
    session: Session, *, status: JobStatus | None = None, limit: int = 50, before_id: int | None = None
) -> Sequence[OutboxJob]:
    stmt = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(OutboxJob.status == status.value)
    if before_id is not None:
        stmt = stmt.where(OutboxJob.id < before_id)
    return session.scalars(stmt).all()


def get_job(session: Session, job_id: int) -> OutboxJob:
    job = session.get(OutboxJob, job_id)
    if job is None:
        raise NotFound(f"no outbox job #{job_id}")
    return job


def retry(uow: UnitOfWork, *, job_id: int) -> OutboxJob:
    """Replay a dead letter (or hurry a job waiting out its backoff) with a fresh error budget."""
    job = get_job(uow.session, job_id)
    if job.status == JobStatus.DELIVERED.value:
        raise Conflict(f"outbox job #{job_id} was already delivered")
    now = utcnow()
    job.status = JobStatus.PENDING.value
    job.failures = 0
    job.available_at = now
    uow.session.flush()
    touch_destination(uow.session, job.destination, now)
    uow.flags.add(ENQUEUED_FLAG)
    return job


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    failed: int
    oldest_pending_age_seconds: float


def stats(session: Session, *, now: datetime | None = None) -> OutboxStats:
    current = now or utcnow()
    pending, oldest = session.execute(
        select(func.count(), func.min(_jobs.c.created_at)).where(_jobs.c.status == JobStatus.PENDING.value)
    ).one()
    failed = session.scalar(select(func.count()).where(_jobs.c.status == JobStatus.FAILED.value)) or 0
    age = (current - oldest).total_seconds() if oldest is not None else 0.0
    return OutboxStats(pending=int(pending), failed=int(failed), oldest_pending_age_seconds=max(0.0, age))


def purge_delivered(session: Session, *, older_than: timedelta, batch: int = 1000) -> int:
    """Delete delivered jobs past retention, in batches (no long locks, and MySQL has no
    LIMIT in an IN subquery)."""
    cutoff = utcnow() - older_than
    ids = list(
        session.scalars(
            select(_jobs.c.id)
            .where(_jobs.c.status == JobStatus.DELIVERED.value, _jobs.c.delivered_at < cutoff)
            .limit(batch)
        )
    )
    if not ids:
        return 0
    session.execute(delete(_jobs).where(_jobs.c.id.in_(ids)))
    return len(ids)
