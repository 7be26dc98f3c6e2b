"""The worker's SQL: claim destinations and read their jobs (outcomes and release: `settle`).

Every state change that matters is a compare-and-set (a conditional UPDATE whose row count says
whether it won). Row locks with SKIP LOCKED reduce contention on PostgreSQL and MySQL, but TiDB
accepts SKIP LOCKED without honouring it, so correctness never depends on them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    String,
    Update,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.types import UTCDateTime
from assistdesk.outbox.jobs import Job
from assistdesk.outbox.models import JobStatus, OutboxDestination, OutboxJob

_jobs = table_of(OutboxJob)
_dest = table_of(OutboxDestination)


@dataclass
class Lease:
    key: str
    token: str
    until: datetime
    not_before: datetime | None
    # The previous owner's lease expired without a release: it died (kill -9) or stalled, possibly
    # after sending a job it never recorded. Its first jobs are then treated as retries.
    taken_over: bool = False
    # `enqueue_seq` as read when the destination was claimed, before its jobs were read: the
    # one-statement release compares it, so a job enqueued since is never stranded.
    seq: int = 0
    # The destination's pending jobs read in the claiming transaction (None: not read), and whether
    # that was all of them.
    jobs: list[Job] | None = None
    complete: bool = False


def _free(now: Any) -> Any:
    return or_(_dest.c.lease_until.is_(None), _dest.c.lease_until < now)


# The hot statements are built once, with bound parameters: building and keying a statement per call
# cost more CPU than running it (SQLAlchemy caches the compiled form per statement object). They
# avoid expanding parameters (`IN` lists) where they can: SQLAlchemy renders those again at every
# execution, which cost about as much CPU as the statement's round trip. Those a job runs every time
# (claim, first read, outcome, release, the idle poll) run on the driver's cursor (`DriverStatement`):
# SQLAlchemy's execution path cost more CPU than their round trips.
_NOW = bindparam("now", type_=UTCDateTime())
_KEYS = bindparam("keys", type_=String(), expanding=True)
_LIMIT = bindparam("limit", type_=Integer())
_JOB_COLUMNS = (
    _jobs.c.id,
    _jobs.c.destination,
    _jobs.c.kind,
    _jobs.c.payload,
    _jobs.c.idempotency_key,
    _jobs.c.attempts,
    _jobs.c.failures,
    _jobs.c.created_at,
    _jobs.c.available_at,
)
_PENDING = _jobs.c.status == JobStatus.PENDING.value
_JOBS_OF = (
    select(*_JOB_COLUMNS).where(_jobs.c.destination.in_(_KEYS), _PENDING).order_by(_jobs.c.id).limit(_LIMIT)
)
# One destination's jobs: the claim of one destination (jobs arriving one at a time) and every later read.
_JOBS_OF_ONE = DriverStatement(
    select(*_JOB_COLUMNS)
    .where(_jobs.c.destination == bindparam("dest_key"), _PENDING)
    .order_by(_jobs.c.id)
    .limit(_LIMIT)
)


@dataclass(frozen=True)
class Claims:
    """The statements that find and lease due destinations of a worker's channels.

    A worker's channels never change, so each is its own bound parameter (`channel IN (:channel_0,
    :channel_1)`) rather than one expanding list."""

    channels: dict[str, str]
    candidates: DriverStatement
    candidates_locked: DriverStatement
    lease: Update
    leased: Select[Any]
    lease_picked: DriverStatement
    next_due: DriverStatement

    def picking(self, *, owner: str, now: datetime, lease_seconds: float, limit: int, batch: int) -> Picking:
        until = now + timedelta(seconds=lease_seconds)
        token = f"{owner}/{uuid.uuid4().hex[:12]}"
        params = {**self.channels, "now": now, "limit": limit, "token": token, "until": until, "batch": batch}
        return Picking(params, token, until, batch)

    @classmethod
    def of(cls, channels: Sequence[str]) -> Claims:
        names = {f"channel_{n}": channel for n, channel in enumerate(channels)}
        in_channels = _dest.c.channel.in_([bindparam(name, type_=String()) for name in names])
        due = and_(in_channels, _dest.c.next_run_at <= _NOW, _free(_NOW))
        candidates = (
            select(_dest.c.key, _dest.c.lease_owner, _dest.c.not_before, _dest.c.enqueue_seq)
            .where(due)
            .order_by(_dest.c.next_run_at)
            .limit(_LIMIT)
        )
        # Row locks only spare the other workers the compare-and-set they would lose (see the
        # module's doc).
        locked = candidates.with_for_update(skip_locked=True)
        leasing = {"lease_owner": bindparam("token"), "lease_until": bindparam("until", type_=UTCDateTime())}
        # PostgreSQL: pick (locking, skipping rows other workers hold) and lease in one statement,
        # still a compare-and-set: the outer condition is checked again on the row it updates. The
        # lock is `FOR NO KEY UPDATE`, which the writers' `FOR KEY SHARE` does not block (see
        # assistdesk.outbox.enqueue): a destination written to all the time is still claimed.
        picked = candidates.with_for_update(skip_locked=True, key_share=True).subquery("picked")
        leased = (
            update(_dest)
            .where(_dest.c.key == picked.c.key, due)
            .values(**leasing)
            .returning(_dest.c.key, picked.c.lease_owner, _dest.c.not_before, _dest.c.enqueue_seq)
            .cte("leased")
        )
        # Each leased destination's first `batch` pending jobs, read by the statement that leases it.
        first = (
            select(*_JOB_COLUMNS)
            .where(_jobs.c.destination == leased.c.key, _PENDING)
            .order_by(_jobs.c.id)
            .limit(bindparam("batch", type_=Integer()))
            .lateral("head")
        )
        return cls(
            channels=names,
            candidates=DriverStatement(candidates),
            candidates_locked=DriverStatement(locked),
            lease=update(_dest).where(_dest.c.key.in_(_KEYS), due).values(**leasing),
            leased=select(_dest.c.key, _dest.c.not_before, _dest.c.enqueue_seq).where(
                _dest.c.lease_owner == bindparam("token")
            ),
            lease_picked=DriverStatement(
                select(
                    leased.c.key, leased.c.lease_owner, leased.c.not_before, leased.c.enqueue_seq, *first.c
                )
                .select_from(leased.outerjoin(first, true()))
                .order_by(leased.c.key, first.c.id)
            ),
            next_due=DriverStatement(
                select(func.min(case((_free(_NOW), _dest.c.next_run_at), else_=_dest.c.lease_until))).where(
                    in_channels, _dest.c.next_run_at.is_not(None)
                )
            ),
        )


def claim(
    conn: Connection,
    claims: Claims,
    *,
    backend: str,
    owner: str,
    now: datetime,
    lease_seconds: float,
    limit: int,
    batch: int,
) -> list[Lease]:
    """Lease up to `limit` due destinations and read their first jobs, in one transaction.

    On PostgreSQL one statement: `UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING` leases
    them (their previous owner, pacing and `enqueue_seq` with them), and a lateral join reads each
    one's first `batch` pending jobs. A job committed after that statement's snapshot is not read;
    the release finds it (`release_idle` checks again after waiting for the writers). Elsewhere three
    statements: the candidates, the compare-and-set that leases them, and their pending jobs; the
    leased rows are looked up again only when another worker won some of them."""
    if backend == "postgresql":
        picking = claims.picking(owner=owner, now=now, lease_seconds=lease_seconds, limit=limit, batch=batch)
        return picking.leases(claims.lease_picked.rows(conn, picking.params))
    due = {**claims.channels, "now": now, "limit": limit}
    token = f"{owner}/{uuid.uuid4().hex[:12]}"
    until = now + timedelta(seconds=lease_seconds)
    # key -> (previous owner, not_before, enqueue_seq) of each destination leased
    won: dict[str, tuple[str | None, datetime | None, int]] = {}
    candidates = claims.candidates_locked if backend == "mysql" else claims.candidates
    seen = {key: (previous, not_before, seq) for key, previous, not_before, seq in candidates.rows(conn, due)}
    if not seen:
        return []
    keys = list(seen)
    leased = conn.execute(claims.lease, {**due, "keys": keys, "token": token, "until": until}).rowcount
    won = seen
    if leased != len(keys):
        rows = conn.execute(claims.leased, {"token": token})
        won = {r.key: (seen[r.key][0], r.not_before, r.enqueue_seq) for r in rows}
    if not won:
        return []
    keys = list(won)
    leases = {
        key: _lease(key, previous, not_before, seq, token=token, until=until)
        for key, (previous, not_before, seq) in won.items()
    }
    read = batch * len(keys)
    if len(keys) == 1:
        jobs = [Job(*row) for row in _JOBS_OF_ONE.rows(conn, {"dest_key": keys[0], "limit": read})]
    else:
        jobs = [Job(*row) for row in conn.execute(_JOBS_OF, {"keys": keys, "limit": read})]
    for job in jobs:
        leases[job.destination].jobs.append(job)  # type: ignore[union-attr]
    for lease in leases.values():
        lease.complete = len(jobs) < read
    return list(leases.values())


def _lease(
    key: str, previous: str | None, not_before: datetime | None, seq: int, *, token: str, until: datetime
) -> Lease:
    """A destination just leased, its jobs to be added; taken over when it had another owner."""
    return Lease(
        key=key,
        token=token,
        until=until,
        not_before=not_before,
        taken_over=previous is not None,
        seq=seq,
        jobs=[],
    )


@dataclass(frozen=True)
class Picking:
    """PostgreSQL's one-statement claim (`Claims.lease_picked`): its parameters, and the leases
    its rows make. Run on the session's connection (`claim`) or on the loop's (`async_store`)."""

    params: dict[str, Any]
    token: str
    until: datetime
    batch: int

    def leases(self, rows: Sequence[Sequence[Any]]) -> list[Lease]:
        """A row per job (or one without a job) of each destination leased."""
        leases: dict[str, Lease] = {}
        for key, previous, not_before, seq, *job in rows:
            lease = leases.get(key)
            if lease is None:
                lease = leases[key] = _lease(
                    key, previous, not_before, seq, token=self.token, until=self.until
                )
            if job[0] is not None:
                lease.jobs.append(Job(*job))  # type: ignore[union-attr]
        for lease in leases.values():
            lease.complete = len(lease.jobs or ()) < self.batch
        return list(leases.values())


def next_due(conn: Connection, claims: Claims, *, now: datetime) -> datetime | None:
    """When the scheduler should look again: the earliest scheduled run of a free destination, or
    the earliest expiry of a lease on a scheduled one. One statement: it is the idle poll."""
    rows = claims.next_due.rows(conn, {**claims.channels, "now": now})
    return rows[0][0] if rows else None


def pending_jobs(session: Session, *, destination: str, limit: int) -> list[Job]:
    rows = _JOBS_OF_ONE.rows(session.connection(), {"dest_key": destination, "limit": limit})
    return [Job(*row) for row in rows]
