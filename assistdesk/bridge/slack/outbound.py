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

from typing import Any

from assistdesk.bridge import follow, views
from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.slack import jobs
from assistdesk.db.uow import UnitOfWork
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


class SlackOutbound(follow.ChatOutbound):
    platform = SLACK

    def install(self, router: EventRouter) -> None:
        router.subscribe(TicketCreated, self.on_created)
        router.subscribe(TicketStatusChanged, self.on_status_changed)
        router.subscribe(TicketSeverityChanged, self.on_severity_changed)
        router.subscribe(CommentAdded, self.on_comment)
        router.subscribe(CommentEdited, self.on_comment_edited)
        router.subscribe(CommentDeleted, self.on_comment_deleted)

    @staticmethod
    def _job(thread: TicketThread, kind: str, event: TicketEvent, payload: jobs.ThreadJob) -> NewJob:
        return jobs.for_thread(kind, thread, payload, cause=event.event_id)

    def on_created(self, uow: UnitOfWork, event: TicketCreated) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if threads:
            card = self._card(uow, event)
            following = self._mode(uow, event) is not ChatMode.INTERACT
            told = [
                self._job(
                    t, jobs.CARD, event, jobs.CardJob(**_about(t), card=card, initial=True, follow=following)
                )
                for t in threads
            ]
            enqueue(uow, told)

    def on_status_changed(self, uow: UnitOfWork, event: TicketStatusChanged) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if not threads:
            return
        card = self._card(uow, event)
        mode = self._mode(uow, event)
        note = {
            "old_status": event.old_status,
            "new_status": event.new_status,
            "actor_name": event.actor_name,
        }
        following = mode is not ChatMode.INTERACT
        told: list[NewJob] = []
        for t in threads:
            told.append(
                self._job(t, jobs.CARD, event, jobs.CardJob(**_about(t), card=card, follow=following))
            )
            if mode is ChatMode.INTERACT:
                told.append(self._job(t, jobs.STATUS_NOTE, event, jobs.StatusNoteJob(**_about(t), **note)))
            elif mode is ChatMode.CREATE_AND_FOLLOW:
                latest = follow.latest_from_support(uow.session, ticket_id=event.ticket_id)
                update = jobs.UpdateJob(**_about(t), card=card, comment=latest, **note)
                told.append(self._job(t, jobs.UPDATE, event, update))
        enqueue(uow, told)

    def on_severity_changed(self, uow: UnitOfWork, event: TicketSeverityChanged) -> None:
        threads = self._threads(uow, event, all_of_them=True)
        if threads:
            card = self._card(uow, event)
            following = self._mode(uow, event) is not ChatMode.INTERACT
            told = [
                self._job(t, jobs.CARD, event, jobs.CardJob(**_about(t), card=card, follow=following))
                for t in threads
            ]
            enqueue(uow, told)

    def _comment_jobs(self, uow: UnitOfWork, event: CommentAdded | CommentEdited, kind: str) -> None:
        """Two-way threads get every public comment (and its edits); create-and-follow threads get
        an update for each new public reply from support; internal notes never leave."""
        if not event.public:
            return
        threads = self._threads(uow, event)
        if not threads:
            return
        mode = self._mode(uow, event)
        comment = views.comment_view(tickets.get_comment(uow.session, event.comment_id))
        card = self._card(uow, event)
        if (
            mode is ChatMode.CREATE_AND_FOLLOW
            and kind == jobs.COMMENT
            and comment.author_kind == follow.AGENT
        ):
            told = [
                self._job(t, jobs.UPDATE, event, jobs.UpdateJob(**_about(t), comment=comment, card=card))
                for t in threads
            ]
            enqueue(uow, told)
        elif mode is ChatMode.INTERACT:
            told = [
                self._job(t, kind, event, jobs.CommentJob(**_about(t), comment=comment, card=card))
                for t in threads
            ]
            enqueue(uow, told)

    def on_comment(self, uow: UnitOfWork, event: CommentAdded) -> None:
        self._comment_jobs(uow, event, jobs.COMMENT)

    def on_comment_edited(self, uow: UnitOfWork, event: CommentEdited) -> None:
        self._comment_jobs(uow, event, jobs.COMMENT_EDIT)

    def on_comment_deleted(self, uow: UnitOfWork, event: CommentDeleted) -> None:
        if not event.public or self._mode(uow, event) is not ChatMode.INTERACT:
            return
        threads = self._threads(uow, event)
        told = [
            self._job(
                t, jobs.COMMENT_DELETE, event, jobs.CommentDeleteJob(**_about(t), comment_id=event.comment_id)
            )
            for t in threads
        ]
        enqueue(uow, told)


def _about(thread: TicketThread) -> dict[str, Any]:
    """The fields every job about a thread carries: which thread, and its state when complete."""
    return {"thread_id": thread.id, "thread": jobs.thread_state(thread)}
