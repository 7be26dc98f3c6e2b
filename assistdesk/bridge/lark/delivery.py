"""Delivers the `lark` channel's outbox jobs through the Open API.

Every message send carries the job's idempotency key as Lark's `uuid` (at most one message per uuid
per hour), so a retry after a lost answer never posts twice. What Lark answers is recorded in the
transaction that marks the job delivered: the ids of the messages we posted (loop prevention, and
the cards an edited comment replaces), and the name and email the contact API gave for a person.
"""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy import select

from assistdesk.bridge.lark.context import (
    DELETE_EPHEMERAL,
    EPHEMERAL,
    FORM,
    IDENTIFY,
    PATCH,
    PLATFORM,
    REPLY,
    SEND,
    LarkContext,
    place_of_destination,
)
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatMessage, Direction, TicketThread
from assistdesk.outbox.jobs import Job
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure
from assistdesk.platforms.lark import cards


class LarkDelivery:
    def __init__(self, ctx: LarkContext) -> None:
        self._ctx = ctx

    async def deliver(self, job: Job) -> Outcome:
        p = job.payload
        if job.kind == REPLY:
            return await self._ctx.api.reply_card(
                message_id=p["reply_to"], card=p["card"], uuid=job.idempotency_key
            )
        if job.kind == EPHEMERAL:
            return await self._ctx.api.send_ephemeral(
                chat_id=p["chat_id"], open_id=p["open_id"], card=p["card"]
            )
        if job.kind == FORM:
            return await self._form(job)
        if job.kind == PATCH:
            return await self._patch(job)
        if job.kind == DELETE_EPHEMERAL:
            return await self._ctx.api.delete_ephemeral(message_id=p["message_id"])
        if job.kind == IDENTIFY:
            person = await self._ctx.api.user(p["open_id"])
            if person is None:
                return Delivered(None, {"unknown": True})
            return Delivered(None, {"user_name": person.name, "user_email": person.email})
        if job.kind == SEND:
            return await self._ctx.api.send_card(
                chat_id=p["chat_id"], card=p["card"], uuid=job.idempotency_key
            )
        return PermanentFailure(f"unknown Lark job kind {job.kind!r}")

    async def _form(self, job: Job) -> Outcome:
        """The contact lookup happens here, not while Lark waits for its acknowledgement."""
        p = job.payload
        person = await self._ctx.api.user(p["open_id"])
        name, email = (person.name, person.email) if person is not None else ("", None)
        _ = self._ctx.translator(p.get("locale"))
        prefill = cards.FormPrefill(
            reporter_email=email or "", title=p["title"], description=p["description"]
        )
        callback = {
            "chat_id": p["chat_id"],
            "root": p["root"],
            "reply_to": p["reply_to"],
            "locale": _.locale,
            "name": name,
            "email": email or "",
        }
        card = cards.request_form(_, prefill, callback=callback)
        outcome = await self._ctx.api.send_ephemeral(chat_id=p["chat_id"], open_id=p["open_id"], card=card)
        if isinstance(outcome, Delivered) and person is not None:
            return Delivered(outcome.reference, {**outcome.data, "user_name": name, "user_email": email})
        return outcome

    async def _patch(self, job: Job) -> Outcome:
        p = job.payload
        message_id = await anyio.to_thread.run_sync(self._posted, int(p["comment_id"]), int(p["thread_id"]))
        if message_id is None:
            return Delivered(None, {"skipped": "the comment was never shown in this thread"})
        return await self._ctx.api.patch_card(message_id=message_id, card=p["card"])

    def _posted(self, comment_id: int, thread_id: int) -> str | None:
        """The update card we delivered for this comment in this thread, if any."""
        with self._ctx.db.reading() as session:
            return session.scalars(
                select(ChatMessage.message_id).where(
                    ChatMessage.comment_id == comment_id,
                    ChatMessage.thread_id == thread_id,
                    ChatMessage.platform == PLATFORM,
                    ChatMessage.direction == Direction.OUTBOUND.value,
                )
            ).first()

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        place = place_of_destination(job.destination)
        p = job.payload
        if job.kind in (REPLY, SEND) and outcome.reference:
            links.record_message(
                uow,
                platform=PLATFORM,
                workspace=place.workspace,
                channel=place.channel,
                message_id=outcome.reference,
                direction=Direction.OUTBOUND,
                ticket_id=p.get("ticket_id"),
                comment_id=p.get("comment_id"),
                thread_id=p.get("thread_id"),
            )
            if p.get("confirmation") and p.get("thread_id"):
                thread = uow.session.get(TicketThread, p["thread_id"])
                if thread is not None:
                    thread.confirmation_message = outcome.reference
        elif job.kind in (FORM, IDENTIFY) and "user_name" in outcome.data:
            links.upsert_identity(
                uow,
                platform=PLATFORM,
                workspace=place.workspace,
                user_id=p["open_id"],
                display_name=str(outcome.data.get("user_name") or ""),
                email=outcome.data.get("user_email"),
                locale=p.get("locale"),
            )
