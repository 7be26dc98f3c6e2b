"""Ticket changes to the Lark groups that follow the ticket, in the ticket's thread.

Subscribers run inside the transaction that changed the ticket (EventRouter), so the update cards
exist if and only if the change commits. Public comments and status changes post an update card;
an edited or removed public comment replaces the card that showed it; internal notes never leave.
The thread a change came from is not told about it (it is already there).
"""

from __future__ import annotations

from collections.abc import Mapping

from assistdesk.bridge import follow
from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.lark.context import PATCH, PLATFORM, REPLY, LarkContext, group, job, place_of
from assistdesk.bridge.views import comment_view, threads_to_tell, ticket_card
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links.models import TicketThread
from assistdesk.domain.orgs.enums import ChatMode
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.events import CommentAdded, CommentDeleted, CommentEdited, TicketStatusChanged
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.platforms.lark import cards, plan_cards


class Notices:
    def __init__(self, ctx: LarkContext) -> None:
        self._ctx = ctx

    def install(self, router: EventRouter) -> None:
        router.subscribe(CommentAdded, self.on_comment_added)
        router.subscribe(CommentEdited, self.on_comment_edited)
        router.subscribe(CommentDeleted, self.on_comment_deleted)
        router.subscribe(TicketStatusChanged, self.on_status_changed)

    def _threads(self, uow: UnitOfWork, ticket_id: int, origin: str | None) -> list[TicketThread]:
        found = threads_to_tell(uow.session, ticket_id=ticket_id, platform=PLATFORM, origin=origin)
        return [t for t in found if t.thread_root]

    @staticmethod
    def _mode(uow: UnitOfWork, ticket_id: int) -> ChatMode:
        """What the ticket's organization's groups may do now (a plan change applies at once)."""
        return follow.mode_for_ticket(uow.session, ticket_id=ticket_id, platform=PLATFORM)

    def on_comment_added(self, uow: UnitOfWork, event: CommentAdded) -> None:
        """Two-way groups see every public comment; create-and-follow groups see support's public
        replies (title, link, latest comment); nobody sees internal notes."""
        if not event.public:
            return
        threads = self._threads(uow, event.ticket_id, event.origin)
        if not threads:
            return
        mode = self._mode(uow, event.ticket_id)
        comment = comment_view(tickets.get_comment(uow.session, event.comment_id))
        if mode is ChatMode.NONE or (
            mode is ChatMode.CREATE_AND_FOLLOW and comment.author_kind != follow.AGENT
        ):
            return
        ticket = ticket_card(
            tickets.get_ticket_by_id(uow.session, event.ticket_id), public_url=self._ctx.public_url
        )
        jobs = []
        for thread in threads:
            _ = self._ctx.translator(thread.locale)
            card = cards.comment_update(_, ticket, comment)
            extra = {"comment_id": comment.id}
            jobs.append(self._reply(thread, card, extra, event.event_id))
        enqueue(uow, jobs)

    def on_status_changed(self, uow: UnitOfWork, event: TicketStatusChanged) -> None:
        threads = self._threads(uow, event.ticket_id, event.origin)
        if not threads:
            return
        ticket = ticket_card(
            tickets.get_ticket_by_id(uow.session, event.ticket_id), public_url=self._ctx.public_url
        )
        mode = self._mode(uow, event.ticket_id)
        if mode is ChatMode.NONE:
            return
        latest = (
            follow.latest_from_support(uow.session, ticket_id=event.ticket_id)
            if mode is ChatMode.CREATE_AND_FOLLOW
            else None
        )
        jobs = []
        for thread in threads:
            _ = self._ctx.translator(thread.locale)
            if mode is ChatMode.CREATE_AND_FOLLOW:
                card = plan_cards.status_update(
                    _, ticket, old_status=event.old_status, by=event.actor_name, latest=latest
                )
            else:
                card = cards.status_update(_, ticket, old_status=event.old_status, by=event.actor_name)
            jobs.append(self._reply(thread, card, {}, event.event_id))
        enqueue(uow, jobs)

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
        threads = self._threads(uow, event.ticket_id, event.origin)
        if not threads:
            return
        ticket = ticket_card(
            tickets.get_ticket_by_id(uow.session, event.ticket_id), public_url=self._ctx.public_url
        )
        comment = comment_view(tickets.get_comment(uow.session, event.comment_id))
        jobs = []
        for thread in threads:
            _ = self._ctx.translator(thread.locale)
            card = (
                cards.comment_removed(_, ticket)
                if removed
                else cards.comment_update(_, ticket, comment, edited=True)
            )
            payload = {"comment_id": comment.id, "thread_id": thread.id, "card": card}
            place = place_of(thread.workspace, thread.channel)
            jobs.append(job(group(place), PATCH, payload, event.event_id, thread.id))
        enqueue(uow, jobs)

    def _reply(
        self, thread: TicketThread, card: cards.Card, extra: Mapping[str, object], cause: str
    ) -> NewJob:
        payload = {
            "reply_to": thread.thread_root,
            "card": card,
            "ticket_id": thread.ticket_id,
            "thread_id": thread.id,
            **extra,
        }
        return job(group(place_of(thread.workspace, thread.channel)), REPLY, payload, cause, thread.id)
