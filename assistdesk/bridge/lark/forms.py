"""The request form's buttons (`card.action.trigger`): submit opens the ticket, cancel removes the card.

Lark waits at most 3 s for the answer and never retries a callback
(https://open.feishu.cn/document/feishu-cards/card-callback-communication), so the answer is decided
here, from one short transaction: a toast, and for a success the "submitted" card in place of the
form. The confirmation in the thread follows from the ticket's creation (outbound.on_created), in
that same transaction. On a refusal the toast names the field at fault, the card stays as it is (no
`card` in the answer) and nothing is stored.
"""

from __future__ import annotations

import logging
from typing import Any

from assistdesk.bridge import chat
from assistdesk.bridge.chat import ChatPerson, NotEntitled, TicketRef
from assistdesk.bridge.lark import jobs
from assistdesk.bridge.lark.context import LarkContext
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.text import normalise_email
from assistdesk.errors import Invalid
from assistdesk.i18n import Translator
from assistdesk.outbox.enqueue import enqueue
from assistdesk.platforms.lark import cards, events, texts
from assistdesk.platforms.lark.events import CardAction

log = logging.getLogger(__name__)
LARK_LOCALES = {"en": "en_us", "ja": "ja_jp", "zh_Hans": "zh_cn"}


def on_card_action(ctx: LarkContext, envelope: events.Envelope) -> dict[str, Any]:
    action = events.card_action(envelope)
    _ = ctx.translator(str(action.value.get("locale") or ""))
    kind = action.value.get("action")
    try:
        if kind == "submit":
            return form_submitted(ctx, action, _)
        if kind == "cancel":
            ctx.db.run(lambda uow: _form_cancelled(uow, action))
            return cards.callback_answer(toast(ctx, "info", texts.CANCELLED, lang=_.locale))
    except Exception:
        log.exception("Lark card action %s failed", kind)
        return cards.callback_answer(toast(ctx, "error", texts.FAILED, lang=_.locale))
    return cards.callback_answer()


def form_submitted(ctx: LarkContext, action: CardAction, _: Translator) -> dict[str, Any]:
    form = action.form_value
    if not action.value.get("root"):
        return cards.callback_answer()  # not a form of ours: it names no message to open the ticket on
    try:
        email = normalise_email(str(form.get("reporter") or ""), field="reporter_email")
    except Invalid:
        return _refused(texts.invalid_email(_))
    try:
        ref = ctx.db.run(lambda uow: _open(ctx, uow, action, email, _))
    except NotEntitled:
        return _refused(texts.not_available_for_group(_))
    except Invalid as refused:
        return _refused(texts.refusal(_, field=refused.field, message=refused.message, email=email))
    if ref is None:
        return cards.callback_answer()
    if ref.created:
        message = toast(ctx, "success", texts.CREATED, lang=_.locale, key=ref.key)
    else:
        message = toast(ctx, "info", texts.ALREADY_OPEN, lang=_.locale, key=ref.key)
    return cards.callback_answer(message, cards.submitted(_, ref))


def _refused(text: str) -> dict[str, Any]:
    return cards.callback_answer(cards.toast("error", text))


def _open(
    ctx: LarkContext, uow: UnitOfWork, action: CardAction, email: str, _: Translator
) -> TicketRef | None:
    if not links.claim_receipt(uow, platform=jobs.PLATFORM, key=f"event:{action.event_id}"):
        return None
    value, form = action.value, action.form_value
    place = jobs.place_of(action.tenant_key, action.chat_id or str(value.get("chat_id") or ""))
    requester = ChatPerson(
        user_id=action.open_id,
        display_name=str(value.get("name") or ""),
        email=str(value.get("email") or "") or None,
        locale=_.locale,
    )
    return chat.open_request(
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


def _form_cancelled(uow: UnitOfWork, action: CardAction) -> None:
    if not action.message_id or not links.claim_receipt(
        uow, platform=jobs.PLATFORM, key=f"event:{action.event_id}"
    ):
        return
    place = jobs.place_of(action.tenant_key, action.chat_id)
    payload = jobs.EphemeralDeletionJob(message_id=action.message_id)
    enqueue(
        uow, [jobs.job(jobs.ephemeral_destination(place), jobs.DELETE_EPHEMERAL, payload, action.event_id)]
    )


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
