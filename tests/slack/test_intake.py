"""Group commit on the ack path: events that arrive together commit together, and one that fails
fails alone."""

from __future__ import annotations

import asyncio

import pytest

from assistdesk.bridge.slack.intake import Intake
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.outbox.jobs import NewJob
from assistdesk.outbox.models import OutboxJob
from assistdesk.runtime import Runtime


def claim(key: str):  # type: ignore[no-untyped-def]
    def accept(uow: UnitOfWork) -> list[NewJob]:
        if key == "broken":
            raise RuntimeError("this event cannot be stored")
        if not links.claim_receipt(uow, platform="slack", key=key):
            return []
        return [
            NewJob(destination="slack:T1:C1", kind="slack.test", payload={"key": key}, idempotency_key=key)
        ]

    return accept


def test_concurrent_events_commit_together_and_a_failing_one_fails_alone(runtime: Runtime) -> None:
    intake = Intake(runtime.db)

    async def scenario() -> list[BaseException | None]:
        keys = [f"event:{n}" for n in range(20)] + ["broken", "event:3"]
        try:
            return await asyncio.gather(*(intake.submit(claim(k)) for k in keys), return_exceptions=True)
        finally:
            await intake.aclose()

    outcomes = asyncio.run(scenario())
    assert outcomes[:20] == [None] * 20
    assert isinstance(outcomes[20], RuntimeError)
    assert outcomes[21] is None  # a duplicate is accepted (acknowledged) and enqueues nothing
    with runtime.db.reading() as session:
        stored = sorted(j.payload["key"] for j in session.query(OutboxJob).all())
    assert stored == sorted(f"event:{n}" for n in range(20))


def test_an_event_is_committed_before_submit_returns(runtime: Runtime) -> None:
    intake = Intake(runtime.db)

    async def scenario() -> int:
        await intake.submit(claim("event:alone"))
        with runtime.db.reading() as session:
            count = session.query(OutboxJob).count()
        await intake.aclose()
        return count

    assert asyncio.run(scenario()) == 1

    async def broken() -> None:
        try:
            await intake.submit(claim("broken"))
        finally:
            await intake.aclose()

    with pytest.raises(RuntimeError, match="cannot be stored"):
        asyncio.run(broken())
