"""The worker's hot transactions on PostgreSQL, on the event loop (`db.async_driver`).

One job arriving alone costs the worker two transactions: the claim (one statement, `store.claim`)
and its outcome with the destination's release (`settle.mark_delivered`, `settle.release_idle`).
Handed to a thread each, the hand-off cost about as much CPU as the statements. Here they run on
psycopg's async connection held by the worker: the same statements (`DriverStatement`, compiled once),
in the same transactions (the outcome's sent in one round trip, `async_driver.Script`), with the same
locks (the claim's `FOR NO KEY UPDATE SKIP LOCKED`, the release's `FOR UPDATE` that waits for the
enqueuers' `FOR KEY SHARE`). SQLite and MariaDB, and
everything else the worker writes (outcomes that need a session, renewals, releases that compute
a next run), keep the thread path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from assistdesk.db.async_driver import AsyncDriver, Script, is_retryable
from assistdesk.db.uow import retry_delay
from assistdesk.outbox import settle, store

T = TypeVar("T")
# As `Database.run`: a transaction the server aborted (deadlock) or whose connection died is run
# again from the start.
_ATTEMPTS = 5
_CLAIM_ATTEMPTS = 3  # as the thread path's claim (`Claimer._claim`); the idle poll too


async def run(driver: AsyncDriver, script: Script) -> None:
    """`script` as one transaction of `driver`, again from the start after a retryable failure."""
    await _retried(lambda: driver.run_script(script), _ATTEMPTS)


async def _retried(once: Callable[[], Awaitable[T]], attempts: int) -> T:
    """`once()`, again after a retryable failure and `retry_delay`'s pause, as `Database.run`."""
    for attempt in range(1, attempts + 1):
        try:
            return await once()
        except Exception as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            await asyncio.sleep(retry_delay(attempt))
    raise AssertionError("unreachable")


async def claim(
    driver: AsyncDriver,  # single=True: the claim is one statement
    claims: store.Claims,
    *,
    owner: str,
    now: datetime,
    lease_seconds: float,
    limit: int,
    batch: int,
) -> list[store.Lease]:
    """`store.claim` on PostgreSQL: lease due destinations and read their first jobs, one statement."""

    async def once() -> list[store.Lease]:
        # A new token per attempt, as the thread path's claim (`store.claim` in each transaction).
        picking = claims.picking(owner=owner, now=now, lease_seconds=lease_seconds, limit=limit, batch=batch)
        return picking.leases(await driver.run_one(claims.lease_picked, picking.params))

    return await _retried(once, _CLAIM_ATTEMPTS)


async def next_due(driver: AsyncDriver, claims: store.Claims, *, now: datetime) -> datetime | None:
    """`store.next_due`: the idle poll, again after a dropped connection or a conflict, as the claim
    (without, the round's claim was skipped and the exception logged until the next poll)."""

    async def once() -> datetime | None:
        rows = await driver.run_one(claims.next_due, {**claims.channels, "now": now})
        return rows[0][0] if rows else None

    return await _retried(once, _CLAIM_ATTEMPTS)


def mark_delivered(script: Script, job_ids: list[int], *, now: datetime) -> None:
    """`settle.mark_delivered`, one statement per job (a batch of several is rare when jobs arrive
    one at a time; the thread path marks a large batch in one)."""
    for job_id in job_ids:
        script.add(settle.MARK_ONE_DELIVERED, {"job_id": job_id, "now": now})


def release_idle(script: Script, lease: store.Lease) -> Callable[[], bool]:
    """`settle.release_idle`: wait for the writers in flight, then give the destination back if
    nothing is pending and nothing was enqueued since the claim; whether it did, once run."""
    script.add(settle.WAIT_FOR_WRITERS, {"dest_key": lease.key})
    release = script.add(settle.RELEASE_IDLE, {"dest_key": lease.key, "token": lease.token, "seq": lease.seq})
    return lambda: script.rowcount(release) == 1
