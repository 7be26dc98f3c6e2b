"""Jobs an earlier version queued (payload keys `ws`, `ch`, `root`, `card`, `old`, `new`, `actor`)
are still delivered after an upgrade: nothing waiting in the outbox is lost to a renamed field."""

from __future__ import annotations

from typing import Any

from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.links.places import ChatPlace
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, TEAM, SlackWorld


def _queue(slack: SlackWorld, channel: str, kind: str, payload: dict[str, Any], key: str) -> None:
    job = NewJob(destination=f"{channel}:{TEAM}:{CHANNEL}", kind=kind, payload=payload, idempotency_key=key)
    slack.runtime.db.run(lambda uow: enqueue(uow, [job]))


def test_a_reply_queued_with_the_old_keys_becomes_its_comment(slack: SlackWorld) -> None:
    slack.org()
    slack.ticket_in_thread()
    payload = {
        "ws": TEAM,
        "ch": CHANNEL,
        "thread_ts": ROOT_TS,
        "ts": "1767225700.000200",
        "user": JAMIE,
        "text": "Still failing after the restart",
        "files": [],
    }
    _queue(slack, "slack_sync", "slack.reply", payload, "old-reply")
    slack.wait_idle()
    assert [c.body for c in slack.comments()] == ["Still failing after the restart"]


def test_a_status_note_queued_with_the_old_keys_is_posted_in_the_thread(slack: SlackWorld) -> None:
    slack.org()
    slack.ticket_in_thread()
    with slack.runtime.db.reading() as session:
        thread = links.find_thread(
            session, ChatPlace(ChatPlatform.SLACK.value, TEAM, CHANNEL), thread_root=ROOT_TS
        )
        assert thread is not None
        state = {
            "ws": TEAM,
            "ch": CHANNEL,
            "root": thread.thread_root,
            "card": thread.confirmation_message,
            "ticket_id": thread.ticket_id,
            "locale": "en-US",
        }
        thread_id = thread.id
    payload = {
        "thread_id": thread_id,
        "thread": state,
        "old": "open",
        "new": "resolved",
        "actor": "Dana Reyes",
    }
    _queue(slack, "slack", "slack.status_note", payload, "old-note")
    slack.wait_idle()
    assert [m["text"] for m in slack.fake.thread(CHANNEL, ROOT_TS)][1:] == [
        ":arrows_counterclockwise: Status changed from Open to Resolved by Dana Reyes."
    ]
