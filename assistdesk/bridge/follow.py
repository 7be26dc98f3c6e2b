"""What a ticket's chat threads are told, by the plan of the ticket's organization at that moment.

Two-way threads (Premium) get support's replies under the engineer's name and the live status;
create-and-follow threads (Enterprise) get one update per public reply from support or status
change: the title, the link and the latest comment. Shared by the Slack and Lark outbound paths, so
both platforms follow the same row of the plan page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.bridge import views
from assistdesk.bridge.views import CommentView, TicketCard, comment_view
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform, TicketThread
from assistdesk.domain.orgs.entitlements import channel_mode
from assistdesk.domain.orgs.enums import ChatMode, Feature
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.events import TicketEvent
from assistdesk.domain.tickets.models import Comment

_FEATURE = {ChatPlatform.SLACK.value: Feature.SLACK, ChatPlatform.LARK.value: Feature.LARK}
AGENT = "agent"


def mode_for_ticket(session: Session, *, ticket_id: int, platform: str) -> ChatMode:
    """What the ticket's organization's channels on `platform` may do now."""
    ticket = tickets.get_ticket_by_id(session, ticket_id)
    return channel_mode(ticket.organization, _FEATURE[platform])


def latest_from_support(session: Session, *, ticket_id: int) -> CommentView | None:
    """The newest public comment written by an agent, not deleted: what an update shows."""
    comment = session.scalars(
        select(Comment)
        .where(
            Comment.ticket_id == ticket_id,
            Comment.public.is_(True),
            Comment.author_kind == AGENT,
            Comment.deleted_at.is_(None),
        )
        .order_by(Comment.id.desc())
        .limit(1)
    ).first()
    return comment_view(comment) if comment is not None else None


class ChatOutbound:
    """What every chat channel's outbound subscribers read about an event before choosing what to
    tell: the ticket's card, the threads to tell, and what the plan lets them hear. One reading, so
    Slack and Lark threads hear of the same changes."""

    platform: ClassVar[str]

    def __init__(self, *, public_url: str) -> None:
        self._public_url = public_url

    def _card(self, uow: UnitOfWork, event: TicketEvent) -> TicketCard:
        ticket = tickets.get_ticket_by_id(uow.session, event.ticket_id)
        return views.ticket_card(ticket, public_url=self._public_url)

    def _threads(
        self, uow: UnitOfWork, event: TicketEvent, *, all_of_them: bool = False
    ) -> Sequence[TicketThread]:
        """The ticket's threads on this platform: `all_of_them`, or all but the one the change came from."""
        if all_of_them:
            return links.threads_of(uow.session, ticket_id=event.ticket_id, platform=self.platform)
        return views.threads_to_tell(
            uow.session, ticket_id=event.ticket_id, platform=self.platform, origin=event.origin
        )

    def _mode(self, uow: UnitOfWork, event: TicketEvent) -> ChatMode:
        """Decided at each change, from the plan as it is now (an upgrade applies at once)."""
        return mode_for_ticket(uow.session, ticket_id=event.ticket_id, platform=self.platform)
