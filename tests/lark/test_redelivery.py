"""Lark pushes again after a timeout (same event_id) and sometimes pushes one message twice under two
event ids (the receive page says to deduplicate on message_id): each is handled once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from assistdesk.outbox.models import OutboxJob
from tests.fakes.lark_api import Fault
from tests.lark.conftest import Desk, open_ticket
from tests.lark.pushes import new_id


def jobs(desk: Desk) -> int:
    with desk.runtime.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxJob)) or 0)


def test_a_redelivered_event_is_handled_once(desk: Desk) -> None:
    body = desk.lark.message_event("Checkout is down")
    assert [desk.lark.post(body).status_code for _ in range(3)] == [200, 200, 200]
    desk.fake.wait_for(1, kind="ephemeral")
    assert jobs(desk) == 1
    assert len(desk.fake.visible(kind="ephemeral")) == 1


def test_one_message_pushed_under_two_event_ids_is_handled_once(desk: Desk) -> None:
    message_id = new_id("om_")
    first = desk.lark.message_event("Checkout is down", message_id=message_id)
    second = desk.lark.message_event("Checkout is down", message_id=message_id)
    assert first["header"]["event_id"] != second["header"]["event_id"]
    assert desk.lark.post(first).status_code == 200
    assert desk.lark.post(second).status_code == 200
    assert jobs(desk) == 1


def test_a_reply_pushed_twice_at_once_is_one_comment(desk: Desk) -> None:
    root = open_ticket(desk)
    body = desk.lark.message_event("More details: it is only EU", mention_bot=False, root_id=root)
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(desk.lark.post(body).status_code)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200, 200, 200]
    comments = desk.api.get("/tickets/SUP-1").json()["comments"]
    assert [c["body"] for c in comments] == ["More details: it is only EU"]


def test_a_push_that_cannot_be_handled_yet_is_refused_and_handled_when_lark_sends_it_again(
    desk: Desk,
) -> None:
    """Without the bot's identity a mention cannot be told from others: answer 503 (Lark pushes again
    in 15 s) rather than 200 and lose it."""
    desk.fake.fail("bot", Fault(500, {"code": 1000004, "msg": "internal error"}))
    body = desk.lark.message_event("Checkout is down")
    assert desk.lark.post(body).status_code == 503
    assert jobs(desk) == 0
    assert desk.lark.post(body).status_code == 200  # Lark's retry
    desk.fake.wait_for(1, kind="ephemeral")
