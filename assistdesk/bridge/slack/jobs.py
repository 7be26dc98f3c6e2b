"""The Slack jobs the outbox carries: their kinds, destinations and typed payloads.

Two delivery channels, because pacing is per channel:
- `slack` (`slack:<team>:<channel>`): everything posted to or edited in a Slack channel, paced at
  about one message per second per channel (slack.md §5) and delivered in order, so a comment
  enqueued after the `/assist` root post finds the root's ts when its turn comes;
- `slack_sync` (`slack_sync:<team>:<channel>`): work for messages people wrote (profile lookups,
  file downloads, then the comment), unpaced and in order, so an edit never overtakes its reply.

Each kind has one payload model (`PAYLOADS`). Payloads are written with full field names; jobs
queued before that still carry the old abbreviations (`ws`, `ch`, `root`, `card`, `old`, `new`,
`actor`, `hash`), which every model still accepts as aliases, so an upgrade loses no queued job.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from assistdesk.bridge.views import CommentView, TicketCard
from assistdesk.domain.links.models import ChatPlatform, TicketThread
from assistdesk.domain.links.places import ChatPlace
from assistdesk.outbox.jobs import NewJob, destination_key, idempotency_key
from assistdesk.platforms.slack.ports import (
    Mention,
    Reaction,
    ReplyDeletion,
    ReplyEdit,
    RequestForm,
    SharedFile,
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

SLACK = ChatPlatform.SLACK.value


def _was(name: str, short: str) -> AliasChoices:
    """Read `name`, or `short` as jobs queued by earlier versions spelled it."""
    return AliasChoices(name, short)


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class InChannel(Payload):
    """A payload about one Slack channel of one workspace."""

    workspace: str = Field(validation_alias=_was("workspace", "ws"))
    channel: str = Field(validation_alias=_was("channel", "ch"))

    @property
    def place(self) -> ChatPlace:
        return ChatPlace(SLACK, self.workspace, self.channel)


# The `slack` channel: private answers -------------------------------------------------------------


class PrivateAnswer(InChannel):
    """A 🎫 reaction, an @mention or a reply a plan does not sync: answered to its author only.
    `ticket_id`: the message was written in that ticket's thread (no second ticket opens there)."""

    ts: str
    user: str
    thread_ts: str | None = None
    text: str = ""
    ticket_id: int | None = None


# The `slack` channel: a ticket's thread ----------------------------------------------------------


class ThreadState(InChannel):
    """The thread as it stood at enqueue time, once complete (root post and card both known)."""

    thread_root: str = Field(validation_alias=_was("thread_root", "root"))
    confirmation: str = Field(validation_alias=_was("confirmation", "card"))
    ticket_id: int
    locale: str | None = None


class ThreadJob(Payload):
    thread_id: int
    thread: ThreadState | None = None

    def known_thread(self) -> ThreadState | None:
        """The thread state to deliver with, or None to read it at delivery time."""
        return self.thread


class CardJob(ThreadJob):
    card: TicketCard
    initial: bool = False  # the first post of the card (else an edit of it)
    follow: bool = False  # create-and-follow: the card says updates follow here

    def known_thread(self) -> ThreadState | None:
        # The first post fills the thread in: what was known at enqueue time is not enough.
        return None if self.initial else self.thread


class CommentJob(ThreadJob):
    comment: CommentView
    card: TicketCard


class CommentDeleteJob(ThreadJob):
    comment_id: int


class StatusNoteJob(ThreadJob):
    old_status: str = Field(validation_alias=_was("old_status", "old"))
    new_status: str = Field(validation_alias=_was("new_status", "new"))
    actor_name: str = Field(validation_alias=_was("actor_name", "actor"))


class UpdateJob(ThreadJob):
    """Create-and-follow: the card, the latest comment from support, and the status change if any."""

    card: TicketCard
    comment: CommentView | None = None
    old_status: str | None = Field(default=None, validation_alias=_was("old_status", "old"))
    new_status: str | None = Field(default=None, validation_alias=_was("new_status", "new"))
    actor_name: str | None = Field(default=None, validation_alias=_was("actor_name", "actor"))


# The `slack_sync` channel ------------------------------------------------------------------------


class ReplyJob(InChannel):
    thread_ts: str
    ts: str
    user: str
    text: str = ""
    files: tuple[SharedFile, ...] = ()


class ReplyChangeJob(InChannel):
    """An edit (with its new text) or a deletion of a reply."""

    ts: str
    text: str = ""


class PrefillJob(Payload):
    form: RequestForm
    user: str
    view_id: str
    view_hash: str | None = Field(default=None, validation_alias=_was("view_hash", "hash"))

    @property
    def workspace(self) -> str:
        return self.form.workspace


