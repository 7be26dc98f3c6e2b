"""Sending to Lark: through the outbox, never twice (uuid), paced and patient with rate limits, with
a cached tenant_access_token refreshed before it expires, and clear dead letters."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from sqlalchemy import select

from assistdesk.outbox import admin
from assistdesk.outbox.models import OutboxJob
from tests.fakes.lark_api import FakeLark, Fault, chat_rate_limited, rate_limited
from tests.lark.conftest import Desk, open_ticket
from tests.lark.pushes import CHAT, texts, until


def comment(desk: Desk, body: str) -> None:
    assert desk.api.post("/tickets/SUP-1/comments", json={"body": body, "public": True}).status_code == 201


def updates(desk: Desk) -> list[str]:
    return [
        texts(p.content)[4]
        for p in desk.fake.visible(kind="reply")
        if texts(p.content)[0] == "Update on SUP-1"
    ]


def reply_jobs(desk: Desk) -> list[OutboxJob]:
    with desk.runtime.db.reading() as session:
        return list(
            session.scalars(select(OutboxJob).where(OutboxJob.kind == "lark.reply").order_by(OutboxJob.id))
        )


def test_a_retry_after_a_lost_answer_does_not_post_twice(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(outbox_lease_seconds=6.0)  # Lark's answer is awaited 1 s, then the job is retried
    open_ticket(desk)
    desk.fake.fail("message.reply", Fault(lose_answer=True))  # Lark posts it, the answer never arrives
    comment(desk, "We found the cause")
    until(lambda: reply_jobs(desk)[-1].status == "delivered", timeout=15)
    assert updates(desk) == ["We found the cause"]
    job = reply_jobs(desk)[-1]
    assert (job.attempts, job.failures) == (2, 1)
    sent = [
        call
        for name, call in desk.fake.calls
        if name == "message.reply" and call.get("uuid") == job.idempotency_key
    ]
    assert len(sent) == 2  # the same uuid both times, so Lark kept one message


def test_rate_limits_are_waited_out_without_spending_the_error_budget(desk: Desk) -> None:
    open_ticket(desk)
    desk.fake.fail("message.reply", rate_limited(reset=1), chat_rate_limited())
    comment(desk, "Update one")
    until(lambda: reply_jobs(desk)[-1].status == "delivered", timeout=10)
    assert updates(desk) == ["Update one"]
    job = reply_jobs(desk)[-1]
    assert (job.status, job.attempts, job.failures) == ("delivered", 3, 0)
    assert desk.fake.answered("message.reply")[-3:] == [(429, 99991400), (400, 230020), (200, 0)]


def test_updates_to_one_group_are_paced_at_five_a_second(desk: Desk) -> None:
    """The fake refuses a sixth message to a group within a second (230020), as Lark does."""
    open_ticket(desk)
    for n in range(10):
        comment(desk, f"step {n}")
    until(lambda: len(updates(desk)) == 10, timeout=15)
    assert updates(desk) == [f"step {n}" for n in range(10)]  # in order
    assert (400, 230020) not in desk.fake.answered("message.reply")
    times = [p.at for p in desk.fake.visible(kind="reply", chat_id=CHAT)]
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.19


def test_the_tenant_token_is_cached_and_refreshed_before_it_expires(
    make_desk: Callable[..., Desk], fake: FakeLark
) -> None:
    """lark-oapi keeps a token until 10 minutes before it expires: with 606 s tokens it asks again
    after 6 s (room for the first exchange on a loaded machine), and Lark never sees an expired one."""
    fake.token_ttl = 606
    desk = make_desk()
    open_ticket(desk)
    comment(desk, "first")
    until(lambda: len(updates(desk)) == 1)
    assert len(fake.tokens_issued) == 1  # bot info, contact, ephemeral card, reply, update: one token
    time.sleep(max(0.0, fake.issued_at[0] + 6.5 - time.monotonic()))  # past the SDK's refresh point
    comment(desk, "second")
    until(lambda: len(updates(desk)) == 2)
    assert len(fake.tokens_issued) == 2
    assert all(code != 99991663 for _, _, code in fake.answers)


def test_a_refused_token_is_dropped_and_a_new_one_fetched(desk: Desk) -> None:
    open_ticket(desk)
    desk.fake.revoke_tokens()
    comment(desk, "after the secret was rotated")
    until(lambda: updates(desk) == ["after the secret was rotated"])
    assert len(desk.fake.tokens_issued) == 2
    assert (400, 99991663) in desk.fake.answered("message.reply")


def test_a_group_the_bot_left_is_a_dead_letter_with_a_reason_and_can_be_replayed(desk: Desk) -> None:
    open_ticket(desk)
    desk.fake.chats_without_bot.add(CHAT)
    comment(desk, "Can you confirm?")
    until(lambda: reply_jobs(desk)[-1].status == "failed")
    job = reply_jobs(desk)[-1]
    assert job.failures == 0 or job.attempts == 1
    assert job.last_error is not None
    assert "Lark 230002" in job.last_error
    assert "the bot is not in this group: add the bot to the group, then retry the delivery" in job.last_error

    desk.fake.chats_without_bot.clear()
    desk.runtime.db.run(lambda uow: admin.retry(uow, job_id=job.id))  # `assistdesk outbox retry ID`
    until(lambda: updates(desk) == ["Can you confirm?"])
