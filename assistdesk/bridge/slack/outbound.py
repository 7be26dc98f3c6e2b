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

from assistdesk.bridge import follow, views
from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.slack import jobs
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform, TicketThread
from assistdesk.domain.orgs.enums import ChatMode
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

    @staticmethod
    def _mode(uow: UnitOfWork, event: TicketEvent) -> ChatMode:
        """Decided at each change, from the plan as it is now (an upgrade applies at once)."""
        return follow.mode_for_ticket(uow.session, ticket_id=event.ticket_id, platform=SLACK)

    def on_created(self, uow: UnitOfWork, event: TicketCreated) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if threads:
            card = self._card(uow, event)
            following = self._mode(uow, event) is not ChatMode.INTERACT
            enqueue(
                uow,
                [self._job(t, jobs.CARD, event, card=card, initial=True, follow=following) for t in threads],
            )

    def on_status_changed(self, uow: UnitOfWork, event: TicketStatusChanged) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if not threads:
            return
        card = self._card(uow, event)
        mode = self._mode(uow, event)
        note = {"old": event.old_status, "new": event.new_status, "actor": event.actor_name}
        following = mode is not ChatMode.INTERACT
        told: list[NewJob] = []
        for t in threads:
            told.append(self._job(t, jobs.CARD, event, card=card, initial=False, follow=following))
            if mode is ChatMode.INTERACT:
                told.append(self._job(t, jobs.STATUS_NOTE, event, **note))
            elif mode is ChatMode.CREATE_AND_FOLLOW:
                latest = follow.latest_from_support(uow.session, ticket_id=event.ticket_id)
                comment = latest.to_dict() if latest is not None else None
                told.append(self._job(t, jobs.UPDATE, event, card=card, comment=comment, **note))
        enqueue(uow, told)

    def on_severity_changed(self, uow: UnitOfWork, event: TicketSeverityChanged) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if threads:
            card = self._card(uow, event)
            following = self._mode(uow, event) is not ChatMode.INTERACT
            enqueue(
                uow,
                [self._job(t, jobs.CARD, event, card=card, initial=False, follow=following) for t in threads],
            )

    def _comment_jobs(self, uow: UnitOfWork, event: CommentAdded | CommentEdited, kind: str) -> None:
        """Two-way threads get every public comment (and its edits); create-and-follow threads get
        an update for each new public reply from support; internal notes never leave."""
        if not event.public:
            return
        threads = self._threads(uow, event)
        if not threads:
            return
        mode = self._mode(uow, event)
        view = views.comment_view(tickets.get_comment(uow.session, event.comment_id))
        comment, card = view.to_dict(), self._card(uow, event)
        if mode is ChatMode.CREATE_AND_FOLLOW and kind == jobs.COMMENT and view.author_kind == follow.AGENT:
            enqueue(uow, [self._job(t, jobs.UPDATE, event, comment=comment, card=card) for t in threads])
        elif mode is ChatMode.INTERACT:
            enqueue(uow, [self._job(t, kind, event, comment=comment, card=card) for t in threads])

    def on_comment(self, uow: UnitOfWork, event: CommentAdded) -> None:
        self._comment_jobs(uow, event, jobs.COMMENT)

    def on_comment_edited(self, uow: UnitOfWork, event: CommentEdited) -> None:
        self._comment_jobs(uow, event, jobs.COMMENT_EDIT)

    def on_comment_deleted(self, uow: UnitOfWork, event: CommentDeleted) -> None:
        if not event.public or self._mode(uow, event) is not ChatMode.INTERACT:
            return
        threads = self._threads(uow, event)
        enqueue(uow, [self._job(t, jobs.COMMENT_DELETE, event, comment_id=event.comment_id) for t in threads])
