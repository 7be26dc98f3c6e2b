"""What Lark's pushes call (platforms/lark/receiver.py dispatches them by `HANDLERS`): a mention opens
the request form (or explains why not), `help` and `status` are answered, replies in a ticket's
thread become public comments, a recalled reply marks its comment deleted; the request form's
buttons are in `forms`.

Runs while Lark waits for its acknowledgement: one transaction that claims the delivery, makes the
change and enqueues what must be sent; nothing is sent from here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from assistdesk.bridge import chat
from assistdesk.bridge.chat import ChatPerson, ChatPlace, Entitlement, ReplyOutcome
from assistdesk.bridge.lark import commands, jobs
from assistdesk.bridge.lark.context import LarkContext
from assistdesk.bridge.lark.forms import on_card_action
from assistdesk.bridge.lark.jobs import tell
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import hints
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs.enums import Plan
from assistdesk.domain.tickets.service import MAX_BODY
from assistdesk.i18n import Translator
from assistdesk.outbox.enqueue import enqueue
from assistdesk.platforms.lark import cards, events, texts
from assistdesk.platforms.lark.events import IncomingMessage
from assistdesk.platforms.lark.receiver import ACK, Handler

TITLE_PREFILL = 100
EXAMPLE_KEY = "{prefix}-12"


def on_message(ctx: LarkContext, envelope: events.Envelope) -> None:
    msg = events.message(envelope)
    bot = ctx.api.bot_open_id()
    if msg.sender_type not in ("user", "") or msg.sender_open_id == bot:
        return  # our own posts, or another app's: loop prevention by identity
    if msg.chat_type != "p2p" and not msg.root_id and not msg.mentions_user(bot):
        return  # group chatter (with the group_msg scope Lark sends it all): nothing to do or remember
    ctx.db.run(lambda uow: handle(ctx, uow, msg, bot))


def handle(ctx: LarkContext, uow: UnitOfWork, msg: IncomingMessage, bot: str) -> None:
    # Lark redelivers on timeouts (same event) and may push one message twice under two event ids:
    # the message id covers both (https://open.larksuite.com/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/events/receive).
    if not links.claim_receipt(uow, platform=jobs.PLATFORM, key=f"message:{msg.message_id}"):
        return
    place = jobs.place_of(msg.tenant_key, msg.chat_id)
    if msg.root_id and chat.is_our_message(uow.session, place, msg.message_id):
        return  # one of our own thread posts, recognised by the id we recorded when posting it
    _ = ctx.translator(msg.locale)
    mentioned = msg.mentions_user(bot)
    text = msg.text_without(bot)[:MAX_BODY]
    command = commands.parse(text) if mentioned else None
    if msg.chat_type == "p2p":
        answer = jobs.HelpAnswer(example_key=EXAMPLE_KEY.format(prefix=ctx.prefix))
        help_job = jobs.ChatCardJob(chat_id=msg.chat_id, locale=_.locale, answer=answer)
        enqueue(uow, [jobs.job(jobs.destination(place), jobs.SEND, help_job, msg.message_id)])
        return
    if msg.root_id and command is None and _in_thread(ctx, uow, place, msg, text, mentioned, _):
        return
    if not mentioned:
        return
    if command is not None:
        _answer_command(ctx, uow, place, msg, command, _)
        return
    allowed = chat.entitlement(uow.session, place)
    if not allowed.allowed:
        tell(uow, place, msg.sender_open_id, explanation(ctx, allowed), msg.message_id, locale=_.locale)
        return
    first_line = text.splitlines()[0] if text else ""
    form = jobs.RequestFormJob(
        chat_id=msg.chat_id,
        open_id=msg.sender_open_id,
        reply_to=msg.message_id,
        root=msg.root_id or msg.message_id,
        title=cards.shorten(first_line, TITLE_PREFILL) if first_line else "",
        description=text,
        locale=_.locale,
    )
    enqueue(uow, [jobs.job(jobs.ephemeral_destination(place), jobs.FORM, form, msg.message_id)])


def reply_deleted(ctx: LarkContext, envelope: events.Envelope) -> None:
    """A reply recalled in a ticket's thread marks its comment deleted (kept for the record)."""
    recalled = events.recalled(envelope)
    place = jobs.place_of(recalled.tenant_key, recalled.chat_id)

    def work(uow: UnitOfWork) -> None:
        if links.claim_receipt(uow, platform=jobs.PLATFORM, key=f"event:{recalled.event_id}"):
            chat.delete_reply(uow, place=place, message_id=recalled.message_id)

    ctx.db.run(work)


