"""Delivers the `lark` channel's outbox jobs through the Open API, by kind (`LarkDelivery._kinds`).

Every message send carries the job's idempotency key as Lark's `uuid` (at most one message per uuid
per hour), so a retry after a lost answer never posts twice. Cards are rendered here, in the
reader's language, from the news or the answer their job carries (jobs queued by earlier versions
carry the card itself). What Lark answers is recorded in the transaction that marks the job
delivered: the ids of the messages we posted (loop prevention, and the cards an edited comment
replaces), and the name and email the contact API gave for a person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from assistdesk.bridge.lark import jobs
from assistdesk.bridge.lark.context import LarkContext
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import Direction, TicketThread
from assistdesk.i18n import Translator
from assistdesk.outbox.jobs import Job
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure
from assistdesk.platforms.lark import cards, plan_cards, texts

UNKNOWN_KIND = "unknown Lark job kind {kind!r}"
NOTHING_TO_SEND = "the job carries nothing to render and no card"
NEVER_SHOWN = "the comment was never shown in this thread"


def render(_: Translator, news: jobs.ThreadNews) -> cards.Card:
    """The card that tells a thread the news, in the reader's words."""
    match news:
        case jobs.TicketOpened(follow=True):
            return plan_cards.follow_confirmation(_, news.ticket)
        case jobs.TicketOpened():
            return cards.confirmation(_, news.ticket)
        case jobs.CommentShown():
            return cards.comment_update(_, news.ticket, news.comment, edited=news.edited)
        case jobs.CommentRemoved():
            return cards.comment_removed(_, news.ticket)
        case jobs.StatusChanged(follow=True):
            return plan_cards.status_update(
                _, news.ticket, old_status=news.old_status, by=news.changed_by, latest=news.latest
            )
        case jobs.StatusChanged():
            return cards.status_update(_, news.ticket, old_status=news.old_status, by=news.changed_by)


def render_answer(_: Translator, answer: jobs.Answer) -> cards.Card:
    """The card that answers one person, in their words."""
    match answer:
        case jobs.HelpAnswer():
            return cards.help_card(_, examples_key=answer.example_key)
        case jobs.FollowHelpAnswer():
            return plan_cards.follow_help(
                _, organization=answer.organization, plan=answer.plan, features_url=answer.features_url
            )
        case jobs.WhichRequestAnswer():
            return texts.which_request(_, example_key=answer.example_key)
        case jobs.NoRequestAnswer():
            return texts.no_request(_, key=answer.key)
        case jobs.StatusAnswer():
            return cards.status_card(_, answer.ticket)
        case jobs.UnavailableAnswer():
            return texts.unavailable(_, answer.why, features_url=answer.features_url)
        case jobs.PointerAnswer():
            return plan_cards.pointer(_, answer.ticket, plan=answer.plan, upgrade=answer.upgrade)
        case jobs.ReplyHintAnswer():
            return plan_cards.reply_hint(_, answer.ticket, plan=answer.plan, upgrade=answer.upgrade)
        case jobs.ClosedAnswer():
            return texts.reply_to_closed(_, answer.ticket)


