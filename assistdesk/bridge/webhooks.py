"""Ticket events to the vendor's webhook subscribers, through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.representations import comment_out, ticket_out
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.sla.events import SlaBreached, SlaWarning
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.events import (
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    TicketAssigned,
    TicketCreated,
    TicketEvent,
    TicketSeverityChanged,
    TicketStatusChanged,
)
from assistdesk.domain.webhooks import service as webhooks
from assistdesk.domain.webhooks.models import WebhookSubscription
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import Job, NewJob, destination_key, idempotency_key
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure
from assistdesk.platforms.webhook import client, destinations
from assistdesk.security.secretbox import SecretBox

if TYPE_CHECKING:
    import aiohttp

CHANNEL = "webhook"
KIND = "webhook.event"
_EVENTS: tuple[type[TicketEvent], ...] = (
    TicketCreated,
    TicketStatusChanged,
    TicketSeverityChanged,
    TicketAssigned,
    CommentAdded,
    CommentEdited,
    CommentDeleted,
    SlaWarning,
    SlaBreached,
)


class WebhookBridge:
    def __init__(
        self, *, db: Database, secrets: SecretBox, public_url: str, allow_private: bool = False
    ) -> None:
        self._db = db
        self._allow_private = allow_private
        self._secrets = secrets
        self._public_url = public_url
        self._session: aiohttp.ClientSession | None = None

    def install(self, router: EventRouter) -> None:
        for event_type in _EVENTS:
            router.subscribe(event_type, self.on_ticket_event)

    # Outbound: event -> jobs ---------------------------------------------------------------------

    def on_ticket_event(self, uow: UnitOfWork, event: TicketEvent) -> None:
        everyone = self._db.cache(webhooks.CACHE).get(
            "active", lambda: webhooks.active_subscribers(uow.session)
        )
        subscribers = [s for s in everyone if s.wants(event.name)]
        if not subscribers:
            return
        body = self._body(uow, event)
        enqueue(
            uow,
            [
                NewJob(
                    destination=destination_key(CHANNEL, str(hook.id)),
                    kind=KIND,
                    payload={"webhook_id": hook.id, "event": event.name, "body": body},
                    idempotency_key=idempotency_key(event.event_id, CHANNEL, hook.id),
                )
                for hook in subscribers
            ],
        )

    def _body(self, uow: UnitOfWork, event: TicketEvent) -> dict[str, Any]:
        ticket = tickets.get_ticket_by_id(uow.session, event.ticket_id)
        data: dict[str, Any] = {
            "ticket": ticket_out(ticket, public_url=self._public_url).model_dump(mode="json")
        }
        comment_id = getattr(event, "comment_id", None)
        if comment_id is not None:
            data["comment"] = comment_out(tickets.get_comment(uow.session, comment_id)).model_dump(
                mode="json"
            )
        for name in ("old_status", "new_status", "old_severity", "new_severity", "due_at"):
            if hasattr(event, name):
                data[name] = getattr(event, name)
        return {
            "id": event.event_id,
            "type": event.name,
            "occurred_at": event.occurred_at.isoformat(),
            "data": data,
        }

    # Delivery: job -> HTTP -----------------------------------------------------------------------

    async def deliver(self, job: Job) -> Outcome:
        target = await self._target(int(job.payload["webhook_id"]))
        if target is None:
            return PermanentFailure(f"webhook #{job.payload['webhook_id']} was removed or deactivated")
        url, secret = target
        if self._session is None or self._session.closed:
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=destinations.connector(allow_private=self._allow_private)
            )
        return await client.post(
            self._session,
            url=url,
            secret=secret,
            body=job.payload["body"],
            event=str(job.payload["event"]),
            delivery_id=job.idempotency_key,
            allow_private=self._allow_private,
        )

    async def _target(self, webhook_id: int) -> tuple[str, str] | None:
        """URL and secret, read at delivery time (a changed URL applies to queued deliveries and
        secrets stay out of job rows), kept in the subscriptions' process cache: a change made in
        this process applies at once, one made elsewhere within a second."""
        cache = self._db.cache(webhooks.CACHE)
        key = ("target", webhook_id)
        found: tuple[str, str] | None = cache.peek(key)
        if found is not None:
            return found
        generation = cache.generation
        target = await self._db.read_async(lambda session: self._read_target(session, webhook_id))
        if target is not None:  # a removed webhook is asked about again, never remembered
            cache.put(key, target, loaded_in=generation)
        return target

    def _read_target(self, session: Session, webhook_id: int) -> tuple[str, str] | None:
        hook = session.get(WebhookSubscription, webhook_id)
        if hook is None or not hook.active:
            return None
        return hook.url, self._secrets.decrypt(hook.secret_ciphertext)

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        return None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
