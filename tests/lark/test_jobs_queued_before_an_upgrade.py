"""Jobs an earlier version queued still reach the group after an upgrade: they carry their card already
rendered (today's jobs carry what to say and are rendered at delivery), under the same kinds."""

from __future__ import annotations

from sqlalchemy import select

from assistdesk.domain.links.models import TicketThread
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob, destination_key
from assistdesk.platforms.lark import cards
from tests.lark.conftest import Desk, open_ticket
from tests.lark.pushes import CHAT, TENANT, USER, texts, until


def queue_as_before(desk: Desk, kind: str, payload: dict[str, object], *lane: str) -> None:
    """What the previous version's notices and conversation modules wrote to the outbox."""
    job = NewJob(destination_key("lark", TENANT, CHAT, *lane), kind, payload, f"lark:{kind}:before-upgrade")
    desk.runtime.db.run(lambda uow: enqueue(uow, [job]))


def test_a_thread_post_queued_before_the_upgrade_is_delivered_as_it_was_rendered(desk: Desk) -> None:
    root = open_ticket(desk)
    with desk.runtime.db.reading() as session:
        thread = session.scalars(select(TicketThread).where(TicketThread.thread_root == root)).one()
        ticket_id, thread_id = thread.ticket_id, thread.id
    card = cards.notice("Update on SUP-1", ["Rendered before the upgrade"])
    queue_as_before(
        desk, "lark.reply", {"reply_to": root, "card": card, "ticket_id": ticket_id, "thread_id": thread_id}
    )
    until(
        lambda: any(
            texts(p.content)[1:] == ["Rendered before the upgrade"] for p in desk.fake.visible("reply")
        )
    )


def test_an_ephemeral_card_queued_before_the_upgrade_is_delivered_as_it_was_rendered(desk: Desk) -> None:
    card = cards.notice("How to get help here", ["Rendered before the upgrade"])
    queue_as_before(desk, "lark.ephemeral", {"chat_id": CHAT, "open_id": USER, "card": card}, "ephemeral")
    until(lambda: any(texts(p.content) == texts(card) for p in desk.fake.visible("ephemeral")))
