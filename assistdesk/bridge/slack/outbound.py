"""Ticket events to Slack jobs, inside the transaction that changed the ticket.

What each thread is told:
- a new ticket: its card (the confirmation in the reacted message's thread, or the `/assist` root
  post, whose thread then becomes the ticket's);
- a status change: the card edited in place, in every thread (also the one whose reply reopened the
  ticket, so what the channel shows is always current), and a one-line note;
- a severity change: the card edited;
- a public comment, edit or deletion: in every thread but the one it came from. Internal notes never.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistdesk.bridge import views
from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.slack import jobs
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform, TicketThread
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.events import (
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    TicketCreated,
    TicketEvent,
    TicketSeverityChanged,
    TicketStatusChanged,
)
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob

SLACK = ChatPlatform.SLACK.value


class SlackOutbound:
    def __init__(self, *, public_url: str) -> None:
        self._public_url = public_url

    def install(self, router: EventRouter) -> None:
        router.subscribe(TicketCreated, self.on_created)
        router.subscribe(TicketStatusChanged, self.on_status_changed)
        router.subscribe(TicketSeverityChanged, self.on_severity_changed)
        router.subscribe(CommentAdded, self.on_comment)
        router.subscribe(CommentEdited, self.on_comment_edited)
        router.subscribe(CommentDeleted, self.on_comment_deleted)

    def _card(self, uow: UnitOfWork, event: TicketEvent) -> dict[str, object]:
        ticket = tickets.get_ticket_by_id(uow.session, event.ticket_id)
        return views.ticket_card(ticket, public_url=self._public_url).to_dict()

    @staticmethod
    def _job(thread: TicketThread, kind: str, event: TicketEvent, **payload: object) -> NewJob:
        return jobs.for_thread(
            kind=kind,
            workspace=thread.workspace,
            channel=thread.channel,
            thread_id=thread.id,
            cause=event.event_id,
            payload={**payload, "thread": jobs.thread_state(thread)},
        )

    @staticmethod
    def _threads(uow: UnitOfWork, event: TicketEvent, *, all_of_them: bool = False) -> Sequence[TicketThread]:
        if all_of_them:
            return links.threads_of(uow.session, ticket_id=event.ticket_id, platform=SLACK)
        return views.threads_to_tell(
            uow.session, ticket_id=event.ticket_id, platform=SLACK, origin=event.origin
        )

    def on_created(self, uow: UnitOfWork, event: TicketCreated) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if threads:
            card = self._card(uow, event)
            enqueue(uow, [self._job(t, jobs.CARD, event, card=card, initial=True) for t in threads])

    def on_status_changed(self, uow: UnitOfWork, event: TicketStatusChanged) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if not threads:
            return
        card = self._card(uow, event)
        note = {"old": event.old_status, "new": event.new_status, "actor": event.actor_name}
        enqueue(
            uow,
            [
                job
                for t in threads
                for job in (
                    self._job(t, jobs.CARD, event, card=card, initial=False),
                    self._job(t, jobs.STATUS_NOTE, event, **note),
                )
            ],
        )

    def on_severity_changed(self, uow: UnitOfWork, event: TicketSeverityChanged) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if threads:
            card = self._card(uow, event)
            enqueue(uow, [self._job(t, jobs.CARD, event, card=card, initial=False) for t in threads])

    def _comment_jobs(self, uow: UnitOfWork, event: CommentAdded | CommentEdited, kind: str) -> None:
        if not event.public:
            return
        threads = self._threads(uow, event)
        if not threads:
            return
        comment = views.comment_view(tickets.get_comment(uow.session, event.comment_id)).to_dict()
        card = self._card(uow, event)
        enqueue(uow, [self._job(t, kind, event, comment=comment, card=card) for t in threads])

    def on_comment(self, uow: UnitOfWork, event: CommentAdded) -> None:
        self._comment_jobs(uow, event, jobs.COMMENT)

    def on_comment_edited(self, uow: UnitOfWork, event: CommentEdited) -> None:
        self._comment_jobs(uow, event, jobs.COMMENT_EDIT)

    def on_comment_deleted(self, uow: UnitOfWork, event: CommentDeleted) -> None:
        if not event.public:
            return
        threads = self._threads(uow, event)
        enqueue(uow, [self._job(t, jobs.COMMENT_DELETE, event, comment_id=event.comment_id) for t in threads])