def _thread_reply(
    ctx: LarkContext, uow: UnitOfWork, place: ChatPlace, msg: IncomingMessage, text: str, _: Translator
) -> bool:
    """True when the message was in a ticket's thread (and so is dealt with)."""
    if not text:
        return chat.ticket_at(uow.session, place, msg.root_id or "", public_url=ctx.public_url) is not None
    result = chat.add_reply(
        uow,
        place=place,
        thread_root=msg.root_id or "",
        message_id=msg.message_id,
        author=ChatPerson(user_id=msg.sender_open_id, display_name="", locale=_.locale),
        text=text,
        public_url=ctx.public_url,
    )
    if result.outcome is ReplyOutcome.NOT_A_TICKET_THREAD:
        return False
    if result.outcome is ReplyOutcome.ADDED and not links.has_display_name(
        uow.session, place=place, user_id=msg.sender_open_id
    ):
        # Lark's event names nobody: learn this person's name (and email) for their next replies.
        payload = jobs.IdentifyJob(open_id=msg.sender_open_id, locale=_.locale)
        enqueue(uow, [jobs.job(jobs.ephemeral_destination(place), jobs.IDENTIFY, payload, msg.message_id)])
    if result.outcome is ReplyOutcome.TICKET_CLOSED and result.ticket is not None:
        closed = jobs.ClosedAnswer(ticket=result.ticket)
        tell(uow, place, msg.sender_open_id, closed, msg.message_id, locale=_.locale)
    return True


def _in_thread(
    ctx: LarkContext,
    uow: UnitOfWork,
    place: ChatPlace,
    msg: IncomingMessage,
    text: str,
    mentioned: bool,
    _: Translator,
) -> bool:
    """True when the message was in a ticket's thread (and so is dealt with). What the plan allows
    is read now, at the event: two-way plans add the reply as a comment; create-and-follow plans
    keep it out of the ticket and tell the person once per thread (or, when they mention the bot,
    every time) where to reply instead."""
    thread = links.find_thread(uow.session, place, thread_root=msg.root_id or "")
    if thread is None:
        return False
    allowed = chat.entitlement(uow.session, place)
    if allowed.interacts:
        return _thread_reply(ctx, uow, place, msg, text, _)
    if not text and not mentioned:
        return True
    ticket = chat.ticket_at(uow.session, place, msg.root_id or "", public_url=ctx.public_url)
    assert ticket is not None  # the thread exists
    plan, upgrade = allowed.plan or "", Plan.PREMIUM.value  # Premium adds two-way replies
    if not allowed.allowed:  # no longer enabled, or below Enterprise: say why (once per person)
        if mentioned or hints.claim_hint(uow, thread_id=thread.id, user_id=msg.sender_open_id):
            tell(uow, place, msg.sender_open_id, explanation(ctx, allowed), msg.message_id, locale=_.locale)
        return True
    answer: jobs.Answer
    if mentioned:
        answer = jobs.PointerAnswer(ticket=ticket, plan=plan, upgrade=upgrade)
    elif hints.claim_hint(uow, thread_id=thread.id, user_id=msg.sender_open_id):
        answer = jobs.ReplyHintAnswer(ticket=ticket, plan=plan, upgrade=upgrade)
    else:
        return True
    tell(uow, place, msg.sender_open_id, answer, msg.message_id, locale=_.locale)
    return True


def _answer_command(
    ctx: LarkContext,
    uow: UnitOfWork,
    place: ChatPlace,
    msg: IncomingMessage,
    command: commands.Command,
    _: Translator,
) -> None:
    example = EXAMPLE_KEY.format(prefix=ctx.prefix)
    allowed = chat.entitlement(uow.session, place) if command.name == "help" else None
    answer: jobs.Answer
    if allowed is not None and allowed.allowed and not allowed.interacts:
        answer = jobs.FollowHelpAnswer(
            organization=allowed.organization or "", plan=allowed.plan or "", features_url=ctx.features_url
        )
    elif command.name == "help":
        answer = jobs.HelpAnswer(example_key=example)
    elif command.key is None:
        answer = jobs.WhichRequestAnswer(example_key=example)
    else:
        ticket = chat.ticket_in_channel(
            uow.session, place, command.key, public_url=ctx.public_url, asker=msg.sender_open_id
        )
        answer = jobs.NoRequestAnswer(key=command.key) if ticket is None else jobs.StatusAnswer(ticket=ticket)
    tell(uow, place, msg.sender_open_id, answer, msg.message_id, locale=_.locale)


def explanation(ctx: LarkContext, allowed: Entitlement) -> jobs.UnavailableAnswer:
    """Why the form is not offered here (the answer says what to do about it)."""
    why = texts.Unavailable(
        reason=allowed.access.value,
        organization=allowed.organization or "",
        plan=allowed.plan or "",
        required_plan=allowed.required_plan or "",
        feature_state=allowed.feature_state or "",
    )
    return jobs.UnavailableAnswer(why=why, features_url=ctx.features_url)


def _acknowledged(use_case: Callable[[LarkContext, events.Envelope], None]) -> UseCase:
    def handle(ctx: LarkContext, envelope: events.Envelope) -> dict[str, Any]:
        use_case(ctx, envelope)
        return ACK

    return handle


UseCase = Callable[[LarkContext, events.Envelope], dict[str, Any]]
HANDLERS: dict[str, UseCase] = {
    events.MESSAGE_RECEIVED: _acknowledged(on_message),
    events.MESSAGE_RECALLED: _acknowledged(reply_deleted),
    events.CARD_ACTION: on_card_action,
}
SUPPORTED = tuple(sorted(HANDLERS))


def handlers(ctx: LarkContext) -> dict[str, Handler]:
    """The table the receiver dispatches by, each use case bound to the context."""
    return {event_type: functools.partial(use_case, ctx) for event_type, use_case in HANDLERS.items()}
