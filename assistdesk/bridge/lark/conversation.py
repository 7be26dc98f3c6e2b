"""Messages the bot receives: a mention opens the request form (or explains why not), `help` and
`status` are answered, and replies in a ticket's thread become public comments.

Runs while Lark waits for its acknowledgement: one transaction that claims the delivery, makes the
change and enqueues what must be sent; nothing is sent from here.
"""

from __future__ import annotations

from sqlalchemy import select

from assistdesk.bridge import chat
from assistdesk.bridge.chat import Access, ChatPerson, ChatPlace, Entitlement, ReplyOutcome
from assistdesk.bridge.lark import commands
from assistdesk.bridge.lark.context import (
    FORM,
    IDENTIFY,
    PLATFORM,
    SEND,
    LarkContext,
    ephemeral_lane,
    group,
    job,
    place_of,
    tell,
)
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import hints
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatIdentity
from assistdesk.domain.orgs.enums import Plan
from assistdesk.domain.tickets.service import MAX_BODY
from assistdesk.i18n import Translator, words
from assistdesk.outbox.enqueue import enqueue
from assistdesk.platforms.lark import cards, events, plan_cards
from assistdesk.platforms.lark.events import IncomingMessage

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
    if not links.claim_receipt(uow, platform=PLATFORM, key=f"message:{msg.message_id}"):
        return
    place = place_of(msg.tenant_key, msg.chat_id)
    if msg.root_id and chat.is_our_message(uow.session, place, msg.message_id):
        return  # one of our own thread posts, recognised by the id we recorded when posting it
    _ = ctx.translator(msg.locale)
    mentioned = msg.mentions_user(bot)
    text = msg.text_without(bot)[:MAX_BODY]
    command = commands.parse(text) if mentioned else None
    if msg.chat_type == "p2p":
        card = cards.help_card(_, examples_key=EXAMPLE_KEY.format(prefix=ctx.prefix))
        payload = {"chat_id": msg.chat_id, "card": card}
        enqueue(uow, [job(group(place), SEND, payload, msg.message_id)])
        return
    if msg.root_id and command is None and _in_thread(ctx, uow, place, msg, text, mentioned, _):
        return
    if not mentioned:
        return
    if command is not None:
        _answer(ctx, uow, place, msg, command, _)
        return
    allowed = chat.entitlement(uow.session, place)
    if not allowed.allowed:
        tell(uow, place, msg.sender_open_id, explanation(_, allowed, ctx.features_url), msg.message_id)
        return
    first_line = text.splitlines()[0] if text else ""
    payload = {
        "chat_id": msg.chat_id,
        "open_id": msg.sender_open_id,
        "reply_to": msg.message_id,
        "root": msg.root_id or msg.message_id,
        "title": cards.shorten(first_line, TITLE_PREFILL) if first_line else "",
        "description": text,
        "locale": _.locale,
    }
    enqueue(uow, [job(ephemeral_lane(place), FORM, payload, msg.message_id)])


def on_recalled(ctx: LarkContext, envelope: events.Envelope) -> None:
    """A reply recalled in a ticket's thread marks its comment deleted (kept for the record)."""
    recalled = events.recalled(envelope)
    place = place_of(recalled.tenant_key, recalled.chat_id)

    def work(uow: UnitOfWork) -> None:
        if links.claim_receipt(uow, platform=PLATFORM, key=f"event:{recalled.event_id}"):
            chat.delete_reply(uow, place=place, message_id=recalled.message_id)

    ctx.db.run(work)


