"""Domain events to ticket mail jobs, in the transaction that raised them.

Who hears by mail (INTERFACE.md, Mail): the reporter of a ticket opened by mail, in the help center or
through the API, for the acknowledgement, every public agent reply and every status change an agent
makes; the reporter of a chat ticket only after switching mail on in the help center (the chat thread
tells them otherwise). Internal notes and the customer's own changes never go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime

from assistdesk.bridge.mail import jobs, store
from assistdesk.bridge.mail.models import Direction
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import AuthorKind, TicketSource
from assistdesk.domain.tickets.events import CommentAdded, TicketCreated, TicketStatusChanged
from assistdesk.domain.tickets.models import Ticket
from assistdesk.i18n import Catalogs, words
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob, destination_key, idempotency_key
from assistdesk.platforms.mail import compose
from assistdesk.security.tokens import digest
from assistdesk.settings import Settings

CHANNEL = "mail"
MAILED_SOURCES = frozenset({TicketSource.EMAIL.value, TicketSource.PORTAL.value, TicketSource.API.value})


@dataclass(frozen=True)
class TicketFacts:
    """What the acknowledgement needs beyond the ticket. `first_response_due_at` is the plan's
    first-response commitment when one applies (None renders no promise), shown in the
    organization's time zone: the customer's business hours are counted there."""

    first_response_due_at: datetime | None = None
    timezone: str = "UTC"


class MailOutbound:
    def __init__(self, *, settings: Settings, catalogs: Catalogs) -> None:
        self._settings = settings
        self._catalogs = catalogs

    def on_ticket_created(self, uow: UnitOfWork, event: TicketCreated) -> None:
        ticket = tickets.get_ticket_by_id(uow.session, event.ticket_id)
        if ticket.source not in MAILED_SOURCES:
            return
        # The event is raised in the transaction that opened the ticket: only mail in starts a thread
        # with it. Elsewhere `_enqueue` starts one, and reads it after all if it was there.
        thread = store.thread(uow.session, ticket.id) if ticket.source == TicketSource.EMAIL.value else None
        view = compose.TicketMailView(
            kind=compose.ACKNOWLEDGEMENT,
            key=ticket.key,
            title=ticket.title,
            link=self._settings.ticket_url(ticket.key),
            expected_first_response=promise(
                TicketFacts(
                    first_response_due_at=ticket.first_response_due_at,
                    timezone=ticket.organization.timezone or "UTC",
                ),
                thread.locale if thread is not None else None,
            ),
        )
        self._enqueue(uow, ticket, thread, view, event.event_id)

    def on_comment_added(self, uow: UnitOfWork, event: CommentAdded) -> None:
        if not event.public or event.author_kind != AuthorKind.AGENT.value:
            return
        ticket = tickets.get_ticket_by_id(uow.session, event.ticket_id)
        thread = store.thread(uow.session, ticket.id)
        if not _mailed(ticket, thread):
            return
        comment = tickets.get_comment(uow.session, event.comment_id)
        view = compose.TicketMailView(
            kind=compose.REPLY,
            key=ticket.key,
            title=ticket.title,
            link=self._settings.ticket_url(ticket.key),
            body=comment.body,
            author_name=comment.author_name,
        )
        self._enqueue(uow, ticket, thread, view, event.event_id, author_name=comment.author_name)

    def on_status_changed(self, uow: UnitOfWork, event: TicketStatusChanged) -> None:
        if event.actor_kind != AuthorKind.AGENT.value:
            return
        ticket = tickets.get_ticket_by_id(uow.session, event.ticket_id)
        thread = store.thread(uow.session, ticket.id)
        if not _mailed(ticket, thread):
            return
        view = compose.TicketMailView(
            kind=compose.STATUS,
            key=ticket.key,
            title=ticket.title,
            link=self._settings.ticket_url(ticket.key),
            status=event.new_status,
        )
        self._enqueue(uow, ticket, thread, view, event.event_id)

    def _enqueue(
        self,
        uow: UnitOfWork,
        ticket: Ticket,
        thread: store.Thread | None,
        view: compose.TicketMailView,
        event_id: str,
        author_name: str = "",
    ) -> None:
        """`thread` is the ticket's mail thread as the caller read it, None when it has none (or, on
        a create, when none was read): at most one read per event, as the acknowledgement rides on
        every create."""
        key = idempotency_key(event_id, CHANNEL)
        message_id = f"<{key}@{self._domain()}>"
        # The first mail of a ticket opened elsewhere: every later one refers to it.
        if thread is None and not store.open_thread(uow.session, ticket_id=ticket.id, root=message_id):
            thread = store.thread(uow.session, ticket.id)
        locale = thread.locale if thread is not None else None
        root = _root_for(thread, message_id) if thread is not None else None
        _ = self._catalogs.translator(locale, "web")
        label = words.status(self._catalogs.translator(locale, "common"), view.status) if view.status else ""
        payload = jobs.TicketMailJob(
            to=ticket.reporter.email,
            ticket_key=ticket.key,
            message_id=message_id,
            thread_root=root,
            subject=compose.subject(view),
            text=compose.text(view, _, status_label=label),
            author_name=author_name,
        )
        # Written now, with the ticket: a reply to this mail finds its ticket even before it is sent.
        store.claim(
            uow.session,
            message_id=message_id,
            direction=Direction.OUTBOUND,
            sender=self._settings.support_address,
            ticket_id=ticket.id,
        )
        enqueue(
            uow,
            [
                NewJob(
                    destination=destination_key(CHANNEL, digest(ticket.reporter.email)[:32]),
                    kind=jobs.TICKET,
                    payload=payload.model_dump(mode="json"),
                    idempotency_key=key,
                )
            ],
        )

    def _domain(self) -> str:
        return self._settings.support_address.rsplit("@", 1)[-1] or "localhost"


def promise(facts: TicketFacts, locale: str | None) -> str | None:
    """The first-response promise in the reader's language, or None when the plan makes none."""
    if facts.first_response_due_at is None:
        return None
    try:
        zone = ZoneInfo(facts.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone, facts = ZoneInfo("UTC"), TicketFacts(facts.first_response_due_at, "UTC")
    when = format_datetime(facts.first_response_due_at, "medium", tzinfo=zone, locale=locale or "en")
    return f"{when} ({facts.timezone})"


def _mailed(ticket: Ticket, thread: store.Thread | None) -> bool:
    return ticket.source in MAILED_SOURCES or (thread is not None and thread.follow)


def _root_for(thread: store.Thread, message_id: str) -> str | None:
    return None if thread.root_message_id == message_id else thread.root_message_id