PAYLOADS: dict[str, type[Payload]] = {
    REACTION: PrivateAnswer,
    MENTION: PrivateAnswer,
    HINT: PrivateAnswer,
    CARD: CardJob,
    COMMENT: CommentJob,
    COMMENT_EDIT: CommentJob,
    COMMENT_DELETE: CommentDeleteJob,
    STATUS_NOTE: StatusNoteJob,
    UPDATE: UpdateJob,
    REPLY: ReplyJob,
    REPLY_EDIT: ReplyChangeJob,
    REPLY_DELETE: ReplyChangeJob,
    PREFILL: PrefillJob,
}

P = TypeVar("P", bound=Payload)


def parse(model: type[P], payload: dict[str, Any]) -> P:
    """A stored payload as its kind's model (raises pydantic's ValidationError when malformed)."""
    return model.model_validate(payload)


# Building jobs -------------------------------------------------------------------------------------


def destination(workspace: str, channel: str) -> str:
    return destination_key(CHANNEL, workspace or "-", channel)


def sync_destination(workspace: str, channel: str) -> str:
    return destination_key(SYNC_CHANNEL, workspace or "-", channel)


def _job(kind: str, dest: str, payload: Payload, *key: object) -> NewJob:
    return NewJob(
        destination=dest, kind=kind, payload=payload.to_dict(), idempotency_key=idempotency_key(*key)
    )


def reaction(event: Reaction) -> NewJob:
    payload = PrivateAnswer(
        workspace=event.workspace, channel=event.channel, ts=event.message_ts, user=event.user
    )
    return _job(
        REACTION, destination(event.workspace, event.channel), payload, "slack", event.event_id, REACTION
    )


def mention(event: Mention, *, ticket_id: int | None = None) -> NewJob:
    """`ticket_id`: the mention was written in that ticket's thread (no second ticket opens there)."""
    return _private(MENTION, event, text=event.text, ticket_id=ticket_id)


def hint(event: ThreadReply, *, ticket_id: int) -> NewJob:
    return _private(HINT, event, text="", ticket_id=ticket_id)


def _private(kind: str, event: Mention | ThreadReply, *, text: str, ticket_id: int | None) -> NewJob:
    """An answer to the author of `event` only; one per message and kind, however often it arrives."""
    payload = PrivateAnswer(
        workspace=event.workspace,
        channel=event.channel,
        ts=event.ts,
        thread_ts=event.thread_ts,
        user=event.user,
        text=text,
        ticket_id=ticket_id,
    )
    key = ("slack", event.workspace, event.channel, event.ts, kind)
    return _job(kind, destination(event.workspace, event.channel), payload, *key)


def for_thread(kind: str, thread: TicketThread, payload: ThreadJob, *, cause: str) -> NewJob:
    """A job about a ticket's thread; `cause` (a domain event id) makes retries of the same
    transaction enqueue nothing new."""
    dest = destination(thread.workspace, thread.channel)
    return _job(kind, dest, payload, "slack", cause, kind, thread.id)


def thread_state(thread: TicketThread) -> ThreadState | None:
    """The thread as it stands when the job is enqueued, once it is complete (root and card known):
    the delivery then needs no database read. An `/assist` thread whose root post is not delivered
    yet is read at delivery time instead, when the jobs before it have filled it in."""
    if thread.thread_root is None or thread.confirmation_message is None:
        return None
    return ThreadState(
        workspace=thread.workspace,
        channel=thread.channel,
        thread_root=thread.thread_root,
        confirmation=thread.confirmation_message,
        ticket_id=thread.ticket_id,
        locale=thread.locale,
    )


def reply(event: ThreadReply) -> NewJob:
    payload = ReplyJob(
        workspace=event.workspace,
        channel=event.channel,
        thread_ts=event.thread_ts,
        ts=event.ts,
        user=event.user,
        text=event.text,
        files=event.files,
    )
    return _job(
        REPLY, sync_destination(event.workspace, event.channel), payload, "slack", event.event_id, REPLY
    )


def reply_edit(event: ReplyEdit) -> NewJob:
    payload = ReplyChangeJob(workspace=event.workspace, channel=event.channel, ts=event.ts, text=event.text)
    dest = sync_destination(event.workspace, event.channel)
    return _job(REPLY_EDIT, dest, payload, "slack", event.event_id, REPLY_EDIT)


def reply_delete(event: ReplyDeletion) -> NewJob:
    payload = ReplyChangeJob(workspace=event.workspace, channel=event.channel, ts=event.ts)
    dest = sync_destination(event.workspace, event.channel)
    return _job(REPLY_DELETE, dest, payload, "slack", event.event_id, REPLY_DELETE)


def prefill(form: RequestForm, *, user: str, view_id: str, view_hash: str) -> NewJob:
    payload = PrefillJob(form=form, user=user, view_id=view_id, view_hash=view_hash)
    return _job(PREFILL, sync_destination(form.workspace, form.channel), payload, "slack", view_id, PREFILL)