def _replied(
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
    if result.outcome is ReplyOutcome.ADDED and not _named(uow, place, msg.sender_open_id):
        # Lark's event names nobody: learn this person's name (and email) for their next replies.
        payload = {"open_id": msg.sender_open_id, "locale": _.locale}
        enqueue(uow, [job(ephemeral_lane(place), IDENTIFY, payload, msg.message_id)])
    if result.outcome is ReplyOutcome.TICKET_CLOSED and result.ticket is not None:
        closed = cards.notice(
            _("{key} is closed", key=result.ticket.key),
            [_("Your reply was not added. Mention me in the group to open a new request.")],
            button=(_("View request"), result.ticket.url),
            template="grey",
        )
        tell(uow, place, msg.sender_open_id, closed, msg.message_id)
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
    thread = links.find_thread(
        uow.session,
        platform=PLATFORM,
        workspace=place.workspace,
        channel=place.channel,
        thread_root=msg.root_id or "",
    )
    if thread is None:
        return False
    allowed = chat.entitlement(uow.session, place)
    if allowed.interacts:
        return _replied(ctx, uow, place, msg, text, _)
    if not text and not mentioned:
        return True
    ticket = chat.ticket_at(uow.session, place, msg.root_id or "", public_url=ctx.public_url)
    assert ticket is not None  # the thread exists
    plan, upgrade = allowed.plan or "", Plan.PREMIUM.value  # Premium adds two-way replies
    if not allowed.allowed:  # no longer enabled, or below Enterprise: say why (once per person)
        if mentioned or hints.claim_hint(uow, thread_id=thread.id, user_id=msg.sender_open_id):
            tell(uow, place, msg.sender_open_id, explanation(_, allowed, ctx.features_url), msg.message_id)
        return True
    if mentioned:
        card = plan_cards.pointer(_, ticket, plan=plan, upgrade=upgrade)
    elif hints.claim_hint(uow, thread_id=thread.id, user_id=msg.sender_open_id):
        card = plan_cards.reply_hint(_, ticket, plan=plan, upgrade=upgrade)
    else:
        return True
    tell(uow, place, msg.sender_open_id, card, msg.message_id)
    return True


def _named(uow: UnitOfWork, place: ChatPlace, user_id: str) -> bool:
    name = uow.session.scalar(
        select(ChatIdentity.display_name).where(
            ChatIdentity.platform == PLATFORM,
            ChatIdentity.workspace == place.workspace,
            ChatIdentity.user_id == user_id,
        )
    )
    return bool(name)


def _answer(
    ctx: LarkContext,
    uow: UnitOfWork,
    place: ChatPlace,
    msg: IncomingMessage,
    command: commands.Command,
    _: Translator,
) -> None:
    example = EXAMPLE_KEY.format(prefix=ctx.prefix)
    allowed = chat.entitlement(uow.session, place) if command.name == "help" else None
    if allowed is not None and allowed.allowed and not allowed.interacts:
        card = plan_cards.follow_help(
            _, organization=allowed.organization or "", plan=allowed.plan or "", features_url=ctx.features_url
        )
    elif command.name == "help":
        card = cards.help_card(_, examples_key=example)
    elif command.key is None:
        card = cards.notice(
            _("Which request?"), [_("Write the request's key, for example: @bot status {key}", key=example)]
        )
    else:
        ticket = chat.ticket_in_channel(
            uow.session, place, command.key, public_url=ctx.public_url, asker=msg.sender_open_id
        )
        if ticket is None:
            # The same answer whether the key does not exist, belongs to another organization, or
            # is one the asker may not see (someone else's request, not raised in this group).
            card = cards.notice(
                _("No request {key} here", key=command.key),
                [_("This group's organization has no request {key}.", key=command.key)],
            )
        else:
            card = cards.status_card(_, ticket)
    tell(uow, place, msg.sender_open_id, card, msg.message_id)


def explanation(_: Translator, allowed: Entitlement, features_url: str) -> cards.Card:
    """Why the form is not offered here, and what to do about it."""
    if allowed.access is Access.NOT_CONNECTED:
        return cards.notice(
            _("This group is not connected to support"),
            [_("Ask your vendor's support team to connect this group, then mention me again.")],
            template="orange",
        )
    org = allowed.organization or ""
    if allowed.access is Access.PLAN_TOO_LOW:
        lines = [
            _(
                "Opening requests from Lark is included in the {required} plan and above; "
                "{org} is on the {plan} plan.",
                required=words.plan(_, allowed.required_plan or ""),
                org=org,
                plan=words.plan(_, allowed.plan or ""),
            ),
            _("The chat features page explains how to ask for it."),
        ]
    elif allowed.feature_state == "requested":
        lines = [
            _("{org} has asked for Lark requests; the support team has not switched them on yet.", org=org)
        ]
    elif allowed.feature_state == "suspended":
        lines = [_("Lark requests are suspended for {org}. Please contact the support team.", org=org)]
    else:
        lines = [
            _("{org}'s plan includes Lark requests, but they are not switched on yet.", org=org),
            _("The chat features page explains how to ask for it."),
        ]
    lines.append(_("Meanwhile you can open requests in the help center."))
    return cards.notice(
        _("Requests from Lark are not available here"),
        lines,
        button=(_("Chat features"), features_url),
        template="orange",
    )
