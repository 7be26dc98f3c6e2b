"""The request form's buttons (`card.action.trigger`): submit opens the ticket, cancel removes the card.

Lark waits at most 3 s for the answer and never retries a callback
(https://open.feishu.cn/document/feishu-cards/card-callback-communication), so the answer is decided
here, from one short transaction: a toast, and for a success the "submitted" card in place of the
form. The reply in the thread is an outbox job of that same transaction. On a refusal the toast names
the field at fault, the card stays as it is (no `card` in the answer) and nothing is stored.
"""

from __future__ import annotations

import logging
from typing import Any

from assistdesk.bridge import chat
from assistdesk.bridge.chat import ChatPerson, NotEntitled, TicketRef
from assistdesk.bridge.lark.context import (
    DELETE_EPHEMERAL,
    PLATFORM,
    REPLY,
    LarkContext,
    ephemeral_lane,
    group,
    job,
    place_of,
)
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.text import normalise_email
from assistdesk.errors import Invalid
from assistdesk.i18n import Translator
from assistdesk.i18n.words import N_
from assistdesk.outbox.enqueue import enqueue
from assistdesk.platforms.lark import cards, events, plan_cards
from assistdesk.platforms.lark.events import CardAction

log = logging.getLogger(__name__)
LARK_LOCALES = {"en": "en_us", "ja": "ja_jp", "zh_Hans": "zh_cn"}


def on_card_action(ctx: LarkContext, envelope: events.Envelope) -> dict[str, Any]:
    action = events.card_action(envelope)
    _ = ctx.translator(str(action.value.get("locale") or ""))
    kind = action.value.get("action")
    try:
        if kind == "submit":
            return submit(ctx, action, _)
        if kind == "cancel":
            ctx.db.run(lambda uow: _cancel(uow, action))
            return cards.callback_answer(toast(ctx, "info", N_("Cancelled."), lang=_.locale))
    except Exception:
        log.exception("Lark card action %s failed", kind)
        failed = N_("Something went wrong. Please try again.")
        return cards.callback_answer(toast(ctx, "error", failed, lang=_.locale))
    return cards.callback_answer()


def submit(ctx: LarkContext, action: CardAction, _: Translator) -> dict[str, Any]:
    form = action.form_value
    if not action.value.get("root"):
        return cards.callback_answer()  # not a form of ours: it names no message to open the ticket on
    label = _("Reporter email")
    try:
        email = normalise_email(str(form.get("reporter") or ""), field="reporter_email")
    except Invalid:
        return _refused(_("{field}: enter a valid email address.", field=label))
    try:
        ref = ctx.db.run(lambda uow: _open(ctx, uow, action, email, _))
    except NotEntitled:
        return _refused(_("Requests from Lark are not available for this group."))
    except Invalid as refused:
        return _refused(_refusal(_, refused, email))
    if ref is None:
        return cards.callback_answer()
    if ref.created:
        message = toast(ctx, "success", N_("Request {key} created."), lang=_.locale, key=ref.key)
    else:
        already = N_("This conversation is already request {key}.")
        message = toast(ctx, "info", already, lang=_.locale, key=ref.key)
    return cards.callback_answer(message, cards.submitted(_, ref))


def _refused(text: str) -> dict[str, Any]:
    return cards.callback_answer(cards.toast("error", text))


def _open(
    ctx: LarkContext, uow: UnitOfWork, action: CardAction, email: str, _: Translator
) -> TicketRef | None:
    if not links.claim_receipt(uow, platform=PLATFORM, key=f"event:{action.event_id}"):
        return None
    value, form = action.value, action.form_value
    place = place_of(action.tenant_key, action.chat_id or str(value.get("chat_id") or ""))
    requester = ChatPerson(
        user_id=action.open_id,
        display_name=str(value.get("name") or ""),
        email=str(value.get("email") or "") or None,
        locale=_.locale,
    )
    ref = chat.open_request(
        uow,
        place=place,
        requester=requester,
        reporter_email=email,
        title=str(form.get("title") or ""),
        description=str(form.get("description") or ""),
        severity=str(form.get("severity") or "") or None,
        thread_root=str(value.get("root") or ""),
        prefix=ctx.prefix,
        public_url=ctx.public_url,
    )
    if ref.created:
        payload = {
            "reply_to": str(value.get("reply_to") or value.get("root")),
            "card": cards.confirmation(_, ref)
            if chat.entitlement(uow.session, place).interacts
            else plan_cards.follow_confirmation(_, ref),
            "ticket_id": ref.ticket_id,
            "thread_id": ref.thread_id,
            "confirmation": True,
        }
        enqueue(uow, [job(group(place), REPLY, payload, "opened", ref.ticket_id)])
    return ref


def _cancel(uow: UnitOfWork, action: CardAction) -> None:
    if not action.message_id or not links.claim_receipt(
        uow, platform=PLATFORM, key=f"event:{action.event_id}"
    ):
        return
    place = place_of(action.tenant_key, action.chat_id)
    payload = {"message_id": action.message_id}
    enqueue(uow, [job(ephemeral_lane(place), DELETE_EPHEMERAL, payload, action.event_id)])


FIELD_LABELS = {
    "reporter_email": N_("Reporter email"),
    "title": N_("Title"),
    "description": N_("Description"),
    "severity": N_("Severity"),
}


def _refusal(_: Translator, refused: Invalid, email: str) -> str:
    """The toast for a refused form: the field's label first, then what to do."""
    field = refused.field or ""
    label = _(FIELD_LABELS[field]) if field in FIELD_LABELS else _("Request")
    if field == "reporter_email":
        return _(
            "{field}: {email} is not registered for this group's organization. "
            "Use the email address you use for the vendor's console.",
            field=label,
            email=email,
        )
    if field == "title":
        return _("{field}: write a short summary (at most 255 characters).", field=label)
    return f"{label}: {refused.message}"


def toast(
    ctx: LarkContext, kind: str, message: str, *, lang: str | None = None, **params: Any
) -> dict[str, Any]:
    """A toast in the reader's language, with the other languages for Lark to pick from (toasts,
    unlike ephemeral cards, take `i18n`)."""
    chosen = ctx.translator(lang)
    translations = {
        lark: ctx.catalogs.translator(ours, "lark").gettext(message, **params)
        for ours, lark in LARK_LOCALES.items()
    }
    return cards.toast(kind, chosen.gettext(message, **params), translations)
