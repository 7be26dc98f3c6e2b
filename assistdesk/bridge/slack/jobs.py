"""The Slack jobs the outbox carries: their kinds, destinations and payloads.

Two delivery channels, because pacing is per channel:
- `slack` (`slack:<team>:<channel>`): everything posted to or edited in a Slack channel, paced at
  about one message per second per channel (slack.md §5) and delivered in order, so a comment
  enqueued after the `/assist` root post finds the root's ts when its turn comes;
- `slack_sync` (`slack_sync:<team>:<channel>`): work for messages people wrote (profile lookups,
  file downloads, then the comment), unpaced and in order, so an edit never overtakes its reply.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from assistdesk.domain.links.models import TicketThread
from assistdesk.outbox.jobs import NewJob, destination_key, idempotency_key
from assistdesk.platforms.slack.ports import (
    FormSource,
    Mention,
    Reaction,
    ReplyDeletion,
    ReplyEdit,
    RequestForm,
    ThreadReply,
)

CHANNEL = "slack"
SYNC_CHANNEL = "slack_sync"

REACTION = "slack.reaction"
CARD = "slack.card"
COMMENT = "slack.comment"
COMMENT_EDIT = "slack.comment_edit"
COMMENT_DELETE = "slack.comment_delete"
STATUS_NOTE = "slack.status_note"
REPLY = "slack.reply"
REPLY_EDIT = "slack.reply_edit"
REPLY_DELETE = "slack.reply_delete"
PREFILL = "slack.prefill"
MENTION = "slack.mention"  # an @mention: the prompt, help, a pointer or an explanation, privately
HINT = "slack.hint"  # a reply not synced on the plan: told once per thread and person, privately
UPDATE = "slack.update"  # create-and-follow: an update in the thread (title, link, latest comment)


def destination(workspace: str, channel: str) -> str:
    return destination_key(CHANNEL, workspace or "-", channel)


def sync_destination(workspace: str, channel: str) -> str:
    return destination_key(SYNC_CHANNEL, workspace or "-", channel)


def reaction(event: Reaction) -> NewJob:
    return NewJob(
        destination=destination(event.workspace, event.channel),
        kind=REACTION,
        payload={"ws": event.workspace, "ch": event.channel, "ts": event.message_ts, "user": event.user},
        idempotency_key=idempotency_key("slack", event.event_id, REACTION),
    )


def mention(event: Mention, *, ticket_id: int | None = None) -> NewJob:
    """`ticket_id`: the mention was written in that ticket's thread (no second ticket opens there)."""
    return NewJob(
        destination=destination(event.workspace, event.channel),
        kind=MENTION,
        payload={
            "ws": event.workspace,
            "ch": event.channel,
            "ts": event.ts,
            "thread_ts": event.thread_ts,
            "user": event.user,
            "text": event.text,
            "ticket_id": ticket_id,
        },
        idempotency_key=idempotency_key("slack", event.workspace, event.channel, event.ts, MENTION),
    )


def hint(event: ThreadReply, *, ticket_id: int) -> NewJob:
    return NewJob(
        destination=destination(event.workspace, event.channel),
        kind=HINT,
        payload={
            "ws": event.workspace,
            "ch": event.channel,
            "ts": event.ts,
            "thread_ts": event.thread_ts,
            "user": event.user,
            "ticket_id": ticket_id,
        },
        idempotency_key=idempotency_key("slack", event.workspace, event.channel, event.ts, HINT),
    )


def for_thread(
    *, kind: str, workspace: str, channel: str, thread_id: int, cause: str, payload: dict[str, Any]
) -> NewJob:
    """A job about a ticket's thread; `cause` (a domain event id) makes retries of the same
    transaction enqueue nothing new."""
    return NewJob(
        destination=destination(workspace, channel),
        kind=kind,
        payload={"thread_id": thread_id, **payload},
        idempotency_key=idempotency_key("slack", cause, kind, thread_id),
    )


def thread_state(thread: TicketThread) -> dict[str, Any] | None:
    """The thread as it stands when the job is enqueued, once it is complete (root and card known):
    the delivery then needs no database read. An `/assist` thread whose root post is not delivered
    yet is read at delivery time instead, when the jobs before it have filled it in."""
    if thread.thread_root is None or thread.confirmation_message is None:
        return None
    return {
        "ws": thread.workspace,
        "ch": thread.channel,
        "root": thread.thread_root,
        "card": thread.confirmation_message,
        "ticket_id": thread.ticket_id,
        "locale": thread.locale,
    }


def reply(event: ThreadReply) -> NewJob:
    return NewJob(
        destination=sync_destination(event.workspace, event.channel),
        kind=REPLY,
        payload={
            "ws": event.workspace,
            "ch": event.channel,
            "thread_ts": event.thread_ts,
            "ts": event.ts,
            "user": event.user,
            "text": event.text,
            "files": [asdict(f) for f in event.files],
        },
        idempotency_key=idempotency_key("slack", event.event_id, REPLY),
    )


def reply_edit(event: ReplyEdit) -> NewJob:
    return NewJob(
        destination=sync_destination(event.workspace, event.channel),
        kind=REPLY_EDIT,
        payload={"ws": event.workspace, "ch": event.channel, "ts": event.ts, "text": event.text},
        idempotency_key=idempotency_key("slack", event.event_id, REPLY_EDIT),
    )


def reply_delete(event: ReplyDeletion) -> NewJob:
    return NewJob(
        destination=sync_destination(event.workspace, event.channel),
        kind=REPLY_DELETE,
        payload={"ws": event.workspace, "ch": event.channel, "ts": event.ts},
        idempotency_key=idempotency_key("slack", event.event_id, REPLY_DELETE),
    )


def prefill(form: RequestForm, *, user: str, view_id: str, view_hash: str) -> NewJob:
    return NewJob(
        destination=sync_destination(form.workspace, form.channel),
        kind=PREFILL,
        payload={"form": form_to_dict(form), "user": user, "view_id": view_id, "hash": view_hash},
        idempotency_key=idempotency_key("slack", view_id, PREFILL),
    )


def form_to_dict(form: RequestForm) -> dict[str, Any]:
    data = asdict(form)
    data["source"] = form.source.value
    return data


def form_from_dict(data: dict[str, Any]) -> RequestForm:
    return RequestForm(**{**data, "source": FormSource(data["source"])})
