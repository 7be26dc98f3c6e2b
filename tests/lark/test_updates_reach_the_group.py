"""Story 3: the group that opened a ticket hears about it, in the ticket's thread: public comments and
status changes post an update card; internal notes never leave the desk."""

from __future__ import annotations

from assistdesk.domain.tickets import service as tickets
from tests.lark.conftest import Desk, open_ticket
from tests.lark.pushes import texts, until


def thread_posts(desk: Desk, root: str) -> list[list[str]]:
    return [texts(p.content) for p in desk.fake.visible(kind="reply") if p.root_id == root]


def test_public_comments_and_status_changes_post_updates_in_the_thread_and_notes_do_not(desk: Desk) -> None:
    root = open_ticket(desk, "Checkout API returns 502")

    assert (
        desk.api.post(
            "/tickets/SUP-1/comments", json={"body": "Looking at the gateway logs", "public": True}
        ).status_code
        == 201
    )
    assert (
        desk.api.post(
            "/tickets/SUP-1/comments", json={"body": "customer is on old SDK", "public": False}
        ).status_code
        == 201
    )
    assert desk.api.patch("/tickets/SUP-1", json={"status": "in_progress"}).status_code == 200
    until(lambda: len(thread_posts(desk, root)) == 3)

    confirmation, comment, status = thread_posts(desk, root)
    assert confirmation[0] == "Request SUP-1 opened"
    assert comment == [
        "Update on SUP-1",
        "Open",
        "Checkout API returns 502",
        "Eve Engineer wrote:",
        "Looking at the gateway logs",
        "View request",
    ]
    assert status == [
        "Update on SUP-1",
        "In progress",
        "Checkout API returns 502",
        "Eve Engineer changed the status from Open to In progress.",
        "View request",
    ]
    # Jobs to one group are delivered in order: had the internal note been sent, it would be here.
    assert all("customer is on old SDK" not in " ".join(post) for post in thread_posts(desk, root))
    for post in desk.fake.visible(kind="reply"):
        assert post.in_thread
        assert post.content["body"]["elements"][-1]["behaviors"][0]["default_url"].endswith(
            "/help/requests/SUP-1"
        )


def test_an_edited_comment_replaces_its_card_in_the_group(desk: Desk) -> None:
    root = open_ticket(desk)
    desk.api.post("/tickets/SUP-1/comments", json={"body": "Fixed in 2.3.1", "public": True})
    until(lambda: len(thread_posts(desk, root)) == 2)

    def edit(uow):  # type: ignore[no-untyped-def]
        ticket = tickets.get_ticket(uow.session, "SUP-1")
        comment = tickets.comments_of(uow.session, ticket, public_only=True)[-1]
        tickets.edit_comment(uow, comment=comment, body="Fixed in 2.3.2")

    desk.runtime.db.run(edit)  # as the agent console does
    update = next(p for p in desk.fake.visible(kind="reply") if "Fixed in 2.3.1" in texts(p.content))
    until(lambda: bool(update.versions))
    assert texts(update.content)[3:5] == ["Eve Engineer edited their comment:", "Fixed in 2.3.2"]
    assert len(thread_posts(desk, root)) == 2  # replaced, not posted again


def test_updates_follow_the_thread_language(desk: Desk) -> None:
    _, message_id = desk.lark.say("決済 API が 502 を返します", locale="ja_JP")
    from tests.lark.conftest import form_for
    from tests.lark.pushes import form_defaults

    card, card_id = form_for(desk, message_id)
    desk.lark.click(card, form=form_defaults(card), card_message_id=card_id)
    desk.api.post("/tickets/SUP-1/comments", json={"body": "調査中です", "public": True})
    until(lambda: len(thread_posts(desk, message_id)) == 2)
    confirmation, comment = thread_posts(desk, message_id)
    assert confirmation[:2] == ["リクエスト SUP-1 を受け付けました", "未対応"]
    assert comment[:5] == [
        "SUP-1 の更新",
        "未対応",
        "決済 API が 502 を返します",
        "Eve Engineer さんのコメント:",
        "調査中です",
    ]
