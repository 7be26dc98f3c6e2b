"""Ticket events to Lark jobs, inside the transaction that changed the ticket.

Subscribers run inside that transaction (EventRouter), so the jobs exist if and only if the change
commits. Each job carries what its thread is told (jobs.ThreadNews); the words are chosen when it is
delivered, in the thread's language, as Slack's are. What each thread is told:
- a new ticket: the confirmation, in the thread of the message it was opened from;
- a public comment: an update card (create-and-follow threads: support's public replies only);
- an edited or removed public comment: the card that showed it, replaced;
- a status change: an update card (create-and-follow: with the latest reply from support).
Internal notes never leave. The thread a change came from is not told about it (it is already there).
"""

from __future__ import annotations

from assistdesk.bridge import follow, views
from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.lark import jobs
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links.models import TicketThread
from assistdesk.domain.orgs.enums import ChatMode
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.events import (
    CommentAdded,
    CommentDeleted,
    CommentEdited,
    TicketCreated,
    TicketEvent,
    TicketStatusChanged,
)
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob


class LarkOutbound(follow.ChatOutbound):
    platform = jobs.PLATFORM

    def install(self, router: EventRouter) -> None:
        router.subscribe(TicketCreated, self.on_created)
        router.subscribe(TicketStatusChanged, self.on_status_changed)
        router.subscribe(CommentAdded, self.on_comment)
        router.subscribe(CommentEdited, self.on_comment_edited)
        router.subscribe(CommentDeleted, self.on_comment_deleted)

    def _threads(
        self, uow: UnitOfWork, event: TicketEvent, *, all_of_them: bool = False
    ) -> list[TicketThread]:
        """Only threads with a root message: a Lark reply needs one to go under."""
        return [t for t in super()._threads(uow, event, all_of_them=all_of_them) if t.thread_root]

    @staticmethod
    def _post(
        thread: TicketThread,
        event: TicketEvent,
        news: jobs.ThreadNews,
        *,
        comment_id: int | None = None,
        confirmation: bool = False,
    ) -> NewJob:
        payload = jobs.ThreadPostJob(
            reply_to=thread.thread_root or "",
            ticket_id=thread.ticket_id,
            thread_id=thread.id,
            locale=thread.locale,
            news=news,
            comment_id=comment_id,
            confirmation=confirmation,
        )
        return jobs.for_thread(jobs.REPLY, thread, payload, cause=event.event_id)

    def on_created(self, uow: UnitOfWork, event: TicketCreated) -> None:
        """The confirmation, in the thread of the mention the form was asked for (a ticket opened
        elsewhere has no Lark thread yet)."""
        threads = self._threads(uow, event, all_of_them=True)
        if not threads:
            return
        news = jobs.TicketOpened(
            ticket=self._card(uow, event), follow=self._mode(uow, event) is not ChatMode.INTERACT
        )
        enqueue(uow, [self._post(t, event, news, confirmation=True) for t in threads])

    def on_comment(self, uow: UnitOfWork, event: CommentAdded) -> None:
        """Two-way groups see every public comment; create-and-follow groups see support's public
        replies (title, link, latest comment); nobody sees internal notes."""
        if not event.public:
            return
        threads = self._threads(uow, event)
        if not threads:
            return
        mode = self._mode(uow, event)
        comment = views.comment_view(tickets.get_comment(uow.session, event.comment_id))
        if mode is ChatMode.NONE or (
            mode is ChatMode.CREATE_AND_FOLLOW and comment.author_kind != follow.AGENT
        ):
            return
        news = jobs.CommentShown(ticket=self._card(uow, event), comment=comment)
        enqueue(uow, [self._post(t, event, news, comment_id=comment.id) for t in threads])

    def on_status_changed(self, uow: UnitOfWork, event: TicketStatusChanged) -> None:
        threads = self._threads(uow, event)
        if not threads:
            return
        mode = self._mode(uow, event)
        if mode is ChatMode.NONE:
            return
        following = mode is ChatMode.CREATE_AND_FOLLOW
        news = jobs.StatusChanged(
            ticket=self._card(uow, event),
            old_status=event.old_status,
            changed_by=event.actor_name,
            follow=following,
            latest=follow.latest_from_support(uow.session, ticket_id=event.ticket_id) if following else None,
        )
        enqueue(uow, [self._post(t, event, news) for t in threads])

    def on_comment_edited(self, uow: UnitOfWork, event: CommentEdited) -> None:
        if event.public:
            self._replace_posts(uow, event, removed=False)

    def on_comment_deleted(self, uow: UnitOfWork, event: CommentDeleted) -> None:
        if event.public:
            self._replace_posts(uow, event, removed=True)

    def _replace_posts(
        self, uow: UnitOfWork, event: CommentEdited | CommentDeleted, *, removed: bool
    ) -> None:
        """Replace the update card that showed the comment, in each thread that was told of it.

        Which message that is, is known once the card is delivered; the replacement is queued behind
        it in the same group, so the delivery handler looks it up then (and skips threads that never
        showed the comment)."""
        threads = self._threads(uow, event)
        if not threads:
            return
        ticket = self._card(uow, event)
        comment = views.comment_view(tickets.get_comment(uow.session, event.comment_id))
        news: jobs.ThreadNews = (
            jobs.CommentRemoved(ticket=ticket)
            if removed
            else jobs.CommentShown(ticket=ticket, comment=comment, edited=True)
        )
        told = []
        for thread in threads:
            payload = jobs.CardReplacementJob(
                comment_id=comment.id, thread_id=thread.id, locale=thread.locale, news=news
            )
            told.append(jobs.for_thread(jobs.PATCH, thread, payload, cause=event.event_id))
        enqueue(uow, told)
