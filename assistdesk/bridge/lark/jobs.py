"""The Lark jobs the outbox carries: their kinds, destinations and payloads (typed).

Destinations are the unit of ordering and pacing (5 messages a second per group, Lark's limit).
Ephemeral cards get a destination of their own inside the group: Lark limits them separately (40 QPS
per group, https://open.larksuite.com/document/ukTMukTMukTM/uETOyYjLxkjM24SM5IjN), and a burst of
ticket updates to the group must not keep someone waiting for the form they just asked for.

Posts in a ticket's thread carry what they tell (`ThreadNews`), and private answers what they
answer (`Answer`): neutral view-models, rendered in the reader's language when delivered, as
Slack's are. Jobs queued by earlier versions carry the rendered `card` instead; the payload models
accept both, and the kinds are unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from assistdesk.bridge.chat import ChatPlace, TicketRef
from assistdesk.bridge.views import CommentView, TicketCard
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links.models import ChatPlatform, TicketThread
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob, destination_key, idempotency_key
from assistdesk.platforms.lark.cards import Card
from assistdesk.platforms.lark.texts import Unavailable

CHANNEL = "lark"
PLATFORM = ChatPlatform.LARK.value

# Job kinds: what the delivery handler does with each.
EPHEMERAL = "lark.ephemeral"  # an ephemeral card for one person in a group
FORM = "lark.form"  # look the person up, then send the request form (rendered at delivery)
DELETE_EPHEMERAL = "lark.delete_ephemeral"
REPLY = "lark.reply"  # a card in the thread of a message
SEND = "lark.send"  # a card to a chat (direct messages)
PATCH = "lark.patch"  # replace a card we posted
IDENTIFY = "lark.identify"  # ask the contact API who wrote in a thread (name, email)


# What a ticket's thread is told: rendered at delivery ---------------------------------------------


class TicketOpened(BaseModel):
    """The confirmation in the thread the ticket was opened from."""

    news: Literal["opened"] = "opened"
    ticket: TicketCard
    follow: bool  # create-and-follow: replies go to the request's page, not the thread


class CommentShown(BaseModel):
    news: Literal["comment"] = "comment"
    ticket: TicketCard
    comment: CommentView
    edited: bool = False


class CommentRemoved(BaseModel):
    news: Literal["comment_removed"] = "comment_removed"
    ticket: TicketCard


class StatusChanged(BaseModel):
    news: Literal["status"] = "status"
    ticket: TicketCard
    old_status: str
    changed_by: str
    follow: bool
    latest: CommentView | None = None  # create-and-follow: the newest public reply from support


ThreadNews = Annotated[
    TicketOpened | CommentShown | CommentRemoved | StatusChanged, Field(discriminator="news")
]


# What one person is told privately (or in a direct chat): rendered at delivery -------------------


class HelpAnswer(BaseModel):
    answer: Literal["help"] = "help"
    example_key: str


class FollowHelpAnswer(BaseModel):
    """`@bot help` in a create-and-follow group: what the plan offers there."""

    answer: Literal["follow_help"] = "follow_help"
    organization: str
    plan: str
    features_url: str


class WhichRequestAnswer(BaseModel):
    answer: Literal["which_request"] = "which_request"
    example_key: str


class NoRequestAnswer(BaseModel):
    answer: Literal["no_request"] = "no_request"
    key: str


class StatusAnswer(BaseModel):
    answer: Literal["status"] = "status"
    ticket: TicketRef


class UnavailableAnswer(BaseModel):
    """Why the request form is not offered in the group."""

    answer: Literal["unavailable"] = "unavailable"
    why: Unavailable
    features_url: str


class PointerAnswer(BaseModel):
    """A mention in a create-and-follow thread: where to reply instead."""

    answer: Literal["pointer"] = "pointer"
    ticket: TicketRef
    plan: str
    upgrade: str


class ReplyHintAnswer(BaseModel):
    """A reply in a create-and-follow thread, once per person: it was not added to the request."""

    answer: Literal["reply_hint"] = "reply_hint"
    ticket: TicketRef
    plan: str
    upgrade: str


class ClosedAnswer(BaseModel):
    """A reply in the thread of a closed request: not added."""

    answer: Literal["closed"] = "closed"
    ticket: TicketRef


Answer = Annotated[
    HelpAnswer
    | FollowHelpAnswer
    | WhichRequestAnswer
    | NoRequestAnswer
    | StatusAnswer
    | UnavailableAnswer
    | PointerAnswer
    | ReplyHintAnswer
    | ClosedAnswer,
    Field(discriminator="answer"),
]


# Payloads, one model per kind ---------------------------------------------------------------------


class EphemeralCardJob(BaseModel):
    chat_id: str
    open_id: str
    locale: str | None = None
    answer: Answer | None = None
    card: Card | None = None  # already rendered (jobs queued before `answer`)


class RequestFormJob(BaseModel):
    chat_id: str
    open_id: str
    reply_to: str  # the message that mentioned the bot
    root: str  # the message the ticket's thread will hang off
    title: str
    description: str
    locale: str | None = None


class EphemeralDeletionJob(BaseModel):
    message_id: str


class ThreadPostJob(BaseModel):
    reply_to: str
    ticket_id: int
    thread_id: int
    comment_id: int | None = None
    confirmation: bool = False  # the post's id becomes the thread's confirmation message
    locale: str | None = None
    news: ThreadNews | None = None
    card: Card | None = None  # already rendered (jobs queued before `news`)


class ChatCardJob(BaseModel):
    chat_id: str
    locale: str | None = None
    answer: Answer | None = None
    card: Card | None = None  # already rendered (jobs queued before `answer`)


class CardReplacementJob(BaseModel):
    """Replace the update card that showed a comment in a thread (found at delivery)."""

    comment_id: int
    thread_id: int
    locale: str | None = None
    news: ThreadNews | None = None
    card: Card | None = None  # already rendered (jobs queued before `news`)


class IdentifyJob(BaseModel):
    open_id: str
    locale: str | None = None


# Destinations -------------------------------------------------------------------------------------


def place_of(tenant_key: str, chat_id: str) -> ChatPlace:
    return ChatPlace(ChatPlatform.LARK, tenant_key, chat_id)


def destination(place: ChatPlace) -> str:
    return destination_key(CHANNEL, place.workspace or "-", place.channel)


def ephemeral_destination(place: ChatPlace) -> str:
    return destination_key(CHANNEL, place.workspace or "-", place.channel, "ephemeral")


def place_of_destination(destination: str) -> ChatPlace:
    """Inverse of `destination` and `ephemeral_destination`: `lark:<tenant>:<chat>[:ephemeral]`."""
    _, tenant, chat_id = destination.split(":")[:3]
    return place_of("" if tenant == "-" else tenant, chat_id)


def job(destination: str, kind: str, payload: BaseModel, *key: object) -> NewJob:
    """`key` identifies the cause (an event id, …): the same on every retry, it is Lark's `uuid`."""
    data: dict[str, Any] = payload.model_dump(mode="json", exclude_none=True)
    return NewJob(destination, kind, data, idempotency_key(CHANNEL, kind, *key))


def for_thread(kind: str, thread: TicketThread, payload: BaseModel, *, cause: str) -> NewJob:
    """A job about a ticket's thread, as Slack's `for_thread`; `cause` (a domain event id) makes
    retries of the same transaction enqueue nothing new."""
    return job(destination(place_of(thread.workspace, thread.channel)), kind, payload, cause, thread.id)


def tell(uow: UnitOfWork, place: ChatPlace, open_id: str, answer: Answer, *key: object, locale: str) -> None:
    """An ephemeral card for one person in a group, in their language."""
    payload = EphemeralCardJob(chat_id=place.channel, open_id=open_id, locale=locale, answer=answer)
    enqueue(uow, [job(ephemeral_destination(place), EPHEMERAL, payload, *key)])
