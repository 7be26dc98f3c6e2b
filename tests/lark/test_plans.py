"""Issue 11: each plan's Lark row. Enterprise creates and follows: the ticket link in the thread,
updates (title, link, latest comment) for support's public replies and status changes, and thread
replies kept out of the ticket with one private hint per person and thread. Premium is two-way.
Decided at each event, so a plan change applies at once in a live thread."""

from __future__ import annotations

from typing import Any

import lark_oapi  # noqa: F401  (imported at collection: a first push would wait seconds for it)
import pytest

from assistdesk.domain.orgs import service as orgs
from tests.lark.conftest import Desk, open_ticket
from tests.lark.pushes import CHAT, USER, texts, until

COLLEAGUE = "ou_colleague00000000000000000000002"
URL = "https://help.example.test/help/requests/SUP-1"
HINT = [
    "Your reply was not sent to support",
    "Replies in this thread don't reach support on the Enterprise plan.",
    "To add to the request, reply on its page.",
    "Two-way replies in Lark come with the Premium plan.",
    "Reply on SUP-1",
]


def comments(desk: Desk) -> list[str]:
    return [c["body"] for c in desk.api.get("/tickets/SUP-1").json()["comments"]]


def private(desk: Desk) -> list[Any]:
    """Ephemeral cards other than the request form."""
    return [p for p in desk.fake.visible(kind="ephemeral") if "submit_request" not in str(p.content)]


def thread_posts(desk: Desk, root: str) -> list[list[str]]:
    return [texts(p.content) for p in desk.fake.visible(kind="reply") if p.root_id == root]


def set_plan(desk: Desk, plan: str) -> None:
    desk.runtime.db.run(lambda uow: orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan=plan))


@pytest.mark.parametrize("plan", ["enterprise", "premium"])
def test_thread_replies_are_comments_on_premium_and_a_single_private_hint_on_enterprise(
    make_desk: Any, plan: str
) -> None:
    desk: Desk = make_desk(plan=plan)
    root = open_ticket(desk)
    [confirmation] = thread_posts(desk, root)
    assert confirmation[0] == "Request SUP-1 opened"
    follow_line = "Updates from support appear in this thread; reply on the request's page."
    assert (follow_line in confirmation) is (plan == "enterprise")

    for text, sender in [("It fails again", USER), ("and on mobile", USER), ("same here", COLLEAGUE)]:
        answer, _ = desk.lark.say(text, mention_bot=False, root_id=root, sender=sender)
        assert answer.status_code == 200
    if plan == "premium":
        assert comments(desk) == ["It fails again", "and on mobile", "same here"]
        assert private(desk) == []
        return
    until(lambda: len(private(desk)) == 2)
    hints = private(desk)
    assert sorted(h.open_id for h in hints) == sorted([USER, COLLEAGUE])
    assert all(h.chat_id == CHAT for h in hints)
    assert texts(hints[0].content)[:5] == HINT
    assert comments(desk) == []


def test_a_mention_inside_an_enterprise_ticket_thread_points_to_the_ticket_and_opens_nothing(
    make_desk: Any,
) -> None:
    desk: Desk = make_desk(plan="enterprise")
    root = open_ticket(desk)
    forms_before = len(desk.fake.visible(kind="ephemeral"))
    desk.lark.say("any news?", root_id=root)
    until(lambda: len(private(desk)) == 1)
    [pointer] = private(desk)
    assert texts(pointer.content)[:3] == [
        "This thread already has a request",
        "This thread follows SUP-1: Checkout API returns 502",
        "Replies in this thread don't reach support on the Enterprise plan.",
    ]
    assert len(desk.fake.visible(kind="ephemeral")) == forms_before + 1  # no second form
    assert comments(desk) == []


def test_enterprise_groups_get_updates_for_support_replies_and_status_changes_never_notes(
    make_desk: Any,
) -> None:
    desk: Desk = make_desk(plan="enterprise")
    root = open_ticket(desk)
    desk.api.post("/tickets/SUP-1/comments", json={"body": "Internal: check the LB", "public": False})
    desk.api.post("/tickets/SUP-1/comments", json={"body": "A fix is deploying now"})
    until(lambda: len(thread_posts(desk, root)) == 2)
    update = thread_posts(desk, root)[1]
    assert update[0] == "Update on SUP-1"
    assert update[2:5] == ["Checkout API returns 502", "Eve Engineer wrote:", "A fix is deploying now"]

    assert desk.api.patch("/tickets/SUP-1", json={"status": "resolved"}).status_code == 200
    until(lambda: len(thread_posts(desk, root)) == 3)
    status = thread_posts(desk, root)[2]
    assert status[0] == "Update on SUP-1"
    assert "Eve Engineer changed the status from Open to Resolved." in status
    assert status[-3:-1] == ["Latest comment from Eve Engineer:", "A fix is deploying now"]
    assert not any("Internal" in line for post in thread_posts(desk, root) for line in post)


def test_help_says_what_the_enterprise_plan_allows(make_desk: Any) -> None:
    desk: Desk = make_desk(plan="enterprise")
    desk.lark.say("help", locale="ja_JP")
    until(lambda: len(private(desk)) == 1)
    shown = texts(private(desk)[0].content)
    assert shown[0] == "このグループでのサポートの受け方"
    assert (
        "Acme の エンタープライズ プランでは、スレッドへの返信はサポートに届きません。リクエストのページで返信してください。"
        in shown
    )


def test_plan_changes_apply_at_once_in_a_live_thread_and_keep_what_was_synced(make_desk: Any) -> None:
    desk: Desk = make_desk(plan="premium")
    root = open_ticket(desk)
    desk.lark.say("first, on premium", mention_bot=False, root_id=root)
    set_plan(desk, "enterprise")
    desk.lark.say("second, on enterprise", mention_bot=False, root_id=root)
    until(lambda: len(private(desk)) == 1)
    assert comments(desk) == ["first, on premium"]
    set_plan(desk, "premium")
    desk.lark.say("third, on premium again", mention_bot=False, root_id=root)
    assert comments(desk) == ["first, on premium", "third, on premium again"]
