"""Ticket events to the vendor's webhook subscribers, through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.representations import comment_out, ticket_out
from assistdesk.db.base import table_of
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
_TARGETS = "targets"
_MAX_PLAINTEXTS = 10_000
_hooks = table_of(WebhookSubscription)
_ACTIVE_TARGETS = select(_hooks.c.id, _hooks.c.url, _hooks.c.secret_ciphertext).where(
    _hooks.c.active.is_(True)
)


def _read_targets(session: Session) -> dict[int, tuple[str, str]]:
    """Every active webhook's URL and encrypted secret, by id."""
    return {row.id: (row.url, row.secret_ciphertext) for row in session.connection().execute(_ACTIVE_TARGETS)}


class WebhookBridge:
    # The worker records a delivery as plain statements: `after_delivery` writes nothing.
    writes_after_delivery = False

    def __init__(
        self, *, db: Database, secrets: SecretBox, public_url: str, allow_private: bool = False
    ) -> None:
        self._db = db
        self._allow_private = allow_private
        self._secrets = secrets
        self._public_url = public_url
        self._session: aiohttp.ClientSession | None = None
        self._plaintexts: dict[str, str] = {}

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
        this process applies at once, one made elsewhere within a second.

        A miss reads every active webhook's target in one statement, so a second of deliveries to
        many webhooks costs one read, not one per webhook. A webhook not among them (removed, or
        added elsewhere since the read) is looked for again, never remembered missing."""
        cache = self._db.cache(webhooks.CACHE)
        targets: dict[int, tuple[str, str]] | None = cache.peek(_TARGETS)
        if targets is None or webhook_id not in targets:
            generation = cache.generation
            targets = await self._db.read_async(_read_targets)
            cache.put(_TARGETS, targets, loaded_in=generation)
        found = targets.get(webhook_id)
        if found is None:
            return None
        url, ciphertext = found
        return url, self._secret(ciphertext)

    def _secret(self, ciphertext: str) -> str:
        """Decrypted once per stored secret: a changed secret is a new ciphertext."""
        secret = self._plaintexts.get(ciphertext)
        if secret is None:
            if len(self._plaintexts) >= _MAX_PLAINTEXTS:
                self._plaintexts.clear()
            secret = self._plaintexts[ciphertext] = self._secrets.decrypt(ciphertext)
        return secret

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        return None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
