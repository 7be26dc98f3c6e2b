"""Enqueueing, always inside the caller's transaction.

Jobs are staged by `enqueue` and written just before COMMIT (`UnitOfWork.before_commit`), all of a
transaction's jobs in one INSERT. Writing them needs the destination's row: a job enqueued while the
worker gives the destination back must not be left behind (see `settle.release_idle`). How writers
hold that row decides how far creates scale, because every ticket of one reporter shares a mail
destination and every ticket event shares each webhook's:

- PostgreSQL: writers share it, `FOR KEY SHARE`, and update it only to make an idle destination due.
  The worker's lease and pacing updates do not conflict with that lock; its release takes
  `FOR UPDATE` first, so it waits for the writers in flight and then sees their jobs. Concurrent
  writers therefore commit together (one WAL flush for many) instead of one after another behind a
  row lock held through each one's flush (~300 commits/s on this disk).
- MySQL / MariaDB / TiDB and SQLite: each writer updates the row (`enqueue_seq + 1`), which orders
  writers to one destination; TiDB has no shared row locks, and SQLite one writer anyway.

Jobs of transactions that run concurrently may be delivered in either order (their ids are taken
before they commit); a transaction that starts after another committed always comes after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import String, any_, bindparam, case, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.sql import insert_ignore
from assistdesk.db.types import UTCDateTime, utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox.jobs import NewJob, channel_of
from assistdesk.outbox.models import JobStatus, OutboxDestination, OutboxJob

NOTIFY_CHANNEL = "assistdesk_outbox"
ENQUEUED_FLAG = "outbox.enqueued"
_STAGED = "outbox.staged"

_jobs = table_of(OutboxJob)
_destinations = table_of(OutboxDestination)
_d = _destinations.c

# Built once per process, with bound parameters (building and keying a statement cost more CPU than
# running it). The writes of every transaction that enqueues run on the driver's cursor, compiled
# once per database (db/driver.DriverStatement): through `Connection.execute` each cost about twice
# its round trip in CPU, and they ride on every create, comment and Slack batch.
_NOW = bindparam("now", type_=UTCDateTime())
# PostgreSQL: the destinations as one array parameter (`key = ANY(:keys)`), so that the SQL is the
# same whatever their number (an expanding `IN` is rendered again on every run).
_KEYS = bindparam("keys", type_=ARRAY(String()))
_DUE_FROM_NOW = case(
    (_d.next_run_at.is_(None), case((_d.not_before > _NOW, _d.not_before), else_=_NOW)),
    else_=_d.next_run_at,
)
_TOUCH = (
    update(_destinations)
    .where(_d.key == bindparam("dest_key"))
    .values(enqueue_seq=_d.enqueue_seq + 1, next_run_at=_DUE_FROM_NOW)
)
# With the NOTIFY that wakes the workers LISTENing (delivered at COMMIT): one round trip for both.
# PostgreSQL delivers a transaction's notifications with the same channel and payload once, so a
# call per row and a second read (below) still wake each worker once.
_SHARE = DriverStatement(
    select(_d.key, _d.next_run_at, func.pg_notify(literal(NOTIFY_CHANNEL), literal("")))
    .where(_d.key == any_(_KEYS))
    .order_by(_d.key)
    .with_for_update(key_share=True, read=True)
)
_MAKE_DUE = DriverStatement(
    update(_destinations)
    .where(_d.key == any_(_KEYS), _d.next_run_at.is_(None))
    .values(enqueue_seq=_d.enqueue_seq + 1, next_run_at=_DUE_FROM_NOW)
)
# A transaction's jobs go in multi-row INSERTs of at most this many rows (SQLite's oldest limit on
# bound parameters is 999: 9 a row).
_ROWS_PER_INSERT = 64
_JOB_FIELDS = (
    "destination",
    "kind",
    "payload",
    "idempotency_key",
    "status",
    "attempts",
    "failures",
    "available_at",
    "created_at",
)


@cache
def _insert_jobs(rows: int) -> DriverStatement:
    """`INSERT INTO outbox_jobs … VALUES (…), (…)` for `rows` jobs, its values bound as
    `destination_0`, `kind_0`, … (built once per number of rows; immutable, not state)."""
    # Typed: SQLAlchemy gives only the first row's parameters their column's type by itself.
    values = [
        {name: bindparam(f"{name}_{n}", type_=_jobs.c[name].type) for name in _JOB_FIELDS}
        for n in range(rows)
    ]
    return DriverStatement(insert(_jobs).values(values))


def enqueue(uow: UnitOfWork, jobs: Sequence[NewJob]) -> None:
    """Add jobs to the caller's transaction. They exist if and only if it commits.

    Staged until the commit: a savepoint rolled back after this call does not take them back
    (enqueue from event subscribers, which run after the work and its savepoints)."""
    if not jobs:
        return
    staged: list[NewJob] | None = uow.session.info.get(_STAGED)
    if staged is None:
        staged = uow.session.info[_STAGED] = []
        uow.before_commit(_write_staged)
    staged.extend(jobs)
    uow.flags.add(ENQUEUED_FLAG)


def _write_staged(uow: UnitOfWork) -> None:
    jobs: list[NewJob] = uow.session.info.pop(_STAGED, [])
    if not jobs:
        return
    connection = uow.session.connection()
    now = utcnow()
    keys = sorted({job.destination for job in jobs})
    if uow.backend == "postgresql":
        _share_destinations(uow.session, keys, now)
    else:
        # In a fixed order: concurrent writers to one destination never deadlock.
        for key in keys:
            touch_destination(uow.session, key, now)
    pending = JobStatus.PENDING.value
    for start in range(0, len(jobs), _ROWS_PER_INSERT):
        chunk = jobs[start : start + _ROWS_PER_INSERT]
        params: dict[str, Any] = {}
        for n, job in enumerate(chunk):
            params[f"destination_{n}"] = job.destination
            params[f"kind_{n}"] = job.kind
            params[f"payload_{n}"] = job.payload
            params[f"idempotency_key_{n}"] = job.idempotency_key
            params[f"status_{n}"] = pending
            params[f"attempts_{n}"] = 0
            params[f"failures_{n}"] = 0
            params[f"available_at_{n}"] = now
            params[f"created_at_{n}"] = now
        _insert_jobs(len(chunk)).rowcount(connection, params)


def _share_destinations(session: Session, keys: list[str], now: datetime) -> None:
    """PostgreSQL: hold each destination `FOR KEY SHARE` until COMMIT; make the idle ones due."""
    connection = session.connection()
    rows = _SHARE.rows(connection, {"keys": keys})
    if len(rows) < len(keys):
        found = {row[0] for row in rows}
        for key in keys:
            if key not in found:
                insert_ignore(session, _destinations, _new_destination(key))
        rows = _SHARE.rows(connection, {"keys": keys})  # destinations are never deleted
    idle = [row[0] for row in rows if row[1] is None]
    if idle:
        # Compatible with the other writers' key-share locks; a second writer making the same
        # destination due waits for the first, then finds it due and leaves it.
        _MAKE_DUE.rowcount(connection, {"keys": idle, "now": now})


def _new_destination(key: str) -> dict[str, object]:
    return {"key": key, "channel": channel_of(key), "enqueue_seq": 0, "next_run_at": None}


def touch_destination(session: Session, key: str, now: datetime) -> None:
    """Make the destination due (unless already scheduled) and record that something arrived."""
    connection = session.connection()
    if connection.execute(_TOUCH, {"dest_key": key, "now": now}).rowcount:
        return
    insert_ignore(session, _destinations, _new_destination(key))
    connection.execute(_TOUCH, {"dest_key": key, "now": now})
