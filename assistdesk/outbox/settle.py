"""The worker's SQL after a delivery: renew and pace a lease, record each job's outcome, give the
destination back. Claims and reads are in `store`; the same rules hold here: every state change that
matters is a compare-and-set (a conditional UPDATE whose row count says whether it won), and the hot
statements are built once and run on the driver's cursor (`DriverStatement`, see `store`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.types import UTCDateTime
from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox.jobs import Job
from assistdesk.outbox.models import JobStatus, OutboxDestination, OutboxJob
from assistdesk.outbox.store import Lease

_jobs = table_of(OutboxJob)
_dest = table_of(OutboxDestination)
_PENDING = _jobs.c.status == JobStatus.PENDING.value


_RENEW = DriverStatement(
    update(_dest)
    .where(_dest.c.key == bindparam("dest_key"), _dest.c.lease_owner == bindparam("token"))
    .values(lease_until=bindparam("until", type_=UTCDateTime()))
)


def renew(session: Session, lease: Lease, *, now: datetime, lease_seconds: float) -> bool:
    until = now + timedelta(seconds=lease_seconds)
    params = {"dest_key": lease.key, "token": lease.token, "until": until}
    if _RENEW.rowcount(session.connection(), params) != 1:
        return False
    lease.until = until
    return True


def pace(session: Session, lease: Lease, *, not_before: datetime | None, reason: str | None = None) -> bool:
    """Record when the destination may next be sent to; False when the lease was lost."""
    lease.not_before = not_before
    result = session.execute(
        update(_dest)
        .where(_dest.c.key == lease.key, _dest.c.lease_owner == lease.token)
        .values(not_before=not_before, hold_reason=reason)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


_DELIVERED = {
    "status": JobStatus.DELIVERED.value,
    "delivered_at": bindparam("now"),
    "attempts": _jobs.c.attempts + 1,
}
_MARK_DELIVERED = (
    update(_jobs)
    .where(_jobs.c.id.in_(bindparam("ids", expanding=True)), _jobs.c.status == JobStatus.PENDING.value)
    .values(**_DELIVERED)
)
MARK_ONE_DELIVERED = DriverStatement(
    update(_jobs)
    .where(_jobs.c.id == bindparam("job_id"), _jobs.c.status == JobStatus.PENDING.value)
    .values(**_DELIVERED)
)


def mark_delivered(session: Session, job_ids: Sequence[int], *, now: datetime) -> None:
    """Mark several delivered jobs in one statement (the recorder's group commit)."""
    if len(job_ids) == 1:
        MARK_ONE_DELIVERED.rowcount(session.connection(), {"job_id": job_ids[0], "now": now})
    elif job_ids:
        session.connection().execute(_MARK_DELIVERED, {"ids": list(job_ids), "now": now})


def keep_result(session: Session, job: Job, result: dict[str, Any]) -> None:
    """What the destination answered (a message id), for operators reading `outbox list`."""
    session.execute(update(_jobs).where(_jobs.c.id == job.id).values(result=result))


def mark_retry(
    session: Session, job: Job, *, available_at: datetime, error: str, counts_as_failure: bool
) -> None:
    values: dict[str, Any] = {
        "attempts": _jobs.c.attempts + 1,
        "available_at": available_at,
        "last_error": error[:4000],
    }
    if counts_as_failure:
        values["failures"] = _jobs.c.failures + 1
    session.execute(
        update(_jobs).where(_jobs.c.id == job.id, _jobs.c.status == JobStatus.PENDING.value).values(**values)
    )


def mark_failed(session: Session, job: Job, *, error: str) -> None:
    session.execute(
        update(_jobs)
        .where(_jobs.c.id == job.id, _jobs.c.status == JobStatus.PENDING.value)
        .values(
            status=JobStatus.FAILED.value,
            attempts=_jobs.c.attempts + 1,
            failures=_jobs.c.failures + 1,
            last_error=error[:4000],
        )
    )


RELEASE_IDLE = DriverStatement(
    update(_dest)
    .where(
        _dest.c.key == bindparam("dest_key"),
        _dest.c.lease_owner == bindparam("token"),
        _dest.c.enqueue_seq == bindparam("seq"),
        ~select(_jobs.c.id).where(_jobs.c.destination == bindparam("dest_key"), _PENDING).exists(),
    )
    .values(lease_owner=None, lease_until=None, next_run_at=None)
)


# PostgreSQL: the writers in flight hold the destination `FOR KEY SHARE` with their jobs uncommitted;
# this lock waits for them, and the release that follows, a statement of its own, sees their jobs.
WAIT_FOR_WRITERS = DriverStatement(
    select(_dest.c.key).where(_dest.c.key == bindparam("dest_key")).with_for_update()
)


def release_idle(session: Session, lease: Lease) -> bool:
    """Give back a destination whose jobs are all done, in one statement; False when that cannot be
    shown (a job arrived since the claim, one is still pending, or the lease was lost): then
    `release` decides.

    Run after the outcomes are marked, in the same transaction. The `enqueue_seq` comparison catches
    an enqueue that committed after the pending-jobs check's snapshot (PostgreSQL re-checks the row,
    not the subquery, after waiting for the enqueuer's lock)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        WAIT_FOR_WRITERS.rows(connection, {"dest_key": lease.key})
    params = {"dest_key": lease.key, "token": lease.token, "seq": lease.seq}
    return RELEASE_IDLE.rowcount(connection, params) == 1


def release(db_run: Any, lease: Lease) -> None:
    """Give the destination back with its next run computed from its head job.

    A compare-and-set on `enqueue_seq`: if a job was enqueued after we looked, the update matches no
    row and we look again, so a job enqueued while we were leaving is never stranded.
    """

    def attempt(uow: UnitOfWork) -> bool:
        session = uow.session
        # FOR UPDATE: waits for the writers in flight (PostgreSQL's share writers; elsewhere a no-op
        # beside the `enqueue_seq` check), so the head job read next is the true one.
        row = session.execute(
            select(_dest.c.enqueue_seq, _dest.c.not_before, _dest.c.lease_owner)
            .where(_dest.c.key == lease.key)
            .with_for_update()
        ).one_or_none()
        if row is None or row.lease_owner != lease.token:
            return True  # lost the lease; the new owner schedules
        head = session.execute(
            select(_jobs.c.available_at)
            .where(_jobs.c.destination == lease.key, _jobs.c.status == JobStatus.PENDING.value)
            .order_by(_jobs.c.id)
            .limit(1)
        ).scalar_one_or_none()
        next_run = None
        if head is not None:
            next_run = max(head, row.not_before) if row.not_before is not None else head
        result = session.execute(
            update(_dest)
            .where(
                _dest.c.key == lease.key,
                _dest.c.lease_owner == lease.token,
                _dest.c.enqueue_seq == row.enqueue_seq,
            )
            .values(lease_owner=None, lease_until=None, next_run_at=next_run)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    for _ in range(50):
        if db_run(attempt):
            return
    raise RuntimeError(f"could not release outbox destination {lease.key}")
