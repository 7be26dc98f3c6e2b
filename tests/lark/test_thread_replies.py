"""Story 4: customers' replies in a ticket's thread become public comments; the bot's own posts and
other threads are ignored."""

from __future__ import annotations

from sqlalchemy import select

from assistdesk.domain.links.models import ChatIdentity, ChatMessage
from tests.lark.conftest import Desk, open_ticket
from tests.lark.pushes import BOT, texts, until


def comments(desk: Desk) -> list[dict]:  # type: ignore[type-arg]
    return desk.api.get("/tickets/SUP-1").json()["comments"]  # type: ignore[no-any-return]


def delivered(desk: Desk, message_id: str) -> bool:
    """The worker has recorded that this message is ours (it does so right after Lark's answer)."""
    with desk.runtime.db.reading() as session:
        found = session.scalars(select(ChatMessage).where(ChatMessage.message_id == message_id)).first()
        return found is not None and found.direction == "outbound"


def test_a_reply_in_the_thread_becomes_a_public_comment_by_the_contact(desk: Desk) -> None:
    root = open_ticket(desk)
    answer, _ = desk.lark.say("It fails for order 88412 too", mention_bot=False, root_id=root)
    assert answer.status_code == 200
    [comment] = comments(desk)
    assert (comment["body"], comment["public"], comment["source"]) == (
        "It fails for order 88412 too",
        True,
        "lark",
    )
    # The person who opened the form was matched to the contact through Lark's contact API.
    assert comment["author"] == {"name": "Ann", "email": "ann@acme.example", "kind": "contact"}


def test_a_reply_is_not_echoed_back_to_its_thread_and_agents_answers_are(desk: Desk) -> None:
    root = open_ticket(desk)
    desk.lark.say("Any news?", mention_bot=False, root_id=root)
    desk.api.post("/tickets/SUP-1/comments", json={"body": "Deploying a fix now", "public": True})
    until(lambda: len([p for p in desk.fake.visible(kind="reply") if p.root_id == root]) == 2)
    posts = [texts(p.content) for p in desk.fake.visible(kind="reply") if p.root_id == root]
    assert [post[0] for post in posts] == ["Request SUP-1 opened", "Update on SUP-1"]
    assert posts[1][3:5] == ["Eve Engineer wrote:", "Deploying a fix now"]  # "Any news?" was not echoed


def test_a_reply_from_someone_else_in_the_group_is_a_chat_comment_and_they_get_a_name(desk: Desk) -> None:
    colleague = "ou_colleague00000000000000000000001"
    desk.fake.users[colleague] = {"name": "Bo Lee", "email": "bo@partner.example"}
    root = open_ticket(desk)
    desk.lark.say("Same here on our side", mention_bot=False, root_id=root, sender=colleague)
    first = comments(desk)[0]
    # The event names nobody; the contact API is asked afterwards, never while Lark waits.
    assert (first["author"]["kind"], first["author"]["name"]) == ("chat", f"{colleague} (Lark)")
    until(
        lambda: any(name == "contact.user" and call["user_id"] == colleague for name, call in desk.fake.calls)
    )
    until(lambda: identity_name(desk, colleague) == "Bo Lee")
    desk.lark.say("and only since Monday", mention_bot=False, root_id=root, sender=colleague)
    second = comments(desk)[1]
    assert (second["author"]["kind"], second["author"]["name"]) == ("chat", "Bo Lee (Lark)")


def identity_name(desk: Desk, user_id: str) -> str | None:
    with desk.runtime.db.reading() as session:
        return session.scalar(select(ChatIdentity.display_name).where(ChatIdentity.user_id == user_id))


def test_the_bots_own_messages_are_ignored(desk: Desk) -> None:
    root = open_ticket(desk)
    ours = next(p for p in desk.fake.visible(kind="reply") if p.root_id == root)
    until(lambda: delivered(desk, ours.message_id))
    # The bot's confirmation echoed back as an event (by id), and a message sent by the bot's identity.
    desk.lark.say("Request SUP-1 opened", mention_bot=False, root_id=root, message_id=ours.message_id)
    desk.lark.say("I am the bot", mention_bot=False, root_id=root, sender=BOT)
    assert comments(desk) == []


def test_replies_in_other_threads_and_a_recalled_reply(desk: Desk) -> None:
    root = open_ticket(desk)
    desk.lark.say("unrelated thread", mention_bot=False, root_id="om_someotherthread000000000000000001")
    _, reply = desk.lark.say("Please ignore, wrong ticket", mention_bot=False, root_id=root)
    assert [c["body"] for c in comments(desk)] == ["Please ignore, wrong ticket"]

    recalled = {
        "schema": "2.0",
        "header": {
            "event_id": "recall-" + reply,
            "event_type": "im.message.recalled_v1",
            "create_time": "1741945213000",
            "token": "vT9qLm2XcR7bN4sK8dW1yP6hJ3fG5aZe",
            "app_id": desk.fake.app_id,
            "tenant_key": "1a2b3c4d5e6f7081",
        },
        "event": {
            "message_id": reply,
            "chat_id": "oc_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b",
            "recall_time": "1",
            "recall_type": "message_owner",
        },
    }
    assert desk.lark.post(recalled).status_code == 200
    [comment] = comments(desk)
    assert (comment["deleted"], comment["body"]) == (True, "")  # kept for the record, text gone


def test_a_reply_to_a_closed_ticket_is_refused_with_a_note(desk: Desk) -> None:
    root = open_ticket(desk)
    for status in ("resolved", "closed"):
        assert desk.api.patch("/tickets/SUP-1", json={"status": status}).status_code == 200
    desk.lark.say("one more thing", mention_bot=False, root_id=root)
    note = desk.fake.wait_for(2, kind="ephemeral")[-1]
    assert texts(note.content)[:2] == [
        "SUP-1 is closed",
        "Your reply was not added. Mention me in the group to open a new request.",
    ]
    assert comments(desk) == []