class LarkDelivery:
    def __init__(self, ctx: LarkContext) -> None:
        self._ctx = ctx
        self._kinds: dict[str, Callable[[Job], Awaitable[Outcome]]] = {
            jobs.REPLY: self._reply,
            jobs.SEND: self._send,
            jobs.EPHEMERAL: self._ephemeral,
            jobs.FORM: self._form,
            jobs.PATCH: self._patch,
            jobs.DELETE_EPHEMERAL: self._delete_ephemeral,
            jobs.IDENTIFY: self._identify,
        }

    async def deliver(self, job: Job) -> Outcome:
        handler = self._kinds.get(job.kind)
        if handler is None:
            return PermanentFailure(UNKNOWN_KIND.format(kind=job.kind))
        return await handler(job)

    def _card(
        self, news: jobs.ThreadNews | None, card: cards.Card | None, locale: str | None
    ) -> cards.Card | None:
        return render(self._ctx.translator(locale), news) if news is not None else card

    def _answer(
        self, answer: jobs.Answer | None, card: cards.Card | None, locale: str | None
    ) -> cards.Card | None:
        return render_answer(self._ctx.translator(locale), answer) if answer is not None else card

    async def _reply(self, job: Job) -> Outcome:
        post = jobs.ThreadPostJob.model_validate(job.payload)
        card = self._card(post.news, post.card, post.locale)
        if card is None:
            return PermanentFailure(NOTHING_TO_SEND)
        return await self._ctx.api.reply_card(message_id=post.reply_to, card=card, uuid=job.idempotency_key)

    async def _send(self, job: Job) -> Outcome:
        send = jobs.ChatCardJob.model_validate(job.payload)
        card = self._answer(send.answer, send.card, send.locale)
        if card is None:
            return PermanentFailure(NOTHING_TO_SEND)
        return await self._ctx.api.send_card(chat_id=send.chat_id, card=card, uuid=job.idempotency_key)

    async def _ephemeral(self, job: Job) -> Outcome:
        tell = jobs.EphemeralCardJob.model_validate(job.payload)
        card = self._answer(tell.answer, tell.card, tell.locale)
        if card is None:
            return PermanentFailure(NOTHING_TO_SEND)
        return await self._ctx.api.send_ephemeral(chat_id=tell.chat_id, open_id=tell.open_id, card=card)

    async def _delete_ephemeral(self, job: Job) -> Outcome:
        deletion = jobs.EphemeralDeletionJob.model_validate(job.payload)
        return await self._ctx.api.delete_ephemeral(message_id=deletion.message_id)

    async def _identify(self, job: Job) -> Outcome:
        person = await self._ctx.api.user(jobs.IdentifyJob.model_validate(job.payload).open_id)
        if person is None:
            return Delivered(None, {"unknown": True})
        return Delivered(None, {"user_name": person.name, "user_email": person.email})

    async def _form(self, job: Job) -> Outcome:
        """The contact lookup happens here, not while Lark waits for its acknowledgement."""
        form = jobs.RequestFormJob.model_validate(job.payload)
        person = await self._ctx.api.user(form.open_id)
        name, email = (person.name, person.email) if person is not None else ("", None)
        _ = self._ctx.translator(form.locale)
        prefill = cards.FormPrefill(
            reporter_email=email or "", title=form.title, description=form.description
        )
        callback = {
            "chat_id": form.chat_id,
            "root": form.root,
            "reply_to": form.reply_to,
            "locale": _.locale,
            "name": name,
            "email": email or "",
        }
        card = cards.request_form(_, prefill, callback=callback)
        outcome = await self._ctx.api.send_ephemeral(chat_id=form.chat_id, open_id=form.open_id, card=card)
        if isinstance(outcome, Delivered) and person is not None:
            return Delivered(outcome.reference, {**outcome.data, "user_name": name, "user_email": email})
        return outcome

    async def _patch(self, job: Job) -> Outcome:
        replacement = jobs.CardReplacementJob.model_validate(job.payload)
        place = jobs.place_of_destination(job.destination)
        message_id = await self._ctx.db.read_async(
            lambda session: links.posted_for_comment(
                session, place=place, thread_id=replacement.thread_id, comment_id=replacement.comment_id
            )
        )
        if message_id is None:
            return Delivered(None, {"skipped": NEVER_SHOWN})
        card = self._card(replacement.news, replacement.card, replacement.locale)
        if card is None:
            return PermanentFailure(NOTHING_TO_SEND)
        return await self._ctx.api.patch_card(message_id=message_id, card=card)

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        place = jobs.place_of_destination(job.destination)
        if job.kind in (jobs.REPLY, jobs.SEND) and outcome.reference:
            post = jobs.ThreadPostJob.model_validate(job.payload) if job.kind == jobs.REPLY else None
            links.record_message(
                uow,
                place,
                message_id=outcome.reference,
                direction=Direction.OUTBOUND,
                ticket_id=post.ticket_id if post else None,
                comment_id=post.comment_id if post else None,
                thread_id=post.thread_id if post else None,
            )
            if post is not None and post.confirmation:
                thread = uow.session.get(TicketThread, post.thread_id)
                if thread is not None:
                    thread.confirmation_message = outcome.reference
        elif job.kind in (jobs.FORM, jobs.IDENTIFY) and "user_name" in outcome.data:
            asked = jobs.IdentifyJob.model_validate(job.payload)  # a form job names the person the same way
            links.upsert_identity(
                uow,
                platform=jobs.PLATFORM,
                workspace=place.workspace,
                user_id=asked.open_id,
                display_name=str(outcome.data.get("user_name") or ""),
                email=outcome.data.get("user_email"),
                locale=asked.locale,
            )
